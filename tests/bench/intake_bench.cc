// intake_bench: end-to-end intake throughput against a do-nothing chain with the same hops.
//
//   intake_bench [--n=20000] [--k=64] [--warmup=500] [--connections=1] [--keep_data=false]
//                [--security=off|on|both|layers]
//
// 0. Times single-row SQLite commits (WAL, synchronous=FULL) in the data folder: the disk figure
//    that bounds every durable path, printed next to the results.
// 1. Starts registration_server and gateway_server as child processes on port 0 (fresh data
//    folder, SQLite WAL with synchronous=FULL unless --sqlite_synchronous says otherwise), then
//    submits N applications of N distinct people through GatewayService.SubmitApplication with K
//    concurrent callers on the async callback API. Registration answers after the group commit
//    that stores the application, so every OK is a durable application.
// 2. Starts this binary twice more as an echo forwarder and an echo server (--role) and makes the
//    same N calls with the same K through client -> forwarder -> server, with a form as payload.
// 3. Checks that registration holds exactly the acknowledged applications (ListReviewQueue
//    total_size of office 230102, province queue) and that every acknowledged id is distinct.
// With --security=on both chains run secured (mutual TLS with a dev CA from
// deploy/security/make-dev-ca.sh; intake also with a caller token, the policy and the audit log on
// every hop); --security=both runs them open and then secured; --security=layers adds a run with
// mutual TLS only in between, so that the CPU of each layer can be told apart.
// Prints counts, errors by code, wall time, throughput, p50/p90/p99 latency, the CPU each process
// used and the intake/echo throughput ratio, and one RESULT line. Exit code 0 when every call succeeded and the counts
// agree; speed is reported, never asserted.

#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
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
#include <system_error>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/security/call_guard.h"
#include "common/security/token.h"
#include "common/server/settings.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "tests/bench/applicant_generator.h"
#include "tests/bench/child_process.h"
#include "tests/bench/disk_probe.h"
#include "tests/bench/echo_chain.h"
#include "tests/bench/load_runner.h"
#include "unemployment/gateway/v1/gateway_service.grpc.pb.h"
#include "unemployment/registration/v1/registration_service.grpc.pb.h"
#include "unemployment/testing/v1/echo_service.grpc.pb.h"

namespace unemployment::bench {
namespace {

namespace fs = std::filesystem;
namespace gw = gateway::v1;
namespace reg = registration::v1;

constexpr long kTmpfsMagic = 0x01021994;
constexpr absl::Duration kStartupTimeout = absl::Seconds(30);

struct BenchConfig {
  size_t n = 0;
  int k = 0;
  size_t warmup = 0;
  int connections = 1;
  absl::Duration call_timeout;
  bool run_echo = true;
  bool keep_data = false;
  std::string registration_server;
  std::string gateway_server;
  std::string person_index_server;
  std::string source_dir;
  std::string work_dir_parent;
  std::string sqlite_synchronous;
  int disk_probe_commits = 0;
  std::vector<std::string> gateway_args;
  std::vector<std::string> registration_args;
  // Security modes measured, in order.
  std::vector<std::string> security_modes;
  std::string security_ca_dir;
};

// How a chain is run: "open" (plaintext, no checks), "tls" (mutual TLS only) or "secured" (mutual
// TLS, caller tokens, the policy, rate limits off, the audit log).
bool UsesTls(const std::string& mode) { return mode != "open"; }
bool UsesGuard(const std::string& mode) { return mode == "secured"; }

void DefineSettings(server::Settings& settings) {
  settings.Define("role", "bench",
                  "bench, or echo_server / echo_forwarder (the benchmark starts these itself)");
  settings.Define("listen", "127.0.0.1:0", "echo roles: address to serve on");
  settings.Define("next", "", "echo_forwarder: address of the echo server");
  settings.Define("n", "20000", "applications (and echo calls) measured");
  settings.Define("k", "64", "concurrent callers");
  settings.Define("warmup", "500",
                  "calls made before measuring, on each chain (their applications are counted "
                  "in the registration check too)");
  settings.Define("connections", "1", "client HTTP/2 connections to the first hop");
  settings.Define("call_timeout", "30s", "deadline of each call");
  settings.Define("echo", "true", "also run the echo chain and print the ratio");
  settings.Define("keep_data", "false",
                  "keep the data folder (databases and server logs); it is kept after a failure");
  settings.Define("registration_server", UE_REGISTRATION_SERVER, "registration_server binary");
  settings.Define("gateway_server", UE_GATEWAY_SERVER, "gateway_server binary");
  settings.Define("person_index_server", UE_PERSON_INDEX_SERVER, "person_index_server binary");
  settings.Define("source_dir", UE_SOURCE_DIR,
                  "repository root (data/calendar, data/regions, data/contacts)");
  settings.Define("work_dir", "",
                  "folder in which a fresh data folder is made (default $TMPDIR or /tmp); it "
                  "must be on a real disk, or fsync costs nothing");
  settings.Define("disk_probe_commits", "200",
                  "single-row SQLite commits timed in the data folder before the run (0: skip)");
  settings.Define("gateway_args", "",
                  "extra gateway_server arguments, space-separated (experiments, e.g. "
                  "\"--sqlite_synchronous=OFF\" on one hop only)");
  settings.Define("registration_args", "", "extra registration_server arguments, space-separated");
  settings.Define("security", "off",
                  "off: open chains; on: secured (mutual TLS, caller token, policy, audit log on "
                  "every hop; the echo chain over the same mutual TLS); both: open then secured; "
                  "layers: open, mutual TLS only, secured (the CPU of each layer)");
  settings.Define("security_ca_dir", "",
                  "dev CA of deploy/security/make-dev-ca.sh used with --security (default: made "
                  "in the data folder)");
  settings.Define("tls_only", "false", "echo roles: serve over mutual TLS (internal)");
  settings.Define("sqlite_synchronous", "",
                  "passed to both servers when set (OFF, NORMAL, FULL, EXTRA); empty keeps their "
                  "default, FULL");
}

absl::StatusOr<BenchConfig> ReadConfig(const server::Settings& settings) {
  BenchConfig config;
  absl::StatusOr<int64_t> n = settings.GetInt("n");
  absl::StatusOr<int64_t> k = settings.GetInt("k");
  absl::StatusOr<int64_t> warmup = settings.GetInt("warmup");
  absl::StatusOr<int64_t> connections = settings.GetInt("connections");
  absl::StatusOr<absl::Duration> timeout = settings.GetDuration("call_timeout");
  absl::StatusOr<bool> echo = settings.GetBool("echo");
  absl::StatusOr<bool> keep = settings.GetBool("keep_data");
  absl::StatusOr<int64_t> probe = settings.GetInt("disk_probe_commits");
  for (const absl::Status& status : {n.status(), k.status(), warmup.status(), connections.status(),
                                     timeout.status(), echo.status(), keep.status()}) {
    if (!status.ok()) return status;
  }
  if (*n < 1 || *warmup < 0 || static_cast<size_t>(*n + *warmup) > kMaxApplicants) {
    return absl::InvalidArgumentError(
        absl::StrCat("--n must be at least 1 and --n plus --warmup at most ", kMaxApplicants));
  }
  if (*k < 1 || *k > 10000) return absl::InvalidArgumentError("--k must be 1 to 10000");
  if (*connections < 1 || *connections > 64) {
    return absl::InvalidArgumentError("--connections must be 1 to 64");
  }
  if (*timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--call_timeout must be positive");
  }
  config.n = static_cast<size_t>(*n);
  config.k = static_cast<int>(*k);
  config.warmup = static_cast<size_t>(*warmup);
  config.connections = static_cast<int>(*connections);
  config.call_timeout = *timeout;
  config.run_echo = *echo;
  config.keep_data = *keep;
  config.registration_server = settings.Get("registration_server");
  config.person_index_server = settings.Get("person_index_server");
  config.gateway_server = settings.Get("gateway_server");
  config.source_dir = settings.Get("source_dir");
  config.work_dir_parent = settings.Get("work_dir");
  if (config.work_dir_parent.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    config.work_dir_parent = (tmp != nullptr && *tmp != '\0') ? tmp : "/tmp";
  }
  config.sqlite_synchronous = settings.Get("sqlite_synchronous");
  if (*probe < 0 || *probe > 100000) {
    return absl::InvalidArgumentError("--disk_probe_commits must be 0 to 100000");
  }
  config.disk_probe_commits = static_cast<int>(*probe);
  config.gateway_args = absl::StrSplit(settings.Get("gateway_args"), ' ', absl::SkipEmpty());
  config.registration_args =
      absl::StrSplit(settings.Get("registration_args"), ' ', absl::SkipEmpty());
  const std::string security = settings.Get("security");
  if (security == "off") {
    config.security_modes = {"open"};
  } else if (security == "on") {
    config.security_modes = {"secured"};
  } else if (security == "both") {
    config.security_modes = {"open", "secured"};
  } else if (security == "layers") {
    config.security_modes = {"open", "tls", "secured"};
  } else {
    return absl::InvalidArgumentError("--security must be off, on, both or layers");
  }
  config.security_ca_dir = settings.Get("security_ca_dir");
  return config;
}

absl::StatusOr<std::string> MakeWorkDir(const std::string& parent) {
  std::string pattern = (fs::path(parent) / "intake_bench.XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create a data folder under ", parent, ": ", std::strerror(errno)));
  }
  return pattern;
}

bool OnTmpfs(const std::string& path) {
  struct statfs info;
  return statfs(path.c_str(), &info) == 0 && static_cast<long>(info.f_type) == kTmpfsMagic;
}

std::string SelfPath() {
  std::error_code error;
  fs::path self = fs::read_symlink("/proc/self/exe", error);
  return error ? std::string() : self.string();
}

// The first three fields of /proc/loadavg: how busy the machine was around the run.
std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return absl::StrCat(one, " ", five, " ", fifteen);
}

std::chrono::system_clock::time_point DeadlineAfter(absl::Duration timeout) {
  return absl::ToChronoTime(absl::Now() + timeout);
}

// `count` channels to `address`, each on its own HTTP/2 connection.
std::string ReadFileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Client credentials: plaintext, or mutual TLS with the dev CA's client certificate `client`.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ClientCredentials(
    const std::string& mode, const std::string& ca_dir, const std::string& client) {
  if (!UsesTls(mode)) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = ReadFileText(ca_dir + "/ca.pem");
  tls.pem_cert_chain = ReadFileText(ca_dir + "/client/" + client + ".pem");
  tls.pem_private_key = ReadFileText(ca_dir + "/client/" + client + ".key");
  if (tls.pem_root_certs.empty() || tls.pem_cert_chain.empty() || tls.pem_private_key.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("no dev CA with client/", client, ".pem in ", ca_dir));
  }
  return grpc::SslCredentials(tls);
}

// "Bearer <token>" for `system` acting as `role` over the whole province, or empty when the mode
// has no token check.
absl::StatusOr<std::string> BearerToken(const std::string& mode, const std::string& ca_dir,
                                        const std::string& system, const std::string& role) {
  if (!UsesGuard(mode)) return std::string();
  absl::StatusOr<security::TokenSigningKey> key =
      security::TokenSigningKey::Load(ca_dir + "/token-signing.key");
  if (!key.ok()) return key.status();
  security::CallerClaims claims;
  claims.system = system;
  claims.subject = "intake-bench";
  claims.role = role;
  claims.region = "*";
  claims.not_before = absl::Now();
  claims.expires = claims.not_before + security::kMaxTokenValidity;
  absl::StatusOr<std::string> issued = security::IssueToken(claims, *key);
  if (!issued.ok()) return issued.status();
  return absl::StrCat("Bearer ", *issued);
}

// `count` channels to `address`, each on its own HTTP/2 connection.
std::vector<std::shared_ptr<grpc::Channel>> Connect(
    const std::string& address, int count,
    const std::shared_ptr<grpc::ChannelCredentials>& credentials) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < count; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    channels.push_back(grpc::CreateCustomChannel(address, credentials, args));
  }
  return channels;
}

absl::Status WaitConnected(const std::vector<std::shared_ptr<grpc::Channel>>& channels) {
  for (const auto& channel : channels) {
    if (!channel->WaitForConnected(DeadlineAfter(absl::Seconds(10)))) {
      return absl::UnavailableError("cannot connect to the first hop");
    }
  }
  return absl::OkStatus();
}

// CPU seconds used by each process of a chain during a measured phase: the client (this process)
// first, then the servers in the order given.
struct CpuUse {
  std::vector<std::string> names;
  std::vector<double> seconds;

  double Of(const std::string& name) const {
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == name) return seconds[i];
    }
    return 0;
  }
  double Total() const {
    double total = 0;
    for (double s : seconds) total += s;
    return total;
  }
  // All processes but the client.
  double Servers() const { return Total() - (seconds.empty() ? 0.0 : seconds.front()); }
};

class CpuMeter {
 public:
  explicit CpuMeter(std::vector<std::pair<std::string, pid_t>> servers) {
    processes_.emplace_back("client", getpid());
    for (auto& server : servers) processes_.push_back(std::move(server));
    for (const auto& [name, pid] : processes_) start_.push_back(ProcessCpuSeconds(pid));
  }

  CpuUse Stop() const {
    CpuUse use;
    for (size_t i = 0; i < processes_.size(); ++i) {
      use.names.push_back(processes_[i].first);
      use.seconds.push_back(ProcessCpuSeconds(processes_[i].second) - start_[i]);
    }
    return use;
  }

 private:
  std::vector<std::pair<std::string, pid_t>> processes_;
  std::vector<double> start_;
};

struct PhaseReport {
  LoadResult warmup;
  LoadResult measured;
  CpuUse cpu;

  // CPU microseconds per measured call of one process ("client", "gateway", ...).
  double MicrosPerCall(double seconds) const {
    return measured.calls > 0 ? seconds * 1e6 / static_cast<double>(measured.calls) : 0.0;
  }
};

void PrintPhase(const std::string& title, const std::string& unit, const PhaseReport& phase) {
  const LoadResult& r = phase.measured;
  const double wall = absl::ToDoubleSeconds(r.wall);
  std::cout << title << "\n";
  std::cout << absl::StrFormat("  calls %d  ok %d  errors: %s\n", r.calls, r.ok, FormatErrors(r));
  for (const std::string& sample : r.sample_errors) std::cout << "    e.g. " << sample << "\n";
  if (phase.warmup.calls > 0 && phase.warmup.ok != phase.warmup.calls) {
    std::cout << absl::StrFormat("  warm-up: calls %d  ok %d  errors: %s\n", phase.warmup.calls,
                                 phase.warmup.ok, FormatErrors(phase.warmup));
    for (const std::string& sample : phase.warmup.sample_errors) {
      std::cout << "    e.g. " << sample << "\n";
    }
  }
  std::cout << absl::StrFormat("  wall %.3f s  throughput %.0f %s/s\n", wall, r.Throughput(), unit);
  std::cout << absl::StrFormat("  latency ms  p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n",
                               r.PercentileMs(50), r.PercentileMs(90), r.PercentileMs(99),
                               r.PercentileMs(100));
  std::string per_process;
  for (size_t i = 0; i < phase.cpu.names.size(); ++i) {
    absl::StrAppendFormat(&per_process, "  %s %.2f s = %.0f us", phase.cpu.names[i],
                          phase.cpu.seconds[i], phase.MicrosPerCall(phase.cpu.seconds[i]));
  }
  const double total = phase.cpu.Total();
  std::cout << "  cpu per process:" << per_process << " per call\n";
  std::cout << absl::StrFormat(
      "  cpu sum %.2f s = %.2f cores of %d; %.0f us per call, servers %.0f us per call\n", total,
      wall > 0 ? total / wall : 0.0, static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)),
      phase.MicrosPerCall(total), phase.MicrosPerCall(phase.cpu.Servers()));
}

struct IntakeOutcome {
  PhaseReport phase;
  size_t acknowledged = 0;
  size_t distinct_ids = 0;
  std::optional<int64_t> registration_count;
  std::string check_error;
};

// The flags that put one server of the suite in `mode` (none when open). `cert` names its
// certificates in the dev CA (server/<cert>.pem, client/svc-<cert>.pem).
std::vector<std::string> SecurityArgs(const BenchConfig& config, const std::string& mode,
                                      const std::string& ca_dir, const std::string& cert) {
  if (!UsesTls(mode)) return {};
  std::vector<std::string> args = {
      "--tls_cert=" + ca_dir + "/server/" + cert + ".pem",
      "--tls_key=" + ca_dir + "/server/" + cert + ".key", "--tls_client_ca=" + ca_dir + "/ca.pem",
      "--peer_tls_cert=" + ca_dir + "/client/svc-" + cert + ".pem",
      "--peer_tls_key=" + ca_dir + "/client/svc-" + cert + ".key"};
  if (UsesGuard(mode)) {
    for (std::string flag : {"--security_policy=" + config.source_dir + "/data/security/policy",
                             "--token_public_keys=" + ca_dir + "/token-keys",
                             "--audit_key_file=" + ca_dir + "/audit.key",
                             std::string("--rate_limit=0")}) {
      args.push_back(std::move(flag));
    }
  }
  return args;
}

absl::StatusOr<IntakeOutcome> RunIntake(const BenchConfig& config, const std::string& data_dir,
                                        const std::string& mode, const std::string& ca_dir) {
  const std::string regions = config.source_dir + "/data/regions";
  const std::string dir = data_dir + "/" + mode;
  auto add = [](std::vector<std::string>& argv, const std::vector<std::string>& more) {
    argv.insert(argv.end(), more.begin(), more.end());
  };
  std::vector<std::string> registration_argv = {
      config.registration_server, "--listen=127.0.0.1:0",
      "--data_dir=" + dir + "/registration",
      "--calendar_dir=" + config.source_dir + "/data/calendar", "--regions_dir=" + regions,
      // The bench measures intake, not delivery: outbound receivers off (development mode).
      "--ministry_uploads=off", "--notification_delivery=off"};
  if (!config.sqlite_synchronous.empty()) {
    registration_argv.push_back("--sqlite_synchronous=" + config.sqlite_synchronous);
    registration_argv.push_back("--allow_non_durable_storage=true");
  }
  add(registration_argv, SecurityArgs(config, mode, ca_dir, "registration"));
  add(registration_argv, config.registration_args);
  absl::StatusOr<std::unique_ptr<ChildProcess>> registration = ChildProcess::Start(
      registration_argv, "registration", dir + "-registration.log", kStartupTimeout);
  if (!registration.ok()) return registration.status();

  // The province person index: the gateway reserves every channel id and person there.
  std::vector<std::string> index_argv = {config.person_index_server, "--listen=127.0.0.1:0",
                                         "--data_dir=" + dir + "/person_index",
                                         "--registration_addr=" + (*registration)->address()};
  if (!config.sqlite_synchronous.empty()) {
    index_argv.push_back("--sqlite_synchronous=" + config.sqlite_synchronous);
    index_argv.push_back("--allow_non_durable_storage=true");
  }
  add(index_argv, SecurityArgs(config, mode, ca_dir, "person-index"));
  absl::StatusOr<std::unique_ptr<ChildProcess>> person_index = ChildProcess::Start(
      index_argv, "person_index", dir + "-person_index.log", kStartupTimeout);
  if (!person_index.ok()) return person_index.status();

  std::vector<std::string> gateway_argv = {
      config.gateway_server,
      "--listen=127.0.0.1:0",
      "--data_dir=" + dir + "/gateway",
      "--registration_addr=" + (*registration)->address(),
      "--person_index_addr=" + (*person_index)->address(),
      "--regions_dir=" + regions,
      "--contacts_dir=" + config.source_dir + "/data/contacts",
      "--public_service_dir=" + config.source_dir + "/data/public_service"};
  if (!config.sqlite_synchronous.empty()) {
    gateway_argv.push_back("--sqlite_synchronous=" + config.sqlite_synchronous);
    gateway_argv.push_back("--allow_non_durable_storage=true");
  }
  add(gateway_argv, SecurityArgs(config, mode, ca_dir, "gateway"));
  add(gateway_argv, config.gateway_args);
  absl::StatusOr<std::unique_ptr<ChildProcess>> gateway =
      ChildProcess::Start(gateway_argv, "gateway", dir + "-gateway.log", kStartupTimeout);
  if (!gateway.ok()) return gateway.status();
  std::cout << "intake (" << mode << "): registration " << (*registration)->address() << " (pid "
            << (*registration)->pid() << "), gateway " << (*gateway)->address() << " (pid "
            << (*gateway)->pid() << "), person index " << (*person_index)->address() << " (pid "
            << (*person_index)->pid() << ")" << std::endl;

  // Every request is built before the clock starts.
  const size_t total = config.warmup + config.n;
  std::vector<gw::SubmitApplicationRequest> requests;
  requests.reserve(total);
  for (size_t i = 0; i < total; ++i) requests.push_back(MakeSubmitRequest(i));
  std::vector<std::string> application_ids(total);

  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> portal =
      ClientCredentials(mode, ca_dir, "province-portal");
  if (!portal.ok()) return portal.status();
  absl::StatusOr<std::string> token =
      BearerToken(mode, ca_dir, "province-portal", "province-portal");
  if (!token.ok()) return token.status();
  std::vector<std::shared_ptr<grpc::Channel>> channels =
      Connect((*gateway)->address(), config.connections, *portal);
  if (absl::Status connected = WaitConnected(channels); !connected.ok()) return connected;
  std::vector<std::unique_ptr<gw::GatewayService::Stub>> stubs;
  for (const auto& channel : channels) stubs.push_back(gw::GatewayService::NewStub(channel));

  struct Call {
    grpc::ClientContext context;
    gw::SubmitApplicationResponse response;
  };
  const StartCallFn submit = [&](size_t index, std::function<void(const grpc::Status&)> done) {
    auto* call = new Call();
    call->context.AddMetadata("x-channel-id", "province-portal");
    if (!token->empty()) {
      call->context.AddMetadata(std::string(security::kAuthorizationKey), *token);
    }
    call->context.set_deadline(DeadlineAfter(config.call_timeout));
    stubs[index % stubs.size()]->async()->SubmitApplication(
        &call->context, &requests[index], &call->response,
        [call, index, &application_ids, done = std::move(done)](grpc::Status status) {
          std::unique_ptr<Call> owned(call);
          if (status.ok()) application_ids[index] = owned->response.application().application_id();
          done(status);
        });
  };

  IntakeOutcome outcome;
  outcome.phase.warmup = RunClosedLoop(0, config.warmup, config.k, submit);
  const CpuMeter meter({{"gateway", (*gateway)->pid()},
                        {"person_index", (*person_index)->pid()},
                        {"registration", (*registration)->pid()}});
  outcome.phase.measured = RunClosedLoop(config.warmup, config.n, config.k, submit);
  outcome.phase.cpu = meter.Stop();

  outcome.acknowledged = outcome.phase.warmup.ok + outcome.phase.measured.ok;
  std::unordered_set<std::string> distinct;
  for (const std::string& id : application_ids) {
    if (!id.empty()) distinct.insert(id);
  }
  outcome.distinct_ids = distinct.size();

  // What registration holds: the province review queue of the one office every form names (asked
  // as province staff when the chain is secured).
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> staff =
      ClientCredentials(mode, ca_dir, "staff-client");
  if (!staff.ok()) return staff.status();
  absl::StatusOr<std::string> reviewer = BearerToken(mode, ca_dir, "staff-client", "reviewer");
  if (!reviewer.ok()) return reviewer.status();
  auto registration_stub = reg::RegistrationService::NewStub(
      grpc::CreateChannel((*registration)->address(), *staff));
  grpc::ClientContext context;
  context.set_deadline(DeadlineAfter(absl::Seconds(60)));
  if (!reviewer->empty()) context.AddMetadata(std::string(security::kAuthorizationKey), *reviewer);
  reg::ListReviewQueueRequest list;
  list.set_office_region_code(kOfficeRegionCode);
  list.set_kind(reg::REVIEW_QUEUE_KIND_PROVINCE);
  list.set_page_size(1);
  reg::ListReviewQueueResponse page;
  const grpc::Status listed = registration_stub->ListReviewQueue(&context, list, &page);
  if (listed.ok()) {
    outcome.registration_count = page.total_size();
  } else {
    outcome.check_error =
        absl::StrCat("ListReviewQueue failed: ", listed.error_code(), " ", listed.error_message());
  }

  const int gateway_exit = (*gateway)->Stop();
  (void)(*person_index)->Stop();
  const int registration_exit = (*registration)->Stop();
  if (gateway_exit != 0 || registration_exit != 0) {
    std::cout << "warning: the servers did not exit cleanly (wait status gateway " << gateway_exit
              << ", registration " << registration_exit << "); see " << data_dir << std::endl;
  }
  return outcome;
}

absl::StatusOr<PhaseReport> RunEcho(const BenchConfig& config, const std::string& data_dir,
                                    const std::string& mode, const std::string& ca_dir,
                                    size_t* payload_bytes) {
  const std::string self = SelfPath();
  if (self.empty()) return absl::InternalError("cannot find this binary (/proc/self/exe)");
  // Secured, the echo chain runs over the same mutual TLS (it has no tokens, policy or audit:
  // those are what the intake chain adds on top).
  std::vector<std::string> tls;
  if (UsesTls(mode)) {
    tls = {"--tls_only=true", "--security_ca_dir=" + ca_dir};
  }
  std::vector<std::string> server_argv = {self, "--role=echo_server", "--listen=127.0.0.1:0"};
  server_argv.insert(server_argv.end(), tls.begin(), tls.end());
  absl::StatusOr<std::unique_ptr<ChildProcess>> server = ChildProcess::Start(
      server_argv, "echo_server", data_dir + "/" + mode + "-echo_server.log", kStartupTimeout);
  if (!server.ok()) return server.status();
  std::vector<std::string> forwarder_argv = {self, "--role=echo_forwarder", "--listen=127.0.0.1:0",
                                             "--next=" + (*server)->address()};
  forwarder_argv.insert(forwarder_argv.end(), tls.begin(), tls.end());
  absl::StatusOr<std::unique_ptr<ChildProcess>> forwarder =
      ChildProcess::Start(forwarder_argv, "echo_forwarder",
                          data_dir + "/" + mode + "-echo_forwarder.log", kStartupTimeout);
  if (!forwarder.ok()) return forwarder.status();

  // One application, serialised, as the payload of every call.
  testing::v1::EchoRequest request;
  request.set_payload(MakeSubmitRequest(0).SerializeAsString());
  *payload_bytes = request.payload().size();

  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      ClientCredentials(mode, ca_dir, "province-portal");
  if (!credentials.ok()) return credentials.status();
  std::vector<std::shared_ptr<grpc::Channel>> channels =
      Connect((*forwarder)->address(), config.connections, *credentials);
  if (absl::Status connected = WaitConnected(channels); !connected.ok()) return connected;
  std::vector<std::unique_ptr<testing::v1::EchoService::Stub>> stubs;
  for (const auto& channel : channels) stubs.push_back(testing::v1::EchoService::NewStub(channel));

  struct Call {
    grpc::ClientContext context;
    testing::v1::EchoResponse response;
  };
  const StartCallFn echo = [&](size_t index, std::function<void(const grpc::Status&)> done) {
    auto* call = new Call();
    call->context.AddMetadata("x-channel-id", "province-portal");
    call->context.set_deadline(DeadlineAfter(config.call_timeout));
    stubs[index % stubs.size()]->async()->Echo(&call->context, &request, &call->response,
                                               [call, done = std::move(done)](grpc::Status status) {
                                                 std::unique_ptr<Call> owned(call);
                                                 done(status);
                                               });
  };

  PhaseReport phase;
  phase.warmup = RunClosedLoop(0, config.warmup, config.k, echo);
  const CpuMeter meter({{"forwarder", (*forwarder)->pid()}, {"echo_server", (*server)->pid()}});
  phase.measured = RunClosedLoop(config.warmup, config.n, config.k, echo);
  phase.cpu = meter.Stop();
  (*forwarder)->Stop();
  (*server)->Stop();
  return phase;
}

// One security mode: both chains and the check.
struct ModeResult {
  std::string mode;
  IntakeOutcome intake;
  std::optional<PhaseReport> echo;
  bool ok = true;

  double Ratio() const {
    return echo.has_value() && echo->measured.Throughput() > 0
               ? intake.phase.measured.Throughput() / echo->measured.Throughput()
               : 0.0;
  }
  double IntakeMicros(const std::string& process) const {
    return intake.phase.MicrosPerCall(intake.phase.cpu.Of(process));
  }
  double IntakeServerMicros() const {
    return intake.phase.MicrosPerCall(intake.phase.cpu.Servers());
  }
  double EchoServerMicros() const {
    return echo.has_value() ? echo->MicrosPerCall(echo->cpu.Servers()) : 0.0;
  }
};

absl::StatusOr<ModeResult> RunMode(const BenchConfig& config, const std::string& data_dir,
                                   const std::string& mode, const std::string& ca_dir) {
  ModeResult result;
  result.mode = mode;
  absl::StatusOr<IntakeOutcome> intake = RunIntake(config, data_dir, mode, ca_dir);
  if (!intake.ok()) return intake.status();
  result.intake = *std::move(intake);
  PrintPhase(absl::StrCat("intake (", mode,
                          "): client -> gateway -> person index, registration; "
                          "SubmitApplication, acknowledged after the registration commit"),
             "applications", result.intake.phase);

  size_t payload_bytes = 0;
  if (config.run_echo) {
    absl::StatusOr<PhaseReport> echo_phase = RunEcho(config, data_dir, mode, ca_dir, &payload_bytes);
    if (!echo_phase.ok()) {
      std::cerr << "intake_bench: error: echo chain (" << mode
                << "): " << echo_phase.status().message() << std::endl;
      result.ok = false;
    } else {
      result.echo = *std::move(echo_phase);
      PrintPhase(absl::StrCat("echo (", mode, "): client -> echo_forwarder -> echo_server, payload ",
                              payload_bytes, " bytes (one serialised application)"),
                 "calls", *result.echo);
    }
  }
  if (result.echo.has_value()) {
    std::cout << absl::StrFormat("ratio intake/echo throughput (%s): %.3f\n", mode,
                                 result.Ratio());
  }

  // Every acknowledged application is stored once, and nothing else is.
  const IntakeOutcome& in = result.intake;
  const size_t expected = in.acknowledged;
  const bool counted = in.registration_count.has_value() &&
                       *in.registration_count == static_cast<int64_t>(expected) &&
                       in.distinct_ids == expected;
  if (in.registration_count.has_value()) {
    std::cout << absl::StrFormat(
        "registration check (%s): ListReviewQueue(%s, PROVINCE).total_size = %d; acknowledged "
        "= %d (warm-up %d + measured %d); distinct application ids = %d -> %s\n",
        mode, kOfficeRegionCode, *in.registration_count, expected, in.phase.warmup.ok,
        in.phase.measured.ok, in.distinct_ids, counted ? "counts agree" : "MISMATCH");
  } else {
    std::cout << "registration check (" << mode << "): " << in.check_error << " -> FAILED\n";
  }
  const bool all_ok =
      in.phase.warmup.ok == in.phase.warmup.calls &&
      in.phase.measured.ok == in.phase.measured.calls &&
      (!result.echo.has_value() || (result.echo->warmup.ok == result.echo->warmup.calls &&
                                    result.echo->measured.ok == result.echo->measured.calls));
  result.ok = result.ok && counted && all_ok;
  return result;
}

// What each security layer adds, in server CPU per call: TLS from the tls run (or the secured echo
// chain), the token check, policy and audit from the secured intake run.
void PrintLayers(const std::vector<ModeResult>& results) {
  const ModeResult* open = nullptr;
  const ModeResult* tls = nullptr;
  const ModeResult* secured = nullptr;
  for (const ModeResult& r : results) {
    if (r.mode == "open") open = &r;
    if (r.mode == "tls") tls = &r;
    if (r.mode == "secured") secured = &r;
  }
  if (open == nullptr || secured == nullptr) return;
  std::cout << "security overhead, server CPU us per application (gateway + person index + "
               "registration) and per echo call (forwarder + echo server):\n";
  std::cout << absl::StrFormat("  intake open %.0f", open->IntakeServerMicros());
  if (tls != nullptr) std::cout << absl::StrFormat(", mutual TLS only %.0f", tls->IntakeServerMicros());
  std::cout << absl::StrFormat(", secured %.0f; echo open %.0f, over mutual TLS %.0f\n",
                               secured->IntakeServerMicros(), open->EchoServerMicros(),
                               secured->EchoServerMicros());
  const double echo_tls = secured->EchoServerMicros() - open->EchoServerMicros();
  std::cout << absl::StrFormat(
      "  TLS (mutual, 2 hops of the echo chain): +%.0f us per call\n", echo_tls);
  if (tls != nullptr) {
    std::cout << absl::StrFormat(
        "  TLS (mutual, every hop of intake: client->gateway, gateway->index, "
        "gateway->registration): +%.0f us per application\n",
        tls->IntakeServerMicros() - open->IntakeServerMicros());
    std::cout << absl::StrFormat(
        "  token check + policy + audit log (3 servers, 3 calls per application): +%.0f us per "
        "application (gateway %+.0f, person index %+.0f, registration %+.0f)\n",
        secured->IntakeServerMicros() - tls->IntakeServerMicros(),
        secured->IntakeMicros("gateway") - tls->IntakeMicros("gateway"),
        secured->IntakeMicros("person_index") - tls->IntakeMicros("person_index"),
        secured->IntakeMicros("registration") - tls->IntakeMicros("registration"));
  }
  std::cout << absl::StrFormat(
      "  all layers: +%.0f us per application (gateway %+.0f, person index %+.0f, registration "
      "%+.0f)\n",
      secured->IntakeServerMicros() - open->IntakeServerMicros(),
      secured->IntakeMicros("gateway") - open->IntakeMicros("gateway"),
      secured->IntakeMicros("person_index") - open->IntakeMicros("person_index"),
      secured->IntakeMicros("registration") - open->IntakeMicros("registration"));
}

int RunBench(const BenchConfig& config) {
  absl::StatusOr<std::string> data_dir = MakeWorkDir(config.work_dir_parent);
  if (!data_dir.ok()) {
    std::cerr << "intake_bench: error: " << data_dir.status().message() << std::endl;
    return 1;
  }
  std::cout << absl::StrFormat(
                   "intake_bench: n=%d k=%d warmup=%d connections=%d cores=%d data=%s "
                   "sqlite_synchronous=%s security=%s; load average %s",
                   config.n, config.k, config.warmup, config.connections,
                   static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)), *data_dir,
                   config.sqlite_synchronous.empty() ? "FULL (server default)"
                                                     : config.sqlite_synchronous,
                   absl::StrJoin(config.security_modes, ","), LoadAverage())
            << std::endl;
  if (!config.gateway_args.empty() || !config.registration_args.empty()) {
    std::cout << "extra arguments: gateway [" << absl::StrJoin(config.gateway_args, " ")
              << "] registration [" << absl::StrJoin(config.registration_args, " ") << "]"
              << std::endl;
  }
  if (OnTmpfs(*data_dir)) {
    std::cout << "warning: the data folder is on tmpfs, where fsync is free: the figures do not "
                 "show durable throughput (use --work_dir on a disk)"
              << std::endl;
  }

  double commit_rate = 0;
  if (config.disk_probe_commits > 0) {
    absl::StatusOr<double> rate = MeasureCommitRate(*data_dir, config.disk_probe_commits);
    if (rate.ok()) {
      commit_rate = *rate;
      std::cout << absl::StrFormat(
                       "disk: %.0f single-row commits/s (WAL, synchronous=FULL; %.2f ms each) in "
                       "the data folder; load average %s",
                       commit_rate, commit_rate > 0 ? 1000.0 / commit_rate : 0.0, LoadAverage())
                << std::endl;
    } else {
      std::cout << "disk: probe failed: " << rate.status().message() << std::endl;
    }
  }

  std::string ca_dir = config.security_ca_dir;
  const bool any_tls =
      std::any_of(config.security_modes.begin(), config.security_modes.end(), UsesTls);
  if (ca_dir.empty() && any_tls) {
    ca_dir = *data_dir + "/dev-ca";
    const std::string command =
        absl::StrCat(config.source_dir, "/deploy/security/make-dev-ca.sh '", ca_dir, "' >/dev/null");
    if (std::system(command.c_str()) != 0) {
      std::cerr << "intake_bench: error: deploy/security/make-dev-ca.sh failed" << std::endl;
      return 1;
    }
  }

  bool ok = true;
  std::vector<ModeResult> results;
  for (const std::string& mode : config.security_modes) {
    absl::StatusOr<ModeResult> result = RunMode(config, *data_dir, mode, ca_dir);
    if (!result.ok()) {
      std::cerr << "intake_bench: error (" << mode << "): " << result.status().message()
                << std::endl;
      std::cerr << "data and server logs kept in " << *data_dir << std::endl;
      return 1;
    }
    ok = ok && result->ok;
    results.push_back(*std::move(result));
  }
  PrintLayers(results);

  // One line for scripts: the first mode's figures unprefixed, a secured run's also as secured_*.
  const ModeResult& first = results.front();
  const PhaseReport& intake = first.intake.phase;
  std::string line = absl::StrFormat(
      "RESULT mode=%s intake_per_s=%.0f echo_per_s=%.0f ratio=%.3f", first.mode,
      intake.measured.Throughput(), first.echo.has_value() ? first.echo->measured.Throughput() : 0.0,
      first.Ratio());
  const ModeResult* secured = nullptr;
  for (const ModeResult& r : results) {
    if (r.mode == "secured") secured = &r;
  }
  if (secured != nullptr) {
    absl::StrAppendFormat(&line, " secured_intake_per_s=%.0f secured_echo_per_s=%.0f secured_ratio=%.3f",
                          secured->intake.phase.measured.Throughput(),
                          secured->echo.has_value() ? secured->echo->measured.Throughput() : 0.0,
                          secured->Ratio());
  }
  absl::StrAppendFormat(
      &line,
      " intake_p50_ms=%.2f intake_p90_ms=%.2f intake_p99_ms=%.2f echo_p50_ms=%.2f echo_p99_ms=%.2f",
      intake.measured.PercentileMs(50), intake.measured.PercentileMs(90),
      intake.measured.PercentileMs(99),
      first.echo.has_value() ? first.echo->measured.PercentileMs(50) : 0.0,
      first.echo.has_value() ? first.echo->measured.PercentileMs(99) : 0.0);
  if (secured != nullptr && secured != &first) {
    absl::StrAppendFormat(&line, " secured_p50_ms=%.2f secured_p99_ms=%.2f",
                          secured->intake.phase.measured.PercentileMs(50),
                          secured->intake.phase.measured.PercentileMs(99));
  }
  for (const ModeResult& r : results) {
    const std::string prefix = &r == &first ? "" : r.mode + "_";
    absl::StrAppendFormat(&line,
                          " %scpu_us_gateway=%.0f %scpu_us_person_index=%.0f "
                          "%scpu_us_registration=%.0f %scpu_us_servers=%.0f %scpu_us_client=%.0f",
                          prefix, r.IntakeMicros("gateway"), prefix, r.IntakeMicros("person_index"),
                          prefix, r.IntakeMicros("registration"), prefix, r.IntakeServerMicros(),
                          prefix, r.IntakeMicros("client"));
    if (r.echo.has_value()) {
      absl::StrAppendFormat(&line, " %secho_cpu_us_servers=%.0f", prefix, r.EchoServerMicros());
    }
  }
  absl::StrAppendFormat(&line, " disk_commits_per_s=%.0f loadavg=%s check=%s", commit_rate,
                        absl::StrReplaceAll(LoadAverage(), {{" ", "/"}}), ok ? "OK" : "FAILED");
  std::cout << line << std::endl;

  std::cout << "load average after the run: " << LoadAverage() << std::endl;
  if (ok && !config.keep_data) {
    std::error_code ignored;
    fs::remove_all(*data_dir, ignored);
  } else {
    std::cout << "data and server logs kept in " << *data_dir << std::endl;
  }
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace unemployment::bench

int main(int argc, char** argv) {
  using namespace unemployment;  // NOLINT(build/namespaces): main only
  server::Settings settings;
  bench::DefineSettings(settings);
  if (absl::Status parsed = settings.Parse(argc, argv); !parsed.ok()) {
    std::cerr << "intake_bench: " << parsed.message() << " (see --help)" << std::endl;
    return 2;
  }
  if (settings.help_requested()) {
    std::cout << settings.Usage(argv[0]);
    return 0;
  }
  const std::string role = settings.Get("role");
  absl::StatusOr<bool> tls_only = settings.GetBool("tls_only");
  const std::string echo_ca_dir =
      tls_only.ok() && *tls_only ? settings.Get("security_ca_dir") : std::string();
  if (role == "echo_server") return bench::RunEchoProcess(settings.Get("listen"), "", echo_ca_dir);
  if (role == "echo_forwarder") {
    if (settings.Get("next").empty()) {
      std::cerr << "intake_bench: --role=echo_forwarder needs --next" << std::endl;
      return 2;
    }
    return bench::RunEchoProcess(settings.Get("listen"), settings.Get("next"), echo_ca_dir);
  }
  if (role != "bench") {
    std::cerr << "intake_bench: --role must be bench, echo_server or echo_forwarder" << std::endl;
    return 2;
  }
  absl::StatusOr<bench::BenchConfig> config = bench::ReadConfig(settings);
  if (!config.ok()) {
    std::cerr << "intake_bench: " << config.status().message() << std::endl;
    return 2;
  }
  return bench::RunBench(*config);
}
