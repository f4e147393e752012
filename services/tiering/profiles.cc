#include "services/tiering/profiles.h"

#include <optional>
#include <utility>

#include "common/notice/level.h"
#include "common/status/macros.h"
#include "common/time/date.h"
#include "services/tiering/domain_util.h"

namespace unemployment::tiering {
namespace {

namespace reg = ::unemployment::registration::v1;

constexpr int kMaxQualifications = 3;
constexpr int kMaxJobIntentions = 3;

}  // namespace

v1::Profile ProfileFromRegistration(const reg::Registration& registration) {
  v1::Profile profile;
  profile.set_registration_id(registration.id());
  *profile.mutable_person_id() = registration.person_id();
  profile.set_name(registration.name());
  profile.set_sex(registration.form().sex());
  profile.set_birth_date(registration.birth_date());
  profile.set_education(registration.form().education());
  profile.set_cause(registration.form().unemployment_cause());
  profile.set_office_region_code(registration.office_region_code());
  profile.set_registered_date(registration.registered_date());
  for (int i = 0; i < registration.form().qualifications_size() && i < kMaxQualifications; ++i) {
    *profile.add_qualifications() = registration.form().qualifications(i);
  }
  for (int i = 0; i < registration.form().job_intentions_size() && i < kMaxJobIntentions; ++i) {
    profile.add_job_intentions(registration.form().job_intentions(i));
  }
  if (registration.has_deregistration()) {
    profile.set_end_date(registration.deregistration().effective_date());
  }
  return profile;
}

Profiles::Profiles(TieringStore& store, const time::Clock& clock, const TypeRules& type_rules)
    : store_(store), clock_(clock), type_rules_(type_rules) {}

// --- Feeds. ---

absl::StatusOr<int64_t> Profiles::FeedCursor(absl::string_view feed) {
  return ReadValue(store_, [&](TieringTx& tx) { return tx.FeedCursor(feed); });
}

absl::Status Profiles::ApplyRegistrationEvent(absl::string_view feed, const reg::Event& event) {
  return store_.Write([&](TieringTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(int64_t cursor, tx.FeedCursor(feed));
    if (event.sequence() <= cursor) return absl::OkStatus();  // applied before
    const reg::Registration* registration = nullptr;
    if (event.has_registration_created()) {
      registration = &event.registration_created().registration();
    } else if (event.has_registration_deregistered()) {
      registration = &event.registration_deregistered().registration();
    }
    if (registration != nullptr && !registration->id().empty()) {
      ASSIGN_OR_RETURN(std::optional<ProfileRecord> stored, tx.GetProfile(registration->id()));
      ProfileRecord record;
      if (stored.has_value()) {
        record = *std::move(stored);
        if (registration->has_deregistration()) {
          record.profile.set_end_date(registration->deregistration().effective_date());
        }
      } else {
        record.profile = ProfileFromRegistration(*registration);
        RETURN_IF_ERROR(RefreshType(tx, type_rules_, clock_, record,
                                    ParseStored(record.profile.registered_date())));
      }
      *record.profile.mutable_update_time() = event.occurred_at();
      RETURN_IF_ERROR(tx.PutProfile(record));
    }
    return tx.SetFeedCursor(feed, event.sequence());
  });
}

absl::StatusOr<std::vector<v1::TieringEvent>> Profiles::ReadEvents(int64_t after_sequence,
                                                                   int limit) {
  return ReadValue(store_, [&](TieringTx& tx) { return tx.ReadEvents(after_sequence, limit); });
}

absl::StatusOr<int64_t> Profiles::LastEventSequence() {
  return ReadValue(store_, [&](TieringTx& tx) { return tx.LastEventSequence(); });
}

// --- Level and profile. ---

absl::StatusOr<v1::GetLevelResponse> Profiles::GetLevel(const v1::GetLevelRequest& request) {
  const absl::CivilDay as_of = DayOr(clock_, request.as_of());
  ASSIGN_OR_RETURN(ProfileRecord record, ReadValue(store_, [&](TieringTx& tx) {
                     return LoadProfile(tx, request.registration_id());
                   }));
  if (!ActiveOn(record.profile, as_of)) {
    return NotActive(request.registration_id(), time::FormatDate(as_of));
  }
  std::optional<notice::LevelSpan> span =
      notice::LevelOn(ParseStored(record.profile.registered_date()), as_of);
  if (!span.has_value()) return NotActive(request.registration_id(), time::FormatDate(as_of));
  v1::GetLevelResponse response;
  response.set_level(span->level);
  response.set_registered_date(record.profile.registered_date());
  response.set_level_since(time::FormatDate(span->since));
  if (span->next_level_on.has_value()) {
    response.set_next_level_on(time::FormatDate(*span->next_level_on));
  }
  response.set_as_of(time::FormatDate(as_of));
  return response;
}

absl::StatusOr<v1::GetProfileResponse> Profiles::GetProfile(const v1::GetProfileRequest& request) {
  ASSIGN_OR_RETURN(ProfileRecord record, ReadValue(store_, [&](TieringTx& tx) {
                     return LoadProfile(tx, request.registration_id());
                   }));
  v1::GetProfileResponse response;
  *response.mutable_profile() = std::move(record.profile);
  return response;
}

absl::StatusOr<v1::UpdateProfileResponse> Profiles::UpdateProfile(
    const v1::UpdateProfileRequest& request) {
  const absl::CivilDay today = clock_.Today();
  v1::UpdateProfileResponse response;
  const absl::Status done = store_.Write([&](TieringTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(ProfileRecord record, LoadProfile(tx, request.profile().registration_id()));
    v1::Profile& profile = record.profile;
    if (!profile.end_date().empty() && profile.end_date() <= time::FormatDate(today)) {
      return NotActive(profile.registration_id(), time::FormatDate(today));
    }
    const v1::Profile& in = request.profile();
    for (const std::string& path : request.update_mask().paths()) {
      if (path == "qualifications") {
        *profile.mutable_qualifications() = in.qualifications();
      } else if (path == "skill_level") {
        profile.set_skill_level(in.skill_level());
      } else if (path == "job_intentions") {
        *profile.mutable_job_intentions() = in.job_intentions();
      } else if (path == "training_intention") {
        profile.set_training_intention(in.training_intention());
      } else if (path == "entrepreneurship_intention") {
        profile.set_entrepreneurship_intention(in.entrepreneurship_intention());
      } else if (path == "notes") {
        profile.set_notes(in.notes());
      }
    }
    RETURN_IF_ERROR(RefreshType(tx, type_rules_, clock_, record, today));
    *profile.mutable_update_time() = NowTimestamp(clock_);
    RETURN_IF_ERROR(tx.PutProfile(record));
    *response.mutable_profile() = profile;
    return absl::OkStatus();
  });
  if (!done.ok()) return done;
  return response;
}

absl::StatusOr<std::string> Profiles::OfficeRegionOf(const std::string& registration_id) {
  ASSIGN_OR_RETURN(ProfileRecord record, ReadValue(store_, [&](TieringTx& tx) {
                     return LoadProfile(tx, registration_id);
                   }));
  return record.profile.office_region_code();
}

}  // namespace unemployment::tiering
