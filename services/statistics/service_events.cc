#include "services/statistics/service_events.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/proto_util/message_util.h"
#include "common/time/date.h"
#include "common/time/time_zone.h"

namespace unemployment::statistics {
namespace {

namespace tv1 = ::unemployment::tiering::v1;
namespace fv1 = ::unemployment::followup::v1;

// Reads the dates and ids of one event, remembering the first problem.
class EventReader {
 public:
  EventReader(absl::string_view feed, int64_t sequence,
              const google::protobuf::Timestamp& occurred_at)
      : feed_(feed), sequence_(sequence), occurred_at_(occurred_at) {}

  PackedDay Day(const std::string& text, absl::string_view what) {
    absl::StatusOr<absl::CivilDay> day = time::ParseDate(text);
    if (!day.ok()) {
      Fail(absl::StrCat("malformed ", what));
      return kNoDay;
    }
    return PackDay(*day);
  }

  // The China-time day of occurred_at.
  PackedDay Recorded() {
    if (occurred_at_.seconds() == 0 && occurred_at_.nanos() == 0) {
      Fail("no occurred_at");
      return kNoDay;
    }
    return PackDay(
        time::ChinaDay(absl::FromUnixMicros(proto_util::TimestampMicros(occurred_at_))));
  }

  void Ids(const std::string& id, const std::string& office) {
    if (id.empty() || office.size() != 6) Fail("missing id or office");
  }

  absl::Status status() const { return status_; }

 private:
  void Fail(const std::string& why) {
    if (!status_.ok()) return;
    status_ = absl::DataLossError(absl::StrCat("event ", sequence_, " of the ", feed_, " feed: ", why));
  }

  const std::string feed_;
  const int64_t sequence_;
  const google::protobuf::Timestamp& occurred_at_;
  absl::Status status_;
};

}  // namespace

absl::StatusOr<FeedEvent> FeedEventOf(const tv1::TieringEvent& event) {
  FeedEvent out;
  out.sequence = event.sequence();
  out.occurred_micros = proto_util::TimestampMicros(event.occurred_at());
  EventReader reader("tiering", event.sequence(), event.occurred_at());
  switch (event.payload_case()) {
    case tv1::TieringEvent::kTypeChanged: {
      const tv1::TypeChanged& e = event.type_changed();
      TypeFact fact;
      reader.Ids(e.registration_id(), e.office_region_code());
      fact.registration_id = e.registration_id();
      fact.office_region_code = e.office_region_code();
      fact.type = static_cast<int>(e.type());
      fact.effective = reader.Day(e.effective_date(), "type_changed.effective_date");
      fact.recorded = reader.Recorded();
      out.change.type_change = std::move(fact);
      break;
    }
    case tv1::TieringEvent::kServiceDeliveryRecorded: {
      const tv1::ServiceDeliveryRecorded& e = event.service_delivery_recorded();
      DeliveryFact fact;
      reader.Ids(e.registration_id(), e.office_region_code());
      if (e.delivery_id().empty()) reader.Ids("", "");
      fact.id = e.delivery_id();
      fact.registration_id = e.registration_id();
      fact.office_region_code = e.office_region_code();
      fact.type = static_cast<int>(e.type());
      fact.delivered = reader.Day(e.delivered_on(), "service_delivery_recorded.delivered_on");
      fact.recorded = reader.Recorded();
      out.change.delivery = std::move(fact);
      break;
    }
    case tv1::TieringEvent::kServiceDeliveryAmended: {
      const tv1::ServiceDeliveryAmended& e = event.service_delivery_amended();
      DeliveryAmendment amendment;
      reader.Ids(e.registration_id(), e.office_region_code());
      if (e.delivery_id().empty()) reader.Ids("", "");
      amendment.id = e.delivery_id();
      amendment.registration_id = e.registration_id();
      amendment.withdrawn = e.withdrawn();
      amendment.previous_type = static_cast<int>(e.previous_type());
      amendment.previous_delivered = reader.Day(
          e.previous_delivered_on(), "service_delivery_amended.previous_delivered_on");
      if (!e.withdrawn()) {
        amendment.type = static_cast<int>(e.type());
        amendment.delivered =
            reader.Day(e.delivered_on(), "service_delivery_amended.delivered_on");
      }
      out.change.delivery_amendment = std::move(amendment);
      break;
    }
    default:
      break;
  }
  if (!reader.status().ok()) return reader.status();
  return out;
}

absl::StatusOr<FeedEvent> FeedEventOf(const fv1::FollowupEvent& event) {
  FeedEvent out;
  out.sequence = event.sequence();
  out.occurred_micros = proto_util::TimestampMicros(event.occurred_at());
  EventReader reader("followup", event.sequence(), event.occurred_at());
  switch (event.payload_case()) {
    case fv1::FollowupEvent::kFollowUpRecorded: {
      const fv1::FollowUpRecorded& e = event.follow_up_recorded();
      FollowUpFact fact;
      reader.Ids(e.registration_id(), e.office_region_code());
      if (e.follow_up_id().empty()) reader.Ids("", "");
      fact.id = e.follow_up_id();
      fact.registration_id = e.registration_id();
      fact.office_region_code = e.office_region_code();
      fact.contact = reader.Day(e.contact_date(), "follow_up_recorded.contact_date");
      fact.recorded = reader.Recorded();
      out.change.follow_up = std::move(fact);
      break;
    }
    case fv1::FollowupEvent::kFollowUpAmended: {
      const fv1::FollowUpAmended& e = event.follow_up_amended();
      FollowUpAmendment amendment;
      reader.Ids(e.registration_id(), e.office_region_code());
      if (e.follow_up_id().empty()) reader.Ids("", "");
      amendment.id = e.follow_up_id();
      amendment.registration_id = e.registration_id();
      amendment.withdrawn = e.withdrawn();
      amendment.previous_contact =
          reader.Day(e.previous_contact_date(), "follow_up_amended.previous_contact_date");
      if (!e.withdrawn()) {
        amendment.contact = reader.Day(e.contact_date(), "follow_up_amended.contact_date");
      }
      out.change.follow_up_amendment = std::move(amendment);
      break;
    }
    case fv1::FollowupEvent::kFraudCaseOpened: {
      const fv1::FraudCaseOpened& e = event.fraud_case_opened();
      FraudFact fact;
      reader.Ids(e.case_id(), e.office_region_code());
      fact.case_id = e.case_id();
      fact.office_region_code = e.office_region_code();
      fact.opened = reader.Day(e.opened_on(), "fraud_case_opened.opened_on");
      fact.opened_recorded = reader.Recorded();
      out.change.fraud_case = std::move(fact);
      break;
    }
    case fv1::FollowupEvent::kFraudCaseConcluded: {
      const fv1::FraudCaseConcluded& e = event.fraud_case_concluded();
      FraudFact fact;
      reader.Ids(e.case_id(), e.office_region_code());
      fact.case_id = e.case_id();
      fact.office_region_code = e.office_region_code();
      fact.concluded = reader.Day(e.concluded_on(), "fraud_case_concluded.concluded_on");
      fact.concluded_recorded = reader.Recorded();
      fact.confirmed = e.state() == fv1::FRAUD_CASE_STATE_CONFIRMED;
      out.change.fraud_case = std::move(fact);
      break;
    }
    default:
      break;
  }
  if (!reader.status().ok()) return reader.status();
  return out;
}

}  // namespace unemployment::statistics
