#pragma once

// Turns events of a registration shard's feed (RegistrationService.StreamEvents) into the facts of
// the statistics read model. Pure: no I/O, no gRPC.

#include "absl/status/statusor.h"
#include "services/statistics/facts.h"
#include "unemployment/registration/v1/registration_service.pb.h"

namespace unemployment::statistics {

// The facts of one event:
//   ApplicationReceived      -> the application (channel, office, receipt and due date);
//   ApplicationDecided       -> the application with its decision;
//   RegistrationCreated      -> the registration;
//   RegistrationDeregistered -> the registration with its deregistration;
//   ApplicationDeadlineRecomputed -> the application's new due date;
//   anything else            -> no change (the cursor still advances).
// Recorded days are the China-time days of create_time, deregistration.recorded_at and
// decision.recorded_at, or of the event's occurred_at when those are unset.
// DATA_LOSS when the event lacks a fact the read model cannot do without (an id, an office, a
// well-formed registered, effective, receipt or decision date): such an event is not skipped,
// because skipping would silently change published figures.
absl::StatusOr<FeedEvent> FeedEventOf(const unemployment::registration::v1::Event& event);

}  // namespace unemployment::statistics
