#include "common/store/writer_store.h"

#include <algorithm>
#include <future>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/store/internal.h"
#include "common/store/transaction.h"

namespace unemployment::store {
namespace {

constexpr std::string_view kMemoryPath = ":memory:";
// Up to 8 GiB of the file mapped per reader connection (address space, not memory).
constexpr std::string_view kReaderMmapSql = "PRAGMA mmap_size = 8589934592";

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> WriterStore::OpenMigrated(
    const std::string& path, absl::Span<const Migration> migrations) {
  DatabaseOptions options;
  options.path = path;
  UE_STORE_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(options));
  UE_STORE_RETURN_IF_ERROR(Migrate(*db, migrations));
  return db;
}

absl::StatusOr<std::vector<std::unique_ptr<Database>>> WriterStore::OpenReaders(
    const Database& writer, const WriterStoreOptions& options) {
  std::vector<std::unique_ptr<Database>> readers;
  if (writer.path() == kMemoryPath) return readers;
  DatabaseOptions reader_options = writer.options();
  reader_options.read_only = true;
  reader_options.create_if_missing = false;
  for (int i = 0; i < std::max(options.reader_count, 1); ++i) {
    UE_STORE_ASSIGN_OR_RETURN(std::unique_ptr<Database> reader, Database::Open(reader_options));
    if (options.map_readers) UE_STORE_RETURN_IF_ERROR(reader->Execute(kReaderMmapSql));
    readers.push_back(std::move(reader));
  }
  return readers;
}

absl::StatusOr<std::unique_ptr<WriterStore>> WriterStore::Create(
    std::unique_ptr<Database> writer, const WriterStoreOptions& options) {
  if (writer == nullptr) return absl::InvalidArgumentError("no database");
  if (writer->path() == kMemoryPath && (options.group_commit || !options.allow_memory)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ", internal::ToAbsl(options.name), " needs a database file, not :memory:"));
  }
  UE_STORE_ASSIGN_OR_RETURN(std::vector<std::unique_ptr<Database>> readers,
                   OpenReaders(*writer, options));
  return std::make_unique<WriterStore>(std::move(writer), std::move(readers),
                                       options.group_commit);
}

WriterStore::WriterStore(std::unique_ptr<Database> writer,
                         std::vector<std::unique_ptr<Database>> readers, bool group_commit)
    : writer_(std::move(writer)), readers_(std::move(readers)) {
  if (group_commit) committer_ = std::make_unique<GroupCommitter>(*writer_);
  absl::MutexLock lock(&readers_mu_);
  for (auto& reader : readers_) idle_readers_.push_back(reader.get());
}

WriterStore::~WriterStore() { Shutdown(); }

void WriterStore::Shutdown() {
  if (committer_ != nullptr) committer_->Shutdown();
}

void WriterStore::SetCommitListener(std::function<void(int64_t)> listener) {
  on_commit_ = std::move(listener);
}

void WriterStore::Notify(int64_t appended) {
  if (appended > 0 && on_commit_) on_commit_(appended);
}

void WriterStore::Write(Work work, Done done) {
  if (committer_ == nullptr) {
    int64_t appended = 0;
    absl::Status status;
    {
      absl::MutexLock lock(&write_mu_);
      status = writer_->InTransaction([&]() -> absl::Status {
        absl::StatusOr<int64_t> result = work(*writer_);
        if (!result.ok()) return result.status();
        appended = *result;
        return absl::OkStatus();
      });
    }
    if (status.ok()) Notify(appended);
    if (done) done(std::move(status));
    return;
  }
  // Written by the work on the writer thread, read by `done` after the commit.
  auto appended = std::make_shared<int64_t>(0);
  committer_->Submit(
      [work = std::move(work), appended](Database& db) -> absl::Status {
        absl::StatusOr<int64_t> result = work(db);
        if (!result.ok()) return result.status();
        *appended = *result;
        return absl::OkStatus();
      },
      [this, appended, done = std::move(done)](absl::Status status) {
        if (status.ok()) Notify(*appended);
        if (done) done(std::move(status));
      });
}

void WriterStore::Submit(GroupCommitter::Work work, Done done) {
  Write(
      [work = std::move(work)](Database& db) -> absl::StatusOr<int64_t> {
        absl::Status status = work(db);
        if (!status.ok()) return status;
        return int64_t{0};
      },
      std::move(done));
}

absl::Status WriterStore::WriteAndWait(Work work) {
  auto promise = std::make_shared<std::promise<absl::Status>>();
  std::future<absl::Status> result = promise->get_future();
  Write(std::move(work), [promise](absl::Status status) { promise->set_value(std::move(status)); });
  return result.get();
}

absl::Status WriterStore::Read(const std::function<absl::Status(Database&)>& fn) {
  ReaderLease lease(*this);
  if (readers_.empty()) {
    // The writer connection behind the write mutex: no write can interleave.
    return fn(lease.db());
  }
  UE_STORE_ASSIGN_OR_RETURN(Transaction transaction,
                   Transaction::Begin(lease.db(), Transaction::Mode::kDeferred));
  absl::Status status = fn(lease.db());
  if (!status.ok()) {
    transaction.Rollback().IgnoreError();
    return status;
  }
  return transaction.Commit();
}

Database* WriterStore::AcquireReader() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  if (readers_.empty()) {
    write_mu_.Lock();  // released by ReleaseReader
    return writer_.get();
  }
  absl::MutexLock lock(&readers_mu_);
  readers_mu_.Await(absl::Condition(
      +[](std::vector<Database*>* idle) { return !idle->empty(); }, &idle_readers_));
  Database* reader = idle_readers_.back();
  idle_readers_.pop_back();
  return reader;
}

void WriterStore::ReleaseReader(Database* reader) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  if (readers_.empty()) {
    write_mu_.Unlock();
    return;
  }
  absl::MutexLock lock(&readers_mu_);
  idle_readers_.push_back(reader);
}

WriterStore::ReaderLease::ReaderLease(WriterStore& store)
    : store_(store), db_(store.AcquireReader()) {}

WriterStore::ReaderLease::~ReaderLease() { store_.ReleaseReader(db_); }

}  // namespace unemployment::store
