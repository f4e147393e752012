// The --registration_shards parser shared by statistics, tiering and followup.
#include "common/server/registration_shards.h"

#include <catch2/catch.hpp>

namespace unemployment::server {
namespace {

TEST_CASE("ParseRegistrationShards: default shard, list, order and every refusal", "[server]") {
  auto one = ParseRegistrationShards("", "127.0.0.1:50052");
  REQUIRE(one.ok());
  REQUIRE(one->size() == 1);
  CHECK((*one)[0].id == kDefaultShardId);
  CHECK((*one)[0].address == "127.0.0.1:50052");
  auto blank = ParseRegistrationShards("  ", "h:1");
  REQUIRE(blank.ok());
  CHECK((*blank)[0].id == "hlj");

  auto two = ParseRegistrationShards(" main=a:1 , harbin=b:2 ", "ignored:9");
  REQUIRE(two.ok());
  REQUIRE(two->size() == 2);
  CHECK((*two)[0].id == "harbin");  // sorted by id
  CHECK((*two)[0].address == "b:2");
  CHECK((*two)[1].id == "main");
  CHECK((*two)[1].address == "a:1");

  CHECK(ParseRegistrationShards("", "").status().message() ==
        "setting --registration_addr or --registration_shards is required");
  CHECK(ParseRegistrationShards("main=a:1,main=b:2", "").status().message() ==
        "setting --registration_shards: shard \"main\" is given twice");
  CHECK(ParseRegistrationShards("Main=a:1", "").status().message() ==
        "setting --registration_shards: shard id \"Main\" must be 1 to 32 lower-case letters and "
        "digits");
  CHECK(ParseRegistrationShards("main", "").status().message() ==
        "setting --registration_shards: \"main\" is not shard_id=host:port");
  CHECK(ParseRegistrationShards("main=", "").status().message() ==
        "setting --registration_shards: shard \"main\" has no address");
  CHECK(ParseRegistrationShards("=a:1", "").status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(ParseRegistrationShards(std::string(33, 'a') + "=a:1", "").status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(ParseRegistrationShards(std::string(32, 'a') + "=a:1", "").ok());
  CHECK(ParseRegistrationShards("a=x:1,", "").status().code() ==
        absl::StatusCode::kInvalidArgument);  // an empty item
}

TEST_CASE("IsShardId: lower-case letters and digits, 1 to 32", "[server]") {
  CHECK(IsShardId("hlj"));
  CHECK(IsShardId("sh2"));
  CHECK_FALSE(IsShardId(""));
  CHECK_FALSE(IsShardId("h-lj"));
  CHECK_FALSE(IsShardId("HLJ"));
}

}  // namespace
}  // namespace unemployment::server
