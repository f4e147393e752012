#pragma once

// The protobuf helpers of common/proto_util, under the names the registration service uses.

#include "common/proto_util/message_util.h"

namespace unemployment::registration {

using proto_util::DeterministicBytes;
using proto_util::FromTimestamp;
using proto_util::ToTimestamp;

}  // namespace unemployment::registration
