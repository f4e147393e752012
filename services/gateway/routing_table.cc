#include "services/gateway/routing_table.h"

#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/validation/csv.h"

namespace unemployment::gateway {
namespace {

constexpr absl::string_view kDefaultPrefix = "*";

bool IsDigitPrefix(absl::string_view prefix) {
  if (prefix.empty() || prefix.size() > 6) return false;
  for (char c : prefix) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

bool IsValidShardName(absl::string_view name) {
  if (name.empty() || name.size() > 32) return false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (!absl::ascii_islower(u) && !absl::ascii_isdigit(u) && c != '_' && c != '-') return false;
  }
  return true;
}

RoutingTable RoutingTable::SingleShard(std::string shard) {
  RoutingTable table;
  table.routes_.emplace("", std::move(shard));
  return table;
}

absl::StatusOr<RoutingTable> RoutingTable::FromCsv(absl::string_view text,
                                                   absl::string_view source) {
  absl::StatusOr<std::vector<validation::CsvRow>> rows = validation::ParseCsv(text, source);
  if (!rows.ok()) return rows.status();
  RoutingTable table;
  bool header_seen = false;
  for (const validation::CsvRow& row : *rows) {
    if (!row.fields.empty() && absl::StartsWith(absl::StripLeadingAsciiWhitespace(row.fields[0]), "#")) {
      continue;
    }
    const std::string where = absl::StrCat(source, ":", row.line_number, ": ");
    if (row.fields.size() != 2) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "expected 2 fields (region_prefix,shard_name), got ",
                       row.fields.size()));
    }
    const std::string prefix(absl::StripAsciiWhitespace(row.fields[0]));
    const std::string shard(absl::StripAsciiWhitespace(row.fields[1]));
    if (!header_seen) {
      if (prefix != "region_prefix" || shard != "shard_name") {
        return absl::InvalidArgumentError(
            absl::StrCat(where, "the header must be \"region_prefix,shard_name\""));
      }
      header_seen = true;
      continue;
    }
    if (prefix != kDefaultPrefix && !IsDigitPrefix(prefix)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "region_prefix must be 1 to 6 digits or \"*\""));
    }
    if (!IsValidShardName(shard)) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, "shard_name must be 1 to 32 lower-case letters, digits, \"_\" or \"-\""));
    }
    const std::string key = prefix == kDefaultPrefix ? std::string() : prefix;
    if (!table.routes_.emplace(key, shard).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "region_prefix \"", prefix, "\" is listed twice"));
    }
  }
  if (!header_seen) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": the file has no header"));
  }
  if (table.routes_.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": the routing table has no routes"));
  }
  return table;
}

absl::StatusOr<RoutingTable> RoutingTable::LoadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read routing table \"", path, "\""));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return FromCsv(buffer.str(), path);
}

absl::StatusOr<std::string> RoutingTable::ShardFor(absl::string_view region_code) const {
  for (std::size_t length = std::min<std::size_t>(region_code.size(), 6); length > 0; --length) {
    auto it = routes_.find(region_code.substr(0, length));
    if (it != routes_.end()) return it->second;
  }
  auto it = routes_.find("");
  if (it != routes_.end()) return it->second;
  return absl::NotFoundError(
      absl::StrCat("no registration shard serves region ", region_code));
}

std::vector<std::string> RoutingTable::ShardNames() const {
  std::set<std::string> names;
  for (const auto& [prefix, shard] : routes_) names.insert(shard);
  return std::vector<std::string>(names.begin(), names.end());
}

absl::StatusOr<std::map<std::string, std::string>> ParseShardAddresses(absl::string_view spec) {
  std::map<std::string, std::string> shards;
  for (absl::string_view entry : absl::StrSplit(spec, ',', absl::SkipWhitespace())) {
    entry = absl::StripAsciiWhitespace(entry);
    const std::size_t eq = entry.find('=');
    if (eq == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("shard entry \"", entry, "\" is not name=host:port"));
    }
    const std::string name(absl::StripAsciiWhitespace(entry.substr(0, eq)));
    const std::string address(absl::StripAsciiWhitespace(entry.substr(eq + 1)));
    if (!IsValidShardName(name)) {
      return absl::InvalidArgumentError(absl::StrCat("bad shard name \"", name, "\""));
    }
    if (address.empty() || address.find(':') == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("shard \"", name, "\" needs an address host:port"));
    }
    if (!shards.emplace(name, address).second) {
      return absl::InvalidArgumentError(absl::StrCat("shard \"", name, "\" is given twice"));
    }
  }
  if (shards.empty()) return absl::InvalidArgumentError("no shard is given");
  return shards;
}

}  // namespace unemployment::gateway
