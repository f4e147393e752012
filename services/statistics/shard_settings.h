#pragma once

// The --registration_shards setting: which registration shards' feeds the read model consumes.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/statistics/feed_consumer.h"

namespace unemployment::statistics {

// The shard id of a one-shard deployment (registration's --shard_id default).
inline constexpr absl::string_view kDefaultShardId = "hlj";

// Parses "id=host:port,id=host:port" (ids: 1 to 32 lower-case letters and digits, each once;
// spaces around items ignored). An empty `shards` means one shard kDefaultShardId at
// `default_address`. INVALID_ARGUMENT naming the bad item otherwise. Sorted by shard id.
absl::StatusOr<std::vector<RegistrationShard>> ParseRegistrationShards(
    absl::string_view shards, absl::string_view default_address);

}  // namespace unemployment::statistics
