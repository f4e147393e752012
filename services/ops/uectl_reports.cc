// uectl compare and export: the monthly information comparison of the follow-up service and the
// statistical report tables of the statistics service.

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/ops/uectl_client.h"
#include "services/ops/uectl_commands.h"
#include "services/ops/uectl_progress.h"
#include "unemployment/followup/v1/followup_service.grpc.pb.h"
#include "unemployment/statistics/v1/statistics_service.grpc.pb.h"

namespace unemployment::ops {
namespace {

namespace followup_v1 = ::unemployment::followup::v1;
namespace statistics_v1 = ::unemployment::statistics::v1;

// ---- compare ---------------------------------------------------------------------------------

int RunCompare(const Invocation& invocation) {
  const ParsedArgs& args = invocation.args;
  followup_v1::RunMonthlyComparisonRequest request;
  std::string month = args.ValueOr("month", "");
  if (month.empty()) return UsageError(invocation, "--month=YYYY-MM is required");
  if (!IsMonth(month))
    return UsageError(invocation, absl::StrCat("--month '", month, "' is not YYYY-MM"));
  request.set_month(month);
  if (std::optional<std::string> region = args.Value("region")) {
    if (!IsRegionCode(*region)) {
      return UsageError(invocation,
                        absl::StrCat("--region '", *region, "' is not a 6-digit region code"));
    }
    request.set_region_code(*region);
  }
  if (std::optional<std::string> as_of = args.Value("as-of")) {
    if (!IsDate(*as_of)) {
      return UsageError(invocation,
                        absl::StrCat("--as-of '", *as_of, "' is not a date YYYY-MM-DD"));
    }
    request.set_as_of(*as_of);
  }
  // Who ran it is recorded with every follow-up; the login name is a fair default for a command
  // an operator types.
  std::string staff = args.ValueOr("staff", "");
  for (const char* variable : {"UE_STAFF_ID", "USER", "LOGNAME"}) {
    if (!staff.empty() || !invocation.context.getenv) break;
    staff = invocation.context.getenv(variable).value_or("");
  }
  if (staff.empty())
    return UsageError(invocation, "--staff=STAFF_ID is required (or set UE_STAFF_ID)");
  request.set_staff_id(staff);

  const std::string address = ServiceAddress(invocation, "followup");
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenChannel(invocation, address);
  if (!channel.ok()) return UsageError(invocation, std::string(channel.status().message()));
  auto stub = followup_v1::FollowupService::NewStub(*channel);
  grpc::ClientContext context;
  SetDeadline(invocation, context);
  followup_v1::RunMonthlyComparisonResponse response;
  grpc::Status status;
  {
    *invocation.context.err << "comparing active registrations for " << month
                            << (request.region_code().empty() ? "" : " in " + request.region_code())
                            << " (deadline " << absl::FormatDuration(invocation.timeout) << ")\n";
    ElapsedTicker ticker(*invocation.context.err, "compare", absl::Seconds(5));
    status = stub->RunMonthlyComparison(&context, request, &response);
  }
  if (!status.ok()) return ReportRpcError(invocation, "RunMonthlyComparison", address, status);
  if (WantsJson(invocation)) {
    PrintJson(invocation, response);
    return kExitOk;
  }
  const followup_v1::ComparisonRun& run = response.run();
  std::ostream& out = *invocation.context.out;
  out << "run " << run.run_id() << ": month " << run.month() << ", region "
      << (run.region_code().empty() ? "all" : run.region_code()) << ", as of " << run.as_of()
      << "\n"
      << "compared:        " << run.compared_count() << "\n"
      << "hits:            " << run.hit_count() << "\n"
      << "new follow-ups:  " << run.new_follow_up_count() << "\n"
      << "new candidates:  " << run.new_candidate_count() << "\n"
      << "started:         " << FormatTimestamp(run.start_time()) << "\n"
      << "finished:        " << FormatTimestamp(run.end_time()) << "\n";
  return kExitOk;
}

// ---- export ----------------------------------------------------------------------------------

std::optional<statistics_v1::ReportKind> ParseReportKind(absl::string_view text) {
  if (text == "urban-registered-unemployed" || text == "urban") {
    return statistics_v1::REPORT_KIND_URBAN_REGISTERED_UNEMPLOYED;
  }
  if (text == "breakdown") return statistics_v1::REPORT_KIND_BREAKDOWN;
  if (text == "flows") return statistics_v1::REPORT_KIND_FLOWS;
  if (text == "service-indicators") return statistics_v1::REPORT_KIND_SERVICE_INDICATORS;
  return std::nullopt;
}

// Writes `content` to `path` through "<path>.partial" and a rename, so `path` is never half a file.
absl::Status WriteFileAtomically(const std::string& path, const std::string& content) {
  const std::string partial = path + ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    if (!out) return absl::PermissionDeniedError(absl::StrCat("cannot write '", partial, "'"));
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) {
      std::remove(partial.c_str());
      return absl::DataLossError(absl::StrCat("writing '", partial, "' failed"));
    }
  }
  std::error_code error;
  std::filesystem::rename(partial, path, error);
  if (error) {
    std::remove(partial.c_str());
    return absl::PermissionDeniedError(
        absl::StrCat("cannot rename '", partial, "' to '", path, "': ", error.message()));
  }
  return absl::OkStatus();
}

int RunExport(const Invocation& invocation) {
  const ParsedArgs& args = invocation.args;
  statistics_v1::ExportReportRequest request;
  statistics_v1::ReportSpec& spec = *request.mutable_spec();
  std::string kind_text = args.ValueOr("report", "");
  std::optional<statistics_v1::ReportKind> kind = ParseReportKind(kind_text);
  if (!kind.has_value()) {
    return UsageError(
        invocation,
        absl::StrCat(kind_text.empty() ? "--report is required"
                                       : absl::StrCat("unknown --report '", kind_text, "'"),
                     ": urban-registered-unemployed, breakdown, flows or "
                     "service-indicators"));
  }
  spec.set_kind(*kind);
  spec.set_region_code(args.ValueOr("region", ""));
  if (spec.region_code().empty()) return UsageError(invocation, "--region=CODE is required");
  if (!IsRegionCode(spec.region_code())) {
    return UsageError(invocation, absl::StrCat("--region '", spec.region_code(),
                                               "' is not a 6-digit region code"));
  }
  const bool period_kind = *kind == statistics_v1::REPORT_KIND_FLOWS ||
                           *kind == statistics_v1::REPORT_KIND_SERVICE_INDICATORS;
  for (const char* flag : {"as-of", "period-start", "period-end"}) {
    std::optional<std::string> day = args.Value(flag);
    if (!day.has_value()) continue;
    if (!IsDate(*day)) {
      return UsageError(invocation,
                        absl::StrCat("--", flag, " '", *day, "' is not a date YYYY-MM-DD"));
    }
    const bool is_as_of = absl::string_view(flag) == "as-of";
    if (is_as_of == period_kind) {
      return UsageError(
          invocation,
          absl::StrCat("--", flag, " does not apply to --report=", kind_text,
                       period_kind ? " (use --period-start and --period-end)" : " (use --as-of)"));
    }
  }
  spec.set_as_of(args.ValueOr("as-of", ""));
  spec.set_period_start(args.ValueOr("period-start", ""));
  spec.set_period_end(args.ValueOr("period-end", ""));
  if (period_kind && (spec.period_start().empty() || spec.period_end().empty())) {
    return UsageError(
        invocation, absl::StrCat("--report=", kind_text, " needs --period-start and --period-end"));
  }
  const std::string output = args.ValueOr("output", "-");

  const std::string address = ServiceAddress(invocation, "statistics");
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenChannel(invocation, address);
  if (!channel.ok()) return UsageError(invocation, std::string(channel.status().message()));
  auto stub = statistics_v1::StatisticsService::NewStub(*channel);
  grpc::ClientContext context;
  SetDeadline(invocation, context);
  statistics_v1::ExportReportResponse response;
  grpc::Status status = stub->ExportReport(&context, request, &response);
  if (!status.ok()) return ReportRpcError(invocation, "ExportReport", address, status);

  if (output == "-") {
    invocation.context.out->write(response.content().data(),
                                  static_cast<std::streamsize>(response.content().size()));
    invocation.context.out->flush();
    return kExitOk;
  }
  if (absl::Status written = WriteFileAtomically(output, response.content()); !written.ok()) {
    return ReportFailure(invocation, written.message());
  }
  *invocation.context.err << "wrote "
                          << FormatBytes(static_cast<int64_t>(response.content().size())) << " to "
                          << output
                          << (response.file_name().empty()
                                  ? ""
                                  : absl::StrCat(" (the service suggests ", response.file_name(),
                                                 ")"))
                          << "\n";
  return kExitOk;
}

}  // namespace

Command CompareCommand() {
  Command command;
  command.name = "compare";
  command.summary = "run the monthly information comparison (follow-up)";
  command.synopsis = "compare --month=YYYY-MM [--region=CODE] [--as-of=DATE] [--staff=STAFF_ID]";
  command.description =
      "Asks FollowupService.RunMonthlyComparison to compare every active registration (of the\n"
      "region, or all) with the verification sources and to record hits as follow-ups and\n"
      "deregistration candidates. Safe to repeat for a month. It may take minutes: the\n"
      "default deadline is 10m and elapsed time is shown on stderr every 5 seconds.";
  command.flags = {
      {"month", "YYYY-MM", "the month compared, not after the current one"},
      {"region", "CODE", "only offices inside this 6-digit region (default: all)"},
      {"as-of", "DATE", "the day compared as of, inside the month (default: month end or today)"},
      {"staff", "STAFF_ID", "who runs it (default: UE_STAFF_ID, else the login name)"},
  };
  command.default_timeout = absl::Minutes(10);
  command.run = RunCompare;
  return command;
}

Command ExportCommand() {
  Command command;
  command.name = "export";
  command.summary = "export a statistics report table as CSV";
  command.synopsis =
      "export --report=KIND --region=CODE [--as-of=DATE | --period-start=DATE --period-end=DATE] "
      "[-o FILE]";
  command.description =
      "Asks StatisticsService.ExportReport for a report table (UTF-8 CSV with a byte-order mark\n"
      "and Chinese headers) and writes it to FILE (through FILE.partial and a rename) or to\n"
      "standard output. KIND: urban-registered-unemployed (or urban) and breakdown take\n"
      "--as-of (default today); flows and service-indicators need --period-start and\n"
      "--period-end. The breakdown's TYPE rows and the service indicators' plan rows need\n"
      "statistics to read tiering's feed (--tiering_addr), the follow-up coverage and fraud\n"
      "rows follow-up's feed (--followup_addr); without it those rows are left out / empty.";
  command.flags = {
      {"report", "KIND", "the report table"},
      {"region", "CODE", "6-digit province, city or county code"},
      {"as-of", "DATE", "the day, YYYY-MM-DD (urban-registered-unemployed, breakdown)"},
      {"period-start", "DATE", "first day of the period (flows, service-indicators)"},
      {"period-end", "DATE", "last day of the period (flows, service-indicators)"},
      {"output", "FILE", "where to write the CSV (default -: standard output)", 'o'},
  };
  command.run = RunExport;
  return command;
}

}  // namespace unemployment::ops
