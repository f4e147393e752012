#pragma once

// Profiles: what tiering knows of each registration. Registration's event feed creates and ends
// them (one transaction per event with the feed cursor); GetLevel, GetProfile and UpdateProfile
// read and edit them, and the type is kept current with the rules (TypeChanged on this service's
// own feed, which ReadEvents serves). Requests arrive validated (request_validation.h); no gRPC
// types.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/time/clock.h"
#include "services/tiering/tiering_store.h"
#include "services/tiering/type_rules.h"
#include "unemployment/registration/v1/registration_service.pb.h"
#include "unemployment/tiering/v1/tiering_service.pb.h"

namespace unemployment::tiering {

class Profiles final {
 public:
  // Not owned; all must outlive this object.
  Profiles(TieringStore& store, const time::Clock& clock, const TypeRules& type_rules);

  // --- Registration's event feed. ---

  // The last applied sequence of `feed` (0 before the first event).
  absl::StatusOr<int64_t> FeedCursor(absl::string_view feed);
  // Applies one event of `feed` and stores its sequence as the cursor, in one transaction. An
  // event at or below the stored cursor is skipped (never applied twice). Events other than
  // RegistrationCreated and RegistrationDeregistered only advance the cursor.
  absl::Status ApplyRegistrationEvent(absl::string_view feed, const registration::v1::Event& event);

  // --- This service's own feed (read by the StreamEvents handler). ---

  absl::StatusOr<std::vector<v1::TieringEvent>> ReadEvents(int64_t after_sequence, int limit);
  absl::StatusOr<int64_t> LastEventSequence();

  // --- RPCs. ---

  absl::StatusOr<v1::GetLevelResponse> GetLevel(const v1::GetLevelRequest& request);
  absl::StatusOr<v1::GetProfileResponse> GetProfile(const v1::GetProfileRequest& request);
  absl::StatusOr<v1::UpdateProfileResponse> UpdateProfile(const v1::UpdateProfileRequest& request);

  // The office region of a registration, for the handlers' region-scope checks of id-based
  // requests; NOT_FOUND when there is none.
  absl::StatusOr<std::string> OfficeRegionOf(const std::string& registration_id);

 private:
  TieringStore& store_;
  const time::Clock& clock_;
  const TypeRules& type_rules_;
};

// The profile a registration starts (at most 3 qualifications and 3 job intentions; the end date
// of a deregistered one). Pure.
v1::Profile ProfileFromRegistration(const registration::v1::Registration& registration);

}  // namespace unemployment::tiering
