// Idempotent requests (AIP-155): the `requests` table every writing service keeps, one fingerprint
// of a request's content and one replay rule.
//
//   same request_id, same fingerprint      -> the stored answer, nothing written again;
//   same request_id, different fingerprint -> the service's refusal (REQUEST_ID_REUSED);
//   new request_id                         -> run, then PutRequest in the same transaction.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/store/database.h"
#include "google/protobuf/message.h"

namespace unemployment::store {

// The table as every service's first migration created it; fingerprint and response are sealed
// under the store's contexts (RequestLogContexts).
inline constexpr std::string_view kRequestsTableSql = R"sql(
CREATE TABLE requests (
  kind TEXT NOT NULL,
  request_id TEXT NOT NULL,
  fingerprint BLOB NOT NULL,
  response BLOB NOT NULL,
  PRIMARY KEY (kind, request_id)
) WITHOUT ROWID;
)sql";

// The sealing contexts of a store's requests columns ("<service>/requests.fingerprint", ...).
struct RequestLogContexts {
  std::string_view fingerprint;
  std::string_view response;
};

// A stored idempotency key: the fingerprint of the request content and the serialized response.
struct StoredRequest {
  std::string fingerprint;
  std::string response;
};

// The fingerprint of a request's content: SHA-256 (32 bytes) of its deterministic serialization,
// so equal content gives equal fingerprints whatever the field or map order. The caller decides
// what the content is (e.g. the request without its request_id, or the normalized request).
std::string RequestFingerprint(const google::protobuf::Message& content);

// Whether `stored` (a fingerprint read from the requests table) is the fingerprint `fingerprint`
// (from RequestFingerprint). Rows written before the one fingerprint held the deterministic bytes
// themselves; their SHA-256 is compared, so a request repeated across the upgrade still replays.
bool SameFingerprint(std::string_view stored, std::string_view fingerprint);

// The row of (kind, request_id); nullopt when none.
absl::StatusOr<std::optional<StoredRequest>> FindRequest(Database& db,
                                                         const RequestLogContexts& contexts,
                                                         std::string_view kind,
                                                         std::string_view request_id);
// Stores the answer of (kind, request_id); ALREADY_EXISTS when the row exists.
absl::Status PutRequest(Database& db, const RequestLogContexts& contexts, std::string_view kind,
                        std::string_view request_id, const StoredRequest& request);

// The row to store for a request with `fingerprint` answered with `response`.
StoredRequest MakeStoredRequest(std::string fingerprint, const google::protobuf::Message& response);

// The replay rule on a looked-up row: nullopt for a new id (run the request), the stored answer
// for the same content, `refuse()` (the service's REQUEST_ID_REUSED status) for other content,
// DATA_LOSS when the stored answer does not parse.
template <typename Response, typename Refuse>
absl::StatusOr<std::optional<Response>> Replay(const std::optional<StoredRequest>& stored,
                                               std::string_view fingerprint, Refuse&& refuse) {
  if (!stored.has_value()) return std::optional<Response>();
  if (!SameFingerprint(stored->fingerprint, fingerprint)) return refuse();
  Response response;
  if (!response.ParseFromString(stored->response)) {
    return absl::DataLossError("stored response cannot be parsed");
  }
  return std::optional<Response>(std::move(response));
}

}  // namespace unemployment::store
