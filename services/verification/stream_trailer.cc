#include "services/verification/stream_trailer.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace unemployment::verification {
namespace {

void AppendNetstring(absl::string_view value, std::string* out) {
  absl::StrAppend(out, value.size(), ":", value, ",");
}

}  // namespace

void ImportTrailerBuilder::Add(absl::string_view piece) {
  sha_.Update(piece);
  length_ += static_cast<int64_t>(piece.size());
}

v1::ImportSnapshotTrailer ImportTrailerBuilder::Finish() {
  v1::ImportSnapshotTrailer trailer;
  trailer.set_content_length(length_);
  trailer.set_content_sha256(sha_.HexDigest());
  return trailer;
}

void AppendSubjectDigestInput(const v1::ComparisonSubject& subject, std::string* out) {
  AppendNetstring(subject.registration_id(), out);
  AppendNetstring(absl::StrCat(static_cast<int>(subject.person_id().id_type())), out);
  AppendNetstring(subject.person_id().id_number(), out);
  AppendNetstring(subject.registered_date(), out);
}

void ComparisonDigest::Add(const v1::CompareActiveRegistrationsRequest& batch) {
  for (const v1::ComparisonSubject& subject : batch.subjects()) Add(subject);
}

void ComparisonDigest::Add(const v1::ComparisonSubject& subject) {
  scratch_.clear();
  AppendSubjectDigestInput(subject, &scratch_);
  sha_.Update(scratch_);
  ++count_;
}

v1::ComparisonTrailer ComparisonDigest::Finish() {
  v1::ComparisonTrailer trailer;
  trailer.set_subject_count(count_);
  trailer.set_subjects_sha256(sha_.HexDigest());
  return trailer;
}

}  // namespace unemployment::verification
