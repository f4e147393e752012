// verification_import: streams one CSV snapshot file to VerificationService.ImportSnapshot and
// prints progress, then the loaded snapshot or every row error with its line number.
//
//   verification_import --addr=localhost:50053 --source=population
//       --snapshot_version=gongan-20250630 --file=population.csv [--data_as_of=2025-06-30]
//
// Exit status: 0 loaded (or validated), 1 refused or failed, 2 bad usage.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "common/server/settings.h"
#include "common/status/status_util.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/verification/csv_reader.h"
#include "services/verification/stream_trailer.h"
#include "unemployment/verification/v1/verification_service.grpc.pb.h"

namespace {

namespace v1 = ::unemployment::verification::v1;

bool ParseSource(std::string text, v1::Source* source) {
  text = absl::AsciiStrToUpper(text);
  if (text.rfind("SOURCE_", 0) != 0) text = "SOURCE_" + text;
  return v1::Source_Parse(text, source) && *source != v1::SOURCE_UNSPECIFIED;
}

void PrintError(const grpc::Status& status) {
  std::fprintf(stderr, "verification_import: %s: %s\n",
               absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())).c_str(),
               status.error_message().c_str());
  std::optional<google::rpc::Status> details = unemployment::status::DecodeDetails(status);
  if (!details.has_value()) return;
  for (const google::protobuf::Any& any : details->details()) {
    google::rpc::BadRequest bad_request;
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&bad_request)) {
      for (const auto& violation : bad_request.field_violations()) {
        std::fprintf(stderr, "  %s: %s\n", violation.field().c_str(),
                     violation.description().c_str());
      }
    } else if (any.UnpackTo(&info)) {
      std::fprintf(stderr, "  reason %s", info.reason().c_str());
      for (const auto& [key, value] : info.metadata()) {
        std::fprintf(stderr, ", %s=%s", key.c_str(), value.c_str());
      }
      std::fprintf(stderr, "\n");
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  unemployment::server::Settings settings;
  settings.Define("addr", "localhost:50053", "host:port of the verification service");
  settings.Define("source", "",
                  "population, social_insurance, employment_filing or "
                  "business_registration",
                  true);
  settings.Define("snapshot_version", "", "the supplier's version name of the snapshot", true);
  settings.Define("file", "", "the CSV file to load", true);
  settings.Define("data_as_of", "", "the date the data is as of (YYYY-MM-DD), optional");
  settings.Define("validate_only", "false", "check the file without loading it");
  settings.Define("chunk_kib", "256", "KiB of the file per message (1 to 1024)");
  settings.Define("timeout", "30m", "deadline of the whole import");
  if (absl::Status parsed = settings.Parse(argc, argv); !parsed.ok()) {
    std::fprintf(stderr, "verification_import: %s\n%s", std::string(parsed.message()).c_str(),
                 settings.Usage("verification_import").c_str());
    return 2;
  }
  if (settings.help_requested()) {
    std::fprintf(stdout, "%s", settings.Usage("verification_import").c_str());
    return 0;
  }
  v1::Source source = v1::SOURCE_UNSPECIFIED;
  absl::StatusOr<int64_t> chunk_kib = settings.GetInt("chunk_kib");
  absl::StatusOr<bool> validate_only = settings.GetBool("validate_only");
  absl::StatusOr<absl::Duration> timeout = settings.GetDuration("timeout");
  if (!ParseSource(settings.Get("source"), &source) || !chunk_kib.ok() || *chunk_kib < 1 ||
      *chunk_kib > 1024 || !validate_only.ok() || !timeout.ok()) {
    std::fprintf(stderr,
                 "verification_import: bad --source, --chunk_kib, --validate_only or --timeout\n");
    return 2;
  }
  std::ifstream file(settings.Get("file"), std::ios::binary);
  if (!file) {
    std::fprintf(stderr, "verification_import: cannot open %s\n", settings.Get("file").c_str());
    return 1;
  }
  file.seekg(0, std::ios::end);
  const int64_t total = static_cast<int64_t>(file.tellg());
  file.seekg(0, std::ios::beg);

  auto stub = v1::VerificationService::NewStub(
      grpc::CreateChannel(settings.Get("addr"), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + *timeout));
  v1::ImportSnapshotResponse response;
  std::unique_ptr<grpc::ClientWriter<v1::ImportSnapshotRequest>> writer =
      stub->ImportSnapshot(&context, &response);

  v1::ImportSnapshotRequest header;
  header.mutable_header()->set_source(source);
  header.mutable_header()->set_snapshot_version(settings.Get("snapshot_version"));
  header.mutable_header()->set_data_as_of(settings.Get("data_as_of"));
  header.mutable_header()->set_validate_only(*validate_only);
  bool open = writer->Write(header);

  // The trailer (length, SHA-256, row count) tells the service the file is whole; it is sent only
  // when the whole file was read and sent.
  unemployment::verification::ImportTrailerBuilder trailer;
  int64_t records = 0;
  unemployment::verification::CsvStreamReader counter(
      [&records](unemployment::verification::CsvRecord&) { ++records; });
  std::string buffer(static_cast<size_t>(*chunk_kib) * 1024, '\0');
  int64_t sent = 0;
  int last_percent = -1;
  while (open && file) {
    file.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const std::streamsize got = file.gcount();
    if (got <= 0) break;
    v1::ImportSnapshotRequest piece;
    piece.set_content(buffer.data(), static_cast<size_t>(got));
    trailer.Add(piece.content());
    counter.Feed(piece.content());
    open = writer->Write(piece);
    sent += got;
    const int percent = total > 0 ? static_cast<int>(sent * 100 / total) : 100;
    if (percent != last_percent) {
      std::fprintf(stderr, "\rsent %lld of %lld bytes (%d%%)", static_cast<long long>(sent),
                   static_cast<long long>(total), percent);
      last_percent = percent;
    }
  }
  if (open && (file.bad() || sent != total)) {
    // A read error or a file that changed size: the service must not load a part of it.
    context.TryCancel();
    writer->Finish();
    std::fprintf(stderr, "\nverification_import: could not read the whole of %s (%lld of %lld "
                 "bytes); the import was cancelled and nothing was loaded\n",
                 settings.Get("file").c_str(), static_cast<long long>(sent),
                 static_cast<long long>(total));
    return 1;
  }
  if (open) {
    counter.Finish();
    v1::ImportSnapshotRequest last;
    *last.mutable_trailer() = trailer.Finish();
    last.mutable_trailer()->set_row_count(records > 0 ? records - 1 : 0);
    open = writer->Write(last);
  }
  std::fprintf(stderr, "\n%s\n",
               open ? "waiting for the service to check and load the rows..."
                    : "the service ended the import early");
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!status.ok()) {
    PrintError(status);
    return 1;
  }
  const v1::SnapshotInfo& info = response.snapshot();
  std::printf(
      "%s %s: %lld rows, sha256 %s, data as of %s%s\n", v1::Source_Name(info.source()).c_str(),
      info.snapshot_version().c_str(), static_cast<long long>(info.row_count()),
      info.content_sha256().c_str(),
      info.data_as_of().empty() ? "(not stated)" : info.data_as_of().c_str(),
      *validate_only ? " (validated only, not loaded)" : (info.current() ? " (now served)" : ""));
  return 0;
}
