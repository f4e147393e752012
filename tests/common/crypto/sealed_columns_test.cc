#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/store/database.h"
#include "common/store/sealed.h"
#include "tests/testing/files.h"

namespace unemployment::store {
namespace {

using ::unemployment::testing::ReadFile;

std::shared_ptr<const crypto::Keyring> Ring(const std::string& keys) {
  return *crypto::Keyring::Parse(
      keys + absl::StrCat("search ", absl::Base64Escape(std::string(32, 's')), "\n"));
}
std::string Key(int id, char fill, bool active) {
  return absl::StrCat("key ", id, " ", absl::Base64Escape(std::string(32, fill)),
                      active ? " active" : "", "\n");
}

std::unique_ptr<Database> OpenWith(const std::string& path,
                                   std::shared_ptr<const crypto::Keyring> keyring) {
  DatabaseOptions options;
  options.path = path;
  options.keyring = std::move(keyring);
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(options);
  REQUIRE(db.ok());
  return *std::move(db);
}

constexpr SealedColumn kColumns[] = {{"person", "phone", "test/person.phone"}};
constexpr std::string_view kPhone = "13912345678";

TEST_CASE("sealed columns: stored sealed, found by keyed hash, resealed after rotation",
          "[crypto][store]") {
  std::string dir =
      absl::StrCat(std::filesystem::temp_directory_path().string(), "/ue_sealed_", getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/people.db";
  const std::string id_number = "11010519491231002X";
  {
    auto db = OpenWith(path, Ring(Key(1, 'a', true)));
    REQUIRE(db->Execute("CREATE TABLE person (id_hash TEXT PRIMARY KEY, phone BLOB)").ok());
    auto insert = db->Prepare("INSERT INTO person (id_hash, phone) VALUES (?1, ?2)");
    REQUIRE(insert.ok());
    REQUIRE(insert->BindText(1, SearchHash(*db, id_number)).ok());
    REQUIRE(BindSealed(*db, *insert, 2, "test/person.phone", kPhone).ok());
    REQUIRE(insert->Run().ok());
  }
  std::string raw = ReadFile(path);
  CHECK(raw.find(std::string(kPhone)) == std::string::npos);
  CHECK(raw.find(id_number) == std::string::npos);

  auto rotated = Ring(Key(1, 'a', false) + Key(2, 'b', true));
  {
    auto db = OpenWith(path, rotated);
    auto find = db->Prepare("SELECT phone FROM person WHERE id_hash = ?1");
    REQUIRE(find.ok());
    REQUIRE(find->BindText(1, SearchHash(*db, id_number)).ok());
    REQUIRE(*find->Step());
    CHECK(*OpenColumn(*db, *find, 0, "test/person.phone") == kPhone);
    CHECK_FALSE(OpenColumn(*db, *find, 0, "test/person.other").ok());
    find->Reset();
    CHECK(*CountStaleValues(*db, kColumns) == 1);
    CHECK(*ResealColumns(*db, kColumns) == 1);
    CHECK(*CountStaleValues(*db, kColumns) == 0);
    CHECK(*ResealColumns(*db, kColumns) == 0);
  }
  {
    // Key 1 retired: everything still opens.
    auto db = OpenWith(path, Ring(Key(2, 'b', true)));
    auto find = db->Prepare("SELECT phone FROM person");
    REQUIRE(find.ok());
    REQUIRE(*find->Step());
    CHECK(*OpenColumn(*db, *find, 0, "test/person.phone") == kPhone);
  }
  {
    // A migration seals plaintext already in a database with the SQL functions.
    auto db = OpenWith(path, Ring(Key(2, 'b', true)));
    REQUIRE(db->Execute("INSERT INTO person (id_hash, phone) VALUES ('x', '13700000000')").ok());
    CHECK(*CountStaleValues(*db, kColumns) == 1);
    REQUIRE(db->Execute("UPDATE person SET phone = ue_seal('test/person.phone', phone) "
                        "WHERE ue_key_id(phone) IS NULL")
                .ok());
    CHECK(*CountStaleValues(*db, kColumns) == 0);
    auto find = db->Prepare("SELECT phone FROM person WHERE id_hash = 'x'");
    REQUIRE(find.ok());
    REQUIRE(*find->Step());
    CHECK(*OpenColumn(*db, *find, 0, "test/person.phone") == "13700000000");
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace unemployment::store
