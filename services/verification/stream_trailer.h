#pragma once

// The trailers that end verification's client streams (ImportSnapshot, CompareActiveRegistrations),
// shared by the server and by every client in the suite: gRPC reports a message it cannot parse,
// or a client that stops early, like a normal half-close, so a stream is only complete when its
// last message says what was sent and the server received exactly that.
//
// Client side:
//   ImportTrailerBuilder trailer;  for each piece: trailer.Add(piece);  ... trailer.Finish()
//   ComparisonDigest digest;       for each batch: digest.Add(batch);   ... digest.Finish()
// The server computes the same values over what it received and compares.

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "common/crypto/sha256.h"
#include "unemployment/verification/v1/verification_service.pb.h"

namespace unemployment::verification {

// The ImportSnapshotTrailer of a file sent in pieces (row_count is left unset).
class ImportTrailerBuilder final {
 public:
  void Add(absl::string_view piece);
  // Call once, after the last piece.
  v1::ImportSnapshotTrailer Finish();

 private:
  crypto::Sha256 sha_;
  int64_t length_ = 0;
};

// Appends the digest input of one subject (four netstrings, see ComparisonTrailer in the .proto).
void AppendSubjectDigestInput(const v1::ComparisonSubject& subject, std::string* out);

// The ComparisonTrailer of the batches of one CompareActiveRegistrations stream.
class ComparisonDigest final {
 public:
  // Adds the subjects of a batch exactly as they are sent.
  void Add(const v1::CompareActiveRegistrationsRequest& batch);
  void Add(const v1::ComparisonSubject& subject);
  int64_t subject_count() const { return count_; }
  // Call once, after the last batch.
  v1::ComparisonTrailer Finish();

 private:
  crypto::Sha256 sha_;
  std::string scratch_;
  int64_t count_ = 0;
};

}  // namespace unemployment::verification
