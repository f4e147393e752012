#pragma once

// Small conversions between absl and protobuf values used across the registration service.

#include <string>

#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"

namespace unemployment::registration {

google::protobuf::Timestamp ToTimestamp(absl::Time time);
absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp);

// The deterministic wire bytes of `message` (map order fixed), for content comparison.
std::string DeterministicBytes(const google::protobuf::Message& message);

}  // namespace unemployment::registration
