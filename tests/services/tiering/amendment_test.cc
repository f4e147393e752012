// Amending service deliveries ("one person, one record", point 3): a delivery recorded by mistake
// is corrected or withdrawn by an explicit amendment with a reason; the original stays in the
// delivery's amendments, the plan, the gap list and the fulfilment counts follow the amended
// values, an event goes on the feed, and the call is idempotent on its request_id. Domain and
// store over a real SQLite file with a FakeClock.
#include <catch2/catch.hpp>
#include <map>
#include <optional>
#include <string>

#include "common/status/macros.h"
#include "common/status/status_util.h"
#include "google/protobuf/util/time_util.h"
#include "tests/services/tiering/test_util.h"

namespace unemployment::tiering {
namespace {

using google::protobuf::util::TimeUtil;
using testing::Day;
using testing::Env;
using testing::Person;
using testing::TempDir;

std::string Reason(const absl::Status& status) {
  std::optional<google::rpc::ErrorInfo> info = status::GetErrorInfo(status);
  return info.has_value() ? info->reason() : "";
}

v1::ServiceDelivery Fair(const std::string& on) {
  v1::ServiceDelivery d;
  d.set_type(v1::SERVICE_TYPE_JOB_FAIR);
  d.set_delivered_on(on);
  d.set_provider("南岗区公共就业服务中心");
  d.mutable_job_fair()->set_fair_name("春风行动招聘会");
  return d;
}

v1::ServiceDelivery Recommendation(const std::string& on) {
  v1::ServiceDelivery d;
  d.set_type(v1::SERVICE_TYPE_JOB_RECOMMENDATION);
  d.set_delivered_on(on);
  d.set_provider("南岗区公共就业服务中心");
  d.mutable_job_recommendation()->set_job_title("电工");
  d.mutable_job_recommendation()->set_employer_name("哈尔滨电力公司");
  return d;
}

std::string RecordOne(Env& env, const std::string& request_id, const std::string& registration_id,
                      v1::ServiceDelivery delivery) {
  v1::RecordServiceDeliveryRequest request;
  request.set_request_id(request_id);
  *request.mutable_delivery() = std::move(delivery);
  request.mutable_delivery()->set_registration_id(registration_id);
  request.mutable_delivery()->set_staff_id("staff-1");
  absl::StatusOr<v1::RecordServiceDeliveryResponse> recorded =
      env.tiering->plans.RecordServiceDelivery(request);
  INFO(recorded.status().ToString());
  REQUIRE(recorded.ok());
  return recorded->delivery().delivery_id();
}

v1::AmendServiceDeliveryRequest Correct(const std::string& request_id,
                                        const std::string& delivery_id,
                                        v1::ServiceDelivery corrected) {
  v1::AmendServiceDeliveryRequest request;
  request.set_request_id(request_id);
  request.set_delivery_id(delivery_id);
  request.set_amendment_reason("录入时选错了服务项目");
  request.set_actor("staff-2");
  *request.mutable_corrected() = std::move(corrected);
  return request;
}

v1::AmendServiceDeliveryRequest Withdraw(const std::string& request_id,
                                         const std::string& delivery_id) {
  v1::AmendServiceDeliveryRequest request;
  request.set_request_id(request_id);
  request.set_delivery_id(delivery_id);
  request.set_amendment_reason("误录：当天未提供服务");
  request.set_actor("staff-2");
  request.set_withdraw(true);
  return request;
}

std::map<v1::ServiceType, v1::Obligation> Plan(Env& env, const std::string& id,
                                               const std::string& day) {
  v1::GetServicePlanRequest request;
  request.set_registration_id(id);
  request.set_as_of(day);
  absl::StatusOr<v1::GetServicePlanResponse> plan = env.tiering->plans.GetServicePlan(request);
  REQUIRE(plan.ok());
  std::map<v1::ServiceType, v1::Obligation> by_type;
  for (const v1::Obligation& o : plan->plan().obligations()) by_type[o.service_type()] = o;
  return by_type;
}

std::vector<v1::ServiceDelivery> Listed(Env& env, const std::string& id,
                                        v1::ServiceType type = v1::SERVICE_TYPE_UNSPECIFIED) {
  v1::ListServiceDeliveriesRequest request;
  request.set_registration_id(id);
  request.set_type(type);
  absl::StatusOr<v1::ListServiceDeliveriesResponse> listed =
      env.tiering->plans.ListServiceDeliveries(request);
  REQUIRE(listed.ok());
  return {listed->deliveries().begin(), listed->deliveries().end()};
}

// Registered 2025-01-15: the short-term obligation of 3 job recommendations is due 2025-02-15.
TEST_CASE("A corrected delivery keeps the original and the plan follows the amendment",
          "[domain][amendment]") {
  TempDir dir;
  Env env(dir.File("t.db"), Day(2025, 3, 1));
  Person person;
  UE_REQUIRE_OK(
      env.tiering->profiles.ApplyRegistrationEvent("registration", testing::Created(1, person)));
  RecordOne(env, "r-1", person.id, Recommendation("2025-01-20"));
  RecordOne(env, "r-2", person.id, Recommendation("2025-01-25"));
  // Recorded as a job fair by mistake: it was the third recommendation.
  const std::string fair_id = RecordOne(env, "r-3", person.id, Fair("2025-02-10"));
  CHECK(Plan(env, person.id, "2025-03-01")[v1::SERVICE_TYPE_JOB_RECOMMENDATION].state() ==
        v1::OBLIGATION_STATE_MISSED);
  const absl::Time before = env.clock.Now();
  env.clock.Advance(absl::Minutes(5));

  absl::StatusOr<v1::AmendServiceDeliveryResponse> amended =
      env.tiering->plans.AmendServiceDelivery(
          Correct("a-1", fair_id, Recommendation("2025-02-11")));
  INFO(amended.status().ToString());
  REQUIRE(amended.ok());
  const v1::ServiceDelivery& d = amended->delivery();
  CHECK(d.delivery_id() == fair_id);
  CHECK(d.registration_id() == person.id);
  CHECK(d.staff_id() == "staff-1");  // the recorder stays
  CHECK(d.type() == v1::SERVICE_TYPE_JOB_RECOMMENDATION);
  CHECK(d.delivered_on() == "2025-02-11");
  CHECK(d.has_job_recommendation());
  CHECK_FALSE(d.withdrawn());
  CHECK(TimeUtil::TimestampToMicroseconds(d.recorded_at()) == absl::ToUnixMicros(before));
  REQUIRE(d.amendments_size() == 1);
  const v1::ServiceDeliveryAmendment& a = d.amendments(0);
  CHECK(a.request_id() == "a-1");
  CHECK(a.amendment_reason() == "录入时选错了服务项目");
  CHECK(a.actor() == "staff-2");
  CHECK(TimeUtil::TimestampToMicroseconds(a.recorded_at()) == absl::ToUnixMicros(env.clock.Now()));
  CHECK_FALSE(a.withdrawn());
  CHECK(a.previous().type() == v1::SERVICE_TYPE_JOB_FAIR);
  CHECK(a.previous().delivered_on() == "2025-02-10");
  CHECK(a.previous().job_fair().fair_name() == "春风行动招聘会");
  CHECK(a.previous().staff_id() == "staff-1");
  CHECK(a.previous().amendments_size() == 0);

  // The plan counts the amended values: three recommendations now.
  std::map<v1::ServiceType, v1::Obligation> plan = Plan(env, person.id, "2025-03-01");
  CHECK(plan[v1::SERVICE_TYPE_JOB_RECOMMENDATION].state() == v1::OBLIGATION_STATE_MET);
  CHECK(plan[v1::SERVICE_TYPE_JOB_RECOMMENDATION].met_on() == "2025-02-11");
  // The listing shows it once, as amended, with its history; the type filter uses the amended type.
  std::vector<v1::ServiceDelivery> all = Listed(env, person.id);
  REQUIRE(all.size() == 3);
  CHECK(all[2].delivery_id() == fair_id);
  CHECK(all[2].amendments_size() == 1);
  CHECK(Listed(env, person.id, v1::SERVICE_TYPE_JOB_FAIR).empty());
  CHECK(Listed(env, person.id, v1::SERVICE_TYPE_JOB_RECOMMENDATION).size() == 3);

  // The same request again: the same answer, no second amendment.
  absl::StatusOr<v1::AmendServiceDeliveryResponse> again = env.tiering->plans.AmendServiceDelivery(
      Correct("a-1", fair_id, Recommendation("2025-02-11")));
  REQUIRE(again.ok());
  CHECK(again->delivery().amendments_size() == 1);
  CHECK(again->delivery().SerializeAsString() == amended->delivery().SerializeAsString());
  // The same request_id with other content.
  absl::StatusOr<v1::AmendServiceDeliveryResponse> reused = env.tiering->plans.AmendServiceDelivery(
      Correct("a-1", fair_id, Recommendation("2025-02-12")));
  CHECK(reused.status().code() == absl::StatusCode::kAlreadyExists);
  CHECK(Reason(reused.status()) == "REQUEST_ID_REUSED");

  // A second amendment: oldest first, each with what the fields said before it.
  absl::StatusOr<v1::AmendServiceDeliveryResponse> second = env.tiering->plans.AmendServiceDelivery(
      Correct("a-2", fair_id, Recommendation("2025-02-12")));
  REQUIRE(second.ok());
  REQUIRE(second->delivery().amendments_size() == 2);
  CHECK(second->delivery().amendments(0).request_id() == "a-1");
  CHECK(second->delivery().amendments(1).previous().delivered_on() == "2025-02-11");
  CHECK(second->delivery().amendments(1).previous().type() == v1::SERVICE_TYPE_JOB_RECOMMENDATION);

  // Events: recorded three times, amended twice, in that order.
  absl::StatusOr<std::vector<v1::TieringEvent>> events = env.tiering->profiles.ReadEvents(0, 100);
  REQUIRE(events.ok());
  std::vector<v1::ServiceDeliveryAmended> amendments;
  for (const v1::TieringEvent& e : *events) {
    if (e.has_service_delivery_amended()) amendments.push_back(e.service_delivery_amended());
  }
  REQUIRE(amendments.size() == 2);
  CHECK(amendments[0].delivery_id() == fair_id);
  CHECK(amendments[0].office_region_code() == "230103");
  CHECK(amendments[0].type() == v1::SERVICE_TYPE_JOB_RECOMMENDATION);
  CHECK(amendments[0].previous_type() == v1::SERVICE_TYPE_JOB_FAIR);
  CHECK(amendments[0].delivered_on() == "2025-02-11");
  CHECK(amendments[0].previous_delivered_on() == "2025-02-10");
  CHECK_FALSE(amendments[0].withdrawn());
}

TEST_CASE("A withdrawn delivery stays listed but no longer counts anywhere",
          "[domain][amendment]") {
  TempDir dir;
  Env env(dir.File("t.db"), Day(2025, 5, 1));
  Person person;
  UE_REQUIRE_OK(
      env.tiering->profiles.ApplyRegistrationEvent("registration", testing::Created(1, person)));
  std::string last;
  for (const char* day : {"2025-01-20", "2025-02-03", "2025-02-10"}) {
    last = RecordOne(env, absl::StrCat("r-", day), person.id, Recommendation(day));
  }
  v1::GetPlanFulfilmentRequest fulfilment;
  fulfilment.set_region_code("230103");
  fulfilment.set_period_start("2025-02-01");
  fulfilment.set_period_end("2025-02-28");
  absl::StatusOr<v1::GetPlanFulfilmentResponse> counts =
      env.tiering->plans.GetPlanFulfilment(fulfilment);
  REQUIRE(counts.ok());
  CHECK(counts->levels(1).due_count() == 1);  // 3 recommendations, due 2025-02-15
  CHECK(counts->levels(1).met_count() == 1);
  // A province-wide pass takes the other read path (two merged scans).
  v1::GetPlanFulfilmentRequest province = fulfilment;
  province.set_region_code("230000");
  REQUIRE(env.tiering->plans.GetPlanFulfilment(province)->levels(1).met_count() == 1);

  absl::StatusOr<v1::AmendServiceDeliveryResponse> withdrawn =
      env.tiering->plans.AmendServiceDelivery(Withdraw("w-1", last));
  INFO(withdrawn.status().ToString());
  REQUIRE(withdrawn.ok());
  CHECK(withdrawn->delivery().withdrawn());
  CHECK(withdrawn->delivery().delivered_on() == "2025-02-10");  // kept as recorded
  REQUIRE(withdrawn->delivery().amendments_size() == 1);
  CHECK(withdrawn->delivery().amendments(0).withdrawn());
  CHECK_FALSE(withdrawn->delivery().amendments(0).previous().withdrawn());

  counts = env.tiering->plans.GetPlanFulfilment(fulfilment);
  REQUIRE(counts.ok());
  CHECK(counts->levels(1).met_count() == 0);
  CHECK(counts->levels(1).missed_count() == 1);
  counts = env.tiering->plans.GetPlanFulfilment(province);
  REQUIRE(counts.ok());
  CHECK(counts->levels(1).met_count() == 0);
  CHECK(counts->levels(1).missed_count() == 1);
  v1::Obligation recommendations =
      Plan(env, person.id, "2025-05-01")[v1::SERVICE_TYPE_JOB_RECOMMENDATION];
  CHECK(recommendations.delivered_count() == 2);
  CHECK(recommendations.state() == v1::OBLIGATION_STATE_MISSED);
  v1::ListPlanGapsRequest gaps;
  gaps.set_region_code("230103");
  gaps.set_as_of("2025-05-01");
  gaps.set_state(v1::OBLIGATION_STATE_MISSED);
  absl::StatusOr<v1::ListPlanGapsResponse> listed_gaps = env.tiering->plans.ListPlanGaps(gaps);
  REQUIRE(listed_gaps.ok());
  REQUIRE(listed_gaps->gaps_size() == 1);
  bool recommendation_missed = false;
  for (const v1::Obligation& o : listed_gaps->gaps(0).obligations()) {
    recommendation_missed |= o.service_type() == v1::SERVICE_TYPE_JOB_RECOMMENDATION;
  }
  CHECK(recommendation_missed);
  // Still listed, with its history.
  std::vector<v1::ServiceDelivery> all = Listed(env, person.id);
  REQUIRE(all.size() == 3);
  CHECK(all[2].withdrawn());

  // A withdrawn delivery is final.
  absl::StatusOr<v1::AmendServiceDeliveryResponse> after =
      env.tiering->plans.AmendServiceDelivery(Correct("a-9", last, Recommendation("2025-02-28")));
  CHECK(after.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Reason(after.status()) == "DELIVERY_WITHDRAWN");
}

TEST_CASE(
    "Amendments check the corrected delivery like RecordServiceDelivery and write nothing "
    "when refused",
    "[domain][amendment]") {
  TempDir dir;
  Env env(dir.File("t.db"), Day(2025, 3, 1));
  Person person;
  UE_REQUIRE_OK(
      env.tiering->profiles.ApplyRegistrationEvent("registration", testing::Created(1, person)));
  const std::string id = RecordOne(env, "r-1", person.id, Recommendation("2025-01-20"));
  absl::StatusOr<int64_t> last_event = env.tiering->profiles.LastEventSequence();
  REQUIRE(last_event.ok());

  // Before the registered date (2025-01-15): outside the active period.
  absl::StatusOr<v1::AmendServiceDeliveryResponse> early =
      env.tiering->plans.AmendServiceDelivery(Correct("a-1", id, Recommendation("2025-01-14")));
  CHECK(early.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Reason(early.status()) == "REGISTRATION_NOT_ACTIVE");
  // A list handed out of a catalogue version that does not exist.
  v1::ServiceDelivery handout;
  handout.set_type(v1::SERVICE_TYPE_POLICY_LIST_HANDED_OUT);
  handout.set_delivered_on("2025-01-20");
  handout.set_provider("office");
  handout.mutable_catalog_handout()->set_region_code("230100");
  handout.mutable_catalog_handout()->set_version(7);
  absl::StatusOr<v1::AmendServiceDeliveryResponse> no_catalog =
      env.tiering->plans.AmendServiceDelivery(Correct("a-2", id, handout));
  CHECK(no_catalog.status().code() == absl::StatusCode::kNotFound);
  CHECK(Reason(no_catalog.status()) == "CATALOG_VERSION_NOT_FOUND");
  absl::StatusOr<v1::AmendServiceDeliveryResponse> unknown =
      env.tiering->plans.AmendServiceDelivery(Withdraw("a-3", "dlv-999"));
  CHECK(unknown.status().code() == absl::StatusCode::kNotFound);
  CHECK(Reason(unknown.status()) == "DELIVERY_NOT_FOUND");
  absl::StatusOr<std::string> office = env.tiering->plans.OfficeRegionOfDelivery(id);
  REQUIRE(office.ok());
  CHECK(*office == "230103");
  CHECK(env.tiering->plans.OfficeRegionOfDelivery("dlv-999").status().code() ==
        absl::StatusCode::kNotFound);

  // Nothing of the refused calls was written: same delivery, no event, request ids free.
  std::vector<v1::ServiceDelivery> all = Listed(env, person.id);
  REQUIRE(all.size() == 1);
  CHECK(all[0].amendments_size() == 0);
  CHECK(all[0].delivered_on() == "2025-01-20");
  CHECK(*env.tiering->profiles.LastEventSequence() == *last_event);
  REQUIRE(env.tiering->plans.AmendServiceDelivery(Correct("a-1", id, Recommendation("2025-01-21")))
              .ok());
}

TEST_CASE("A difficulty identification's delivery is not amendable", "[domain][amendment]") {
  TempDir dir;
  Env env(dir.File("t.db"), Day(2025, 3, 1));
  Person person;
  UE_REQUIRE_OK(
      env.tiering->profiles.ApplyRegistrationEvent("registration", testing::Created(1, person)));
  // Stored directly, as DecideEmploymentDifficulty writes it.
  v1::ServiceDelivery delivery;
  delivery.set_delivery_id("dlv-77");
  delivery.set_registration_id(person.id);
  delivery.set_type(v1::SERVICE_TYPE_DIFFICULTY_IDENTIFICATION);
  delivery.set_delivered_on("2025-02-01");
  delivery.set_provider("office:230103");
  delivery.set_staff_id("staff-1");
  UE_REQUIRE_OK(env.store->Write([&](TieringTx& tx) { return tx.InsertDelivery(delivery); }));
  absl::StatusOr<v1::AmendServiceDeliveryResponse> refused =
      env.tiering->plans.AmendServiceDelivery(Withdraw("w-1", "dlv-77"));
  CHECK(refused.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Reason(refused.status()) == "DELIVERY_NOT_AMENDABLE");
}

TEST_CASE("The store updates a delivery's columns and keeps withdrawn ones out of plan inputs",
          "[store][amendment]") {
  TempDir dir;
  absl::StatusOr<std::unique_ptr<SqliteTieringStore>> opened =
      SqliteTieringStore::Open(dir.File("t.db"));
  REQUIRE(opened.ok());
  SqliteTieringStore& store = **opened;
  ProfileRecord record;
  record.profile.set_registration_id("r1");
  record.profile.set_office_region_code("230103");
  record.profile.set_registered_date("2025-01-15");
  v1::ServiceDelivery a;
  a.set_delivery_id("dlv-1");
  a.set_registration_id("r1");
  a.set_type(v1::SERVICE_TYPE_JOB_FAIR);
  a.set_delivered_on("2025-01-20");
  v1::ServiceDelivery b = a;
  b.set_delivery_id("dlv-2");
  b.set_delivered_on("2025-01-22");
  const absl::Status inserted = store.Write([&](TieringTx& tx) -> absl::Status {
    RETURN_IF_ERROR(tx.PutProfile(record));
    RETURN_IF_ERROR(tx.InsertDelivery(a));
    return tx.InsertDelivery(b);
  });
  UE_REQUIRE_OK(inserted);
  a.set_type(v1::SERVICE_TYPE_CAREER_GUIDANCE);
  a.set_delivered_on("2025-01-25");
  b.set_withdrawn(true);
  const absl::Status updated = store.Write([&](TieringTx& tx) -> absl::Status {
    RETURN_IF_ERROR(tx.UpdateDelivery(a));
    return tx.UpdateDelivery(b);
  });
  UE_REQUIRE_OK(updated);
  const absl::Status read = store.Read([&](TieringTx& tx) -> absl::Status {
    absl::StatusOr<std::optional<v1::ServiceDelivery>> got = tx.GetDelivery("dlv-1");
    REQUIRE(got.ok());
    REQUIRE(got->has_value());
    CHECK((*got)->type() == v1::SERVICE_TYPE_CAREER_GUIDANCE);
    CHECK((*got)->delivered_on() == "2025-01-25");
    absl::StatusOr<std::optional<v1::ServiceDelivery>> none = tx.GetDelivery("dlv-9");
    REQUIRE(none.ok());
    CHECK_FALSE(none->has_value());
    // Listing: both, by the amended delivered_on (dlv-2 first now), with the type column updated.
    absl::StatusOr<std::vector<v1::ServiceDelivery>> listed =
        tx.ListDeliveries("r1", v1::SERVICE_TYPE_UNSPECIFIED, std::nullopt, 10);
    REQUIRE(listed.ok());
    REQUIRE(listed->size() == 2);
    CHECK((*listed)[0].delivery_id() == "dlv-2");
    CHECK((*listed)[0].withdrawn());
    absl::StatusOr<std::vector<v1::ServiceDelivery>> fairs =
        tx.ListDeliveries("r1", v1::SERVICE_TYPE_JOB_FAIR, std::nullopt, 10);
    REQUIRE(fairs.ok());
    CHECK(fairs->size() == 1);  // the withdrawn one; dlv-1 is career guidance now
    // Plan inputs, both read paths: only dlv-1, with its amended type and day.
    for (const char* prefix : {"230103", "23"}) {
      INFO(prefix);
      std::vector<DeliveryRef> seen;
      auto visit = [&](ProfileRecord&, std::vector<DeliveryRef>& refs) -> absl::StatusOr<bool> {
        seen.insert(seen.end(), refs.begin(), refs.end());
        return true;
      };
      const absl::Status scanned =
          std::string(prefix).size() > 2
              ? tx.ScanPlanInputs(prefix, "2025-03-01", "2025-03-01", std::nullopt, visit)
              : tx.ScanPlanInputsAnyOrder(prefix, "2025-03-01", "2025-03-01", visit);
      REQUIRE(scanned.ok());
      REQUIRE(seen.size() == 1);
      CHECK(seen[0].delivery_id == "dlv-1");
      CHECK(seen[0].type == v1::SERVICE_TYPE_CAREER_GUIDANCE);
      CHECK(seen[0].delivered_on == Day(2025, 1, 25));
    }
    return absl::OkStatus();
  });
  UE_REQUIRE_OK(read);
}

}  // namespace
}  // namespace unemployment::tiering
