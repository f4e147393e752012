#pragma once

// The gateway's intake logic, without gRPC types: validate a channel's application, remember its
// id (idempotency), route it to the registration shard of its office, make sure the person is not
// actively registered in another shard, and have the shard store it. Every step is asynchronous;
// completions run on gRPC or store threads and never block.
//
// Idempotency and retries (see gateway_service.proto):
//  1. The id is reserved in the gateway's store together with the hash of the normalised form and
//     the chosen shard, durably, before registration is called. A concurrent or later request with
//     the same id and another form is refused with ALREADY_EXISTS (APPLICATION_ID_REUSED).
//  2. A repeat with the same form goes to the reserved shard: with a known application id it reads
//     the application (GetApplication); otherwise (the first call timed out or the gateway stopped
//     before the answer) it calls CreateApplication again, which registration answers
//     idempotently with the stored application.
//  3. When registration refuses the application for good (INVALID_ARGUMENT, FAILED_PRECONDITION,
//     ...), nothing was stored there, so the reservation is released and the id may be reused with
//     a corrected form. When the outcome is unknown (UNAVAILABLE, DEADLINE_EXCEEDED) the
//     reservation stays, so a retry can only ever reach the same application.
//
// One active registration per person across shards: before creating, every shard other than the
// target is asked GetActiveRegistrationByPerson (concurrently); the target shard checks its own
// registrations (and pending applications) inside CreateApplication, so with one shard no extra
// call is made. If another shard cannot be asked, the request fails with UNAVAILABLE (retry safe)
// rather than risking a second registration. Pending applications in other shards are not checked.

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
#include "services/gateway/idempotency_store.h"
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
         RegistrationShards& shards, IdempotencyStore& store, const log::Logger& logger,
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

  // Hex SHA-256 of the deterministic serialisation of a normalised form.
  static std::string ContentHash(const common::v1::RegistrationForm& form);

  // What a channel sees of a stored application.
  static v1::ApplicationStatus ToApplicationStatus(const registration::v1::Application& app);

 private:
  struct Operation;
  struct Batch;

  void OnReserved(const std::shared_ptr<Operation>& op, absl::StatusOr<ReserveResult> reserved);
  void CheckOtherShards(const std::shared_ptr<Operation>& op);
  void Create(const std::shared_ptr<Operation>& op);
  void RunNextBatchGroup(const std::shared_ptr<Batch>& batch);
  void RunBatchItem(const std::shared_ptr<Batch>& batch, size_t group, size_t position);
  void Fail(const std::shared_ptr<Operation>& op, absl::Status status, bool release);
  absl::Status MapShardError(const std::string& shard, absl::Status status) const;

  const forms::FormValidator& validator_;
  const RoutingTable& routing_;
  RegistrationShards& shards_;
  IdempotencyStore& store_;
  const log::Logger& logger_;
  const IntakeOptions options_;
};

// The field name of the channel application id in the channel's request.
absl::string_view ChannelIdField(common::v1::Channel channel);

}  // namespace unemployment::gateway
