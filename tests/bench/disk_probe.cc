#include "tests/bench/disk_probe.h"

#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/store/database.h"
#include "common/store/statement.h"
#include "common/store/transaction.h"

namespace unemployment::bench {
namespace {

constexpr char kCreateSql[] = "CREATE TABLE probe (id INTEGER PRIMARY KEY, value TEXT NOT NULL)";
constexpr char kInsertSql[] = "INSERT INTO probe (value) VALUES (?)";

absl::Status CommitOneRow(store::Database& db, const std::string& value) {
  absl::StatusOr<store::Transaction> transaction = store::Transaction::Begin(db);
  if (!transaction.ok()) return transaction.status();
  {
    absl::StatusOr<store::Statement> insert = db.Prepare(kInsertSql);
    if (!insert.ok()) return insert.status();
    if (absl::Status bound = insert->BindAll(value); !bound.ok()) return bound;
    if (absl::Status ran = insert->Run(); !ran.ok()) return ran;
  }
  return transaction->Commit();
}

}  // namespace

absl::StatusOr<double> MeasureCommitRate(const std::string& dir, int commits) {
  const std::string path = dir + "/disk_probe.db";
  double rate = 0;
  {
    store::DatabaseOptions options;
    options.path = path;
    options.synchronous = store::SynchronousMode::kFull;
    absl::StatusOr<std::unique_ptr<store::Database>> db = store::Database::Open(options);
    if (!db.ok()) return db.status();
    if (absl::Status created = (*db)->Execute(kCreateSql); !created.ok()) return created;
    // A row about the size of a stored application.
    const std::string value(600, 'x');
    if (absl::Status first = CommitOneRow(**db, value); !first.ok()) return first;
    const absl::Time start = absl::Now();
    for (int i = 0; i < commits; ++i) {
      if (absl::Status committed = CommitOneRow(**db, value); !committed.ok()) return committed;
    }
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    rate = seconds > 0 ? commits / seconds : 0;
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  return rate;
}

}  // namespace unemployment::bench
