#pragma once

// The gateway's memory of which channel application ids it has seen: (channel, channel id) ->
// content hash of the normalised form, the shard it was routed to and, once registration stored it,
// the application id. It makes resubmission safe: the same id with the same form goes back to the
// same shard (whose CreateApplication is idempotent too), the same id with another form is refused.
//
// The interface is asynchronous so that handlers never block on disk: completions run on the
// store's writer thread and must stay short (start an RPC, finish a reactor).

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "common/store/database.h"
#include "common/store/group_committer.h"
#include "common/store/migration.h"
#include "common/time/clock.h"
#include "unemployment/common/v1/codes.pb.h"

namespace unemployment::gateway {

struct IntakeRecord {
  common::v1::Channel channel = common::v1::CHANNEL_UNSPECIFIED;
  std::string channel_application_id;
  // Hex SHA-256 of the canonical serialisation of the normalised form.
  std::string content_hash;
  // The shard chosen when the id was first seen; repeats go there even if the table changed.
  std::string shard;
  // The office region code the form gave.
  std::string office_region_code;
  // Empty until registration answered with the stored application.
  std::string application_id;
};

struct ReserveResult {
  // The stored record: the new one, or the one that already existed for the key.
  IntakeRecord record;
  // True when this call stored it.
  bool created = false;
};

class IdempotencyStore {
 public:
  virtual ~IdempotencyStore() = default;

  // Stores `record` (without application id) unless the key exists; reports the stored record.
  // Durable before `done` is called.
  virtual void Reserve(const IntakeRecord& record,
                       std::function<void(absl::StatusOr<ReserveResult>)> done) = 0;

  // Records the application id registration assigned.
  virtual void Complete(common::v1::Channel channel, const std::string& channel_application_id,
                        const std::string& application_id,
                        std::function<void(absl::Status)> done) = 0;

  // Forgets a reservation that never led to an application (registration refused the form for
  // good), so that the id can be used again with a corrected form. Only a record with this
  // content hash and no application id is removed.
  virtual void Release(common::v1::Channel channel, const std::string& channel_application_id,
                       const std::string& content_hash, std::function<void(absl::Status)> done) = 0;

  // The record of a key, or nullopt.
  virtual void Find(common::v1::Channel channel, const std::string& channel_application_id,
                    std::function<void(absl::StatusOr<std::optional<IntakeRecord>>)> done) = 0;
};

// The schema of the gateway's SQLite file.
absl::Span<const store::Migration> GatewayMigrations();

// IdempotencyStore on the gateway's SQLite file; every operation is a GroupCommitter work item,
// so concurrent requests share transactions and fsyncs.
class SqliteIdempotencyStore final : public IdempotencyStore {
 public:
  // `db` must be migrated with GatewayMigrations(); it is used only by the store's writer thread
  // from now on. `clock` stamps created_at. Both must outlive the store.
  SqliteIdempotencyStore(store::Database& db, const time::Clock& clock);
  ~SqliteIdempotencyStore() override;

  void Reserve(const IntakeRecord& record,
               std::function<void(absl::StatusOr<ReserveResult>)> done) override;
  void Complete(common::v1::Channel channel, const std::string& channel_application_id,
                const std::string& application_id, std::function<void(absl::Status)> done) override;
  void Release(common::v1::Channel channel, const std::string& channel_application_id,
               const std::string& content_hash, std::function<void(absl::Status)> done) override;
  void Find(common::v1::Channel channel, const std::string& channel_application_id,
            std::function<void(absl::StatusOr<std::optional<IntakeRecord>>)> done) override;

  // Finishes queued writes; later calls fail with UNAVAILABLE.
  void Shutdown();

 private:
  const time::Clock& clock_;
  store::GroupCommitter committer_;
};

}  // namespace unemployment::gateway
