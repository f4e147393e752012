#pragma once

// The gateway's intake logic, without gRPC types: validate a channel's application, reserve its id
// and its person in the province person index, route it to the registration shard of its office,
// and have the shard store it. Every step is asynchronous; completions run on gRPC threads and
// never block. The gateway keeps no state: every replica sees the same reservations.
//
// Idempotency, uniqueness and retries (see gateway_service.proto and services/gateway/README.md):
//  1. Reserve(channel, id, form fingerprint, person, shard) in the person index, in one index
//     transaction: the same id with the same form finds its reservation; the same id with another
//     form is refused (ALREADY_EXISTS APPLICATION_ID_REUSED); a person held by another undecided
//     application or active registration anywhere in the province is refused
//     (FAILED_PRECONDITION PENDING_APPLICATION_EXISTS / ACTIVE_REGISTRATION_EXISTS).
//  2. A reservation with a known application id reads it (GetApplication); otherwise the shard's
//     CreateApplication (idempotent by channel id) stores it or returns the stored one.
//  3. An acknowledged application is durable in its shard before the answer. The index learns its
//     application id from the shard's event feed; a status look-up of a reservation without
//     application id asks the shard by channel id (and records it with Complete), so every
//     acknowledged id answers GetApplicationStatus on every replica, even right after a crash.
//  4. When registration refuses the application for good (INVALID_ARGUMENT, FAILED_PRECONDITION,
//     ...), nothing was stored there, so the reservation is released and the id may be reused with
//     a corrected form. When the outcome is unknown (UNAVAILABLE, DEADLINE_EXCEEDED) the
//     reservation stays, so a retry can only ever reach the same application.
// A shard that is down stops only the offices it serves: no other shard is asked.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/forms/form_validator.h"
#include "common/log/logger.h"
#include "services/gateway/person_index_client.h"
#include "services/gateway/registration_shards.h"
#include "services/gateway/routing_table.h"
#include "unemployment/common/v1/form.pb.h"
#include "unemployment/gateway/v1/gateway_service.pb.h"

namespace unemployment::gateway {

// One application as a channel sends it.
struct IntakeItem {
  common::v1::Channel channel = common::v1::CHANNEL_UNSPECIFIED;
  std::string channel_application_id;
  bool has_form = false;
  common::v1::RegistrationForm form;
};

struct IntakeOptions {
  // Items of one batch in flight at the same time.
  int batch_concurrency = 16;
};

class Intake final {
 public:
  using StatusCallback = std::function<void(absl::StatusOr<v1::ApplicationStatus>)>;
  using BatchCallback = std::function<void(std::vector<absl::StatusOr<v1::ApplicationStatus>>)>;

  // Everything is borrowed and must outlive the intake and its in-flight calls. `validator` also
  // gives the region directory and the province that portal application ids are checked against.
  Intake(const forms::FormValidator& validator, const RoutingTable& routing,
         RegistrationShards& shards, PersonIndexClient& index, const log::Logger& logger,
         IntakeOptions options);

  // Stores one application (or finds the one stored under its id). `done` runs exactly once.
  void Submit(IntakeItem item, absl::Time deadline, StatusCallback done);

  // Submits each item as Submit() would, at most batch_concurrency at a time; items with the same
  // channel id run one after the other in request order, so a later item with a different form is
  // the one refused. `done` gets one result per item, in order.
  void SubmitBatch(std::vector<IntakeItem> items, absl::Time deadline, BatchCallback done);

  // The current status of the application stored under a channel id. NOT_FOUND
  // (APPLICATION_NOT_FOUND) when the id is unknown or was never stored by registration.
  void GetStatus(common::v1::Channel channel, std::string channel_application_id,
                 absl::Time deadline, StatusCallback done);

  // Normalises `item` in place and checks the id and the whole form: OK or INVALID_ARGUMENT with
  // every field violation (google.rpc.BadRequest payload).
  absl::Status Validate(IntakeItem& item) const;

  // Hex SHA-256 of the deterministic serialisation of a normalised form (forms::FormFingerprint).
  static std::string ContentHash(const common::v1::RegistrationForm& form);

  // What a channel sees of a stored application.
  static v1::ApplicationStatus ToApplicationStatus(const registration::v1::Application& app);

 private:
  struct Operation;
  struct Batch;

  void OnReserved(const std::shared_ptr<Operation>& op,
                  absl::StatusOr<personindex::v1::ReserveResponse> reserved);
  void Create(const std::shared_ptr<Operation>& op);
  // ALREADY_EXISTS APPLICATION_ID_REUSED with the stored application's id (asked of `shard` when
  // the index does not know it yet).
  void RefuseReusedId(const std::shared_ptr<Operation>& op, const std::string& shard,
                      const std::string& application_id);
  void Acknowledge(const std::shared_ptr<Operation>& op, const registration::v1::Application& app);
  void RecordApplicationId(common::v1::Channel channel, const std::string& channel_application_id,
                           const std::string& application_id);
  void RunNextBatchGroup(const std::shared_ptr<Batch>& batch);
  void RunBatchItem(const std::shared_ptr<Batch>& batch, size_t group, size_t position);
  void Fail(const std::shared_ptr<Operation>& op, absl::Status status, bool release);
  absl::Status MapShardError(const std::string& shard, absl::Status status) const;
  // True when `app` is the application stored under this channel id. A shard that lost records
  // (restored from an older backup, or power loss without full sync) may give a lost id to
  // another application; the index's id then names someone else's record.
  static bool IsApplicationOf(const registration::v1::Application& app, common::v1::Channel channel,
                              absl::string_view channel_application_id);
  void LogApplicationIdMismatch(const std::string& shard, const std::string& application_id) const;
  absl::Status MapIndexError(absl::Status status) const;

  const forms::FormValidator& validator_;
  const RoutingTable& routing_;
  RegistrationShards& shards_;
  PersonIndexClient& index_;
  const log::Logger& logger_;
  const IntakeOptions options_;
};

// The field name of the channel application id in the channel's request.
absl::string_view ChannelIdField(common::v1::Channel channel);

}  // namespace unemployment::gateway
