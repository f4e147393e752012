// ue_data_rekey: moves the personal data sealed in a service's database to the active data key
// after a key rotation (see deploy/README.md, "Security"), or checks that nothing is left under an
// older key.
//
//   ue_data_rekey --data_key_file=KEYRING [--check] DATABASE...
//
// DATABASE is a service's file; its name says which columns are sealed: registration.db,
// verification.db, followup.db or tiering.db (person_index.db, statistics.db and
// ministry_receiver.db hold no personal data). KEYRING must hold the new active key and every key still in use. The
// re-sealing of one database is one transaction; the service may keep running (its writes wait
// for the transaction). Exit 0 when done (or, with --check, when every value is under the active
// key), 1 on failure or stale values, 2 on bad usage.

#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "common/crypto/keyring.h"
#include "common/store/database.h"
#include "common/store/sealed.h"
#include "services/followup/sqlite_followup_store.h"
#include "services/registration/sqlite_registration_store.h"
#include "services/tiering/sqlite_tiering_store.h"
#include "services/verification/sqlite_verification_store.h"

namespace {

namespace store = ::unemployment::store;

int Usage() {
  std::cerr << "usage: ue_data_rekey --data_key_file=KEYRING [--check] DATABASE...\n";
  return 2;
}

absl::Span<const store::SealedColumn> ColumnsOf(const std::string& path) {
  std::string name = path.substr(path.find_last_of('/') + 1);
  if (name == "registration.db") return unemployment::registration::RegistrationSealedColumns();
  if (name == "verification.db") return unemployment::verification::VerificationSealedColumns();
  if (name == "followup.db") return unemployment::followup::FollowupSealedColumns();
  if (name == "tiering.db") return unemployment::tiering::TieringSealedColumns();
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  std::string key_file;
  bool check = false;
  std::vector<std::string> databases;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (absl::StartsWith(arg, "--data_key_file=")) {
      key_file = arg.substr(16);
    } else if (arg == "--check") {
      check = true;
    } else if (absl::StartsWith(arg, "--")) {
      return Usage();
    } else {
      databases.push_back(arg);
    }
  }
  if (key_file.empty() || databases.empty()) return Usage();
  auto keyring = unemployment::crypto::Keyring::LoadFile(key_file);
  if (!keyring.ok()) {
    std::cerr << "ue_data_rekey: " << keyring.status().message() << "\n";
    return 1;
  }
  int exit_code = 0;
  for (const std::string& path : databases) {
    absl::Span<const store::SealedColumn> columns = ColumnsOf(path);
    if (columns.empty()) {
      std::cerr << "ue_data_rekey: " << path
                << ": not a database with sealed columns (registration.db, verification.db, "
                   "followup.db, tiering.db)\n";
      exit_code = 1;
      continue;
    }
    store::DatabaseOptions options;
    options.path = path;
    options.create_if_missing = false;
    options.keyring = *keyring;
    auto db = store::Database::Open(options);
    if (!db.ok()) {
      std::cerr << "ue_data_rekey: " << db.status().message() << "\n";
      exit_code = 1;
      continue;
    }
    absl::StatusOr<int64_t> count = check ? store::CountStaleValues(**db, columns)
                                          : store::ResealColumns(**db, columns);
    if (!count.ok()) {
      std::cerr << "ue_data_rekey: " << path << ": " << count.status().message() << "\n";
      exit_code = 1;
      continue;
    }
    if (check) {
      std::cout << path << ": " << *count << " values not under active key "
                << (*keyring)->active_key_id() << "\n";
      if (*count > 0) exit_code = 1;
    } else {
      std::cout << path << ": " << *count << " values sealed again with key "
                << (*keyring)->active_key_id() << "\n";
    }
  }
  return exit_code;
}
