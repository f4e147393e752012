#pragma once

// Which registration shard keeps an application: a table of region-code prefixes, longest prefix
// wins, with "*" as the default. Loaded from a CSV data file (data/routing/*.csv):
//
//   region_prefix,shard_name
//   23,main
//   2301,harbin
//   *,main
//
// Shard names are 1 to 32 lower-case letters, digits, "_" or "-"; each one needs an address
// (ParseShardAddresses). Lines whose first field starts with "#" are comments.

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace unemployment::gateway {

class RoutingTable final {
 public:
  // Every region goes to `shard`.
  static RoutingTable SingleShard(std::string shard);

  // Parses the CSV text; `source` names it in errors ("file:line: what is wrong").
  // INVALID_ARGUMENT for a wrong header, a prefix that is not 1-6 digits or "*", a bad shard name,
  // a prefix listed twice, or an empty table.
  static absl::StatusOr<RoutingTable> FromCsv(absl::string_view text, absl::string_view source);

  // Reads the file and calls FromCsv(); NOT_FOUND when it cannot be read.
  static absl::StatusOr<RoutingTable> LoadFile(const std::string& path);

  // The shard of a 6-digit office region code by the longest matching prefix, else the default.
  // NOT_FOUND when neither matches.
  absl::StatusOr<std::string> ShardFor(absl::string_view region_code) const;

  // Every shard name the table mentions, sorted, without repeats.
  std::vector<std::string> ShardNames() const;

 private:
  RoutingTable() = default;

  // Prefix -> shard; "" is the default ("*").
  std::map<std::string, std::string, std::less<>> routes_;
};

// Parses "--shards" ("main=127.0.0.1:50052,harbin=10.0.0.7:50052") into name -> address.
// INVALID_ARGUMENT for an entry without "=", an empty or bad name or address, or a name twice.
absl::StatusOr<std::map<std::string, std::string>> ParseShardAddresses(absl::string_view spec);

// True for 1-32 characters of lower-case letters, digits, "_" and "-".
bool IsValidShardName(absl::string_view name);

}  // namespace unemployment::gateway
