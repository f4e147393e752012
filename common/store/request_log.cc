#include "common/store/request_log.h"

#include <openssl/sha.h>

#include "common/store/internal.h"
#include "common/store/sealed.h"
#include "common/store/statement.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace unemployment::store {
namespace {

constexpr std::string_view kFindRequestSql =
    "SELECT fingerprint, response FROM requests WHERE kind = ?1 AND request_id = ?2";
constexpr std::string_view kInsertRequestSql =
    "INSERT INTO requests (kind, request_id, fingerprint, response) VALUES (?1, ?2, ?3, ?4)";

std::string Sha256(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

}  // namespace

std::string RequestFingerprint(const google::protobuf::Message& content) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream output(&bytes);
    google::protobuf::io::CodedOutputStream coded(&output);
    coded.SetSerializationDeterministic(true);
    content.SerializeToCodedStream(&coded);
  }
  return Sha256(bytes);
}

bool SameFingerprint(std::string_view stored, std::string_view fingerprint) {
  if (stored == fingerprint) return true;
  // A row written before fingerprints were hashed: the deterministic bytes themselves.
  return fingerprint.size() == SHA256_DIGEST_LENGTH && Sha256(stored) == fingerprint;
}

absl::StatusOr<std::optional<StoredRequest>> FindRequest(Database& db,
                                                         const RequestLogContexts& contexts,
                                                         std::string_view kind,
                                                         std::string_view request_id) {
  UE_STORE_ASSIGN_OR_RETURN(Statement statement, db.Prepare(kFindRequestSql));
  UE_STORE_RETURN_IF_ERROR(statement.BindText(1, kind));
  UE_STORE_RETURN_IF_ERROR(statement.BindText(2, request_id));
  UE_STORE_ASSIGN_OR_RETURN(bool row, statement.Step());
  if (!row) return std::optional<StoredRequest>();
  StoredRequest stored;
  UE_STORE_ASSIGN_OR_RETURN(stored.fingerprint,
                            OpenColumn(db, statement, 0, contexts.fingerprint));
  UE_STORE_ASSIGN_OR_RETURN(stored.response, OpenColumn(db, statement, 1, contexts.response));
  return std::optional<StoredRequest>(std::move(stored));
}

absl::Status PutRequest(Database& db, const RequestLogContexts& contexts, std::string_view kind,
                        std::string_view request_id, const StoredRequest& request) {
  UE_STORE_ASSIGN_OR_RETURN(Statement statement, db.Prepare(kInsertRequestSql));
  UE_STORE_RETURN_IF_ERROR(statement.BindText(1, kind));
  UE_STORE_RETURN_IF_ERROR(statement.BindText(2, request_id));
  UE_STORE_RETURN_IF_ERROR(BindSealed(db, statement, 3, contexts.fingerprint, request.fingerprint));
  UE_STORE_RETURN_IF_ERROR(BindSealed(db, statement, 4, contexts.response, request.response));
  return statement.Run();
}

StoredRequest MakeStoredRequest(std::string fingerprint,
                                const google::protobuf::Message& response) {
  StoredRequest stored;
  stored.fingerprint = std::move(fingerprint);
  response.SerializeToString(&stored.response);
  return stored;
}

}  // namespace unemployment::store
