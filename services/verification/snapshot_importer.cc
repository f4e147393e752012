#include "services/verification/snapshot_importer.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/proto_util/message_util.h"
#include "common/status/status_util.h"
#include "common/validation/date.h"
#include "common/validation/rules.h"
#include "common/validation/validation_error.h"
#include "services/verification/request_validation.h"

namespace unemployment::verification {
namespace {

namespace rule = ::unemployment::validation::rule;

constexpr size_t kMaxVersionLength = 64;

using proto_util::ToTimestamp;

bool ValidVersion(absl::string_view version) {
  if (version.empty() || version.size() > kMaxVersionLength) return false;
  for (char c : version) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

std::string FieldOf(const RowViolation& violation) {
  std::string field = absl::StrCat("content[", violation.line, "]");
  if (!violation.column.empty()) absl::StrAppend(&field, ".", violation.column);
  return field;
}

}  // namespace

// --- SnapshotImporter. ---

SnapshotImporter::SnapshotImporter(VerificationStore& store, const time::Clock& clock,
                                   ImportLimits limits)
    : store_(store), clock_(clock), limits_(limits) {}

absl::StatusOr<std::shared_ptr<ImportSession>> SnapshotImporter::Begin(
    const v1::SnapshotHeader& header) {
  std::vector<status::FieldViolation> violations;
  if (header.source() == v1::SOURCE_UNSPECIFIED) {
    violations.push_back({"header.source", std::string(rule::kRequired), "the source is required"});
  } else if (!v1::Source_IsValid(header.source())) {
    violations.push_back(
        {"header.source", std::string(rule::kCodeUnknown), "the source is unknown"});
  }
  if (header.snapshot_version().empty()) {
    violations.push_back({"header.snapshot_version", std::string(rule::kRequired),
                          "the snapshot version is required"});
  } else if (!ValidVersion(header.snapshot_version())) {
    violations.push_back({"header.snapshot_version", std::string(rule::kFormat),
                          "the snapshot version has 1 to 64 characters of A-Z, a-z, 0-9, '.', "
                          "'_' and '-'"});
  }
  if (!header.data_as_of().empty()) {
    absl::Status date = validation::ParseDateNotAfter(header.data_as_of(), clock_.Today()).status();
    if (!date.ok()) {
      violations.push_back(
          {"header.data_as_of", validation::RuleOf(date), std::string(date.message())});
    }
  }
  if (!violations.empty()) {
    return status::InvalidArgumentError("the snapshot header is invalid", violations);
  }

  std::optional<v1::SnapshotInfo> existing;
  absl::StatusOr<std::optional<StoredSnapshot>> stored =
      store_.GetSnapshot(header.source(), header.snapshot_version());
  if (!stored.ok()) return stored.status();
  if (stored->has_value()) existing = (*stored)->info;

  {
    absl::MutexLock lock(&mu_);
    if (!running_.insert(header.source()).second) {
      return status::WithErrorInfo(
          absl::AbortedError("another import of this source is in progress"), "IMPORT_RUNNING");
    }
  }
  const ImportSession::Mode mode = existing.has_value()     ? ImportSession::Mode::kCompareExisting
                                   : header.validate_only() ? ImportSession::Mode::kValidateOnly
                                                            : ImportSession::Mode::kLoad;
  return std::shared_ptr<ImportSession>(
      new ImportSession(*this, store_, clock_, limits_, header, mode, std::move(existing)));
}

void SnapshotImporter::Release(v1::Source source) {
  absl::MutexLock lock(&mu_);
  running_.erase(source);
}

// --- ImportSession. ---

ImportSession::ImportSession(SnapshotImporter& importer, VerificationStore& store,
                             const time::Clock& clock, ImportLimits limits,
                             v1::SnapshotHeader header, Mode mode,
                             std::optional<v1::SnapshotInfo> existing)
    : importer_(importer),
      store_(store),
      clock_(clock),
      limits_(limits),
      header_(std::move(header)),
      mode_(mode),
      existing_(std::move(existing)),
      today_(clock.Today()),
      reader_([this](CsvRecord& record) { OnRecord(record); }) {}

ImportSession::~ImportSession() { Abandon(); }

void ImportSession::Abandon() {
  if (load_id_ != 0 && !committed_) {
    store_.AbandonLoad(load_id_, [](absl::Status) {});
    load_id_ = 0;
  }
  ReleaseSource();
}

void ImportSession::ReleaseSource() {
  if (released_) return;
  released_ = true;
  importer_.Release(header_.source());
}

void ImportSession::OnRecord(CsvRecord& record) {
  if (!fatal_.ok()) return;
  if (!header_seen_) {
    header_seen_ = true;
    if (record.line != 1 || !record.syntax_error.empty() ||
        absl::StrJoin(record.fields, ",") != HeaderLine(header_.source())) {
      fatal_ = status::InvalidArgumentError(
          "the first line of the file is not the header of the source",
          {{"content[1]", std::string(rule::kFormat),
            absl::StrCat("line 1 must be exactly: ", HeaderLine(header_.source()))}},
          "SNAPSHOT_HEADER_INVALID");
    }
    return;
  }
  ++rows_read_;
  std::optional<RowViolation> violation = ValidateRow(header_.source(), record, today_, pending_);
  if (!violation.has_value() && header_.source() == v1::SOURCE_POPULATION) {
    const PopulationRecord& added = pending_.population.back();
    auto [it, inserted] = people_.try_emplace(
        absl::StrCat(added.person.id_type, ":", added.person.id_number), record.line);
    if (!inserted) {
      violation = RowViolation{record.line, "id_number", "DUPLICATE",
                               absl::StrCat("the person already appears on line ", it->second)};
      pending_.population.pop_back();
    }
  }
  if (violation.has_value()) {
    ++invalid_rows_;
    if (violations_.size() < limits_.max_reported_violations) {
      violations_.push_back(*std::move(violation));
    }
  }
  // A file with an invalid row is never loaded: stop keeping its rows.
  if (invalid_rows_ > 0 || mode_ != Mode::kLoad) pending_.clear();
}

void ImportSession::Feed(absl::string_view piece, Ready ready) {
  if (piece.size() > limits_.max_piece_bytes) {
    return ready(status::InvalidFieldError("content", rule::kTooLong,
                                           "a piece of the file has at most 1 MiB"));
  }
  sha_.Update(piece);
  bytes_received_ += static_cast<int64_t>(piece.size());
  // A version loaded before is only compared by content, not read again.
  if (mode_ == Mode::kCompareExisting) return ready(absl::OkStatus());
  reader_.Feed(piece);
  if (!fatal_.ok()) return ready(fatal_);
  if (mode_ == Mode::kLoad && invalid_rows_ == 0 && pending_.size() >= limits_.rows_per_batch) {
    return Flush(std::move(ready));
  }
  ready(absl::OkStatus());
}

void ImportSession::Flush(std::function<void(absl::Status)> next) {
  std::shared_ptr<ImportSession> self = shared_from_this();
  if (load_id_ == 0) {
    store_.StartLoad(header_.source(), [self, next = std::move(next)](absl::StatusOr<int64_t> id) {
      if (!id.ok()) return next(id.status());
      self->load_id_ = *id;
      self->Flush(next);
    });
    return;
  }
  if (pending_.size() == 0) return next(absl::OkStatus());
  RowBatch rows = std::move(pending_);
  pending_.clear();
  store_.AppendRows(load_id_, std::move(rows), [self, next = std::move(next)](absl::Status status) {
    next(std::move(status));
  });
}

absl::Status ImportSession::RowsInvalidError() const {
  std::vector<status::FieldViolation> list;
  list.reserve(violations_.size());
  for (const RowViolation& v : violations_) list.push_back({FieldOf(v), v.rule, v.description});
  absl::Status error = status::InvalidArgumentError(
      absl::StrCat(invalid_rows_, " of ", rows_read_, " rows are invalid; first at line ",
                   violations_.front().line),
      list, "SNAPSHOT_ROWS_INVALID");
  return status::WithErrorInfo(
      std::move(error), "SNAPSHOT_ROWS_INVALID",
      {{"invalid_rows", absl::StrCat(invalid_rows_)}, {"rows_read", absl::StrCat(rows_read_)}});
}

void ImportSession::Finish(const v1::ImportSnapshotTrailer& trailer, Done done) {
  const std::string sha256 = sha_.HexDigest();
  if (mode_ == Mode::kCompareExisting) {
    ReleaseSource();
    // The stored row count stands for the rows of a file with the stored digest (a file with
    // another digest is not read; its row count is not checked).
    const int64_t rows =
        sha256 == existing_->content_sha256() ? existing_->row_count() : trailer.row_count();
    if (absl::Status whole = CheckImportTrailer(trailer, bytes_received_, sha256, rows);
        !whole.ok()) {
      return done(whole);
    }
    if (bytes_received_ == 0) {
      return done(status::InvalidFieldError("content", rule::kRequired, "the file is empty"));
    }
    if (sha256 != existing_->content_sha256()) {
      return done(status::WithErrorInfo(
          absl::AlreadyExistsError(
              "the source already has a snapshot with this version and different content"),
          "SNAPSHOT_VERSION_EXISTS"));
    }
    return done(*existing_);
  }
  reader_.Finish();
  // A file cut short shows as a broken last line or a missing row: the trailer is checked first.
  if (absl::Status whole = CheckImportTrailer(trailer, bytes_received_, sha256, rows_read_);
      !whole.ok()) {
    fatal_ = std::move(whole);
  }
  if (!fatal_.ok()) {
    if (load_id_ != 0) {
      const int64_t load_id = std::exchange(load_id_, 0);
      std::shared_ptr<ImportSession> self = shared_from_this();
      store_.AbandonLoad(load_id, [self, error = fatal_, done = std::move(done)](absl::Status) {
        self->ReleaseSource();
        done(error);
      });
      return;
    }
    ReleaseSource();
    return done(fatal_);
  }
  if (!header_seen_) {
    ReleaseSource();
    return done(status::InvalidFieldError("content", rule::kRequired, "the file is empty"));
  }
  v1::SnapshotInfo info;
  info.set_source(header_.source());
  info.set_snapshot_version(header_.snapshot_version());
  info.set_data_as_of(header_.data_as_of());
  info.set_row_count(rows_read_);
  info.set_content_sha256(sha256);

  std::shared_ptr<ImportSession> self = shared_from_this();
  if (invalid_rows_ > 0) {
    absl::Status error = RowsInvalidError();
    if (load_id_ == 0) {
      ReleaseSource();
      return done(error);
    }
    const int64_t load_id = std::exchange(load_id_, 0);
    store_.AbandonLoad(load_id, [self, error, done = std::move(done)](absl::Status) {
      self->ReleaseSource();
      done(error);
    });
    return;
  }
  if (mode_ == Mode::kValidateOnly) {
    ReleaseSource();
    return done(info);
  }
  Flush([self, info = std::move(info), done = std::move(done)](absl::Status flushed) mutable {
    if (!flushed.ok()) {
      self->ReleaseSource();
      return done(flushed);
    }
    *info.mutable_loaded_at() = ToTimestamp(self->clock_.Now());
    self->store_.CommitLoad(self->load_id_, std::move(info),
                            [self, done](absl::StatusOr<v1::SnapshotInfo> committed) {
                              if (committed.ok()) self->committed_ = true;
                              self->ReleaseSource();
                              done(std::move(committed));
                            });
  });
}

}  // namespace unemployment::verification
