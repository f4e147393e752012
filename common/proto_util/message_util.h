#pragma once

// Small protobuf helpers every service needs, written once: the deterministic wire bytes of a
// message (the content fingerprint of idempotent requests and of stored answers) and conversions
// between absl::Time and google.protobuf.Timestamp (microsecond precision, as the stores keep).

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"

namespace unemployment::proto_util {

// The wire bytes of `message` with map entries in a fixed order, so equal content always gives
// equal bytes (a plain SerializeToString may order map entries differently between runs).
std::string DeterministicBytes(const google::protobuf::Message& message);

// `time` truncated to whole microseconds (floor, also before 1970).
google::protobuf::Timestamp ToTimestamp(absl::Time time);
absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp);
// Microseconds since the Unix epoch of `timestamp` (its nanoseconds truncated).
int64_t TimestampMicros(const google::protobuf::Timestamp& timestamp);

}  // namespace unemployment::proto_util
