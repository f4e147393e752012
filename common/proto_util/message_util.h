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

// Timestamps through protobuf's google::protobuf::util::TimeUtil (microseconds, as the stores keep
// them): these are the suite's only conversions, so that no service writes its own arithmetic.

// `time` truncated to whole microseconds (floor, also before 1970).
google::protobuf::Timestamp ToTimestamp(absl::Time time);
// The Timestamp of `micros` microseconds since the Unix epoch (a stored column).
google::protobuf::Timestamp MicrosToTimestamp(int64_t micros);
absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp);
// Microseconds since the Unix epoch of `timestamp` (its nanoseconds truncated).
int64_t TimestampMicros(const google::protobuf::Timestamp& timestamp);

}  // namespace unemployment::proto_util
