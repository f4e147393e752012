#pragma once

// The --registration_shards setting of every service that consumes registration's event feeds
// (statistics, tiering, followup): which registration shards there are and where each listens.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace unemployment::server {

// The shard id of a one-shard deployment (registration's --shard_id default).
inline constexpr absl::string_view kDefaultShardId = "hlj";

// A registration shard: its id (the shard_id of its events, the prefix of its registration ids)
// and its address.
struct RegistrationShard {
  std::string id;
  std::string address;
};

// True for 1 to 32 lower-case ASCII letters and digits (registration's --shard_id rule).
bool IsShardId(absl::string_view id);

// Parses "id=host:port,id=host:port" (ids: 1 to 32 lower-case letters and digits, each once;
// spaces around items ignored). An empty `shards` means one shard kDefaultShardId at
// `default_address`; both empty is INVALID_ARGUMENT (a caller for which no shard is a valid
// configuration checks that first). INVALID_ARGUMENT naming the bad item otherwise. Sorted by id.
absl::StatusOr<std::vector<RegistrationShard>> ParseRegistrationShards(
    absl::string_view shards, absl::string_view default_address);

}  // namespace unemployment::server
