// ue_audit_verify: checks a service's audit log (common/security/audit_log.h) — every entry's
// keyed hash and the chain — and prints the number of entries and the head (sequence number and
// MAC) to compare with the head recorded at the previous check, which detects removed newest
// entries.
//
//   ue_audit_verify AUDIT_DB KEY_FILE [EXPECTED_HEAD_SEQ]
//
// AUDIT_DB is <data_dir>/audit.db of a service, KEY_FILE the file given as --audit_key_file.
// With EXPECTED_HEAD_SEQ, fewer entries than that is a failure too. Exit 0 when intact, 1 when the
// log was edited, entries were removed or moved (one line names the first broken entry), 2 on bad
// usage or an unreadable file.

#include <iostream>
#include <string>

#include "absl/strings/numbers.h"
#include "common/security/audit_log.h"
#include "common/security/token.h"

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    std::cerr << "usage: ue_audit_verify AUDIT_DB KEY_FILE [EXPECTED_HEAD_SEQ]\n";
    return 2;
  }
  int64_t expected_head = 0;
  if (argc == 4 && !absl::SimpleAtoi(argv[3], &expected_head)) {
    std::cerr << "ue_audit_verify: EXPECTED_HEAD_SEQ must be a number\n";
    return 2;
  }
  absl::StatusOr<std::string> key = unemployment::security::ReadKeyFile(argv[2]);
  if (!key.ok()) {
    std::cerr << "ue_audit_verify: " << key.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<unemployment::security::AuditVerification> result =
      unemployment::security::VerifyAuditFile(argv[1], *key);
  if (!result.ok()) {
    std::cerr << "ue_audit_verify: " << argv[1] << ": " << result.status().message() << "\n";
    return result.status().code() == absl::StatusCode::kDataLoss ? 1 : 2;
  }
  if (result->head_seq < expected_head) {
    std::cerr << "ue_audit_verify: " << argv[1] << ": the log ends at entry " << result->head_seq
              << " but entry " << expected_head << " was recorded before (entries were removed)\n";
    return 1;
  }
  std::cout << argv[1] << ": intact, " << result->entries << " entries, head " << result->head_seq
            << " " << result->head_mac_hex << "\n";
  return 0;
}
