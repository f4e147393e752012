#pragma once

// The --registration_shards setting: which registration shards' feeds the read model consumes.
// The parser is shared with the other feed consumers (tiering, followup): common/server.

#include "common/server/registration_shards.h"

namespace unemployment::statistics {

using server::kDefaultShardId;
using server::ParseRegistrationShards;

}  // namespace unemployment::statistics
