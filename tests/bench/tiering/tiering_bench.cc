// tiering_bench: the benchmark of issue 5.
//
//   tiering_bench [--registrations=1000000] [--as_of=2025-06-30] [--lookups=20000] [--k=32]
//                 [--security=off|on|both] [--writes=0]
//
// 1. Populates a fresh tiering.db in-process through the service's own code: every registration
//    arrives as a RegistrationCreated event through Profiles::ApplyRegistrationEvent (the feed
//    consumer's path: profile, type from the shipped rules, cursor), one in five followed by a
//    RegistrationDeregistered event effective after as_of. All registrations are active on as_of,
//    registered 0-730 days before it (a quarter in each level). Their service deliveries (first
//    interview, the three lists, job recommendations, career guidance, job fair, training; about
//    five per registration, some late, some never) are inserted through the store interface
//    (TieringTx::InsertDelivery, 10,000 registrations per transaction). Loading uses
//    synchronous=OFF: the load is set-up, not the measurement.
// 2. Times computing the level and plan status of every registration as of as_of, in-process:
//    Plans::GetPlanFulfilment of the province (one pass, TieringTx::ScanPlanInputsAnyOrder, that
//    evaluates every plan; issue target <= 10 s for 1,000,000), then ListPlanGaps of the province
//    over every page, then single GetServicePlan calls for a sample.
// 3. Starts tiering_server as a child process on port 0 on that database (feed consumer off) and
//    measures GetServicePlan over gRPC with --k concurrent callers on the async callback stub:
//    p50/p90/p99 latency (issue target p99 <= 5 ms under load) and calls/s; with --writes, also
//    RecordServiceDelivery calls. --security=on measures a secured server instead (mutual TLS with
//    a dev CA from deploy/security/make-dev-ca.sh, a caller token on every call, the policy, the
//    audit log, masking) and --security=both the open one and then the secured one with the same
//    calls, then the difference: calls/s, latency and server and client CPU per call.
// 4. Prints this process's and the server's peak memory (VmHWM), the load average and one
//    "RESULT key=value ..." line.
// Speed is printed, never asserted. The exit code is 0 when every plan was computed, the counts
// agree and every look-up succeeded.

#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/crypto/data_keyring.h"
#include "common/security/audit_log.h"
#include "common/security/call_guard.h"
#include "common/security/token.h"
#include "common/server/settings.h"
#include "common/store/database.h"
#include "common/store/migration.h"
#include "common/time/clock.h"
#include "common/time/time_zone.h"
#include "common/validation/region_directory.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/tiering/difficulty_criteria.h"
#include "services/tiering/service_plan.h"
#include "services/tiering/sqlite_tiering_store.h"
#include "services/tiering/tiering.h"
#include "services/tiering/type_rules.h"
#include "tests/bench/bench_main.h"
#include "tests/bench/child_process.h"
#include "tests/bench/load_runner.h"
#include "unemployment/registration/v1/registration_service.pb.h"
#include "unemployment/tiering/v1/tiering_service.grpc.pb.h"

namespace unemployment::bench {
namespace {

namespace fs = std::filesystem;
namespace tv1 = ::unemployment::tiering::v1;
namespace reg = ::unemployment::registration::v1;
namespace codes = ::unemployment::common::v1;
using google::protobuf::util::TimeUtil;

constexpr absl::Duration kStartupTimeout = absl::Seconds(60);
constexpr char kFeed[] = "registration";
constexpr char kProvince[] = "230000";
constexpr int64_t kRegistrationsPerDeliveryTx = 10000;
// Registrations are registered at most this many days before as_of.
constexpr int kOldestRegistrationDays = 730;

struct Config {
  int64_t registrations = 0;
  absl::CivilDay as_of;
  size_t lookups = 0;
  size_t warmup = 0;
  int k = 0;
  // Further caller counts measured after --k, same calls each time.
  std::vector<int> k_sweep;
  int64_t sample_plans = 0;
  bool all_plans = true;
  bool list_gaps = true;
  bool breakdown = true;
  bool keep_data = false;
  // Which servers phase 3 measures: {false} (open), {true} (secured) or {false, true}.
  std::vector<bool> security_modes;
  // RecordServiceDelivery calls measured per caller count (0: none).
  size_t writes = 0;
  std::string security_ca_dir;
  std::string security_role;
  std::vector<std::string> server_args;
  std::string server;
  std::string source_dir;
  std::string work_dir_parent;
};

void DefineSettings(server::Settings& settings) {
  settings.Define("registrations", "1000000", "registrations active on as_of");
  settings.Define("as_of", "2025-06-30", "the date levels and plans are computed as of");
  settings.Define("lookups", "20000", "GetServicePlan calls measured over gRPC");
  settings.Define("warmup", "1000", "GetServicePlan calls made before measuring");
  settings.Define("k", "32", "concurrent GetServicePlan callers");
  settings.Define("k_sweep", "",
                  "comma-separated further caller counts, each measured with the same --lookups "
                  "calls after --k (e.g. 1,4,8,16)");
  settings.Define("sample_plans", "100000",
                  "in-process GetServicePlan calls timed one after another (0: skip)");
  settings.Define("all_plans", "true",
                  "time GetPlanFulfilment of the province (every plan as of as_of, one pass)");
  settings.Define("list_gaps", "true", "also time ListPlanGaps of the province over every page");
  settings.Define("breakdown", "true",
                  "also time the profile scan and the delivery reads of the pass on their own");
  settings.Define("security", "off",
                  "phase 3 against an open server (off), a secured one (on: mutual TLS, a caller "
                  "token on every call, the policy, the audit log and masking, rate limit off), or "
                  "both one after the other with the same calls (both)");
  settings.Define("writes", "0",
                  "RecordServiceDelivery calls measured over gRPC for --k and each --k_sweep "
                  "count (0: none)");
  settings.Define("security_ca_dir", "",
                  "dev CA of deploy/security/make-dev-ca.sh used with --security=on|both "
                  "(default: made in the data folder)");
  settings.Define("security_role", "followup-staff",
                  "role of the caller token with security on (followup-staff sees personal data "
                  "clear; auditor gets masked plans but may not record deliveries)");
  settings.Define("server_args", "",
                  "extra tiering_server flags, space-separated (e.g. --sqlite_synchronous=NORMAL)");
  settings.Define("tiering_server", UE_TIERING_SERVER, "tiering_server binary");
  settings.Define("source_dir", UE_SOURCE_DIR, "repository root (data/tiering, data/regions)");
  settings.Define("work_dir", "",
                  "folder in which a fresh data folder is made (default $TMPDIR or /tmp)");
  settings.Define("keep_data", "false", "keep the data folder (tiering.db and server log)");
}

absl::StatusOr<Config> ReadConfig(const server::Settings& settings) {
  Config config;
  absl::StatusOr<int64_t> registrations = settings.GetInt("registrations");
  absl::StatusOr<int64_t> lookups = settings.GetInt("lookups");
  absl::StatusOr<int64_t> warmup = settings.GetInt("warmup");
  absl::StatusOr<int64_t> k = settings.GetInt("k");
  absl::StatusOr<int64_t> sample = settings.GetInt("sample_plans");
  absl::StatusOr<bool> all_plans = settings.GetBool("all_plans");
  absl::StatusOr<bool> gaps = settings.GetBool("list_gaps");
  absl::StatusOr<bool> breakdown = settings.GetBool("breakdown");
  absl::StatusOr<bool> keep = settings.GetBool("keep_data");
  absl::StatusOr<int64_t> writes = settings.GetInt("writes");
  for (const absl::Status& status :
       {registrations.status(), lookups.status(), warmup.status(), k.status(), sample.status(),
        all_plans.status(), gaps.status(), breakdown.status(), keep.status(), writes.status()}) {
    if (!status.ok()) return status;
  }
  if (*registrations < 1 || *registrations > 10'000'000 || *lookups < 1 || *warmup < 0 || *k < 1 ||
      *k > 10000 || *sample < 0) {
    return absl::InvalidArgumentError(
        "--registrations must be 1 to 10,000,000, --lookups positive, --warmup and "
        "--sample_plans not negative, --k 1 to 10000");
  }
  if (!absl::ParseCivilTime(settings.Get("as_of"), &config.as_of)) {
    return absl::InvalidArgumentError("--as_of must be a date YYYY-MM-DD");
  }
  config.registrations = *registrations;
  config.lookups = static_cast<size_t>(*lookups);
  config.warmup = static_cast<size_t>(*warmup);
  config.k = static_cast<int>(*k);
  for (absl::string_view text : absl::StrSplit(settings.Get("k_sweep"), ',', absl::SkipEmpty())) {
    int callers = 0;
    if (!absl::SimpleAtoi(text, &callers) || callers < 1 || callers > 10000) {
      return absl::InvalidArgumentError("--k_sweep must list caller counts of 1 to 10000");
    }
    config.k_sweep.push_back(callers);
  }
  config.sample_plans = *sample;
  config.all_plans = *all_plans;
  config.list_gaps = *gaps;
  config.breakdown = *breakdown;
  config.keep_data = *keep;
  const std::string security = settings.Get("security");
  if (security == "off") {
    config.security_modes = {false};
  } else if (security == "on") {
    config.security_modes = {true};
  } else if (security == "both") {
    config.security_modes = {false, true};
  } else {
    return absl::InvalidArgumentError("--security must be off, on or both");
  }
  if (*writes < 0) return absl::InvalidArgumentError("--writes must not be negative");
  config.writes = static_cast<size_t>(*writes);
  config.security_ca_dir = settings.Get("security_ca_dir");
  config.security_role = settings.Get("security_role");
  config.server_args = absl::StrSplit(settings.Get("server_args"), ' ', absl::SkipEmpty());
  config.server = settings.Get("tiering_server");
  config.source_dir = settings.Get("source_dir");
  config.work_dir_parent = settings.Get("work_dir");
  if (config.work_dir_parent.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    config.work_dir_parent = (tmp != nullptr && *tmp != '\0') ? tmp : "/tmp";
  }
  return config;
}

// splitmix64 of (index, salt): deterministic, so that runs are comparable.
uint64_t Hash(int64_t index, uint64_t salt) {
  uint64_t z = static_cast<uint64_t>(index) * 0x9E3779B97F4A7C15ULL + salt * 0xD1B54A32D192ED03ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::string DateText(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

double SecondsSince(absl::Time start) { return absl::ToDoubleSeconds(absl::Now() - start); }

// A field of /proc/<pid>/status ("VmHWM:", "VmRSS:") in MiB; 0 when unreadable.
double StatusMiB(pid_t pid, absl::string_view field) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (!absl::StartsWith(line, field)) continue;
    int64_t kib = 0;
    for (absl::string_view word :
         absl::StrSplit(line.substr(field.size()), ' ', absl::SkipEmpty())) {
      if (absl::SimpleAtoi(word, &kib)) break;
    }
    return static_cast<double>(kib) / 1024.0;
  }
  return 0;
}

// VmRSS counts the pages of tiering.db mapped by PRAGMA mmap_size (RssFile: the page cache, shared
// and reclaimable); RssAnon is the process's own memory.
std::string Memory(absl::string_view who, pid_t pid) {
  return absl::StrFormat(
      "%s VmRSS %.0f MiB (RssAnon %.0f MiB, RssFile %.0f MiB), VmHWM (peak) %.0f MiB", who,
      StatusMiB(pid, "VmRSS:"), StatusMiB(pid, "RssAnon:"), StatusMiB(pid, "RssFile:"),
      StatusMiB(pid, "VmHWM:"));
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return absl::StrCat(one, " ", five, " ", fifteen);
}

absl::Time NoonOf(absl::CivilDay day) {
  return absl::FromCivil(absl::CivilSecond(day.year(), day.month(), day.day(), 12, 0, 0),
                         time::ChinaTimeZone());
}

google::protobuf::Timestamp TimestampOf(absl::Time t) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

std::string RegistrationId(int64_t i) { return absl::StrCat("hlj-bench-", i); }

// The registered date of registration `i`: a quarter in each level on as_of (short-term 0-30 days
// before, medium-short 31-91, medium-long 92-183, long-term 184-730).
absl::CivilDay RegisteredDate(int64_t i, absl::CivilDay as_of) {
  const uint64_t h = Hash(i, 1);
  static constexpr int kFrom[] = {0, 31, 92, 184};
  static constexpr int kTo[] = {30, 91, 183, kOldestRegistrationDays};
  const int band = static_cast<int>(h % 4);
  const int span = kTo[band] - kFrom[band] + 1;
  return as_of - (kFrom[band] + static_cast<int>((h >> 8) % static_cast<uint64_t>(span)));
}

reg::Registration MakeRegistration(int64_t i, absl::CivilDay as_of,
                                   const std::vector<std::string>& offices) {
  static constexpr codes::Education kEducation[] = {
      codes::EDUCATION_JUNIOR_HIGH, codes::EDUCATION_HIGH_SCHOOL,    codes::EDUCATION_BACHELOR,
      codes::EDUCATION_PRIMARY,     codes::EDUCATION_JUNIOR_COLLEGE, codes::EDUCATION_MASTER};
  const uint64_t h = Hash(i, 2);
  reg::Registration r;
  r.set_id(RegistrationId(i));
  r.set_name(absl::StrCat("登记人", i));
  r.mutable_person_id()->set_id_type(codes::ID_TYPE_RESIDENT_ID_CARD);
  // Not checked by tiering; distinct per registration.
  r.mutable_person_id()->set_id_number(absl::StrFormat("2301%014d", i));
  r.set_office_region_code(offices[h % offices.size()]);
  r.set_registered_date(DateText(RegisteredDate(i, as_of)));
  r.set_state(reg::REGISTRATION_STATE_ACTIVE);
  const absl::CivilDay birth(as_of.year() - 18 - static_cast<int>((h >> 8) % 42),
                             1 + static_cast<int>((h >> 16) % 12),
                             1 + static_cast<int>((h >> 24) % 28));
  r.set_birth_date(DateText(birth));
  r.mutable_form()->set_sex((h >> 32) % 2 == 0 ? codes::SEX_MALE : codes::SEX_FEMALE);
  r.mutable_form()->set_education(kEducation[(h >> 36) % std::size(kEducation)]);
  r.mutable_form()->set_unemployment_cause(codes::UNEMPLOYMENT_CAUSE_RESIGNED);
  r.mutable_form()->add_job_intentions("普工");
  if ((h >> 40) % 10 < 3) {
    codes::Qualification* q = r.mutable_form()->add_qualifications();
    q->set_name("电工");
    q->set_level("四级/中级工");
  }
  return r;
}

// The deliveries registration `i` received up to as_of: about 90% had the first interview and
// 70% the three lists in their first week, 0-4 job recommendations in the first 30 days (some of
// them after short-term ended: late), career guidance and a job fair for about half of those
// past short-term, vocational training for 40% of those past medium-short.
void AppendDeliveries(int64_t i, absl::CivilDay as_of, std::vector<tv1::ServiceDelivery>& out,
                      int64_t& next_id) {
  const absl::CivilDay registered = RegisteredDate(i, as_of);
  const int64_t days = as_of - registered;
  const uint64_t h = Hash(i, 3);
  auto add = [&](tv1::ServiceType type, int64_t offset) -> tv1::ServiceDelivery* {
    if (offset > days) return nullptr;
    tv1::ServiceDelivery& d = out.emplace_back();
    d.set_delivery_id(absl::StrCat("bench-dlv-", ++next_id));
    d.set_registration_id(RegistrationId(i));
    d.set_type(type);
    d.set_delivered_on(DateText(registered + offset));
    d.set_provider("道里区公共就业服务中心");
    d.set_staff_id("staff-bench");
    *d.mutable_recorded_at() =
        TimestampOf(NoonOf(registered + offset) + absl::Seconds(next_id % 3600));
    return &d;
  };
  const int64_t first_week = static_cast<int64_t>(h % 7);
  if (h % 10 < 9) add(tv1::SERVICE_TYPE_FIRST_INTERVIEW, first_week);
  if ((h >> 8) % 10 < 7) {
    for (tv1::ServiceType type :
         {tv1::SERVICE_TYPE_POLICY_LIST_HANDED_OUT, tv1::SERVICE_TYPE_SERVICE_LIST_HANDED_OUT,
          tv1::SERVICE_TYPE_AGENCY_LIST_HANDED_OUT}) {
      if (tv1::ServiceDelivery* d = add(type, first_week); d != nullptr) {
        d->mutable_catalog_handout()->set_region_code(kProvince);
        d->mutable_catalog_handout()->set_version(1);
      }
    }
  }
  const int recommendations = static_cast<int>((h >> 16) % 5);
  for (int j = 0; j < recommendations; ++j) {
    const int64_t offset = static_cast<int64_t>(Hash(i * 8 + j, 4) % 40);
    if (tv1::ServiceDelivery* d = add(tv1::SERVICE_TYPE_JOB_RECOMMENDATION, offset); d != nullptr) {
      d->mutable_job_recommendation()->set_job_title("仓库管理员");
      d->mutable_job_recommendation()->set_employer_name("哈尔滨某物流有限公司");
    }
  }
  if ((h >> 24) % 10 < 5)
    add(tv1::SERVICE_TYPE_CAREER_GUIDANCE, 31 + static_cast<int64_t>((h >> 28) % 70));
  if ((h >> 32) % 10 < 5) {
    if (tv1::ServiceDelivery* d =
            add(tv1::SERVICE_TYPE_JOB_FAIR, 31 + static_cast<int64_t>((h >> 36) % 70));
        d != nullptr) {
      d->mutable_job_fair()->set_fair_name("春风行动专场招聘会");
    }
  }
  if ((h >> 44) % 10 < 4) {
    if (tv1::ServiceDelivery* d =
            add(tv1::SERVICE_TYPE_VOCATIONAL_TRAINING, 92 + static_cast<int64_t>((h >> 48) % 100));
        d != nullptr) {
      d->mutable_course()->set_course_name("电工上岗培训");
      d->mutable_course()->set_training_provider("哈尔滨市职业技能培训中心");
    }
  }
}

std::chrono::system_clock::time_point DeadlineAfter(absl::Duration timeout) {
  return absl::ToChronoTime(absl::Now() + timeout);
}

const char* LevelName(int level) {
  switch (level) {
    case codes::UNEMPLOYMENT_LEVEL_SHORT_TERM:
      return "short-term";
    case codes::UNEMPLOYMENT_LEVEL_MEDIUM_SHORT:
      return "medium-short";
    case codes::UNEMPLOYMENT_LEVEL_MEDIUM_LONG:
      return "medium-long";
    case codes::UNEMPLOYMENT_LEVEL_LONG_TERM:
      return "long-term";
    default:
      return "everyone/intentions";
  }
}

// One measured figure of phase 3: `what` ("GetServicePlan", "RecordServiceDelivery") with `k`
// callers against the open or the secured server.
struct Figure {
  bool secured = false;
  std::string what;
  int k = 0;
  double per_s = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  // CPU per call of the server and of this process (the client), microseconds.
  double server_us = 0;
  double client_us = 0;
};

std::string ReadFileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Phase 3 against one tiering_server on data_dir: open (plaintext, no checks) or secured with the
// dev CA in ca_dir (mutual TLS, a token on every call, policy, audit log, masking; rate limit
// off so that it does not refuse the bench). The same GetServicePlan calls for --k and each
// --k_sweep count, then --writes RecordServiceDelivery calls for each. Appends the figures; sets
// *ok false when a call fails or, secured, when a call without a token is not refused or the
// audit log does not hold one entry per call.
absl::Status MeasureServer(const Config& config, const std::string& data_dir, bool secured,
                           const std::string& ca_dir, std::vector<Figure>& figures,
                           std::vector<std::string>& result_fields, bool* ok) {
  const std::string mode = secured ? "secured" : "open";
  std::vector<std::string> argv = {
      config.server, "--listen=127.0.0.1:0", "--data_dir=" + data_dir, "--registration_addr=",
      "--tiering_rules_dir=" + config.source_dir + "/data/tiering",
      "--regions_dir=" + config.source_dir + "/data/regions"};
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  std::string token;
  if (secured) {
    for (std::string flag :
         {"--security_policy=" + config.source_dir + "/data/security/policy",
          "--tls_cert=" + ca_dir + "/server/tiering.pem",
          "--tls_key=" + ca_dir + "/server/tiering.key", "--tls_client_ca=" + ca_dir + "/ca.pem",
          "--token_public_keys=" + ca_dir + "/token-keys",
          "--audit_key_file=" + ca_dir + "/audit.key", std::string("--rate_limit=0")}) {
      argv.push_back(std::move(flag));
    }
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = ReadFileText(ca_dir + "/ca.pem");
    tls.pem_cert_chain = ReadFileText(ca_dir + "/client/staff-client.pem");
    tls.pem_private_key = ReadFileText(ca_dir + "/client/staff-client.key");
    if (tls.pem_root_certs.empty() || tls.pem_cert_chain.empty() || tls.pem_private_key.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("no dev CA with client/staff-client.pem in ", ca_dir));
    }
    credentials = grpc::SslCredentials(tls);
    absl::StatusOr<security::TokenSigningKey> signing_key =
        security::TokenSigningKey::Load(ca_dir + "/token-signing.key");
    if (!signing_key.ok()) return signing_key.status();
    security::CallerClaims claims;
    claims.system = "staff-client";
    claims.subject = "tiering-bench";
    claims.role = config.security_role;
    claims.region = "*";
    claims.not_before = absl::Now();
    claims.expires = claims.not_before + security::kMaxTokenValidity;
    absl::StatusOr<std::string> issued = security::IssueToken(claims, *signing_key);
    if (!issued.ok()) return issued.status();
    token = absl::StrCat("Bearer ", *issued);
  }
  for (const std::string& arg : config.server_args) argv.push_back(arg);
  absl::StatusOr<std::unique_ptr<ChildProcess>> server = ChildProcess::Start(
      argv, "tiering", absl::StrCat(data_dir, "/tiering-", mode, ".log"), kStartupTimeout);
  if (!server.ok()) return server.status();
  const pid_t pid = (*server)->pid();
  std::cout << "server (" << mode << "): " << (*server)->address() << " (pid " << pid << "); "
            << Memory("server", pid) << std::endl;
  std::shared_ptr<grpc::Channel> channel = grpc::CreateChannel((*server)->address(), credentials);
  if (!channel->WaitForConnected(DeadlineAfter(absl::Seconds(10)))) {
    return absl::UnavailableError(absl::StrCat("cannot connect to the ", mode, " tiering_server"));
  }
  std::unique_ptr<tv1::TieringService::Stub> stub = tv1::TieringService::NewStub(channel);
  size_t calls_made = 0;
  if (secured) {
    // The layer is really on: the same call without a token is refused.
    grpc::ClientContext context;
    context.set_deadline(DeadlineAfter(absl::Seconds(10)));
    tv1::GetServicePlanRequest request;
    request.set_registration_id(RegistrationId(0));
    request.set_as_of(DateText(config.as_of));
    tv1::GetServicePlanResponse response;
    const grpc::Status refused = stub->GetServicePlan(&context, request, &response);
    std::cout << "  a call with the certificate but no token: code " << refused.error_code()
              << " (16 = UNAUTHENTICATED) " << refused.error_message() << std::endl;
    if (refused.error_code() != grpc::StatusCode::UNAUTHENTICATED) *ok = false;
  }

  const size_t total = config.warmup + config.lookups;
  std::vector<tv1::GetServicePlanRequest> requests(total);
  for (size_t j = 0; j < total; ++j) {
    requests[j].set_registration_id(RegistrationId(static_cast<int64_t>(
        Hash(static_cast<int64_t>(j), 8) % static_cast<uint64_t>(config.registrations))));
    requests[j].set_as_of(DateText(config.as_of));
  }
  struct LookupCall {
    grpc::ClientContext context;
    tv1::GetServicePlanResponse response;
  };
  const StartCallFn lookup = [&](size_t index, std::function<void(const grpc::Status&)> done) {
    auto* call = new LookupCall();
    call->context.set_deadline(DeadlineAfter(absl::Seconds(30)));
    if (!token.empty()) call->context.AddMetadata(std::string(security::kAuthorizationKey), token);
    stub->async()->GetServicePlan(&call->context, &requests[index], &call->response,
                                  [call, done = std::move(done)](grpc::Status status) {
                                    std::unique_ptr<LookupCall> owned(call);
                                    done(status);
                                  });
  };
  // A career-guidance session for a random registration on as_of (every registration is active
  // then); request ids differ per server so that no call is a replay.
  struct WriteCall {
    grpc::ClientContext context;
    tv1::RecordServiceDeliveryRequest request;
    tv1::RecordServiceDeliveryResponse response;
  };
  const StartCallFn write = [&](size_t index, std::function<void(const grpc::Status&)> done) {
    auto* call = new WriteCall();
    call->context.set_deadline(DeadlineAfter(absl::Seconds(30)));
    if (!token.empty()) call->context.AddMetadata(std::string(security::kAuthorizationKey), token);
    call->request.set_request_id(absl::StrCat("bench-", mode, "-", index));
    tv1::ServiceDelivery& d = *call->request.mutable_delivery();
    d.set_registration_id(RegistrationId(static_cast<int64_t>(
        Hash(static_cast<int64_t>(index), 9) % static_cast<uint64_t>(config.registrations))));
    d.set_type(tv1::SERVICE_TYPE_CAREER_GUIDANCE);
    d.set_delivered_on(DateText(config.as_of));
    d.set_provider("道里区公共就业服务中心");
    // Secured, the staff member recorded is the token's subject (a typed name is refused).
    if (token.empty()) d.set_staff_id("staff-bench");
    stub->async()->RecordServiceDelivery(&call->context, &call->request, &call->response,
                                         [call, done = std::move(done)](grpc::Status status) {
                                           std::unique_ptr<WriteCall> owned(call);
                                           done(status);
                                         });
  };

  auto measure = [&](const std::string& what, const StartCallFn& start, size_t first, size_t count,
                     int callers) {
    const double server_cpu_start = ProcessCpuSeconds(pid);
    const double client_cpu_start = ProcessCpuSeconds(getpid());
    const LoadResult run = RunClosedLoop(first, count, callers, start);
    const double server_cpu = ProcessCpuSeconds(pid) - server_cpu_start;
    const double client_cpu = ProcessCpuSeconds(getpid()) - client_cpu_start;
    const double wall = absl::ToDoubleSeconds(run.wall);
    calls_made += run.calls;
    Figure f;
    f.secured = secured;
    f.what = what;
    f.k = callers;
    f.per_s = run.Throughput();
    f.p50_ms = run.PercentileMs(50);
    f.p99_ms = run.PercentileMs(99);
    f.server_us = server_cpu * 1e6 / static_cast<double>(std::max<size_t>(run.calls, 1));
    f.client_us = client_cpu * 1e6 / static_cast<double>(std::max<size_t>(run.calls, 1));
    figures.push_back(f);
    std::cout << absl::StrFormat(
        "  %s, %s, %3d callers: ok %d of %d, errors: %s; %.2f s, %.0f calls/s; latency ms p50 "
        "%.2f p90 %.2f p99 %.2f max %.2f; server %.2f cores, %.0f us CPU per call; client %.0f us "
        "CPU per call; load average %s\n",
        what, mode, callers, run.ok, run.calls, FormatErrors(run), wall, f.per_s, f.p50_ms,
        run.PercentileMs(90), f.p99_ms, run.PercentileMs(100), wall > 0 ? server_cpu / wall : 0.0,
        f.server_us, f.client_us, LoadAverage());
    for (const std::string& sample : run.sample_errors) std::cout << "    e.g. " << sample << "\n";
    result_fields.push_back(absl::StrFormat(
        "%s_%s_k%d_per_s=%.0f %s_%s_k%d_p50_ms=%.2f %s_%s_k%d_p99_ms=%.2f %s_%s_k%d_server_us=%.0f",
        mode, what, callers, f.per_s, mode, what, callers, f.p50_ms, mode, what, callers, f.p99_ms,
        mode, what, callers, f.server_us));
    *ok = *ok && run.ok == run.calls;
  };

  std::vector<int> callers = {config.k};
  callers.insert(callers.end(), config.k_sweep.begin(), config.k_sweep.end());
  const LoadResult warm = RunClosedLoop(0, config.warmup, config.k, lookup);
  calls_made += warm.calls;
  *ok = *ok && warm.ok == warm.calls;
  for (int k : callers) measure("GetServicePlan", lookup, config.warmup, config.lookups, k);
  if (config.writes > 0) {
    const size_t write_warmup = std::min(config.warmup, config.writes);
    const LoadResult warm_writes = RunClosedLoop(0, write_warmup, config.k, write);
    calls_made += warm_writes.calls;
    *ok = *ok && warm_writes.ok == warm_writes.calls;
    size_t next = write_warmup;
    for (int k : callers) {
      measure("RecordServiceDelivery", write, next, config.writes, k);
      next += config.writes;
    }
  }
  std::cout << "  " << Memory("server", pid) << "; load average " << LoadAverage() << std::endl;
  result_fields.push_back(absl::StrFormat("%s_server_vmhwm_mib=%.0f %s_server_rss_anon_mib=%.0f",
                                          mode, StatusMiB(pid, "VmHWM:"), mode,
                                          StatusMiB(pid, "RssAnon:")));
  const int exit_status = (*server)->Stop();
  if (exit_status != 0) std::cout << "warning: server wait status " << exit_status << std::endl;

  if (secured) {
    // Every call of a `personal` method (both measured methods are) leaves one audit entry; the
    // call refused for want of a token never reaches the handler and leaves none.
    absl::StatusOr<std::string> audit_key = security::ReadKeyFile(ca_dir + "/audit.key");
    if (!audit_key.ok()) return audit_key.status();
    absl::StatusOr<security::AuditVerification> audit =
        security::VerifyAuditFile(data_dir + "/audit.db", *audit_key);
    if (!audit.ok()) return audit.status();
    std::cout << absl::StrFormat(
        "  audit log: %d entries, chain intact, for %d calls with a token\n",
        audit->entries, calls_made);
    if (audit->entries != static_cast<int64_t>(calls_made)) *ok = false;
  }
  return absl::OkStatus();
}

// With both servers measured: the figures side by side and what the layer adds.
void PrintSecurityComparison(const std::vector<Figure>& figures) {
  std::cout << "security overhead (open -> secured: mutual TLS, token, policy, audit, masking):\n";
  for (const Figure& open : figures) {
    if (open.secured) continue;
    for (const Figure& on : figures) {
      if (!on.secured || on.what != open.what || on.k != open.k) continue;
      std::cout << absl::StrFormat(
          "  %-21s K=%-3d calls/s %6.0f -> %6.0f (x%.2f); p50 ms %.2f -> %.2f; p99 ms %.2f -> "
          "%.2f; server CPU us/call %.0f -> %.0f (+%.0f); client CPU us/call %.0f -> %.0f "
          "(+%.0f)\n",
          open.what, open.k, open.per_s, on.per_s, open.per_s > 0 ? on.per_s / open.per_s : 0.0,
          open.p50_ms, on.p50_ms, open.p99_ms, on.p99_ms, open.server_us, on.server_us,
          on.server_us - open.server_us, open.client_us, on.client_us,
          on.client_us - open.client_us);
    }
  }
}

int Run(const Config& config) {
  std::cout << std::unitbuf;  // every line reaches a log file at once
  std::string pattern = (fs::path(config.work_dir_parent) / "tiering_bench.XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    std::cerr << "tiering_bench: error: cannot create a data folder under "
              << config.work_dir_parent << ": " << std::strerror(errno) << std::endl;
    return 1;
  }
  const std::string data_dir = pattern;
  auto fail = [&](absl::string_view message) {
    std::cerr << "tiering_bench: error: " << message << "\ndata kept in " << data_dir << std::endl;
    return 1;
  };
  std::cout << absl::StrFormat(
                   "tiering_bench: registrations=%d as_of=%s lookups=%d (warm-up %d) k=%d "
                   "cores=%d data=%s; load average %s",
                   config.registrations, DateText(config.as_of), config.lookups, config.warmup,
                   config.k, static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)), data_dir,
                   LoadAverage())
            << std::endl;

  absl::StatusOr<tiering::TypeRules> rules =
      tiering::TypeRules::LoadFile(config.source_dir + "/data/tiering/type_rules.csv");
  absl::StatusOr<tiering::DifficultyCriteria> criteria = tiering::DifficultyCriteria::LoadFile(
      config.source_dir + "/data/tiering/difficulty_criteria.csv");
  absl::StatusOr<validation::RegionDirectory> regions =
      validation::RegionDirectory::LoadDirectory(config.source_dir + "/data/regions");
  if (!rules.ok()) return fail(rules.status().ToString());
  if (!criteria.ok()) return fail(criteria.status().ToString());
  if (!regions.ok()) return fail(regions.status().ToString());
  std::vector<std::string> offices;
  for (const auto* city : regions->Children(kProvince)) {
    for (const auto* county : regions->Children(city->code)) {
      if (regions->IsCountyLevel(county->code)) offices.push_back(county->code);
    }
  }
  if (offices.empty()) return fail("no county-level offices under 230000 in data/regions");

  std::vector<std::string> result_fields;
  bool ok = true;
  // The bench writes tiering.db itself and then starts tiering_server on it: both must seal and
  // open personal data with the same keyring, the data folder's data.key that the server uses by
  // default (made here; a development key, as in the local runner).
  std::shared_ptr<const crypto::Keyring> keyring;
  {
    std::string key_warning;
    absl::StatusOr<std::shared_ptr<const crypto::Keyring>> loaded =
        crypto::LoadDataKeyring("", data_dir, &key_warning);
    if (!loaded.ok()) return fail(absl::StrCat("data key: ", loaded.status().message()));
    keyring = *std::move(loaded);
  }
  {
    store::DatabaseOptions options;
    options.keyring = keyring;
    options.path = data_dir + "/tiering.db";
    options.synchronous = store::SynchronousMode::kOff;
    absl::StatusOr<std::unique_ptr<store::Database>> db = store::Database::Open(options);
    if (!db.ok()) return fail(db.status().ToString());
    if (absl::Status migrated = store::Migrate(**db, tiering::TieringMigrations());
        !migrated.ok()) {
      return fail(migrated.ToString());
    }
    tiering::SqliteTieringStore store(*std::move(db));
    time::FakeClock clock(NoonOf(config.as_of));
    tiering::Tiering domain(store, clock, *rules, *criteria, &*regions);

    // --- 1. Load. ---
    absl::Time start = absl::Now();
    int64_t sequence = 0;
    int64_t deregistered = 0;
    for (int64_t i = 0; i < config.registrations; ++i) {
      reg::Event event;
      event.set_sequence(++sequence);
      event.set_shard_id("hlj");
      reg::Registration& r = *event.mutable_registration_created()->mutable_registration();
      r = MakeRegistration(i, config.as_of, offices);
      *event.mutable_occurred_at() = TimestampOf(NoonOf(RegisteredDate(i, config.as_of)));
      if (absl::Status applied = domain.profiles.ApplyRegistrationEvent(kFeed, event);
          !applied.ok()) {
        return fail(applied.ToString());
      }
      if (Hash(i, 5) % 5 == 0) {
        // Deregistered after as_of: still active on it, with an end date to check.
        reg::Event ended;
        ended.set_sequence(++sequence);
        ended.set_shard_id("hlj");
        reg::Registration& e = *ended.mutable_registration_deregistered()->mutable_registration();
        e = r;
        e.set_state(reg::REGISTRATION_STATE_DEREGISTERED);
        e.mutable_deregistration()->set_reason(codes::DEREGISTRATION_REASON_HIRED);
        const absl::CivilDay effective = config.as_of + 1 + static_cast<int>(Hash(i, 6) % 60);
        e.mutable_deregistration()->set_effective_date(DateText(effective));
        *ended.mutable_occurred_at() = TimestampOf(NoonOf(effective));
        if (absl::Status applied = domain.profiles.ApplyRegistrationEvent(kFeed, ended);
            !applied.ok()) {
          return fail(applied.ToString());
        }
        ++deregistered;
      }
    }
    const double feed_seconds = SecondsSince(start);
    std::cout << absl::StrFormat(
        "load: %d feed events (%d registrations, %d deregistered after as_of) through "
        "Profiles::ApplyRegistrationEvent, one transaction each: %.1f s (%.0f us per "
        "event)\n",
        sequence, config.registrations, deregistered, feed_seconds,
        feed_seconds * 1e6 / static_cast<double>(sequence));

    start = absl::Now();
    int64_t deliveries = 0;
    std::vector<tv1::ServiceDelivery> batch;
    for (int64_t first = 0; first < config.registrations; first += kRegistrationsPerDeliveryTx) {
      batch.clear();
      const int64_t last = std::min(config.registrations, first + kRegistrationsPerDeliveryTx);
      for (int64_t i = first; i < last; ++i) AppendDeliveries(i, config.as_of, batch, deliveries);
      absl::Status written = store.Write([&](tiering::TieringTx& tx) -> absl::Status {
        for (const tv1::ServiceDelivery& delivery : batch) {
          if (absl::Status inserted = tx.InsertDelivery(delivery); !inserted.ok()) return inserted;
        }
        return absl::OkStatus();
      });
      if (!written.ok()) return fail(written.ToString());
    }
    std::cout << absl::StrFormat(
        "load: %d deliveries (%.1f per registration) through TieringTx::InsertDelivery, "
        "%d registrations per transaction: %.1f s; %s\n",
        deliveries, static_cast<double>(deliveries) / static_cast<double>(config.registrations),
        kRegistrationsPerDeliveryTx, SecondsSince(start), Memory("bench", getpid()));
    std::error_code size_error;
    const auto db_bytes = fs::file_size(data_dir + "/tiering.db", size_error);
    std::cout << absl::StrFormat("tiering.db: %.0f MB\n",
                                 size_error ? 0.0 : static_cast<double>(db_bytes) / 1e6);

    // --- 2. Every plan as of as_of, in-process. ---
    if (config.all_plans) {
      tv1::GetPlanFulfilmentRequest fulfilment_request;
      fulfilment_request.set_region_code(kProvince);
      // Every registration is judged on as_of (none ends before it), and the period opens on the
      // earliest registered date, so every obligation with a deadline by as_of is counted.
      fulfilment_request.set_period_start(DateText(config.as_of - kOldestRegistrationDays));
      fulfilment_request.set_period_end(DateText(config.as_of));
      start = absl::Now();
      const double cpu_start = ProcessCpuSeconds(getpid());
      absl::StatusOr<tv1::GetPlanFulfilmentResponse> fulfilment =
          domain.plans.GetPlanFulfilment(fulfilment_request);
      const double all_plans_seconds = SecondsSince(start);
      const double all_plans_cpu = ProcessCpuSeconds(getpid()) - cpu_start;
      if (!fulfilment.ok()) return fail(fulfilment.status().ToString());
      std::cout << absl::StrFormat(
          "all plans as of %s (GetPlanFulfilment of %s for [%s, %s], one pass that "
          "builds the plan of each of the %d registrations on %s): %.2f s (%.1f us per "
          "plan; CPU %.2f s; target <= 10 s for 1,000,000)\n",
          DateText(config.as_of), kProvince, DateText(config.as_of - kOldestRegistrationDays),
          DateText(config.as_of), config.registrations, DateText(config.as_of), all_plans_seconds,
          all_plans_seconds * 1e6 / static_cast<double>(config.registrations), all_plans_cpu);
      for (const tv1::LevelFulfilment& level : fulfilment->levels()) {
        std::cout << absl::StrFormat("  obligations of %-19s due %d, met %d, missed %d\n",
                                     LevelName(level.level()), level.due_count(), level.met_count(),
                                     level.missed_count());
      }
      result_fields.push_back(absl::StrFormat("all_plans_s=%.2f", all_plans_seconds));
      std::cout << Memory("bench after the all-plans pass", getpid()) << std::endl;
    }

    if (config.list_gaps) {
      start = absl::Now();
      tv1::ListPlanGapsRequest gaps_request;
      gaps_request.set_region_code(kProvince);
      gaps_request.set_as_of(DateText(config.as_of));
      gaps_request.set_page_size(500);
      std::array<int64_t, 5> by_level{};
      int64_t gaps = 0;
      int64_t pages = 0;
      while (true) {
        absl::StatusOr<tv1::ListPlanGapsResponse> page = domain.plans.ListPlanGaps(gaps_request);
        if (!page.ok()) return fail(page.status().ToString());
        ++pages;
        for (const tv1::PlanGap& gap : page->gaps()) {
          ++gaps;
          const size_t level = static_cast<size_t>(gap.level());
          if (level < by_level.size()) ++by_level[level];
        }
        if (page->next_page_token().empty()) break;
        gaps_request.set_page_token(page->next_page_token());
      }
      const double gaps_seconds = SecondsSince(start);
      std::cout << absl::StrFormat(
          "ListPlanGaps of %s as of %s over every page (500 per page): %d pages, %d "
          "registrations with an open or missed obligation (short-term %d, "
          "medium-short %d, medium-long %d, long-term %d): %.2f s\n",
          kProvince, DateText(config.as_of), pages, gaps, by_level[1], by_level[2], by_level[3],
          by_level[4], gaps_seconds);
      result_fields.push_back(absl::StrFormat("gap_list_s=%.2f", gaps_seconds));
    }

    if (config.breakdown) {
      // Where a pass's time goes, through the store interface the domain uses.
      // (a) One chunk of 256 active profiles (ListActiveProfiles), with the cursor at the start
      //     of the (registered_date, registration_id) order and one day before as_of, at its end.
      double first_chunk_ms = 0;
      double last_chunk_ms = 0;
      // (b) The plan pass's reads alone, then with the obligations evaluated (service_plan.h),
      //     then the ordered join ListPlanGaps reads by.
      int64_t profiles = 0;
      int64_t delivery_rows = 0;
      int64_t obligations = 0;
      double deliveries_seconds = 0;
      double obligations_seconds = 0;
      double join_seconds = 0;
      const std::string as_of_text = DateText(config.as_of);
      const absl::Status read = store.Read([&](tiering::TieringTx& tx) -> absl::Status {
        absl::Time t = absl::Now();
        absl::StatusOr<std::vector<tiering::ProfileRecord>> chunk =
            tx.ListActiveProfiles("23", as_of_text, std::nullopt, 256);
        first_chunk_ms = SecondsSince(t) * 1e3;
        if (!chunk.ok()) return chunk.status();
        t = absl::Now();
        chunk = tx.ListActiveProfiles(
            "23", as_of_text, tiering::ProfilePosition{DateText(config.as_of - 1), ""}, 256);
        last_chunk_ms = SecondsSince(t) * 1e3;
        if (!chunk.ok()) return chunk.status();

        // The reads of GetPlanFulfilment's pass on their own (ScanPlanInputsAnyOrder: for the
        // province, profiles by id merged with every delivery), then the same pass evaluating the
        // obligations, then ListPlanGaps' route (ScanPlanInputs: the ordered join) alone.
        t = absl::Now();
        absl::Status scanned = tx.ScanPlanInputsAnyOrder(
            "23", as_of_text, as_of_text,
            [&](tiering::ProfileRecord&,
                std::vector<tiering::DeliveryRef>& rows) -> absl::StatusOr<bool> {
              ++profiles;
              delivery_rows += static_cast<int64_t>(rows.size());
              return true;
            });
        deliveries_seconds = SecondsSince(t);
        if (!scanned.ok()) return scanned;
        t = absl::Now();
        tiering::PlanInput input;
        std::vector<tiering::ObligationStatus> statuses;
        scanned = tx.ScanPlanInputsAnyOrder(
            "23", as_of_text, as_of_text,
            [&](tiering::ProfileRecord& record,
                std::vector<tiering::DeliveryRef>& rows) -> absl::StatusOr<bool> {
              absl::ParseCivilTime(record.profile.registered_date(), &input.registered);
              input.deliveries.swap(rows);
              tiering::EvaluateObligations(input, config.as_of, statuses);
              obligations += static_cast<int64_t>(statuses.size());
              return true;
            });
        if (!scanned.ok()) return scanned;
        obligations_seconds = SecondsSince(t) - deliveries_seconds;
        t = absl::Now();
        int64_t joined = 0;
        scanned =
            tx.ScanPlanInputs("23", as_of_text, as_of_text, std::nullopt,
                              [&](tiering::ProfileRecord&,
                                  std::vector<tiering::DeliveryRef>&) -> absl::StatusOr<bool> {
                                ++joined;
                                return true;
                              });
        join_seconds = SecondsSince(t);
        if (!scanned.ok()) return scanned;
        if (joined != profiles) return absl::InternalError("the two routes read different counts");
        return absl::OkStatus();
      });
      if (!read.ok()) return fail(read.ToString());
      std::cout << absl::StrFormat(
          "breakdown (store interface, in-process):\n"
          "  one chunk of 256 active profiles (ListActiveProfiles): %.2f ms with the cursor "
          "at the start, %.2f ms with the cursor at the end of the order\n"
          "  GetPlanFulfilment's reads alone (ScanPlanInputsAnyOrder: %d registrations by id "
          "merged with their %d deliveries, streamed): %.2f s (%.1f us per registration)\n"
          "  %d obligations from those (EvaluateObligations, same pass, time above the reads'): "
          "%.2f s\n"
          "  ListPlanGaps' route alone (ScanPlanInputs: the same registrations in "
          "(registered_date, id) order, joined to their deliveries): %.2f s\n",
          first_chunk_ms, last_chunk_ms, profiles, delivery_rows, deliveries_seconds,
          deliveries_seconds * 1e6 / static_cast<double>(std::max<int64_t>(profiles, 1)),
          obligations, obligations_seconds, join_seconds);
      result_fields.push_back(absl::StrFormat("scan_s=%.2f join_s=%.2f last_chunk_ms=%.2f",
                                              deliveries_seconds, join_seconds, last_chunk_ms));
      ok = ok && profiles == config.registrations;
    }
    if (config.sample_plans > 0) {
      const int64_t sample = std::min(config.sample_plans, config.registrations);
      std::array<int64_t, 5> by_level{};
      start = absl::Now();
      for (int64_t j = 0; j < sample; ++j) {
        tv1::GetServicePlanRequest request;
        request.set_registration_id(RegistrationId(
            static_cast<int64_t>(Hash(j, 7) % static_cast<uint64_t>(config.registrations))));
        request.set_as_of(DateText(config.as_of));
        absl::StatusOr<tv1::GetServicePlanResponse> plan = domain.plans.GetServicePlan(request);
        if (!plan.ok()) return fail(plan.status().ToString());
        const size_t level = static_cast<size_t>(plan->plan().level());
        if (level < by_level.size()) ++by_level[level];
      }
      const double seconds = SecondsSince(start);
      std::cout << absl::StrFormat(
          "GetServicePlan in-process, one at a time: %d plans in %.2f s (%.1f us "
          "each); levels: short-term %d, medium-short %d, medium-long %d, long-term "
          "%d\n",
          sample, seconds, seconds * 1e6 / static_cast<double>(sample), by_level[1], by_level[2],
          by_level[3], by_level[4]);
    }
    std::cout << Memory("bench (in-process phases)", getpid()) << std::endl;
    result_fields.push_back(absl::StrFormat("bench_vmhwm_mib=%.0f bench_rss_anon_mib=%.0f",
                                            StatusMiB(getpid(), "VmHWM:"),
                                            StatusMiB(getpid(), "RssAnon:")));
  }

  // --- 3. GetServicePlan (and RecordServiceDelivery) over gRPC against tiering_server, open
  // and/or secured, on the same database. ---
  std::string ca_dir = config.security_ca_dir;
  if (ca_dir.empty() && std::find(config.security_modes.begin(), config.security_modes.end(),
                                  true) != config.security_modes.end()) {
    ca_dir = data_dir + "/dev-ca";
    const std::string command = absl::StrCat(config.source_dir, "/deploy/security/make-dev-ca.sh '",
                                             ca_dir, "' >/dev/null");
    if (std::system(command.c_str()) != 0) return fail("deploy/security/make-dev-ca.sh failed");
  }
  std::vector<Figure> figures;
  for (bool secured : config.security_modes) {
    if (absl::Status measured =
            MeasureServer(config, data_dir, secured, ca_dir, figures, result_fields, &ok);
        !measured.ok()) {
      return fail(measured.ToString());
    }
  }
  if (config.security_modes.size() == 2) PrintSecurityComparison(figures);
  if (!figures.empty()) {
    const Figure& first = figures.front();
    result_fields.push_back(absl::StrFormat("lookup_per_s=%.0f lookup_p50_ms=%.2f lookup_p99_ms=%.2f",
                                            first.per_s, first.p50_ms, first.p99_ms));
  }

  std::cout << "RESULT " << absl::StrJoin(result_fields, " ") << " check=" << (ok ? "OK" : "FAILED")
            << std::endl;
  if (ok && !config.keep_data) {
    std::error_code ignored;
    fs::remove_all(data_dir, ignored);
  } else {
    std::cout << "data and server log kept in " << data_dir << std::endl;
  }
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace unemployment::bench

int main(int argc, char** argv) {
  namespace bench = unemployment::bench;
  return bench::BenchMain<bench::Config>(argc, argv, "tiering_bench", bench::DefineSettings,
                                         bench::ReadConfig, bench::Run);
}
