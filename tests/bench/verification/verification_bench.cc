// verification_bench: the benchmark of issue 4, through the RPC of a real verification_server.
//
//   verification_bench [--rows=1000000] [--subjects=100000] [--verifications=20000] [--k=32]
//
// 1. Starts verification_server as a child process on port 0 with a fresh data folder (SQLite WAL,
//    synchronous=FULL unless --sqlite_synchronous says otherwise) and reads its
//    "verification listening on ADDRESS" line.
// 2. Generates the four snapshots (source_data.h, --rows rows each) and loads each through
//    ImportSnapshot, in --chunk_kib messages; prints the time per source (generation not included).
// 3. VerifyApplicant: --warmup then --verifications calls with --k concurrent callers on the async
//    callback stub; each call stores its result (a group commit). Prints calls/s, latency
//    percentiles and the outcomes.
// 4. CompareActiveRegistrations: --subjects registrations in batches of --batch on
//    --compare_streams bidi streams; prints the wall time (issue target: 100,000 against 1,000,000
//    rows per source in at most 10 s), hits by kind, and the time per subject.
// 5. Prints the server's peak resident memory (VmHWM of /proc/<pid>/status) after each phase, the
//    CPU it used, the load average, and one "RESULT key=value ..." line.
// Speed is printed, never asserted. The exit code is 0 when every import loaded all its rows, every
// call succeeded and every batch was answered.

#include <sys/statfs.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/server/settings.h"
#include "tests/bench/bench_main.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/verification/stream_trailer.h"
#include "tests/bench/child_process.h"
#include "tests/bench/load_runner.h"
#include "tests/bench/verification/source_data.h"
#include "unemployment/verification/v1/verification_service.grpc.pb.h"

namespace unemployment::bench {
namespace {

namespace fs = std::filesystem;
namespace v1 = ::unemployment::verification::v1;
namespace codes = ::unemployment::common::v1;
using ::unemployment::verification::ComparisonDigest;
using ::unemployment::verification::ImportTrailerBuilder;

constexpr absl::Duration kStartupTimeout = absl::Seconds(60);
constexpr long kTmpfsMagic = 0x01021994;
constexpr v1::Source kSources[] = {v1::SOURCE_POPULATION, v1::SOURCE_SOCIAL_INSURANCE,
                                   v1::SOURCE_EMPLOYMENT_FILING, v1::SOURCE_BUSINESS_REGISTRATION};

struct Config {
  int64_t rows = 0;
  int64_t subjects = 0;
  size_t verifications = 0;
  size_t warmup = 0;
  int k = 0;
  int batch = 0;
  int compare_streams = 0;
  size_t chunk_bytes = 0;
  absl::CivilDay as_of;
  bool keep_data = false;
  std::string server;
  std::string work_dir_parent;
  std::string sqlite_synchronous;
  std::vector<std::string> server_args;
  std::string reuse_data;
};

void DefineSettings(server::Settings& settings) {
  settings.Define("rows", "1000000", "rows of each of the four source snapshots");
  settings.Define("subjects", "100000", "registrations sent to CompareActiveRegistrations");
  settings.Define("batch", "1000", "registrations per comparison message (1 to 1000)");
  settings.Define("compare_streams", "1", "comparison streams run at the same time");
  settings.Define("verifications", "20000", "VerifyApplicant calls measured");
  settings.Define("warmup", "500", "VerifyApplicant calls made before measuring");
  settings.Define("k", "32", "concurrent VerifyApplicant callers");
  settings.Define("chunk_kib", "512", "bytes of CSV per ImportSnapshot message, in KiB (1-1024)");
  settings.Define("as_of", "",
                  "the date data is generated for and verified as of (YYYY-MM-DD); default "
                  "yesterday in China; must not be in the future");
  settings.Define("verification_server", UE_VERIFICATION_SERVER, "verification_server binary");
  settings.Define("server_args", "", "extra verification_server arguments, space-separated");
  settings.Define("sqlite_synchronous", "",
                  "passed to the server when set (OFF, NORMAL, FULL, EXTRA); empty keeps FULL");
  settings.Define("work_dir", "",
                  "folder in which a fresh data folder is made (default $TMPDIR or /tmp)");
  settings.Define("keep_data", "false", "keep the data folder (database and server log)");
  settings.Define("reuse_data", "",
                  "data folder kept between runs: the snapshots are imported into it once (it is "
                  "made when missing) and later runs with the same --rows skip the imports");
}

absl::StatusOr<Config> ReadConfig(const server::Settings& settings) {
  Config config;
  absl::StatusOr<int64_t> rows = settings.GetInt("rows");
  absl::StatusOr<int64_t> subjects = settings.GetInt("subjects");
  absl::StatusOr<int64_t> batch = settings.GetInt("batch");
  absl::StatusOr<int64_t> streams = settings.GetInt("compare_streams");
  absl::StatusOr<int64_t> verifications = settings.GetInt("verifications");
  absl::StatusOr<int64_t> warmup = settings.GetInt("warmup");
  absl::StatusOr<int64_t> k = settings.GetInt("k");
  absl::StatusOr<int64_t> chunk = settings.GetInt("chunk_kib");
  absl::StatusOr<bool> keep = settings.GetBool("keep_data");
  for (const absl::Status& status :
       {rows.status(), subjects.status(), batch.status(), streams.status(), verifications.status(),
        warmup.status(), k.status(), chunk.status(), keep.status()}) {
    if (!status.ok()) return status;
  }
  if (*rows < 1 || *rows > SourceData::kMaxRows) {
    return absl::InvalidArgumentError(absl::StrCat("--rows must be 1 to ", SourceData::kMaxRows));
  }
  if (*subjects < 1 || *batch < 1 || *batch > 1000 || *streams < 1 || *streams > 16) {
    return absl::InvalidArgumentError(
        "--subjects must be positive, --batch 1 to 1000, --compare_streams 1 to 16");
  }
  if (*verifications < 1 || *warmup < 0 || *k < 1 || *k > 10000) {
    return absl::InvalidArgumentError(
        "--verifications must be positive, --warmup not negative, --k 1 to 10000");
  }
  if (*chunk < 1 || *chunk > 1024)
    return absl::InvalidArgumentError("--chunk_kib must be 1 to 1024");
  const absl::CivilDay yesterday = absl::ToCivilDay(absl::Now(), absl::FixedTimeZone(8 * 3600)) - 1;
  config.as_of = yesterday;
  if (const std::string text = settings.Get("as_of"); !text.empty()) {
    if (!absl::ParseCivilTime(text, &config.as_of) || config.as_of > yesterday + 1) {
      return absl::InvalidArgumentError("--as_of must be a date YYYY-MM-DD, not in the future");
    }
  }
  config.rows = *rows;
  config.subjects = *subjects;
  config.batch = static_cast<int>(*batch);
  config.compare_streams = static_cast<int>(*streams);
  config.verifications = static_cast<size_t>(*verifications);
  config.warmup = static_cast<size_t>(*warmup);
  config.k = static_cast<int>(*k);
  config.chunk_bytes = static_cast<size_t>(*chunk) * 1024;
  config.keep_data = *keep;
  config.server = settings.Get("verification_server");
  config.sqlite_synchronous = settings.Get("sqlite_synchronous");
  config.server_args = absl::StrSplit(settings.Get("server_args"), ' ', absl::SkipEmpty());
  config.reuse_data = settings.Get("reuse_data");
  config.work_dir_parent = settings.Get("work_dir");
  if (config.work_dir_parent.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    config.work_dir_parent = (tmp != nullptr && *tmp != '\0') ? tmp : "/tmp";
  }
  return config;
}

std::string DateText(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

double SecondsSince(absl::Time start) { return absl::ToDoubleSeconds(absl::Now() - start); }

// "VmHWM ... kB" style fields of /proc/<pid>/status, in MiB (0 when unreadable).
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

std::string Memory(pid_t pid) {
  return absl::StrFormat("server VmRSS %.0f MiB, VmHWM (peak) %.0f MiB", StatusMiB(pid, "VmRSS:"),
                         StatusMiB(pid, "VmHWM:"));
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return absl::StrCat(one, " ", five, " ", fifteen);
}

std::chrono::system_clock::time_point DeadlineAfter(absl::Duration timeout) {
  return absl::ToChronoTime(absl::Now() + timeout);
}

const char* SourceName(v1::Source source) {
  switch (source) {
    case v1::SOURCE_POPULATION:
      return "population";
    case v1::SOURCE_SOCIAL_INSURANCE:
      return "social_insurance";
    case v1::SOURCE_EMPLOYMENT_FILING:
      return "employment_filing";
    case v1::SOURCE_BUSINESS_REGISTRATION:
      return "business_registration";
    default:
      return "unknown";
  }
}

// Streams one generated file through ImportSnapshot; returns the seconds from the first message
// to the answer.
absl::StatusOr<double> Import(v1::VerificationService::Stub& stub, v1::Source source,
                              const std::string& file, size_t chunk_bytes, int64_t expected_rows,
                              absl::CivilDay as_of) {
  grpc::ClientContext context;
  context.set_deadline(DeadlineAfter(absl::Minutes(30)));
  v1::ImportSnapshotResponse response;
  // The trailer that ends the upload, computed before the clock starts.
  v1::ImportSnapshotRequest trailer;
  {
    ImportTrailerBuilder builder;
    builder.Add(file);
    *trailer.mutable_trailer() = builder.Finish();
    trailer.mutable_trailer()->set_row_count(expected_rows);
  }
  const absl::Time start = absl::Now();
  std::unique_ptr<grpc::ClientWriter<v1::ImportSnapshotRequest>> writer =
      stub.ImportSnapshot(&context, &response);
  v1::ImportSnapshotRequest header;
  header.mutable_header()->set_source(source);
  header.mutable_header()->set_snapshot_version(absl::StrCat("bench-", SourceName(source)));
  header.mutable_header()->set_data_as_of(DateText(as_of));
  bool sent = writer->Write(header);
  v1::ImportSnapshotRequest piece;
  for (size_t at = 0; sent && at < file.size(); at += chunk_bytes) {
    piece.set_content(file.substr(at, chunk_bytes));
    sent = writer->Write(piece);
  }
  if (sent) sent = writer->Write(trailer);
  if (sent) writer->WritesDone();
  const grpc::Status status = writer->Finish();
  const double seconds = SecondsSince(start);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("ImportSnapshot(", SourceName(source), ") failed: ",
                                            status.error_code(), " ", status.error_message()));
  }
  if (response.snapshot().row_count() != expected_rows) {
    return absl::InternalError(absl::StrCat("ImportSnapshot(", SourceName(source), ") loaded ",
                                            response.snapshot().row_count(), " rows, expected ",
                                            expected_rows));
  }
  return seconds;
}

struct CompareOutcome {
  double seconds = 0;
  int64_t compared = 0;
  int64_t answers = 0;
  std::array<int64_t, 6> hits_by_kind{};
  std::string error;
};

// Sends `requests` over `streams` bidi streams (request i on stream i % streams); each stream has
// a writer thread and reads its answers on another, so batches stay in flight.
CompareOutcome Compare(v1::VerificationService::Stub& stub,
                       const std::vector<v1::CompareActiveRegistrationsRequest>& requests,
                       int streams) {
  CompareOutcome outcome;
  std::vector<CompareOutcome> per_stream(static_cast<size_t>(streams));
  std::vector<std::thread> readers;
  const absl::Time start = absl::Now();
  for (int s = 0; s < streams; ++s) {
    readers.emplace_back([&, s] {
      CompareOutcome& mine = per_stream[static_cast<size_t>(s)];
      grpc::ClientContext context;
      context.set_deadline(DeadlineAfter(absl::Minutes(30)));
      auto stream = stub.CompareActiveRegistrations(&context);
      std::thread writer([&] {
        ComparisonDigest digest;
        bool open = true;
        for (size_t i = static_cast<size_t>(s); open && i < requests.size();
             i += static_cast<size_t>(streams)) {
          digest.Add(requests[i]);
          open = stream->Write(requests[i]);
        }
        v1::CompareActiveRegistrationsRequest trailer;
        *trailer.mutable_trailer() = digest.Finish();
        if (open) stream->Write(trailer);
        stream->WritesDone();
      });
      v1::CompareActiveRegistrationsResponse response;
      while (stream->Read(&response)) {
        ++mine.answers;
        mine.compared += response.compared_count();
        for (const v1::ComparisonHit& hit : response.hits()) {
          const size_t kind = static_cast<size_t>(hit.kind());
          if (kind < mine.hits_by_kind.size()) ++mine.hits_by_kind[kind];
        }
      }
      writer.join();
      const grpc::Status status = stream->Finish();
      if (!status.ok()) {
        mine.error = absl::StrCat("CompareActiveRegistrations failed: ", status.error_code(), " ",
                                  status.error_message());
      }
    });
  }
  for (std::thread& reader : readers) reader.join();
  outcome.seconds = SecondsSince(start);
  for (const CompareOutcome& mine : per_stream) {
    outcome.compared += mine.compared;
    outcome.answers += mine.answers;
    for (size_t i = 0; i < outcome.hits_by_kind.size(); ++i) {
      outcome.hits_by_kind[i] += mine.hits_by_kind[i];
    }
    if (outcome.error.empty()) outcome.error = mine.error;
  }
  return outcome;
}

int Run(const Config& config) {
  std::cout << std::unitbuf;  // every line reaches a log file at once
  std::string pattern = (fs::path(config.work_dir_parent) / "verification_bench.XXXXXX").string();
  if (!config.reuse_data.empty()) {
    std::error_code made;
    fs::create_directories(config.reuse_data, made);
    pattern = config.reuse_data;
  } else if (mkdtemp(pattern.data()) == nullptr) {
    std::cerr << "verification_bench: error: cannot create a data folder under "
              << config.work_dir_parent << ": " << std::strerror(errno) << std::endl;
    return 1;
  }
  const std::string data_dir = pattern;
  std::cout << absl::StrFormat(
                   "verification_bench: rows=%d per source, subjects=%d (batch %d, %d stream(s)), "
                   "verifications=%d (warm-up %d) k=%d, as_of=%s, cores=%d, data=%s, "
                   "sqlite_synchronous=%s, load average %s",
                   config.rows, config.subjects, config.batch, config.compare_streams,
                   config.verifications, config.warmup, config.k, DateText(config.as_of),
                   static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)), data_dir,
                   config.sqlite_synchronous.empty() ? "FULL (server default)"
                                                     : config.sqlite_synchronous,
                   LoadAverage())
            << std::endl;
  struct statfs fs_info;
  if (statfs(data_dir.c_str(), &fs_info) == 0 && static_cast<long>(fs_info.f_type) == kTmpfsMagic) {
    std::cout << "warning: the data folder is on tmpfs, where fsync is free" << std::endl;
  }

  std::vector<std::string> argv = {config.server, "--listen=127.0.0.1:0",
                                   "--data_dir=" + data_dir + "/verification"};
  if (!config.sqlite_synchronous.empty()) {
    argv.push_back("--sqlite_synchronous=" + config.sqlite_synchronous);
    argv.push_back("--allow_non_durable_storage=true");
  }
  argv.insert(argv.end(), config.server_args.begin(), config.server_args.end());
  absl::StatusOr<std::unique_ptr<ChildProcess>> server =
      ChildProcess::Start(argv, "verification", data_dir + "/verification.log", kStartupTimeout);
  if (!server.ok()) {
    std::cerr << "verification_bench: error: " << server.status().message() << std::endl;
    return 1;
  }
  const pid_t pid = (*server)->pid();
  std::cout << "server: " << (*server)->address() << " (pid " << pid << "); " << Memory(pid)
            << std::endl;
  auto fail = [&](const std::string& message) {
    std::cerr << "verification_bench: error: " << message << std::endl;
    std::cerr << "data and server log kept in " << data_dir << std::endl;
    return 1;
  };

  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials());
  if (!channel->WaitForConnected(DeadlineAfter(absl::Seconds(10)))) {
    return fail("cannot connect to the server");
  }
  std::unique_ptr<v1::VerificationService::Stub> stub = v1::VerificationService::NewStub(channel);

  // --- 1. Imports (skipped when --reuse_data holds them already). ---
  const SourceData data(config.rows, config.as_of);
  double import_total = 0;
  double server_cpu = ProcessCpuSeconds(pid);
  std::vector<std::string> result_fields;
  const std::string imported_marker =
      absl::StrCat(data_dir, "/imported-", config.rows, "-", DateText(config.as_of));
  const bool imported = !config.reuse_data.empty() && fs::exists(imported_marker);
  if (imported) std::cout << "imports skipped: " << imported_marker << " exists" << std::endl;
  for (v1::Source source : kSources) {
    if (imported) break;
    absl::Time start = absl::Now();
    const std::string file = data.File(source);
    const double generated = SecondsSince(start);
    absl::StatusOr<double> seconds =
        Import(*stub, source, file, config.chunk_bytes, config.rows, config.as_of);
    if (!seconds.ok()) return fail(std::string(seconds.status().message()));
    import_total += *seconds;
    const double cpu = ProcessCpuSeconds(pid);
    std::cout << absl::StrFormat(
                     "import %-21s %d rows, %.1f MB: %.2f s (%.0f rows/s, %.1f MB/s; server CPU "
                     "%.2f s); generated in %.2f s; %s",
                     SourceName(source), config.rows, static_cast<double>(file.size()) / 1e6,
                     *seconds, static_cast<double>(config.rows) / *seconds,
                     static_cast<double>(file.size()) / 1e6 / *seconds, cpu - server_cpu, generated,
                     Memory(pid))
              << std::endl;
    server_cpu = cpu;
    result_fields.push_back(absl::StrFormat("import_%s_s=%.2f", SourceName(source), *seconds));
  }
  std::cout << absl::StrFormat("import total: %.2f s for 4 x %d rows; load average %s\n",
                               import_total, config.rows, LoadAverage());
  if (!config.reuse_data.empty() && !imported) std::ofstream(imported_marker) << "imported\n";

  // --- 2. VerifyApplicant. ---
  const size_t total = config.warmup + config.verifications;
  std::vector<v1::VerifyApplicantRequest> requests(total);
  for (size_t i = 0; i < total; ++i) {
    const int64_t index = static_cast<int64_t>(i);
    const SourceData::Person person = data.Subject(index);
    v1::VerifyApplicantRequest& request = requests[i];
    request.set_request_id(absl::StrCat("bench-", i));
    request.mutable_person_id()->set_id_type(codes::ID_TYPE_RESIDENT_ID_CARD);
    request.mutable_person_id()->set_id_number(person.id_number);
    request.set_name(data.StatedName(index));
    request.set_unemployed_date(DateText(data.SubjectDate(index)));
    request.set_as_of(DateText(config.as_of));
    request.set_application_id(absl::StrCat("bench-app-", i));
  }
  std::array<std::atomic<int64_t>, 5> outcomes{};
  struct Call {
    grpc::ClientContext context;
    v1::VerifyApplicantResponse response;
  };
  const StartCallFn verify = [&](size_t index, std::function<void(const grpc::Status&)> done) {
    auto* call = new Call();
    call->context.set_deadline(DeadlineAfter(absl::Seconds(60)));
    stub->async()->VerifyApplicant(
        &call->context, &requests[index], &call->response,
        [call, index, &outcomes, &config, done = std::move(done)](grpc::Status status) {
          std::unique_ptr<Call> owned(call);
          const size_t outcome = static_cast<size_t>(owned->response.result().outcome());
          if (status.ok() && index >= config.warmup && outcome < outcomes.size()) {
            outcomes[outcome].fetch_add(1, std::memory_order_relaxed);
          }
          done(status);
        });
  };
  const LoadResult warm = RunClosedLoop(0, config.warmup, config.k, verify);
  const double verify_cpu_start = ProcessCpuSeconds(pid);
  const LoadResult measured = RunClosedLoop(config.warmup, config.verifications, config.k, verify);
  const double verify_cpu = ProcessCpuSeconds(pid) - verify_cpu_start;
  std::cout << absl::StrFormat(
      "VerifyApplicant, %d callers: %d calls, ok %d, errors: %s; %.2f s, %.0f "
      "verifications/s; latency ms p50 %.2f p90 %.2f p99 %.2f max %.2f; server CPU "
      "%.2f s (%.0f us per call)\n",
      config.k, measured.calls, measured.ok, FormatErrors(measured),
      absl::ToDoubleSeconds(measured.wall), measured.Throughput(), measured.PercentileMs(50),
      measured.PercentileMs(90), measured.PercentileMs(99), measured.PercentileMs(100), verify_cpu,
      verify_cpu * 1e6 / static_cast<double>(measured.calls));
  for (const std::string& sample : measured.sample_errors) std::cout << "  e.g. " << sample << "\n";
  std::cout << absl::StrFormat(
      "  outcomes: consistent %d, conflict %d, not found %d, needs field "
      "investigation %d; %s\n",
      outcomes[1].load(), outcomes[2].load(), outcomes[3].load(), outcomes[4].load(), Memory(pid));
  result_fields.push_back(absl::StrFormat("verify_per_s=%.0f verify_p50_ms=%.2f verify_p99_ms=%.2f",
                                          measured.Throughput(), measured.PercentileMs(50),
                                          measured.PercentileMs(99)));

  // --- 3. CompareActiveRegistrations. ---
  std::vector<v1::CompareActiveRegistrationsRequest> batches;
  for (int64_t first = 0; first < config.subjects; first += config.batch) {
    v1::CompareActiveRegistrationsRequest& batch = batches.emplace_back();
    batch.set_as_of(DateText(config.as_of));
    for (int64_t i = first; i < std::min(config.subjects, first + config.batch); ++i) {
      // Subjects are drawn from another range of indexes than the applicants.
      const int64_t index = 1'000'000'000 + i;
      v1::ComparisonSubject* subject = batch.add_subjects();
      subject->set_registration_id(absl::StrCat("bench-reg-", i));
      subject->mutable_person_id()->set_id_type(codes::ID_TYPE_RESIDENT_ID_CARD);
      subject->mutable_person_id()->set_id_number(data.Subject(index).id_number);
      subject->set_registered_date(DateText(data.SubjectDate(index)));
    }
  }
  const double compare_cpu_start = ProcessCpuSeconds(pid);
  const CompareOutcome compare = Compare(*stub, batches, config.compare_streams);
  const double compare_cpu = ProcessCpuSeconds(pid) - compare_cpu_start;
  if (!compare.error.empty()) return fail(compare.error);
  int64_t hits = 0;
  for (int64_t count : compare.hits_by_kind) hits += count;
  std::cout << absl::StrFormat(
      "CompareActiveRegistrations: %d subjects in %d batches on %d stream(s) against "
      "4 x %d rows: %.2f s (%.1f us per subject; target <= 10 s for 100,000 x "
      "1,000,000); server CPU %.2f s\n",
      compare.compared, compare.answers, config.compare_streams, config.rows, compare.seconds,
      compare.seconds * 1e6 / static_cast<double>(compare.compared), compare_cpu);
  std::cout << absl::StrFormat(
      "  hits %d (%.1f%%): deceased %d, pension %d, retirement age %d, business %d, "
      "employed %d; %s\n",
      hits, 100.0 * static_cast<double>(hits) / static_cast<double>(compare.compared),
      compare.hits_by_kind[v1::HIT_KIND_DECEASED], compare.hits_by_kind[v1::HIT_KIND_PENSION],
      compare.hits_by_kind[v1::HIT_KIND_RETIREMENT_AGE],
      compare.hits_by_kind[v1::HIT_KIND_BUSINESS], compare.hits_by_kind[v1::HIT_KIND_EMPLOYED],
      Memory(pid));
  result_fields.push_back(
      absl::StrFormat("compare_s=%.2f compare_us_per_subject=%.1f", compare.seconds,
                      compare.seconds * 1e6 / static_cast<double>(compare.compared)));

  const double peak = StatusMiB(pid, "VmHWM:");
  const bool ok = measured.ok == measured.calls && warm.ok == warm.calls &&
                  compare.compared == config.subjects &&
                  compare.answers == static_cast<int64_t>(batches.size());
  std::cout << absl::StrFormat("server peak memory (VmHWM): %.0f MiB; load average %s\n", peak,
                               LoadAverage());
  std::cout << "RESULT " << absl::StrJoin(result_fields, " ")
            << absl::StrFormat(" server_vmhwm_mib=%.0f check=%s", peak, ok ? "OK" : "FAILED")
            << std::endl;
  const int exit_status = (*server)->Stop();
  if (exit_status != 0) std::cout << "warning: server wait status " << exit_status << std::endl;
  if (ok && !config.keep_data && config.reuse_data.empty()) {
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
  return bench::BenchMain<bench::Config>(argc, argv, "verification_bench", bench::DefineSettings,
                                         bench::ReadConfig, bench::Run);
}
