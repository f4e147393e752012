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
#include "common/log/request_id.h"
#include "common/notice/rejection_reason.h"
#include "common/status/status_util.h"
#include "common/status/violations_status.h"
#include "common/validation/text.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "openssl/sha.h"
#include "services/gateway/application_ids.h"

namespace unemployment::gateway {

namespace reg = registration::v1;

namespace pi = personindex::v1;

struct Intake::Operation {
  IntakeItem item;
  absl::Time deadline;
  StatusCallback done;
  std::string content_hash;
  std::string shard;
  std::string office_region_code;
  // True once the index knows the application id (no Complete needed).
  bool completed = false;
  // The caller's request id: the index's answer arrives on another thread, and the shard call made
  // there must carry it too (common/log/request_id.h).
  std::string request_id;
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
               RegistrationShards& shards, PersonIndexClient& index, const log::Logger& logger,
               IntakeOptions options)
    : validator_(validator),
      routing_(routing),
      shards_(shards),
      index_(index),
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
  return forms::FormFingerprint(form);
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
    status.set_decision_reason(
        notice::RejectionReasonText(app.decision().rejection_reason(), app.decision().reason()));
    status.set_rejection_reason(app.decision().rejection_reason());
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
  op->request_id = std::string(log::CurrentRequestId());

  pi::ReserveRequest request;
  request.set_channel(op->item.channel);
  request.set_channel_application_id(op->item.channel_application_id);
  request.set_fingerprint(op->content_hash);
  *request.mutable_person_id() = op->item.form.person_id();
  request.set_shard(op->shard);
  request.set_office_region_code(op->office_region_code);
  index_.Reserve(request, op->deadline,
                 [this, op](absl::StatusOr<pi::ReserveResponse> reserved) {
                   OnReserved(op, std::move(reserved));
                 });
}

absl::Status Intake::MapIndexError(absl::Status status) const {
  if (status.ok() || IsDefinitiveRefusal(status.code())) return status;
  // The index's own UNAVAILABLE answers (a shard it had to ask, its store) carry their reason.
  if (status.code() == absl::StatusCode::kUnavailable && !ReasonOf(status).empty()) return status;
  logger_.Warning("person_index_unavailable", {{"status", status}});
  return status::WithErrorInfo(
      absl::UnavailableError(absl::StrCat("the province person index did not answer (",
                                          absl::StatusCodeToString(status.code()),
                                          "); retry with the same id")),
      "PERSON_INDEX_UNAVAILABLE");
}

void Intake::OnReserved(const std::shared_ptr<Operation>& op,
                        absl::StatusOr<pi::ReserveResponse> reserved) {
  const log::RequestIdScope request_id(op->request_id);
  if (!reserved.ok()) {
    std::optional<google::rpc::ErrorInfo> info = status::GetErrorInfo(reserved.status());
    if (info.has_value() && info->reason() == "APPLICATION_ID_REUSED") {
      auto field = [&info](const char* key) {
        auto it = info->metadata().find(key);
        return it == info->metadata().end() ? std::string() : it->second;
      };
      return RefuseReusedId(op, field("shard"), field("application_id"));
    }
    return op->done(MapIndexError(reserved.status()));
  }
  const pi::Reservation& reservation = reserved->reservation();
  // A repeat goes where the first request went, even if the routing table changed since.
  op->shard = reservation.shard();
  op->office_region_code = reservation.office_region_code();
  if (reservation.application_id().empty()) return Create(op);

  op->completed = true;
  shards_.GetApplication(
      op->shard, reservation.application_id(), op->deadline,
      [this, op](absl::StatusOr<reg::Application> app) {
        if (app.ok() && IsApplicationOf(*app, op->item.channel, op->item.channel_application_id)) {
          return op->done(ToApplicationStatus(*app));
        }
        // The shard lost it (e.g. restored from an older backup), or lost it and gave its id to
        // another application: store it again.
        if (app.ok()) LogApplicationIdMismatch(op->shard, app->id());
        if (app.ok() || app.status().code() == absl::StatusCode::kNotFound) return Create(op);
        op->done(MapShardError(op->shard, app.status()));
      });
}

void Intake::RefuseReusedId(const std::shared_ptr<Operation>& op, const std::string& shard,
                            const std::string& application_id) {
  auto refuse = [op](const std::string& id) {
    std::map<std::string, std::string> metadata;
    if (!id.empty()) metadata["application_id"] = id;
    op->done(status::WithErrorInfo(
        absl::AlreadyExistsError(absl::StrCat(
            "the ", ChannelIdField(op->item.channel),
            " was already used with a different form; use a new id for a new application")),
        "APPLICATION_ID_REUSED", metadata));
  };
  if (!application_id.empty() || shard.empty()) return refuse(application_id);
  // The index has not learnt the stored application's id yet: the shard names it (none: the
  // first form's application was never stored, only reserved).
  shards_.GetApplicationByChannelId(
      shard, op->item.channel, op->item.channel_application_id, op->deadline,
      [refuse](absl::StatusOr<reg::Application> app) { refuse(app.ok() ? app->id() : ""); });
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
        Acknowledge(op, *app);
      });
}

void Intake::Acknowledge(const std::shared_ptr<Operation>& op, const reg::Application& app) {
  // Durable in the shard: the index learns the application id from the shard's feed
  // (ApplicationReceived), and until then a status look-up asks the shard by channel id. No index
  // write on the way to the answer.
  op->done(ToApplicationStatus(app));
}

void Intake::RecordApplicationId(common::v1::Channel channel,
                                 const std::string& channel_application_id,
                                 const std::string& application_id) {
  // Not awaited: a status look-up found the application at its shard before the index learnt its
  // id from the feed (or the feed is behind); recording it saves later look-ups that detour.
  pi::CompleteRequest complete;
  complete.set_channel(channel);
  complete.set_channel_application_id(channel_application_id);
  complete.set_application_id(application_id);
  index_.Complete(complete, absl::Now() + absl::Seconds(10),
                  [this, application_id](absl::StatusOr<pi::Reservation> completed) {
                    if (!completed.ok()) {
                      logger_.Warning("intake_complete_failed", {{"application_id", application_id},
                                                                 {"status", completed.status()}});
                    }
                  });
}

void Intake::Fail(const std::shared_ptr<Operation>& op, absl::Status status, bool release) {
  if (!release || op->completed) return op->done(std::move(status));
  // Nothing was stored for this id: forget the reservation (and free the person) before
  // answering, so that a corrected form may follow at once.
  pi::ReleaseRequest request;
  request.set_channel(op->item.channel);
  request.set_channel_application_id(op->item.channel_application_id);
  request.set_fingerprint(op->content_hash);
  index_.Release(request, op->deadline,
                 [this, op, status = std::move(status)](absl::StatusOr<bool> released) mutable {
                   if (!released.ok()) {
                     logger_.Warning("intake_release_failed", {{"status", released.status()}});
                   }
                   op->done(std::move(status));
                 });
}

void Intake::GetStatus(common::v1::Channel channel, std::string channel_application_id,
                       absl::Time deadline, StatusCallback done) {
  auto not_found = [] {
    return status::WithErrorInfo(
        absl::NotFoundError("no application is stored under this channel application id"),
        "APPLICATION_NOT_FOUND");
  };
  index_.GetReservation(
      channel, channel_application_id, deadline,
      [this, channel, channel_application_id, deadline, done = std::move(done), not_found,
       caller_id = std::string(log::CurrentRequestId())](
          absl::StatusOr<pi::Reservation> reservation) mutable {
        const log::RequestIdScope request_id(caller_id);
        if (!reservation.ok()) {
          if (reservation.status().code() == absl::StatusCode::kNotFound) return done(not_found());
          return done(MapIndexError(reservation.status()));
        }
        const std::string shard = reservation->shard();
        // Asks the shard by channel id: it knows the channel ids it stored.
        auto by_channel_id = [this, shard, channel, channel_application_id, deadline, not_found](
                                 StatusCallback answer) {
          shards_.GetApplicationByChannelId(
              shard, channel, channel_application_id, deadline,
              [this, shard, channel, channel_application_id, answer = std::move(answer), not_found](
                  absl::StatusOr<reg::Application> app) {
                if (app.ok()) {
                  RecordApplicationId(channel, channel_application_id, app->id());
                  return answer(ToApplicationStatus(*app));
                }
                if (app.status().code() == absl::StatusCode::kNotFound) return answer(not_found());
                answer(MapShardError(shard, app.status()));
              });
        };
        if (reservation->application_id().empty()) {
          // Reserved, and perhaps stored by the shard without the index knowing yet (the answer
          // was lost, or acknowledged just now).
          return by_channel_id(std::move(done));
        }
        shards_.GetApplication(
            shard, reservation->application_id(), deadline,
            [this, shard, channel, channel_application_id, done = std::move(done),
             by_channel_id = std::move(by_channel_id)](
                absl::StatusOr<reg::Application> app) mutable {
              if (!app.ok()) return done(MapShardError(shard, app.status()));
              if (IsApplicationOf(*app, channel, channel_application_id)) {
                return done(ToApplicationStatus(*app));
              }
              // The id now names another application (the shard lost ours and reused the id):
              // never answer with someone else's record.
              LogApplicationIdMismatch(shard, app->id());
              by_channel_id(std::move(done));
            });
      });
}

bool Intake::IsApplicationOf(const reg::Application& app, common::v1::Channel channel,
                             absl::string_view channel_application_id) {
  return app.channel() == channel && app.channel_application_id() == channel_application_id;
}

void Intake::LogApplicationIdMismatch(const std::string& shard,
                                      const std::string& application_id) const {
  logger_.Error("application_id_mismatch",
                {{"shard", shard},
                 {"application_id", application_id},
                 {"detail", "the person index's application id names another channel application "
                            "at the shard (the shard lost records and reused ids); not answered "
                            "with it"}});
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
