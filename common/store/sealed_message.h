// Protocol buffer records sealed at rest (see common/store/sealed.h). Header-only, for stores
// that keep serialized messages in BLOB columns.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/store/sealed.h"
#include "google/protobuf/message.h"

namespace unemployment::store {

// Serializes `message`, seals it under `context` and binds it as a BLOB.
inline absl::Status BindSealedMessage(const Database& db, Statement& statement, int index,
                                      std::string_view context,
                                      const google::protobuf::Message& message) {
  std::string bytes;
  if (!message.SerializeToString(&bytes)) return absl::InternalError("cannot serialize record");
  return BindSealed(db, statement, index, context, bytes);
}

// Opens a sealed value and parses it as a Message.
template <typename Message>
absl::StatusOr<Message> OpenMessageBytes(const Database& db, std::string_view sealed,
                                         std::string_view context) {
  absl::StatusOr<std::string> bytes = db.keyring().Open(context, sealed);
  if (!bytes.ok()) {
    return absl::Status(
        bytes.status().code(),
        absl::StrCat("stored ", Message::descriptor()->name(), ": ", bytes.status().message()));
  }
  Message message;
  if (!message.ParseFromString(*bytes)) {
    return absl::DataLossError(
        absl::StrCat("stored ", Message::descriptor()->name(), " cannot be parsed"));
  }
  return message;
}

// Opens the sealed BLOB in `column` of the current row and parses it as a Message.
template <typename Message>
absl::StatusOr<Message> OpenMessage(const Database& db, const Statement& statement, int column,
                                    std::string_view context) {
  return OpenMessageBytes<Message>(db, statement.ColumnBlob(column), context);
}

}  // namespace unemployment::store
