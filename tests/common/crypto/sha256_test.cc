#include "common/crypto/sha256.h"

#include <catch2/catch.hpp>

namespace unemployment::crypto {
namespace {

// FIPS 180-2 test vectors.
TEST_CASE("Sha256Hex of known inputs", "[sha256]") {
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("Sha256 in pieces equals the digest of the whole", "[sha256]") {
  Sha256 sha;
  sha.Update("a");
  sha.Update("");
  sha.Update("bc");
  CHECK(sha.HexDigest() == Sha256Hex("abc"));
  Sha256 raw;
  raw.Update("abc");
  CHECK(raw.Digest().size() == 32);
}

}  // namespace
}  // namespace unemployment::crypto
