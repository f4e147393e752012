#pragma once

// Fixtures of the statistics tests: the shipped region data and builders of the events of
// registration's, tiering's and follow-up's feeds. The scripted feeds served on port 0 are in
// fake_feeds.h, the consumers' path without the network in pipeline.h.

#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "common/time/time_zone.h"
#include "common/validation/region_directory.h"
#include "unemployment/followup/v1/followup_service.pb.h"
#include "unemployment/registration/v1/registration_service.pb.h"
#include "unemployment/tiering/v1/tiering_service.pb.h"
#include "tests/testing/regions.h"
#include "tests/testing/temp_dir.h"

namespace unemployment::statistics::testing {

namespace regv1 = ::unemployment::registration::v1;
namespace tv1 = ::unemployment::tiering::v1;
namespace fv1 = ::unemployment::followup::v1;
namespace codes = ::unemployment::common::v1;

inline const validation::RegionDirectory& Regions() {
  return ::unemployment::testing::ShippedRegions();
}

// A fresh folder for one test's database, removed when the test binary exits.
inline std::string TempDir() { return ::unemployment::testing::ProcessTempDir("ue_statistics_test"); }

// Noon in China on "YYYY-MM-DD" as a Timestamp.
inline google::protobuf::Timestamp NoonOf(const std::string& day) {
  const int y = std::stoi(day.substr(0, 4));
  const int m = std::stoi(day.substr(5, 2));
  const int d = std::stoi(day.substr(8, 2));
  google::protobuf::Timestamp t;
  t.set_seconds(absl::ToUnixSeconds(time::ChinaTime(absl::CivilSecond(y, m, d, 12, 0, 0))));
  return t;
}

// What a test says about one person's registration.
struct Person {
  std::string id;
  std::string office;
  std::string registered;  // also the day it is recorded
  std::string urban_rural_class = "111";
  codes::Sex sex = codes::SEX_FEMALE;
  std::string birth_date = "1990-05-01";  // "" = unknown (e.g. a passport)
  codes::Education education = codes::EDUCATION_BACHELOR;
  codes::Channel channel = codes::CHANNEL_PROVINCE_PORTAL;
  bool household_local = true;
};

inline regv1::Registration MakeRegistration(const Person& p) {
  regv1::Registration r;
  r.set_id(p.id);
  r.set_office_region_code(p.office);
  r.set_registered_date(p.registered);
  r.set_state(regv1::REGISTRATION_STATE_ACTIVE);
  r.set_channel(p.channel);
  r.set_birth_date(p.birth_date);
  r.set_residence_urban(!p.urban_rural_class.empty() && p.urban_rural_class[0] == '1');
  r.set_household_local(p.household_local);
  r.mutable_form()->set_sex(p.sex);
  r.mutable_form()->set_education(p.education);
  r.mutable_form()->mutable_residence_address()->set_urban_rural_class(p.urban_rural_class);
  *r.mutable_create_time() = NoonOf(p.registered);
  return r;
}

inline regv1::Event Created(const Person& p) {
  regv1::Event event;
  *event.mutable_occurred_at() = NoonOf(p.registered);
  *event.mutable_registration_created()->mutable_registration() = MakeRegistration(p);
  return event;
}

// The deregistration of `p`, effective on `effective`, entered on `recorded`.
inline regv1::Event Deregistered(const Person& p, codes::DeregistrationReason reason,
                                 const std::string& effective, const std::string& recorded) {
  regv1::Registration r = MakeRegistration(p);
  r.set_state(regv1::REGISTRATION_STATE_DEREGISTERED);
  r.mutable_deregistration()->set_reason(reason);
  r.mutable_deregistration()->set_effective_date(effective);
  *r.mutable_deregistration()->mutable_recorded_at() = NoonOf(recorded);
  regv1::Event event;
  *event.mutable_occurred_at() = NoonOf(recorded);
  *event.mutable_registration_deregistered()->mutable_registration() = r;
  return event;
}

inline regv1::Application MakeApplication(const std::string& id, const std::string& office,
                                          codes::Channel channel, const std::string& received,
                                          const std::string& due) {
  regv1::Application a;
  a.set_id(id);
  a.set_office_region_code(office);
  a.set_channel(channel);
  a.set_received_date(received);
  a.set_due_date(due);
  *a.mutable_received_at() = NoonOf(received);
  return a;
}

inline regv1::Event Received(const regv1::Application& a) {
  regv1::Event event;
  *event.mutable_occurred_at() = a.received_at();
  *event.mutable_application_received()->mutable_application() = a;
  return event;
}

inline regv1::Event Decided(regv1::Application a, codes::ReviewOutcome outcome,
                            const std::string& decided_on) {
  a.mutable_decision()->set_outcome(outcome);
  a.mutable_decision()->set_decided_on(decided_on);
  *a.mutable_decision()->mutable_recorded_at() = NoonOf(decided_on);
  regv1::Event event;
  *event.mutable_occurred_at() = NoonOf(decided_on);
  *event.mutable_application_decided()->mutable_application() = a;
  return event;
}

// --- Tiering's and follow-up's feeds. ---

// A type change of `registration` (office `office`) to `type` from `effective`, recorded `recorded`.
inline tv1::TieringEvent TypeChange(const std::string& registration, const std::string& office,
                                    codes::UnemploymentType type, const std::string& effective,
                                    const std::string& recorded) {
  tv1::TieringEvent event;
  *event.mutable_occurred_at() = NoonOf(recorded);
  tv1::TypeChanged* e = event.mutable_type_changed();
  e->set_registration_id(registration);
  e->set_office_region_code(office);
  e->set_type(type);
  e->set_effective_date(effective);
  return event;
}

// The fields a recorded and an amended delivery share.
template <typename Message>
void SetDelivery(Message* e, const std::string& id, const std::string& registration,
                 const std::string& office, tv1::ServiceType type, const std::string& delivered) {
  e->set_delivery_id(id);
  e->set_registration_id(registration);
  e->set_office_region_code(office);
  e->set_type(type);
  e->set_delivered_on(delivered);
}

inline tv1::TieringEvent Delivery(const std::string& id, const std::string& registration,
                                  const std::string& office, tv1::ServiceType type,
                                  const std::string& delivered, const std::string& recorded) {
  tv1::TieringEvent event;
  *event.mutable_occurred_at() = NoonOf(recorded);
  SetDelivery(event.mutable_service_delivery_recorded(), id, registration, office, type, delivered);
  return event;
}

// A delivery corrected (to `type` on `delivered`) or withdrawn, amended on `recorded`.
inline tv1::TieringEvent DeliveryAmended(const std::string& id, const std::string& registration,
                                         const std::string& office, tv1::ServiceType previous_type,
                                         const std::string& previous_delivered,
                                         tv1::ServiceType type, const std::string& delivered,
                                         bool withdrawn, const std::string& recorded) {
  tv1::TieringEvent event;
  *event.mutable_occurred_at() = NoonOf(recorded);
  tv1::ServiceDeliveryAmended* e = event.mutable_service_delivery_amended();
  SetDelivery(e, id, registration, office, type, delivered);
  e->set_withdrawn(withdrawn);
  e->set_previous_type(previous_type);
  e->set_previous_delivered_on(previous_delivered);
  return event;
}

// The fields a recorded and an amended follow-up share: a phone survey, still unemployed.
template <typename Message>
void SetFollowUp(Message* e, const std::string& id, const std::string& registration,
                 const std::string& office, const std::string& contact) {
  e->set_follow_up_id(id);
  e->set_registration_id(registration);
  e->set_office_region_code(office);
  e->set_method(fv1::FOLLOW_UP_METHOD_PHONE_SURVEY);
  e->set_contact_date(contact);
  e->set_outcome(fv1::FOLLOW_UP_OUTCOME_STILL_UNEMPLOYED);
}

// A follow-up corrected (to `contact`) or withdrawn, amended on `recorded`.
inline fv1::FollowupEvent FollowUpAmended(const std::string& id, const std::string& registration,
                                          const std::string& office,
                                          const std::string& previous_contact,
                                          const std::string& contact, bool withdrawn,
                                          const std::string& recorded) {
  fv1::FollowupEvent event;
  *event.mutable_occurred_at() = NoonOf(recorded);
  fv1::FollowUpAmended* e = event.mutable_follow_up_amended();
  SetFollowUp(e, id, registration, office, contact);
  e->set_withdrawn(withdrawn);
  e->set_previous_method(fv1::FOLLOW_UP_METHOD_PHONE_SURVEY);
  e->set_previous_contact_date(previous_contact);
  e->set_previous_outcome(fv1::FOLLOW_UP_OUTCOME_STILL_UNEMPLOYED);
  return event;
}

inline fv1::FollowupEvent FollowUp(const std::string& id, const std::string& registration,
                                   const std::string& office, const std::string& contact,
                                   const std::string& recorded) {
  fv1::FollowupEvent event;
  *event.mutable_occurred_at() = NoonOf(recorded);
  SetFollowUp(event.mutable_follow_up_recorded(), id, registration, office, contact);
  return event;
}

inline fv1::FollowupEvent FraudOpened(const std::string& id, const std::string& office,
                                      const std::string& opened) {
  fv1::FollowupEvent event;
  *event.mutable_occurred_at() = NoonOf(opened);
  fv1::FraudCaseOpened* e = event.mutable_fraud_case_opened();
  e->set_case_id(id);
  e->set_city_code(office.substr(0, 4) + "00");
  e->set_office_region_code(office);
  e->set_benefit(fv1::FRAUD_BENEFIT_UNEMPLOYMENT_INSURANCE);
  e->set_opened_on(opened);
  return event;
}

inline fv1::FollowupEvent FraudConcluded(const std::string& id, const std::string& office,
                                         fv1::FraudCaseState state, const std::string& concluded) {
  fv1::FollowupEvent event;
  *event.mutable_occurred_at() = NoonOf(concluded);
  fv1::FraudCaseConcluded* e = event.mutable_fraud_case_concluded();
  e->set_case_id(id);
  e->set_city_code(office.substr(0, 4) + "00");
  e->set_office_region_code(office);
  e->set_state(state);
  e->set_concluded_on(concluded);
  return event;
}

}  // namespace unemployment::statistics::testing
