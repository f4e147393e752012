// uectl import-snapshot: streams a CSV snapshot of one external source to
// VerificationService.ImportSnapshot: the header first, then the file in chunks of at most 1 MiB
// (the contract's limit), reading the file as it goes so that a file of millions of rows never has
// to fit in memory, and last the trailer (length and SHA-256 of what was sent) without which the
// service loads nothing. The SHA-256 of what was sent is compared with the one the service
// computed.

#include <filesystem>
#include <fstream>
#include <istream>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "services/ops/uectl_client.h"
#include "services/ops/uectl_commands.h"
#include "services/ops/uectl_progress.h"
#include "services/verification/stream_trailer.h"
#include "unemployment/verification/v1/verification_service.grpc.pb.h"

namespace unemployment::ops {
namespace {

namespace verification_v1 = ::unemployment::verification::v1;

constexpr int64_t kMaxChunkBytes = int64_t{1} << 20;

std::optional<verification_v1::Source> ParseSource(absl::string_view text) {
  std::string name = absl::AsciiStrToLower(absl::StrReplaceAll(text, {{"_", "-"}}));
  if (name == "population") return verification_v1::SOURCE_POPULATION;
  if (name == "social-insurance") return verification_v1::SOURCE_SOCIAL_INSURANCE;
  if (name == "employment-filing") return verification_v1::SOURCE_EMPLOYMENT_FILING;
  if (name == "business-registration") return verification_v1::SOURCE_BUSINESS_REGISTRATION;
  return std::nullopt;
}

std::string SourceName(verification_v1::Source source) {
  return absl::AsciiStrToLower(absl::StrReplaceAll(
      ShortEnumName(verification_v1::Source_Name(source), "SOURCE_"), {{"_", "-"}}));
}

int RunImportSnapshot(const Invocation& invocation) {
  const ParsedArgs& args = invocation.args;
  verification_v1::SnapshotHeader header;
  std::string source_text = args.ValueOr("source", "");
  if (source_text.empty()) {
    return UsageError(invocation,
                      "--source is required: population, social-insurance, employment-filing or "
                      "business-registration");
  }
  std::optional<verification_v1::Source> source = ParseSource(source_text);
  if (!source.has_value()) {
    return UsageError(invocation, absl::StrCat("unknown --source '", source_text,
                                               "' (population, social-insurance, "
                                               "employment-filing, business-registration)"));
  }
  header.set_source(*source);
  header.set_snapshot_version(args.ValueOr("version", ""));
  if (header.snapshot_version().empty()) {
    return UsageError(invocation, "--version is required (the supplier's snapshot version)");
  }
  if (std::optional<std::string> as_of = args.Value("data-as-of")) {
    if (!IsDate(*as_of)) {
      return UsageError(invocation,
                        absl::StrCat("--data-as-of '", *as_of, "' is not a date YYYY-MM-DD"));
    }
    header.set_data_as_of(*as_of);
  }
  header.set_validate_only(args.Has("validate-only"));
  int64_t chunk_bytes = kMaxChunkBytes;
  if (std::optional<std::string> text = args.Value("chunk-size")) {
    if (!absl::SimpleAtoi(*text, &chunk_bytes) || chunk_bytes < 1 || chunk_bytes > kMaxChunkBytes) {
      return UsageError(invocation, absl::StrCat("--chunk-size must be 1 to ", kMaxChunkBytes));
    }
  }

  // Open the file before connecting: a typo in the path must not touch the service.
  const std::string& path = args.positional()[0];
  std::istream* in = invocation.context.in;
  std::ifstream file;
  std::optional<int64_t> total;
  if (path != "-") {
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) {
      return ReportFailure(invocation, absl::StrCat("'", path, "' is not a readable file"));
    }
    total = static_cast<int64_t>(std::filesystem::file_size(path, error));
    file.open(path, std::ios::binary);
    if (!file) return ReportFailure(invocation, absl::StrCat("cannot read '", path, "'"));
    in = &file;
  } else if (in == nullptr) {
    return ReportFailure(invocation, "no standard input");
  }

  const std::string address = ServiceAddress(invocation, "verification");
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenChannel(invocation, address);
  if (!channel.ok()) return UsageError(invocation, std::string(channel.status().message()));
  auto stub = verification_v1::VerificationService::NewStub(*channel);
  grpc::ClientContext context;
  SetDeadline(invocation, context);
  verification_v1::ImportSnapshotResponse response;
  std::unique_ptr<grpc::ClientWriter<verification_v1::ImportSnapshotRequest>> writer =
      stub->ImportSnapshot(&context, &response);

  std::ostream& err = *invocation.context.err;
  ProgressMeter progress(
      err, absl::StrCat("import ", SourceName(*source), " ", header.snapshot_version()), total,
      invocation.context.err_is_terminal);
  // The trailer (length and SHA-256 of what was sent), the one the service checks.
  verification::ImportTrailerBuilder trailer;
  int64_t sent = 0;
  bool stream_broken = false;
  {
    verification_v1::ImportSnapshotRequest first;
    *first.mutable_header() = header;
    stream_broken = !writer->Write(first);
  }
  std::string buffer(static_cast<size_t>(chunk_bytes), '\0');
  while (!stream_broken && *in) {
    in->read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const std::streamsize got = in->gcount();
    if (got <= 0) break;
    verification_v1::ImportSnapshotRequest piece;
    piece.set_content(buffer.data(), static_cast<size_t>(got));
    trailer.Add(piece.content());
    // Write blocks under flow control, so "sent" follows what the service has taken.
    if (!writer->Write(piece)) {
      stream_broken = true;  // the service ended the call; Finish says why
      break;
    }
    sent += got;
    progress.Update(sent);
  }
  if (in->bad()) {
    context.TryCancel();
    progress.Finish();
    writer->Finish();
    return ReportFailure(invocation,
                         absl::StrCat("reading '", path, "' failed after ", FormatBytes(sent)));
  }
  if (total.has_value() && !stream_broken && sent != *total) {
    // The file changed size while it was read: the trailer would vouch for a part of it.
    context.TryCancel();
    progress.Finish();
    writer->Finish();
    return ReportFailure(invocation,
                         absl::StrCat("'", path, "' changed while it was read (", FormatBytes(sent),
                                      " of ", FormatBytes(*total), "); nothing was loaded"));
  }
  if (sent == 0 && !stream_broken) progress.Update(0);
  progress.Finish();
  verification_v1::ImportSnapshotRequest last;
  *last.mutable_trailer() = trailer.Finish();
  const std::string local = last.trailer().content_sha256();
  if (!stream_broken) {
    // The trailer: the service loads the file only when it received exactly these bytes.
    stream_broken = !writer->Write(last);
  }
  if (!stream_broken) {
    writer->WritesDone();
    err << "all " << FormatBytes(sent) << " sent; waiting for the verification service to check"
        << (header.validate_only() ? "" : " and load") << " the rows\n";
  }
  grpc::Status status = writer->Finish();
  if (!status.ok()) return ReportRpcError(invocation, "ImportSnapshot", address, status);

  if (WantsJson(invocation)) {
    PrintJson(invocation, response);
  } else {
    const verification_v1::SnapshotInfo& info = response.snapshot();
    std::ostream& out = *invocation.context.out;
    out << (header.validate_only() ? "validated (nothing loaded): " : "loaded: ")
        << SourceName(info.source()) << " snapshot " << info.snapshot_version() << ", "
        << info.row_count() << " rows"
        << (info.data_as_of().empty() ? "" : absl::StrCat(", data as of ", info.data_as_of()))
        << "\n";
    out << "sha256: " << info.content_sha256() << "\n";
    if (!header.validate_only()) {
      out << "loaded_at: " << FormatTimestamp(info.loaded_at())
          << (info.current() ? " (now served)" : " (not the one served)") << "\n";
    }
  }
  if (!response.snapshot().content_sha256().empty() &&
      response.snapshot().content_sha256() != local) {
    // The same version with the same content returns the existing snapshot; a different digest
    // means the service holds other bytes than this file under that version.
    return ReportFailure(invocation,
                         absl::StrCat("the service's sha256 ", response.snapshot().content_sha256(),
                                      " differs from the file's ", local));
  }
  return kExitOk;
}

}  // namespace

Command ImportSnapshotCommand() {
  Command command;
  command.name = "import-snapshot";
  command.summary = "load a CSV snapshot of an external source into verification";
  command.synopsis =
      "import-snapshot --source=SOURCE --version=V [--data-as-of=DATE] [--validate-only] FILE.csv";
  command.description =
      "Streams FILE (or - for standard input) to VerificationService.ImportSnapshot: a header\n"
      "message, then the file in chunks of at most 1 MiB, showing bytes sent and percent on\n"
      "stderr, then a trailer with the length and SHA-256 of the bytes sent (the service loads\n"
      "nothing from a stream that ends without it or does not match it). SOURCE is population, "
      "social-insurance, employment-filing or\n"
      "business-registration; the CSV layout of each is in\n"
      "proto/unemployment/verification/v1/verification_service.proto. Nothing changes when a\n"
      "row is invalid: the service lists the first 100 invalid rows as content[LINE].COLUMN.\n"
      "Importing the same version with the same content again is harmless.";
  command.flags = {
      {"source", "SOURCE", "the external source the file comes from"},
      {"version", "V", "the supplier's snapshot version, e.g. 2025-06-30"},
      {"data-as-of", "DATE", "the date the data is as of, YYYY-MM-DD (optional)"},
      {"validate-only", "", "check the file without loading it"},
      {"chunk-size", "BYTES", "bytes per message, at most 1048576 (default)"},
  };
  command.min_positional = command.max_positional = 1;
  command.default_timeout = absl::Minutes(30);
  command.run = RunImportSnapshot;
  return command;
}

}  // namespace unemployment::ops
