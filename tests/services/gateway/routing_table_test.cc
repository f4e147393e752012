#include "services/gateway/routing_table.h"

#include <catch2/catch.hpp>

#include <map>
#include <string>

namespace unemployment::gateway {
namespace {

constexpr char kTwoShards[] =
    "region_prefix,shard_name\n"
    "# comment line\n"
    "23,main\n"
    "2301,harbin\n"
    "230104,daowai\n"
    "*,fallback\n";

TEST_CASE("the longest matching prefix wins, then the default", "[gateway][routing]") {
  auto table = RoutingTable::FromCsv(kTwoShards, "two.csv");
  REQUIRE(table.ok());
  CHECK(*table->ShardFor("230103") == "harbin");
  CHECK(*table->ShardFor("230104") == "daowai");
  CHECK(*table->ShardFor("230602") == "main");
  CHECK(*table->ShardFor("110105") == "fallback");
  CHECK(table->ShardNames() == std::vector<std::string>{"daowai", "fallback", "harbin", "main"});
}

TEST_CASE("without a default an unmatched region has no shard", "[gateway][routing]") {
  auto table = RoutingTable::FromCsv("region_prefix,shard_name\n23,main\n", "one.csv");
  REQUIRE(table.ok());
  CHECK(*table->ShardFor("230103") == "main");
  CHECK(table->ShardFor("110105").status().code() == absl::StatusCode::kNotFound);
  CHECK(*RoutingTable::SingleShard("main").ShardFor("110105") == "main");
}

TEST_CASE("the shipped routing tables load", "[gateway][routing]") {
  auto single = RoutingTable::LoadFile(UE_SOURCE_DIR "/data/routing/single-shard.csv");
  REQUIRE(single.ok());
  CHECK(*single->ShardFor("230103") == "hlj");
  CHECK(single->ShardNames() == std::vector<std::string>{"hlj"});
  auto two = RoutingTable::LoadFile(UE_SOURCE_DIR "/data/routing/two-shards.csv");
  REQUIRE(two.ok());
  CHECK(*two->ShardFor("230103") == "harbin");
  CHECK(*two->ShardFor("230602") == "main");
  CHECK(RoutingTable::LoadFile("/nonexistent.csv").status().code() ==
        absl::StatusCode::kNotFound);
}

TEST_CASE("malformed routing tables are refused with file and line", "[gateway][routing]") {
  auto bad = [](const std::string& text) { return RoutingTable::FromCsv(text, "t.csv").status(); };
  CHECK(bad("prefix,shard\n23,main\n").message() ==
        "t.csv:1: the header must be \"region_prefix,shard_name\"");
  CHECK(bad("region_prefix,shard_name\n2x,main\n").message() ==
        "t.csv:2: region_prefix must be 1 to 6 digits or \"*\"");
  CHECK(bad("region_prefix,shard_name\n23,Main\n").code() == absl::StatusCode::kInvalidArgument);
  CHECK(bad("region_prefix,shard_name\n23,main\n23,other\n").message() ==
        "t.csv:3: region_prefix \"23\" is listed twice");
  CHECK(bad("region_prefix,shard_name\n").code() == absl::StatusCode::kInvalidArgument);
  CHECK(bad("region_prefix,shard_name\n23\n").code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("shard addresses from --shards", "[gateway][routing]") {
  auto shards = ParseShardAddresses("main=127.0.0.1:50052, harbin=10.0.0.7:50062");
  REQUIRE(shards.ok());
  CHECK(*shards == std::map<std::string, std::string>{{"harbin", "10.0.0.7:50062"},
                                                      {"main", "127.0.0.1:50052"}});
  CHECK_FALSE(ParseShardAddresses("").ok());
  CHECK_FALSE(ParseShardAddresses("main").ok());
  CHECK_FALSE(ParseShardAddresses("main=").ok());
  CHECK_FALSE(ParseShardAddresses("main=a:1,main=b:2").ok());
  CHECK_FALSE(ParseShardAddresses("Main=a:1").ok());
}

}  // namespace
}  // namespace unemployment::gateway
