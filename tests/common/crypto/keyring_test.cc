#include "common/crypto/keyring.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace unemployment::crypto {
namespace {

std::string KeyLine(int id, char fill, bool active = false) {
  return absl::StrCat("key ", id, " ", absl::Base64Escape(std::string(32, fill)),
                      active ? " active" : "", "\n");
}
std::string SearchLine(char fill) {
  return absl::StrCat("search ", absl::Base64Escape(std::string(32, fill)), "\n");
}

std::shared_ptr<const Keyring> MustParse(const std::string& text) {
  absl::StatusOr<std::shared_ptr<const Keyring>> keyring = Keyring::Parse(text);
  REQUIRE(keyring.ok());
  return *keyring;
}

constexpr std::string_view kIdNumber = "11010519491231002X";

TEST_CASE("sealed values round-trip and hide the plaintext", "[crypto]") {
  auto keyring = MustParse(Keyring::GenerateText());
  absl::StatusOr<std::string> sealed = keyring->Seal("reg/applications.data", kIdNumber);
  REQUIRE(sealed.ok());
  CHECK(sealed->size() == kIdNumber.size() + kSealedOverhead);
  CHECK(sealed->find(std::string(kIdNumber)) == std::string::npos);
  CHECK(Keyring::KeyIdOf(*sealed) == keyring->active_key_id());
  absl::StatusOr<std::string> opened = keyring->Open("reg/applications.data", *sealed);
  REQUIRE(opened.ok());
  CHECK(*opened == kIdNumber);
  // A random nonce: sealing twice gives different bytes.
  CHECK(*keyring->Seal("reg/applications.data", kIdNumber) != *sealed);
  // The empty value too.
  CHECK(*keyring->Open("c", *keyring->Seal("c", "")) == "");
}

TEST_CASE("an altered value, another context or another key does not open", "[crypto]") {
  auto keyring = MustParse(Keyring::GenerateText());
  std::string sealed = *keyring->Seal("reg/applications.data", kIdNumber);
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string tampered = sealed;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    CHECK_FALSE(keyring->Open("reg/applications.data", tampered).ok());
  }
  CHECK_FALSE(keyring->Open("reg/applications.data", sealed.substr(0, sealed.size() - 1)).ok());
  absl::Status moved = keyring->Open("reg/notifications.target", sealed).status();
  CHECK(moved.code() == absl::StatusCode::kDataLoss);
  auto other = MustParse(Keyring::GenerateText());  // also key id 1, other bytes
  CHECK(other->Open("reg/applications.data", sealed).status().code() ==
        absl::StatusCode::kDataLoss);
  CHECK(keyring->Open("c", kIdNumber).status().code() == absl::StatusCode::kDataLoss);
}

TEST_CASE("rotation: the active key seals, older keys still open", "[crypto]") {
  auto old_ring = MustParse(KeyLine(1, 'a', true) + SearchLine('s'));
  auto new_ring = MustParse(KeyLine(1, 'a') + KeyLine(2, 'b', true) + SearchLine('s'));
  auto only_new = MustParse(KeyLine(2, 'b') + SearchLine('s'));
  CHECK(new_ring->active_key_id() == 2);
  CHECK(only_new->active_key_id() == 2);  // the highest id when none is marked
  std::string under_1 = *old_ring->Seal("c", "13812345678");
  CHECK(*new_ring->Open("c", under_1) == "13812345678");
  CHECK(only_new->Open("c", under_1).status().code() == absl::StatusCode::kFailedPrecondition);
  absl::StatusOr<std::string> resealed = new_ring->Reseal("c", under_1);
  REQUIRE(resealed.ok());
  CHECK(Keyring::KeyIdOf(*resealed) == 2u);
  CHECK(*only_new->Open("c", *resealed) == "13812345678");
  CHECK(*new_ring->Reseal("c", *resealed) == *resealed);  // already current: unchanged
  CHECK_FALSE(new_ring->Reseal("other", under_1).ok());
  // The search key is separate from the data keys: rotation keeps the hashes.
  CHECK(old_ring->SearchHash(kIdNumber) == new_ring->SearchHash(kIdNumber));
}

TEST_CASE("the keyed hash is stable, keyed and hides the value", "[crypto]") {
  auto a = MustParse(KeyLine(1, 'a') + SearchLine('s'));
  auto b = MustParse(KeyLine(1, 'a') + SearchLine('t'));
  std::string hash = a->SearchHash(kIdNumber);
  CHECK(hash.size() == 32);
  CHECK(hash == a->SearchHash(kIdNumber));
  CHECK(hash != a->SearchHash("11010519491231002x"));
  CHECK(hash != b->SearchHash(kIdNumber));
  CHECK(hash.find("1101051949") == std::string::npos);
}

TEST_CASE("the keyed hash is HMAC-SHA256 truncated to 128 bits", "[crypto]") {
  // Stored hashes must stay findable whatever the implementation: the values of Python's
  // hmac.new(b"s" * 32, value, hashlib.sha256).hexdigest()[:32].
  auto keyring = MustParse(KeyLine(1, 'a') + SearchLine('s'));
  CHECK(keyring->SearchHash(kIdNumber) == "7b727fd214f6051c442b067aaa3f1daa");
  CHECK(keyring->SearchHash("") == "aef532c8231c964006002a31f4a86c5a");
}

TEST_CASE("keyring files are checked", "[crypto]") {
  CHECK_FALSE(Keyring::Parse("").ok());
  CHECK_FALSE(Keyring::Parse(KeyLine(1, 'a')).ok());  // no search key
  CHECK_FALSE(Keyring::Parse(SearchLine('s')).ok());  // no data key
  CHECK_FALSE(Keyring::Parse(KeyLine(1, 'a') + KeyLine(1, 'b') + SearchLine('s')).ok());
  CHECK_FALSE(Keyring::Parse(KeyLine(1, 'a', true) + KeyLine(2, 'b', true) + SearchLine('s')).ok());
  CHECK_FALSE(Keyring::Parse("key 1 c2hvcnQ=\n" + SearchLine('s')).ok());  // 5 bytes
  CHECK_FALSE(Keyring::Parse(KeyLine(0, 'a') + SearchLine('s')).ok());
  absl::Status bad = Keyring::Parse("# keys\nkey 1 !!!\n").status();
  CHECK(bad.message().find("line 2") != std::string::npos);

  std::string dir =
      absl::StrCat(std::filesystem::temp_directory_path().string(), "/ue_keyring_", getpid());
  std::filesystem::create_directories(dir);
  std::string path = dir + "/data.key";
  std::filesystem::remove(path);
  REQUIRE(Keyring::CreateFile(path).ok());
  struct stat info;
  REQUIRE(stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  CHECK_FALSE(Keyring::CreateFile(path).ok());  // never overwrites a keyring
  absl::StatusOr<std::shared_ptr<const Keyring>> loaded = Keyring::LoadFile(path);
  REQUIRE(loaded.ok());
  CHECK((*loaded)->active_key_id() == 1);
  chmod(path.c_str(), 0644);
  CHECK(Keyring::LoadFile(path).status().code() == absl::StatusCode::kFailedPrecondition);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace unemployment::crypto
