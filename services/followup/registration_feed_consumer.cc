#include "services/followup/registration_feed_consumer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "common/status/status_util.h"

namespace unemployment::followup {
namespace {

namespace regv1 = ::unemployment::registration::v1;

}  // namespace

absl::StatusOr<int64_t> ShardCursor(
    const std::function<absl::StatusOr<int64_t>(const std::string&)>& get,
    absl::string_view shard_id) {
  ASSIGN_OR_RETURN(int64_t cursor, get(RegistrationFeedName(shard_id)));
  if (cursor > 0 || shard_id != server::kDefaultShardId) return cursor;
  return get(std::string(kRegistrationFeed));
}

RegistrationRecord RecordOfRegistration(const regv1::Registration& registration) {
  RegistrationRecord record;
  record.registration_id = registration.id();
  record.id_type = static_cast<int>(registration.person_id().id_type());
  record.id_number = registration.person_id().id_number();
  record.name = registration.name();
  record.office_region_code = registration.office_region_code();
  record.registered_date = registration.registered_date();
  if (registration.state() == regv1::REGISTRATION_STATE_DEREGISTERED) {
    record.end_date = registration.deregistration().effective_date();
    record.end_reason = static_cast<int>(registration.deregistration().reason());
  }
  return record;
}

absl::Status ApplyRegistrationEvent(FollowupTransaction& tx, const regv1::Event& event,
                                    absl::string_view shard_id) {
  const std::string feed = RegistrationFeedName(shard_id);
  ASSIGN_OR_RETURN(
      int64_t cursor,
      ShardCursor([&tx](const std::string& key) { return tx.GetCursor(key); }, shard_id));
  if (event.sequence() <= cursor) return absl::OkStatus();  // applied before
  switch (event.payload_case()) {
    case regv1::Event::kRegistrationCreated:
      RETURN_IF_ERROR(
          tx.PutRegistration(RecordOfRegistration(event.registration_created().registration())));
      break;
    case regv1::Event::kRegistrationDeregistered: {
      const regv1::Registration& registration = event.registration_deregistered().registration();
      RETURN_IF_ERROR(tx.PutRegistration(RecordOfRegistration(registration)));
      RETURN_IF_ERROR(tx.WithdrawPendingCandidates(registration.id(), ""));
      break;
    }
    default:
      break;  // not needed here (or unknown): only the cursor moves
  }
  return tx.SetCursor(feed, event.sequence());
}

std::unique_ptr<feed::RegistrationFeedConsumer> MakeRegistrationFeedConsumer(
    FollowupStore& store, std::shared_ptr<grpc::Channel> channel,
    feed::RegistrationFeedConsumer::Options options, log::Logger logger) {
  const std::string shard_id = options.shard_id;
  const std::string id_prefix = absl::StrCat(shard_id, "-");
  // The logger is copied into the apply function for its warning; the consumer keeps its own.
  return std::make_unique<feed::RegistrationFeedConsumer>(
      std::move(channel),
      [&store, shard_id] {
        return ShardCursor([&store](const std::string& key) { return store.GetCursor(key); },
                           shard_id);
      },
      [&store, shard_id, id_prefix, logger](const regv1::Event& event) {
        const regv1::Registration* registration =
            event.has_registration_created() ? &event.registration_created().registration()
            : event.has_registration_deregistered()
                ? &event.registration_deregistered().registration()
                : nullptr;
        if (registration != nullptr && !absl::StartsWith(registration->id(), id_prefix)) {
          // Calls about it would be routed to another shard (ShardedRegistrationClient).
          logger.Warning("registration_id_not_of_shard",
                         {{"shard", shard_id}, {"sequence", event.sequence()}});
        }
        return store.WriteAndWait([&event, &shard_id](FollowupTransaction& tx) {
          return ApplyRegistrationEvent(tx, event, shard_id);
        });
      },
      std::move(options), logger);  // copied: the apply function keeps a copy too
}

}  // namespace unemployment::followup
