#pragma once

// Turns events of tiering's and follow-up's feeds (TieringService.StreamEvents,
// FollowupService.StreamEvents) into the facts of the statistics read model. Pure: no I/O, no gRPC.
//
// Recorded days are the China-time days of the events' occurred_at (the commit time of the change
// in its service). DATA_LOSS when an event lacks what the read model cannot do without (an id, a
// 6-digit office, a well-formed date): such an event is not skipped, because skipping would
// silently change published figures. Payloads the model does not use (and unknown ones) only move
// the cursor.

#include "absl/status/statusor.h"
#include "services/statistics/facts.h"
#include "unemployment/followup/v1/followup_service.pb.h"
#include "unemployment/tiering/v1/tiering_service.pb.h"

namespace unemployment::statistics {

// TypeChanged -> TypeFact; ServiceDeliveryRecorded -> DeliveryFact; ServiceDeliveryAmended ->
// DeliveryAmendment (the date as amended is not read when withdrawn).
absl::StatusOr<FeedEvent> FeedEventOf(const unemployment::tiering::v1::TieringEvent& event);

// FollowUpRecorded -> FollowUpFact; FraudCaseOpened -> FraudFact (opened); FraudCaseConcluded ->
// FraudFact (concluded, confirmed when CONFIRMED); FollowUpAmended -> FollowUpAmendment.
absl::StatusOr<FeedEvent> FeedEventOf(const unemployment::followup::v1::FollowupEvent& event);

}  // namespace unemployment::statistics
