#include "services/gateway/intake.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/forms/form_facts.h"
#include "common/forms/form_normalizer.h"
#include "common/status/status_util.h"
#include "common/status/violations_status.h"
#include "common/validation/text.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "openssl/sha.h"
#include "services/gateway/application_ids.h"

namespace unemployment::gateway {

namespace reg = registration::v1;

struct Intake::Operation {
  IntakeItem item;
  absl::Time deadline;
  StatusCallback done;
  std::string content_hash;
  std::string shard;
  std::string office_region_code;
  // True once a record with an application id exists (no Complete needed).
  bool completed = false;
};

namespace {

// Codes after which the shard surely stored nothing for this request.
bool IsDefinitiveRefusal(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kOutOfRange:
      return true;
    default:
      return false;
  }
}

std::string ReasonOf(const absl::Status& status) {
  std::optional<google::rpc::ErrorInfo> info = status::GetErrorInfo(status);
  return info.has_value() ? info->reason() : std::string();
}

}  // namespace

absl::string_view ChannelIdField(common::v1::Channel channel) {
  return channel == common::v1::CHANNEL_PROVINCE_PORTAL ? "portal_application_id"
                                                        : "ministry_application_id";
}

Intake::Intake(const forms::FormValidator& validator, const RoutingTable& routing,
               RegistrationShards& shards, IdempotencyStore& store, const log::Logger& logger,
               IntakeOptions options)
    : validator_(validator),
      routing_(routing),
      shards_(shards),
      store_(store),
      logger_(logger),
      options_(options) {}

absl::Status Intake::Validate(IntakeItem& item) const {
  item.channel_application_id = std::string(validation::TrimText(item.channel_application_id));
  validation::Violations violations;
  const absl::string_view id_field = ChannelIdField(item.channel);
  if (item.channel == common::v1::CHANNEL_PROVINCE_PORTAL) {
    ValidatePortalApplicationId(item.channel_application_id, validator_.regions(),
                                validator_.province_code(), id_field, violations);
  } else {
    ValidateMinistryApplicationId(item.channel_application_id, id_field, violations);
  }
  if (!item.has_form) {
    violations.Add("form", "REQUIRED", "the registration form is required");
  } else {
    item.form.DiscardUnknownFields();
    forms::NormalizeForm(item.form);
    forms::FormOptions options;
    options.require_residence_urban_rural_class =
        item.channel == common::v1::CHANNEL_PROVINCE_PORTAL;
    validator_.Validate(item.form, options, "form.", violations);
  }
  if (violations.empty()) return absl::OkStatus();
  return status::InvalidArgumentError(
      absl::StrCat("the application has ", violations.size(), " invalid field(s)"),
      status::ToFieldViolations(violations));
}

std::string Intake::ContentHash(const common::v1::RegistrationForm& form) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    form.SerializeToCodedStream(&coded);
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

v1::ApplicationStatus Intake::ToApplicationStatus(const reg::Application& app) {
  v1::ApplicationStatus status;
  status.set_application_id(app.id());
  status.set_channel(app.channel());
  status.set_channel_application_id(app.channel_application_id());
  status.set_office_region_code(app.office_region_code());
  status.set_state(app.state());
  if (app.has_received_at()) *status.mutable_received_at() = app.received_at();
  status.set_due_date(app.due_date());
  if (app.has_decision()) {
    status.set_outcome(app.decision().outcome());
    status.set_decision_reason(app.decision().reason());
    status.set_decided_on(app.decision().decided_on());
  }
  status.set_registration_id(app.registration_id());
  if (app.state_history_size() > 0 && app.state_history().rbegin()->has_at()) {
    *status.mutable_update_time() = app.state_history().rbegin()->at();
  } else if (app.has_received_at()) {
    *status.mutable_update_time() = app.received_at();
  }
  return status;
}

absl::Status Intake::MapShardError(const std::string& shard, absl::Status status) const {
  if (status.ok()) return status;
  const std::string reason = ReasonOf(status);
  if (status.code() == absl::StatusCode::kFailedPrecondition && reason == "WRONG_SHARD") {
    logger_.Error("shard_routing_mismatch", {{"shard", shard}, {"status", status}});
    return status::WithErrorInfo(
        absl::UnavailableError(absl::StrCat("registration shard \"", shard,
                                            "\" does not serve the office; the routing table "
                                            "needs fixing, retry later with the same id")),
        "SHARD_ROUTING_MISMATCH", {{"shard", shard}});
  }
  if (IsDefinitiveRefusal(status.code())) return status;
  // Transport failures and unknown outcomes: the caller retries with the same id.
  logger_.Warning("shard_unavailable", {{"shard", shard}, {"status", status}});
  return status::WithErrorInfo(
      absl::UnavailableError(absl::StrCat("registration shard \"", shard,
                                          "\" did not answer (", absl::StatusCodeToString(status.code()),
                                          ": ", status.message(), "); retry with the same id")),
      "SHARD_UNAVAILABLE", {{"shard", shard}});
}

void Intake::Submit(IntakeItem item, absl::Time deadline, StatusCallback done) {
  if (absl::Status valid = Validate(item); !valid.ok()) return done(std::move(valid));

  auto op = std::make_shared<Operation>();
  op->office_region_code = forms::OfficeRegionCode(item.form);
  absl::StatusOr<std::string> shard = routing_.ShardFor(op->office_region_code);
  if (!shard.ok() || !shards_.HasShard(*shard)) {
    logger_.Error("no_route", {{"office_region_code", op->office_region_code}});
    return done(status::WithErrorInfo(
        absl::UnavailableError(absl::StrCat("no registration shard is configured for office ",
                                            op->office_region_code)),
        "NO_SHARD_FOR_REGION", {{"office_region_code", op->office_region_code}}));
  }
  op->shard = *shard;
  op->content_hash = ContentHash(item.form);
  op->item = std::move(item);
  op->deadline = deadline;
  op->done = std::move(done);

  IntakeRecord record;
  record.channel = op->item.channel;
  record.channel_application_id = op->item.channel_application_id;
  record.content_hash = op->content_hash;
  record.shard = op->shard;
  record.office_region_code = op->office_region_code;
  store_.Reserve(record, [this, op](absl::StatusOr<ReserveResult> reserved) {
    OnReserved(op, std::move(reserved));
  });
}

void Intake::OnReserved(const std::shared_ptr<Operation>& op,
                        absl::StatusOr<ReserveResult> reserved) {
  if (!reserved.ok()) {
    logger_.Error("intake_store_failed", {{"status", reserved.status()}});
    return op->done(status::WithErrorInfo(
        absl::UnavailableError("the gateway could not record the application id; retry"),
        "INTAKE_STORE_UNAVAILABLE"));
  }
  const IntakeRecord& record = reserved->record;
  if (record.content_hash != op->content_hash) {
    std::map<std::string, std::string> metadata;
    if (!record.application_id.empty()) metadata["application_id"] = record.application_id;
    return op->done(status::WithErrorInfo(
        absl::AlreadyExistsError(absl::StrCat(
            "the ", ChannelIdField(op->item.channel),
            " was already used with a different form; use a new id for a new application")),
        "APPLICATION_ID_REUSED", metadata));
  }
  // A repeat goes where the first request went, even if the routing table changed since.
  op->shard = record.shard;
  op->office_region_code = record.office_region_code;
  if (record.application_id.empty()) return CheckOtherShards(op);

  op->completed = true;
  shards_.GetApplication(
      op->shard, record.application_id, op->deadline,
      [this, op](absl::StatusOr<reg::Application> app) {
        if (app.ok()) return op->done(ToApplicationStatus(*app));
        // The shard lost it (e.g. restored from an older backup): store it again.
        if (app.status().code() == absl::StatusCode::kNotFound) return CheckOtherShards(op);
        op->done(MapShardError(op->shard, app.status()));
      });
}

void Intake::CheckOtherShards(const std::shared_ptr<Operation>& op) {
  std::vector<std::string> others;
  for (const std::string& name : shards_.ShardNames()) {
    if (name != op->shard) others.push_back(name);
  }
  if (others.empty()) return Create(op);

  struct FanOut {
    absl::Mutex mu;
    size_t remaining ABSL_GUARDED_BY(mu) = 0;
    std::optional<reg::Registration> found ABSL_GUARDED_BY(mu);
    std::string found_shard ABSL_GUARDED_BY(mu);
    absl::Status error ABSL_GUARDED_BY(mu);
  };
  auto fan_out = std::make_shared<FanOut>();
  {
    absl::MutexLock lock(&fan_out->mu);
    fan_out->remaining = others.size();
  }
  for (const std::string& shard : others) {
    shards_.GetActiveRegistrationByPerson(
        shard, op->item.form.person_id(), op->deadline,
        [this, op, fan_out, shard](absl::StatusOr<reg::Registration> registration) {
          std::optional<reg::Registration> found;
          std::string found_shard;
          absl::Status error;
          {
            absl::MutexLock lock(&fan_out->mu);
            if (registration.ok()) {
              if (!fan_out->found.has_value()) {
                fan_out->found = *std::move(registration);
                fan_out->found_shard = shard;
              }
            } else if (registration.status().code() != absl::StatusCode::kNotFound &&
                       fan_out->error.ok()) {
              fan_out->error = MapShardError(shard, registration.status());
            }
            if (--fan_out->remaining > 0) return;
            found = fan_out->found;
            found_shard = fan_out->found_shard;
            error = fan_out->error;
          }
          if (found.has_value()) {
            return Fail(op,
                        status::WithErrorInfo(
                            absl::FailedPreconditionError(
                                "the person already has an active unemployment registration"),
                            "ACTIVE_REGISTRATION_EXISTS",
                            {{"registration_id", found->id()}, {"shard", found_shard}}),
                        /*release=*/true);
          }
          if (!error.ok()) return Fail(op, error, /*release=*/false);
          Create(op);
        });
  }
}

void Intake::Create(const std::shared_ptr<Operation>& op) {
  reg::CreateApplicationRequest request;
  request.set_channel(op->item.channel);
  request.set_channel_application_id(op->item.channel_application_id);
  *request.mutable_form() = op->item.form;
  request.set_office_region_code(op->office_region_code);
  shards_.CreateApplication(
      op->shard, request, op->deadline, [this, op](absl::StatusOr<reg::Application> app) {
        if (!app.ok()) {
          const bool release = IsDefinitiveRefusal(app.status().code());
          return Fail(op, MapShardError(op->shard, app.status()), release);
        }
        if (!op->completed) {
          store_.Complete(op->item.channel, op->item.channel_application_id, app->id(),
                          [this, id = app->id()](absl::Status status) {
                            if (!status.ok()) {
                              logger_.Warning("intake_complete_failed",
                                              {{"application_id", id}, {"status", status}});
                            }
                          });
        }
        op->done(ToApplicationStatus(*app));
      });
}

void Intake::Fail(const std::shared_ptr<Operation>& op, absl::Status status, bool release) {
  if (release && !op->completed) {
    store_.Release(op->item.channel, op->item.channel_application_id, op->content_hash,
                   [this](absl::Status released) {
                     if (!released.ok()) {
                       logger_.Warning("intake_release_failed", {{"status", released}});
                     }
                   });
  }
  op->done(std::move(status));
}

void Intake::GetStatus(common::v1::Channel channel, std::string channel_application_id,
                       absl::Time deadline, StatusCallback done) {
  auto not_found = [] {
    return status::WithErrorInfo(
        absl::NotFoundError("no application is stored under this channel application id"),
        "APPLICATION_NOT_FOUND");
  };
  store_.Find(
      channel, channel_application_id,
      [this, deadline, done = std::move(done), not_found](
          absl::StatusOr<std::optional<IntakeRecord>> record) mutable {
        if (!record.ok()) {
          logger_.Error("intake_store_failed", {{"status", record.status()}});
          return done(status::WithErrorInfo(
              absl::UnavailableError("the gateway could not read its records; retry"),
              "INTAKE_STORE_UNAVAILABLE"));
        }
        if (!record->has_value() || (*record)->application_id.empty()) return done(not_found());
        const std::string shard = (*record)->shard;
        shards_.GetApplication(
            shard, (*record)->application_id, deadline,
            [this, shard, done = std::move(done)](absl::StatusOr<reg::Application> app) {
              if (app.ok()) return done(ToApplicationStatus(*app));
              done(MapShardError(shard, app.status()));
            });
      });
}

struct Intake::Batch {
  std::vector<IntakeItem> items;
  absl::Time deadline;
  // Indexes of the items grouped by channel id, in request order; groups in order of first use.
  std::vector<std::vector<size_t>> groups;
  // One slot per item, each written by the one worker that runs the item's group.
  std::vector<absl::StatusOr<v1::ApplicationStatus>> results;
  BatchCallback done;
  absl::Mutex mu;
  size_t next_group ABSL_GUARDED_BY(mu) = 0;
  size_t groups_left ABSL_GUARDED_BY(mu) = 0;
};

void Intake::SubmitBatch(std::vector<IntakeItem> items, absl::Time deadline, BatchCallback done) {
  auto batch = std::make_shared<Batch>();
  batch->results.assign(items.size(), absl::UnknownError("not processed"));
  std::map<std::string, size_t> group_of;
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string key(validation::TrimText(items[i].channel_application_id));
    auto it = key.empty() ? group_of.end() : group_of.find(key);
    if (it == group_of.end()) {
      if (!key.empty()) group_of.emplace(key, batch->groups.size());
      batch->groups.push_back({i});
    } else {
      batch->groups[it->second].push_back(i);
    }
  }
  batch->items = std::move(items);
  batch->deadline = deadline;
  batch->done = std::move(done);
  if (batch->groups.empty()) return batch->done({});
  size_t workers = 0;
  {
    absl::MutexLock lock(&batch->mu);
    batch->groups_left = batch->groups.size();
    workers = std::min<size_t>(batch->groups.size(),
                               static_cast<size_t>(std::max(1, options_.batch_concurrency)));
  }
  for (size_t w = 0; w < workers; ++w) RunNextBatchGroup(batch);
}

void Intake::RunNextBatchGroup(const std::shared_ptr<Batch>& batch) {
  size_t group;
  {
    absl::MutexLock lock(&batch->mu);
    if (batch->next_group >= batch->groups.size()) return;
    group = batch->next_group++;
  }
  RunBatchItem(batch, group, 0);
}

void Intake::RunBatchItem(const std::shared_ptr<Batch>& batch, size_t group, size_t position) {
  const size_t index = batch->groups[group][position];
  Submit(batch->items[index], batch->deadline,
         [this, batch, group, position, index](absl::StatusOr<v1::ApplicationStatus> result) {
           batch->results[index] = std::move(result);
           if (position + 1 < batch->groups[group].size()) {
             return RunBatchItem(batch, group, position + 1);
           }
           bool last = false;
           {
             absl::MutexLock lock(&batch->mu);
             last = --batch->groups_left == 0;
           }
           if (last) return batch->done(std::move(batch->results));
           RunNextBatchGroup(batch);
         });
}

}  // namespace unemployment::gateway
