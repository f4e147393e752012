// ue_audit_verify: checks a service's audit log (common/security/audit_log.h) — every entry's
// keyed hash and the chain — and, with --anchor, the log against its anchor file (the signed
// checkpoints of the log's head, written elsewhere), which detects removed newest entries. Prints
// the number of entries, the head (sequence number and MAC) and the newest checkpoint, to keep off
// the host and compare with at the next check.
//
//   ue_audit_verify [--anchor=ANCHOR_FILE] [--min_checkpoint=N] AUDIT_DB KEY_FILE [EXPECTED_HEAD_SEQ]
//
// AUDIT_DB is <data_dir>/audit.db of a service, KEY_FILE the file given as --audit_key_file,
// ANCHOR_FILE the service's --audit_anchor_file (default <data_dir>/audit.anchor). With
// EXPECTED_HEAD_SEQ, fewer entries than that is a failure too; with --min_checkpoint, an anchor
// whose newest checkpoint is older than N (an anchor file put back from an older copy) is a failure.
// Exit 0 when intact, 1 when the log or the anchor was edited, entries or checkpoints were removed
// or moved (one line says what), 2 on bad usage or an unreadable file.
//
//   ue_audit_verify --person_hash=ID_NUMBER KEY_FILE
//
// prints the keyed hash under which audit records name that person ("person_id.id_number#=<hash>",
// common/security/audit_log.h), to find every read of one person, e.g.
// sqlite3 audit.db "SELECT * FROM audit_log WHERE record LIKE '%#=<hash>%'".

#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "common/security/audit_log.h"
#include "common/security/token.h"

namespace {

constexpr char kUsage[] =
    "usage: ue_audit_verify [--anchor=ANCHOR_FILE] [--min_checkpoint=N] AUDIT_DB KEY_FILE "
    "[EXPECTED_HEAD_SEQ]\n"
    "       ue_audit_verify --person_hash=ID_NUMBER KEY_FILE\n";

int Failure(const std::string& path, const absl::Status& status) {
  std::cerr << "ue_audit_verify: " << path << ": " << status.message() << "\n";
  return status.code() == absl::StatusCode::kDataLoss ? 1 : 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string anchor;
  std::string person;
  int64_t min_checkpoint = 0;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (absl::StartsWith(arg, "--anchor=")) {
      anchor = arg.substr(9);
    } else if (absl::StartsWith(arg, "--person_hash=")) {
      person = arg.substr(14);
    } else if (absl::StartsWith(arg, "--min_checkpoint=")) {
      if (!absl::SimpleAtoi(arg.substr(17), &min_checkpoint)) {
        std::cerr << "ue_audit_verify: --min_checkpoint must be a number\n";
        return 2;
      }
    } else if (absl::StartsWith(arg, "--")) {
      std::cerr << kUsage;
      return 2;
    } else {
      positional.push_back(arg);
    }
  }
  if (!person.empty()) {
    if (positional.size() != 1) {
      std::cerr << kUsage;
      return 2;
    }
    absl::StatusOr<std::string> key = unemployment::security::ReadKeyFile(positional[0]);
    if (!key.ok()) {
      std::cerr << "ue_audit_verify: " << key.status().message() << "\n";
      return 2;
    }
    std::cout << unemployment::security::AuditPersonHash(*key, person) << "\n";
    return 0;
  }
  if (positional.size() != 2 && positional.size() != 3) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string& path = positional[0];
  int64_t expected_head = 0;
  if (positional.size() == 3 && !absl::SimpleAtoi(positional[2], &expected_head)) {
    std::cerr << "ue_audit_verify: EXPECTED_HEAD_SEQ must be a number\n";
    return 2;
  }
  absl::StatusOr<std::string> key = unemployment::security::ReadKeyFile(positional[1]);
  if (!key.ok()) {
    std::cerr << "ue_audit_verify: " << key.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<unemployment::security::AuditVerification> result =
      unemployment::security::VerifyAuditFile(path, *key);
  if (!result.ok()) return Failure(path, result.status());
  if (result->head_seq < expected_head) {
    std::cerr << "ue_audit_verify: " << path << ": the log ends at entry " << result->head_seq
              << " but entry " << expected_head << " was recorded before (entries were removed)\n";
    return 1;
  }
  std::string anchored;
  if (!anchor.empty()) {
    absl::StatusOr<unemployment::security::AuditCheckpoint> checkpoint =
        unemployment::security::VerifyAuditAnchor(path, anchor, *key);
    if (!checkpoint.ok()) {
      if (absl::IsNotFound(checkpoint.status())) {
        std::cerr << "ue_audit_verify: " << anchor
                  << ": the anchor file is missing (removed?); nothing to check the head against\n";
        return 1;
      }
      return Failure(anchor, checkpoint.status());
    }
    if (checkpoint->number < min_checkpoint) {
      std::cerr << "ue_audit_verify: " << anchor << ": the newest checkpoint is "
                << checkpoint->number << " but checkpoint " << min_checkpoint
                << " was recorded before (the anchor was rolled back)\n";
      return 1;
    }
    anchored = ", anchor checkpoint " + std::to_string(checkpoint->number) + " at entry " +
               std::to_string(checkpoint->head_seq) + " (" + checkpoint->time + ")";
  } else if (min_checkpoint > 0) {
    std::cerr << "ue_audit_verify: --min_checkpoint needs --anchor\n";
    return 2;
  }
  std::cout << path << ": intact, " << result->entries << " entries, head " << result->head_seq
            << " " << result->head_mac_hex << anchored << "\n";
  return 0;
}
