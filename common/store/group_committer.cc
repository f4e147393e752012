#include "common/store/group_committer.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log/request_id.h"
#include "common/store/transaction.h"

namespace unemployment::store {
namespace {

// Runs one item inside its own savepoint, so that its failure undoes only its own changes.
absl::Status RunInSavepoint(Database& db, const GroupCommitter::Work& work) {
  absl::StatusOr<Savepoint> savepoint = Savepoint::Begin(db);
  if (!savepoint.ok()) return savepoint.status();
  absl::Status status = work(db);
  if (!status.ok()) {
    savepoint->Rollback().IgnoreError();
    return status;
  }
  return savepoint->Release();
}

}  // namespace

GroupCommitter::GroupCommitter(Database& db, Options options)
    : db_(db), options_(std::move(options)) {
  absl::MutexLock lock(&join_mu_);
  if (!options_.complete_on_writer_thread) completer_ = std::thread([this] { CompleterLoop(); });
  writer_ = std::thread([this] { WriterLoop(); });
}

GroupCommitter::~GroupCommitter() { Shutdown(); }

void GroupCommitter::Submit(Work work, Done done) {
  if (!work) {
    if (done) done(absl::InvalidArgumentError("group commit: empty work item"));
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      queue_.push_back(
          Item{std::move(work), std::move(done), std::string(log::CurrentRequestId())});
      work_available_.Signal();
      return;
    }
  }
  if (done) done(absl::UnavailableError("group commit: the committer is shut down"));
}

std::future<absl::Status> GroupCommitter::Submit(Work work) {
  auto promise = std::make_shared<std::promise<absl::Status>>();
  std::future<absl::Status> future = promise->get_future();
  Submit(std::move(work),
         [promise](absl::Status status) { promise->set_value(std::move(status)); });
  return future;
}

absl::Status GroupCommitter::Run(Work work) { return Submit(std::move(work)).get(); }

void GroupCommitter::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    work_available_.SignalAll();
  }
  absl::MutexLock lock(&join_mu_);
  if (writer_.joinable()) writer_.join();
  {
    // Every item is committed; the completer runs the callbacks left and stops.
    absl::MutexLock completions(&completions_mu_);
    writer_done_ = true;
    completions_available_.SignalAll();
  }
  if (completer_.joinable()) completer_.join();
}

GroupCommitter::Stats GroupCommitter::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void GroupCommitter::WriterLoop() {
  for (;;) {
    std::vector<Item> batch = TakeBatch();
    if (batch.empty()) return;
    size_t next = 0;
    while (next < batch.size()) next = RunTransaction(batch, next);
  }
}

std::vector<GroupCommitter::Item> GroupCommitter::TakeBatch() {
  absl::MutexLock lock(&mu_);
  while (queue_.empty() && !stopping_) work_available_.Wait(&mu_);
  size_t count = std::min(queue_.size(), static_cast<size_t>(std::max(options_.max_batch_size, 1)));
  std::vector<Item> batch;
  batch.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return batch;
}

size_t GroupCommitter::RunTransaction(std::vector<Item>& batch, size_t begin) {
  std::vector<absl::Status> statuses;
  statuses.reserve(batch.size() - begin);
  absl::StatusOr<Transaction> transaction = Transaction::Begin(db_, Transaction::Mode::kImmediate);
  if (!transaction.ok()) {
    // E.g. kUnavailable after busy_timeout: nobody's work ran.
    statuses.assign(batch.size() - begin, transaction.status());
    Complete(batch, begin, statuses);
    return batch.size();
  }
  for (size_t i = begin; i < batch.size(); ++i) {
    log::RequestIdScope scope(batch[i].request_id);
    absl::Status status = RunInSavepoint(db_, batch[i].work);
    statuses.push_back(status);
    if (!db_.in_transaction()) {
      // SQLite rolled the whole transaction back (I/O error, disk full, ...): the earlier items'
      // changes are gone too. Report them and go on with the rest in a new transaction.
      absl::Status aborted = absl::AbortedError(absl::StrCat(
          "group commit: the shared transaction was rolled back by another item's failure",
          status.ok() ? "" : ": ", status.message()));
      for (absl::Status& earlier : statuses) {
        if (earlier.ok()) earlier = aborted;
      }
      transaction->Rollback().IgnoreError();
      Complete(batch, begin, statuses);
      return i + 1;
    }
  }
  if (CommitObserver* observer = db_.options().commit_observer.get(); observer != nullptr) {
    observer->OnBatch(static_cast<int>(batch.size() - begin));
  }
  absl::Status commit = transaction->Commit();
  if (!commit.ok()) {
    for (absl::Status& status : statuses) {
      if (status.ok()) status = commit;
    }
  }
  Complete(batch, begin, statuses);
  return batch.size();
}

void GroupCommitter::Complete(std::vector<Item>& batch, size_t begin,
                              std::vector<absl::Status>& statuses) {
  {
    absl::MutexLock lock(&mu_);
    ++stats_.transactions;
    stats_.items += static_cast<int64_t>(statuses.size());
    stats_.largest_batch = std::max(stats_.largest_batch, static_cast<int64_t>(statuses.size()));
    for (const absl::Status& status : statuses) {
      if (!status.ok()) ++stats_.failed_items;
    }
  }
  if (!options_.complete_on_writer_thread) {
    absl::MutexLock lock(&completions_mu_);
    for (size_t i = 0; i < statuses.size(); ++i) {
      Item& item = batch[begin + i];
      if (!item.done) continue;
      completions_.push_back(
          Completion{std::move(item.done), std::move(statuses[i]), std::move(item.request_id)});
    }
    completions_available_.Signal();
    return;
  }
  // Outside the lock: a callback may Submit again.
  for (size_t i = 0; i < statuses.size(); ++i) {
    Item& item = batch[begin + i];
    log::RequestIdScope scope(item.request_id);
    if (item.done) item.done(std::move(statuses[i]));
  }
}

void GroupCommitter::CompleterLoop() {
  for (;;) {
    std::deque<Completion> ready;
    {
      absl::MutexLock lock(&completions_mu_);
      while (completions_.empty() && !writer_done_) completions_available_.Wait(&completions_mu_);
      if (completions_.empty()) return;  // the writer has stopped and nothing is left
      ready.swap(completions_);
    }
    // Outside the lock: a callback may Submit again.
    for (Completion& completion : ready) {
      log::RequestIdScope scope(completion.request_id);
      completion.done(std::move(completion.status));
    }
  }
}

}  // namespace unemployment::store
