// The Tiering domain on a real SQLite file with a FakeClock: registrations learnt from feed events
// (applied once), a person moving through all four levels with services recorded on time, late
// and never, difficulty identification changing the type, idempotent deliveries, the gap list, and
// the one-pass gap list and fulfilment equal to per-registration plans on a varied fixture.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "common/status/status_util.h"
#include "common/time/date.h"
#include "services/tiering/service_plan.h"
#include "tests/services/tiering/test_util.h"

namespace unemployment::tiering {
namespace {

using testing::Day;
using testing::Env;
using testing::Person;
using testing::TempDir;
namespace v1c = ::unemployment::common::v1;

std::string Reason(const absl::Status& status) {
  std::optional<google::rpc::ErrorInfo> info = status::GetErrorInfo(status);
  return info.has_value() ? info->reason() : "";
}

int request_counter = 0;

v1::RecordServiceDeliveryRequest Delivery(const std::string& registration_id, v1::ServiceType type,
                                          const std::string& on) {
  v1::RecordServiceDeliveryRequest request;
  request.set_request_id(absl::StrCat("req-", ++request_counter));
  v1::ServiceDelivery& d = *request.mutable_delivery();
  d.set_registration_id(registration_id);
  d.set_type(type);
  d.set_delivered_on(on);
  d.set_provider("南岗区公共就业服务中心");
  d.set_staff_id("staff-1");
  switch (type) {
    case v1::SERVICE_TYPE_JOB_RECOMMENDATION:
      d.mutable_job_recommendation()->set_job_title("电工");
      d.mutable_job_recommendation()->set_employer_name("哈尔滨电力公司");
      break;
    case v1::SERVICE_TYPE_JOB_FAIR:
      d.mutable_job_fair()->set_fair_name("春风行动招聘会");
      break;
    case v1::SERVICE_TYPE_VOCATIONAL_TRAINING:
      d.mutable_course()->set_course_name("电工技能培训");
      d.mutable_course()->set_training_provider("哈尔滨技师学院");
      break;
    case v1::SERVICE_TYPE_POLICY_LIST_HANDED_OUT:
    case v1::SERVICE_TYPE_SERVICE_LIST_HANDED_OUT:
    case v1::SERVICE_TYPE_AGENCY_LIST_HANDED_OUT:
      d.mutable_catalog_handout()->set_region_code("230100");
      d.mutable_catalog_handout()->set_version(1);
      break;
    default:
      break;
  }
  return request;
}

void Record(Env& env, const std::string& registration_id, v1::ServiceType type,
            const std::string& on) {
  absl::StatusOr<v1::RecordServiceDeliveryResponse> recorded =
      env.tiering->plans.RecordServiceDelivery(Delivery(registration_id, type, on));
  INFO(recorded.status().ToString());
  REQUIRE(recorded.ok());
}

void PublishCatalogs(Env& env) {
  for (v1::CatalogKind kind : {v1::CATALOG_KIND_POLICY_LIST, v1::CATALOG_KIND_SERVICE_LIST,
                               v1::CATALOG_KIND_AGENCY_LIST}) {
    v1::PublishCatalogVersionRequest request;
    request.set_request_id(absl::StrCat("publish-", kind));
    request.set_region_code("230100");
    request.set_kind(kind);
    request.set_base_version(0);
    request.set_staff_id("editor");
    v1::CatalogEntry* entry = request.add_entries();
    entry->set_code("P01");
    entry->set_title("就业困难人员社会保险补贴");
    REQUIRE(env.tiering->catalogues.PublishCatalogVersion(request).ok());
  }
}

// service type -> obligation of a plan as of `day`.
std::map<v1::ServiceType, v1::Obligation> Plan(Env& env, const std::string& id,
                                               const std::string& day,
                                               v1::ServicePlan* out = nullptr) {
  v1::GetServicePlanRequest request;
  request.set_registration_id(id);
  request.set_as_of(day);
  absl::StatusOr<v1::GetServicePlanResponse> plan = env.tiering->plans.GetServicePlan(request);
  INFO(plan.status().ToString());
  REQUIRE(plan.ok());
  if (out != nullptr) *out = plan->plan();
  std::map<v1::ServiceType, v1::Obligation> by_type;
  for (const v1::Obligation& o : plan->plan().obligations()) by_type[o.service_type()] = o;
  return by_type;
}

TEST_CASE("Feed events are applied once; deregistration ends the active period", "[domain]") {
  TempDir dir;
  Env env(dir.File("t.db"));
  Person person;
  UE_REQUIRE_OK(
      env.tiering->profiles.ApplyRegistrationEvent("registration", testing::Created(1, person)));
  UE_REQUIRE_OK(env.tiering->profiles.ApplyRegistrationEvent(
      "registration", testing::Deregistered(2, person, "2025-03-01")));
  // A repeated old event changes nothing: the deregistration stays.
  UE_REQUIRE_OK(
      env.tiering->profiles.ApplyRegistrationEvent("registration", testing::Created(1, person)));
  REQUIRE(*env.tiering->profiles.FeedCursor("registration") == 2);

  v1::GetProfileRequest get;
  get.set_registration_id(person.id);
  absl::StatusOr<v1::GetProfileResponse> profile = env.tiering->profiles.GetProfile(get);
  REQUIRE(profile.ok());
  CHECK(profile->profile().end_date() == "2025-03-01");
  CHECK(profile->profile().type() == v1c::UNEMPLOYMENT_TYPE_LACKING_SKILLS);
  CHECK(profile->profile().type_rule_id() == "T99_DEFAULT");
  CHECK(profile->profile().job_intentions(0) == "电工");

  v1::GetLevelRequest level;
  level.set_registration_id(person.id);
  level.set_as_of("2025-02-28");
  absl::StatusOr<v1::GetLevelResponse> on = env.tiering->profiles.GetLevel(level);
  REQUIRE(on.ok());
  CHECK(on->level() == v1c::UNEMPLOYMENT_LEVEL_MEDIUM_SHORT);
  CHECK(on->level_since() == "2025-02-16");  // one month ends on 02-15, still short-term
  CHECK(on->next_level_on() == "2025-04-16");
  level.set_as_of("2025-03-01");  // the end date itself is no longer active
  absl::StatusOr<v1::GetLevelResponse> ended = env.tiering->profiles.GetLevel(level);
  CHECK(ended.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(Reason(ended.status()) == "REGISTRATION_NOT_ACTIVE");
  level.set_as_of("2025-01-14");
  CHECK(Reason(env.tiering->profiles.GetLevel(level).status()) == "REGISTRATION_NOT_ACTIVE");
  level.set_registration_id("hlj-unknown");
  CHECK(Reason(env.tiering->profiles.GetLevel(level).status()) == "REGISTRATION_NOT_FOUND");
}

TEST_CASE("A person moves through all four levels; obligations are met, open or missed",
          "[domain]") {
  TempDir dir;
  Env env(dir.File("t.db"), Day(2025, 1, 31));
  PublishCatalogs(env);
  Person person;
  person.registered_date = "2025-01-31";  // month-end: levels from 02-28, 04-30, 07-31
  person.sex = v1c::SEX_FEMALE;
  person.birth_date = "1980-05-01";  // 44, meets the AGE criterion
  UE_REQUIRE_OK(
      env.tiering->profiles.ApplyRegistrationEvent("registration", testing::Created(1, person)));
  const std::string id = person.id;

  env.SetToday(Day(2025, 12, 31));
  Record(env, id, v1::SERVICE_TYPE_FIRST_INTERVIEW, "2025-02-01");         // on time
  Record(env, id, v1::SERVICE_TYPE_POLICY_LIST_HANDED_OUT, "2025-02-01");  // on time
  Record(env, id, v1::SERVICE_TYPE_AGENCY_LIST_HANDED_OUT, "2025-03-05");  // late
  Record(env, id, v1::SERVICE_TYPE_JOB_RECOMMENDATION, "2025-02-03");      // on time
  Record(env, id, v1::SERVICE_TYPE_JOB_RECOMMENDATION, "2025-02-20");      // on time
  Record(env, id, v1::SERVICE_TYPE_JOB_RECOMMENDATION, "2025-03-01");      // late (3rd)
  Record(env, id, v1::SERVICE_TYPE_CAREER_GUIDANCE, "2025-03-10");         // on time
  Record(env, id, v1::SERVICE_TYPE_VOCATIONAL_TRAINING, "2025-08-05");     // late
  // The service list and the job fair are never given.

  SECTION("short-term") {
    v1::ServicePlan plan;
    auto o = Plan(env, id, "2025-02-27", &plan);
    CHECK(plan.level() == v1c::UNEMPLOYMENT_LEVEL_SHORT_TERM);
    CHECK(o.size() == 5);
    CHECK(o[v1::SERVICE_TYPE_FIRST_INTERVIEW].state() == v1::OBLIGATION_STATE_MET);
    CHECK(o[v1::SERVICE_TYPE_FIRST_INTERVIEW].met_on() == "2025-02-01");
    CHECK(o[v1::SERVICE_TYPE_FIRST_INTERVIEW].due_on() == "2025-02-28");
    CHECK(o[v1::SERVICE_TYPE_POLICY_LIST_HANDED_OUT].state() == v1::OBLIGATION_STATE_MET);
    CHECK(o[v1::SERVICE_TYPE_SERVICE_LIST_HANDED_OUT].state() == v1::OBLIGATION_STATE_OPEN);
    CHECK(o[v1::SERVICE_TYPE_JOB_RECOMMENDATION].state() == v1::OBLIGATION_STATE_OPEN);
    CHECK(o[v1::SERVICE_TYPE_JOB_RECOMMENDATION].delivered_count() == 2);
    CHECK(o[v1::SERVICE_TYPE_JOB_RECOMMENDATION].required_count() == 3);
    REQUIRE(plan.catalogs_size() == 1);
    CHECK(plan.catalogs(0).kind() == v1::CATALOG_KIND_POLICY_LIST);
    CHECK(plan.catalogs(0).version() == 1);
  }
  SECTION("medium-short: short-term obligations missed, late deliveries do not count") {
    v1::ServicePlan plan;
    auto o = Plan(env, id, "2025-03-20", &plan);
    CHECK(plan.level() == v1c::UNEMPLOYMENT_LEVEL_MEDIUM_SHORT);
    CHECK(o[v1::SERVICE_TYPE_JOB_RECOMMENDATION].state() == v1::OBLIGATION_STATE_MISSED);
    CHECK(o[v1::SERVICE_TYPE_JOB_RECOMMENDATION].delivered_count() == 2);
    CHECK(o[v1::SERVICE_TYPE_AGENCY_LIST_HANDED_OUT].state() == v1::OBLIGATION_STATE_MISSED);
    CHECK(o[v1::SERVICE_TYPE_SERVICE_LIST_HANDED_OUT].state() == v1::OBLIGATION_STATE_MISSED);
    CHECK(o[v1::SERVICE_TYPE_CAREER_GUIDANCE].state() == v1::OBLIGATION_STATE_MET);
    CHECK(o[v1::SERVICE_TYPE_CAREER_GUIDANCE].window_start() == "2025-03-01");
    CHECK(o[v1::SERVICE_TYPE_CAREER_GUIDANCE].due_on() == "2025-04-30");
    CHECK(o[v1::SERVICE_TYPE_JOB_FAIR].state() == v1::OBLIGATION_STATE_OPEN);
    CHECK(o.count(v1::SERVICE_TYPE_VOCATIONAL_TRAINING) == 0);  // later levels are not listed
  }
  SECTION("medium-long and long-term") {
    CHECK(Plan(env, id, "2025-04-30")[v1::SERVICE_TYPE_JOB_FAIR].state() ==
          v1::OBLIGATION_STATE_OPEN);  // three months end on 04-30: still medium-short
    auto ml = Plan(env, id, "2025-05-01");
    CHECK(ml[v1::SERVICE_TYPE_JOB_FAIR].state() == v1::OBLIGATION_STATE_MISSED);
    CHECK(ml[v1::SERVICE_TYPE_VOCATIONAL_TRAINING].state() == v1::OBLIGATION_STATE_OPEN);
    CHECK(ml[v1::SERVICE_TYPE_VOCATIONAL_TRAINING].due_on() == "2025-07-30");
    CHECK(ml.count(v1::SERVICE_TYPE_DIFFICULTY_IDENTIFICATION) == 0);

    v1::ServicePlan plan;
    auto lt = Plan(env, id, "2025-08-10", &plan);
    CHECK(plan.level() == v1c::UNEMPLOYMENT_LEVEL_LONG_TERM);
    CHECK(lt[v1::SERVICE_TYPE_VOCATIONAL_TRAINING].state() == v1::OBLIGATION_STATE_MISSED);
    CHECK(lt[v1::SERVICE_TYPE_VOCATIONAL_TRAINING].delivered_count() == 0);
    CHECK(lt[v1::SERVICE_TYPE_DIFFICULTY_IDENTIFICATION].state() == v1::OBLIGATION_STATE_OPEN);
    CHECK(lt[v1::SERVICE_TYPE_DIFFICULTY_IDENTIFICATION].due_on().empty());
    CHECK(lt.count(v1::SERVICE_TYPE_EMPLOYMENT_ASSISTANCE) == 0);
    CHECK(plan.type() == v1c::UNEMPLOYMENT_TYPE_LACKING_SKILLS);

    // Identification: evaluated, applied (pending), approved.
    env.SetToday(Day(2025, 8, 10));
    v1::IdentifyEmploymentDifficultyRequest identify;
    identify.set_request_id("identify-1");
    identify.set_registration_id(id);
    identify.set_as_of("2025-08-10");
    identify.set_staff_id("staff-2");
    absl::StatusOr<v1::IdentifyEmploymentDifficultyResponse> applied =
        env.tiering->difficulty.IdentifyEmploymentDifficulty(identify);
    REQUIRE(applied.ok());
    const v1::DifficultyIdentification& idf = applied->identification();
    CHECK(idf.state() == v1::IDENTIFICATION_STATE_PENDING_DECISION);
    CHECK(idf.criteria_version() == "HLJ-2019-1");
    CHECK(idf.results(0).met());  // AGE
    CHECK(idf.results(0).explanation() == "女，2025-08-10时年满45周岁，条件为40周岁以上");
    // The same request again returns the same answer; another one while pending is refused.
    CHECK(env.tiering->difficulty.IdentifyEmploymentDifficulty(identify)
              ->identification()
              .identification_id() == idf.identification_id());
    identify.set_request_id("identify-2");
    CHECK(Reason(env.tiering->difficulty.IdentifyEmploymentDifficulty(identify).status()) ==
          "IDENTIFICATION_PENDING");

    env.SetToday(Day(2025, 8, 12));
    v1::DecideEmploymentDifficultyRequest decide;
    decide.set_request_id("decide-1");
    decide.set_identification_id(idf.identification_id());
    decide.set_decision(v1::IDENTIFICATION_DECISION_APPROVE);
    decide.set_reason("符合年龄条件");
    decide.set_decided_on("2025-08-12");
    decide.set_staff_id("head-1");
    absl::StatusOr<v1::DecideEmploymentDifficultyResponse> decided =
        env.tiering->difficulty.DecideEmploymentDifficulty(decide);
    INFO(decided.status().ToString());
    REQUIRE(decided.ok());
    CHECK(decided->identification().state() == v1::IDENTIFICATION_STATE_APPROVED);
    CHECK(decided->profile().type() == v1c::UNEMPLOYMENT_TYPE_EMPLOYMENT_DIFFICULTY);
    CHECK(decided->profile().type_rule_id() == "T01_DIFFICULTY_APPROVED");
    CHECK(decided->profile().priority_assistance());
    decide.set_request_id("decide-2");
    CHECK(Reason(env.tiering->difficulty.DecideEmploymentDifficulty(decide).status()) ==
          "IDENTIFICATION_NOT_PENDING");

    v1::ServicePlan before_approval;
    Plan(env, id, "2025-08-11", &before_approval);
    CHECK(before_approval.type() == v1c::UNEMPLOYMENT_TYPE_LACKING_SKILLS);
    v1::ServicePlan after;
    auto approved = Plan(env, id, "2025-08-12", &after);
    CHECK(after.type() == v1c::UNEMPLOYMENT_TYPE_EMPLOYMENT_DIFFICULTY);
    CHECK(approved[v1::SERVICE_TYPE_DIFFICULTY_IDENTIFICATION].state() == v1::OBLIGATION_STATE_MET);
    CHECK(approved[v1::SERVICE_TYPE_DIFFICULTY_IDENTIFICATION].met_on() == "2025-08-12");
    CHECK(approved[v1::SERVICE_TYPE_EMPLOYMENT_ASSISTANCE].state() == v1::OBLIGATION_STATE_OPEN);
    CHECK(approved[v1::SERVICE_TYPE_EMPLOYMENT_ASSISTANCE].window_start() == "2025-08-12");

    Record(env, id, v1::SERVICE_TYPE_EMPLOYMENT_ASSISTANCE, "2025-08-12");
    CHECK(Plan(env, id, "2025-08-12")[v1::SERVICE_TYPE_EMPLOYMENT_ASSISTANCE].state() ==
          v1::OBLIGATION_STATE_MET);
  }
}

TEST_CASE("Intentions add their obligations; UpdateProfile recomputes the type", "[domain]") {
  TempDir dir;
  Env env(dir.File("t.db"), Day(2025, 2, 1));
  Person person;
  UE_REQUIRE_OK(
      env.tiering->profiles.ApplyRegistrationEvent("registration", testing::Created(1, person)));
  v1::UpdateProfileRequest update;
  update.mutable_profile()->set_registration_id(person.id);
  update.mutable_profile()->set_skill_level(v1::SKILL_LEVEL_INTERMEDIATE);
  update.mutable_profile()->set_entrepreneurship_intention(true);
  update.mutable_update_mask()->add_paths("skill_level");
  update.mutable_update_mask()->add_paths("entrepreneurship_intention");
  update.set_staff_id("staff-1");
  absl::StatusOr<v1::UpdateProfileResponse> updated = env.tiering->profiles.UpdateProfile(update);
  REQUIRE(updated.ok());
  CHECK(updated->profile().type() == v1c::UNEMPLOYMENT_TYPE_SKILLED);
  CHECK(updated->profile().type_rule_id() == "T02_CERTIFIED_SKILL_LEVEL");
  auto o = Plan(env, person.id, "2025-02-01");
  CHECK(o[v1::SERVICE_TYPE_ENTREPRENEURSHIP_TRAINING].state() == v1::OBLIGATION_STATE_OPEN);
  CHECK(o[v1::SERVICE_TYPE_BUSINESS_START_GUIDANCE].due_on().empty());
  CHECK(o.count(v1::SERVICE_TYPE_TRAINING_RECOMMENDATION) == 0);
}

TEST_CASE("RecordServiceDelivery is idempotent on request_id and checks the active period",
          "[domain]") {
  TempDir dir;
  Env env(dir.File("t.db"), Day(2025, 2, 1));
  Person person;
  UE_REQUIRE_OK(
      env.tiering->profiles.ApplyRegistrationEvent("registration", testing::Created(1, person)));
  v1::RecordServiceDeliveryRequest request =
      Delivery(person.id, v1::SERVICE_TYPE_JOB_RECOMMENDATION, "2025-01-20");
  absl::StatusOr<v1::RecordServiceDeliveryResponse> first =
      env.tiering->plans.RecordServiceDelivery(request);
  REQUIRE(first.ok());
  absl::StatusOr<v1::RecordServiceDeliveryResponse> again =
      env.tiering->plans.RecordServiceDelivery(request);
  REQUIRE(again.ok());
  CHECK(again->delivery().delivery_id() == first->delivery().delivery_id());
  request.mutable_delivery()->set_delivered_on("2025-01-21");
  absl::StatusOr<v1::RecordServiceDeliveryResponse> reused =
      env.tiering->plans.RecordServiceDelivery(request);
  CHECK(reused.status().code() == absl::StatusCode::kAlreadyExists);
  CHECK(Reason(reused.status()) == "REQUEST_ID_REUSED");

  v1::RecordServiceDeliveryRequest before =
      Delivery(person.id, v1::SERVICE_TYPE_CAREER_GUIDANCE, "2025-01-14");
  CHECK(Reason(env.tiering->plans.RecordServiceDelivery(before).status()) ==
        "REGISTRATION_NOT_ACTIVE");
  v1::RecordServiceDeliveryRequest no_catalog =
      Delivery(person.id, v1::SERVICE_TYPE_POLICY_LIST_HANDED_OUT, "2025-01-20");
  CHECK(Reason(env.tiering->plans.RecordServiceDelivery(no_catalog).status()) ==
        "CATALOG_VERSION_NOT_FOUND");

  v1::ListServiceDeliveriesRequest list;
  list.set_registration_id(person.id);
  absl::StatusOr<v1::ListServiceDeliveriesResponse> listed =
      env.tiering->plans.ListServiceDeliveries(list);
  REQUIRE(listed.ok());
  CHECK(listed->deliveries_size() == 1);
  CHECK(listed->next_page_token().empty());
}

TEST_CASE("ListPlanGaps lists the office's registrations with gaps, paged", "[domain]") {
  TempDir dir;
  Env env(dir.File("t.db"), Day(2025, 3, 1));
  PublishCatalogs(env);
  const char* dates[] = {"2025-01-05", "2025-01-10", "2025-02-20", "2025-02-25"};
  int sequence = 0;
  for (int i = 0; i < 4; ++i) {
    Person p;
    p.id = absl::StrCat("hlj-g", i);
    p.registered_date = dates[i];
    UE_REQUIRE_OK(env.tiering->profiles.ApplyRegistrationEvent("registration",
                                                               testing::Created(++sequence, p)));
  }
  Person elsewhere;
  elsewhere.id = "hlj-other";
  elsewhere.office = "230104";
  elsewhere.registered_date = "2025-02-27";
  UE_REQUIRE_OK(env.tiering->profiles.ApplyRegistrationEvent(
      "registration", testing::Created(++sequence, elsewhere)));
  // hlj-g3 gets everything it needs in short-term: no gap.
  for (v1::ServiceType type :
       {v1::SERVICE_TYPE_FIRST_INTERVIEW, v1::SERVICE_TYPE_POLICY_LIST_HANDED_OUT,
        v1::SERVICE_TYPE_SERVICE_LIST_HANDED_OUT, v1::SERVICE_TYPE_AGENCY_LIST_HANDED_OUT,
        v1::SERVICE_TYPE_JOB_RECOMMENDATION, v1::SERVICE_TYPE_JOB_RECOMMENDATION,
        v1::SERVICE_TYPE_JOB_RECOMMENDATION}) {
    Record(env, "hlj-g3", type, "2025-02-26");
  }

  v1::ListPlanGapsRequest request;
  request.set_region_code("230103");
  request.set_as_of("2025-03-01");
  request.set_page_size(2);
  absl::StatusOr<v1::ListPlanGapsResponse> first = env.tiering->plans.ListPlanGaps(request);
  REQUIRE(first.ok());
  REQUIRE(first->gaps_size() == 2);
  CHECK(first->gaps(0).registration_id() == "hlj-g0");
  CHECK(first->gaps(1).registration_id() == "hlj-g1");
  CHECK(first->gaps(0).level() == v1c::UNEMPLOYMENT_LEVEL_MEDIUM_SHORT);
  REQUIRE_FALSE(first->next_page_token().empty());
  request.set_page_token(first->next_page_token());
  absl::StatusOr<v1::ListPlanGapsResponse> second = env.tiering->plans.ListPlanGaps(request);
  REQUIRE(second.ok());
  REQUIRE(second->gaps_size() == 1);
  CHECK(second->gaps(0).registration_id() == "hlj-g2");
  CHECK(second->next_page_token().empty());

  // A token is only valid for its own query.
  request.set_as_of("2025-03-02");
  CHECK(Reason(env.tiering->plans.ListPlanGaps(request).status()) == "INVALID_PAGE_TOKEN");

  // Filters: MISSED only, and the city code selects both offices.
  v1::ListPlanGapsRequest missed;
  missed.set_region_code("230100");
  missed.set_as_of("2025-03-01");
  missed.set_state(v1::OBLIGATION_STATE_MISSED);
  absl::StatusOr<v1::ListPlanGapsResponse> missed_gaps = env.tiering->plans.ListPlanGaps(missed);
  REQUIRE(missed_gaps.ok());
  REQUIRE(missed_gaps->gaps_size() == 2);  // g0 and g1 left short-term without services
  for (const v1::PlanGap& gap : missed_gaps->gaps()) {
    for (const v1::Obligation& o : gap.obligations()) {
      CHECK(o.state() == v1::OBLIGATION_STATE_MISSED);
    }
  }
  v1::ListPlanGapsRequest short_term;
  short_term.set_region_code("230100");
  short_term.set_as_of("2025-03-01");
  short_term.set_level(v1c::UNEMPLOYMENT_LEVEL_SHORT_TERM);
  absl::StatusOr<v1::ListPlanGapsResponse> st = env.tiering->plans.ListPlanGaps(short_term);
  REQUIRE(st.ok());
  REQUIRE(st->gaps_size() == 2);  // g2 and hlj-other (g3 has no gap)
  CHECK(st->gaps(0).registration_id() == "hlj-g2");
  CHECK(st->gaps(1).registration_id() == "hlj-other");
}

}  // namespace
}  // namespace unemployment::tiering

namespace unemployment::tiering {
namespace {

TEST_CASE("GetPlanFulfilment counts obligations due in a period per level", "[domain]") {
  TempDir dir;
  Env env(dir.File("t.db"), Day(2025, 3, 31));
  Person person;
  person.registered_date = "2025-01-31";
  UE_REQUIRE_OK(
      env.tiering->profiles.ApplyRegistrationEvent("registration", testing::Created(1, person)));
  Person later;  // registered in March: nothing of it is due in February
  later.id = "hlj-later";
  later.registered_date = "2025-03-03";
  UE_REQUIRE_OK(
      env.tiering->profiles.ApplyRegistrationEvent("registration", testing::Created(2, later)));
  Record(env, person.id, v1::SERVICE_TYPE_FIRST_INTERVIEW, "2025-02-02");
  for (const char* day : {"2025-02-03", "2025-02-10", "2025-02-27"}) {
    Record(env, person.id, v1::SERVICE_TYPE_JOB_RECOMMENDATION, day);
  }
  v1::GetPlanFulfilmentRequest request;
  request.set_region_code("230103");
  request.set_period_start("2025-02-01");
  request.set_period_end("2025-03-01");
  absl::StatusOr<v1::GetPlanFulfilmentResponse> counts =
      env.tiering->plans.GetPlanFulfilment(request);
  REQUIRE(counts.ok());
  REQUIRE(counts->levels_size() == 5);
  const v1::LevelFulfilment& everyone = counts->levels(0);
  CHECK(everyone.level() == v1c::UNEMPLOYMENT_LEVEL_UNSPECIFIED);
  CHECK(everyone.due_count() == 4);  // interview and the three lists, due 2025-02-28
  CHECK(everyone.met_count() == 1);
  CHECK(everyone.missed_count() == 3);
  const v1::LevelFulfilment& short_term = counts->levels(1);
  CHECK(short_term.level() == v1c::UNEMPLOYMENT_LEVEL_SHORT_TERM);
  CHECK(short_term.due_count() == 1);
  CHECK(short_term.met_count() == 1);
  CHECK(counts->levels(2).due_count() == 0);  // medium-short obligations fall due in April
}

}  // namespace
}  // namespace unemployment::tiering

namespace unemployment::tiering {
namespace {

TEST_CASE("Rejected identifications keep the type; decisions cannot precede the application",
          "[domain]") {
  TempDir dir;
  Env env(dir.File("t.db"), Day(2025, 9, 1));
  Person person;  // a man born 1990: no computed criterion is met
  UE_REQUIRE_OK(
      env.tiering->profiles.ApplyRegistrationEvent("registration", testing::Created(1, person)));

  v1::IdentifyEmploymentDifficultyRequest identify;
  identify.set_request_id("i-1");
  identify.set_registration_id(person.id);
  identify.set_staff_id("s");
  absl::StatusOr<v1::IdentifyEmploymentDifficultyResponse> none =
      env.tiering->difficulty.IdentifyEmploymentDifficulty(identify);
  REQUIRE(none.ok());
  CHECK(none->identification().state() == v1::IDENTIFICATION_STATE_NOT_ELIGIBLE);
  CHECK(none->identification().as_of() == "2025-09-01");

  identify.set_request_id("i-2");
  v1::DeclaredFact* fact = identify.add_facts();
  fact->set_criterion_code("MINIMUM_INCOME_HOUSEHOLD");
  fact->set_evidence("低保证 2301030001");
  absl::StatusOr<v1::IdentifyEmploymentDifficultyResponse> pending =
      env.tiering->difficulty.IdentifyEmploymentDifficulty(identify);
  REQUIRE(pending.ok());
  REQUIRE(pending->identification().state() == v1::IDENTIFICATION_STATE_PENDING_DECISION);
  // The declared fact is data held: the long-term plan now asks for the identification.
  CHECK(Plan(env, person.id, "2025-08-01")[v1::SERVICE_TYPE_DIFFICULTY_IDENTIFICATION].state() ==
        v1::OBLIGATION_STATE_OPEN);

  v1::DecideEmploymentDifficultyRequest decide;
  decide.set_request_id("d-1");
  decide.set_identification_id(pending->identification().identification_id());
  decide.set_decision(v1::IDENTIFICATION_DECISION_REJECT);
  decide.set_reason("低保证已过期");
  decide.set_decided_on("2025-08-31");
  decide.set_staff_id("head");
  absl::StatusOr<v1::DecideEmploymentDifficultyResponse> early =
      env.tiering->difficulty.DecideEmploymentDifficulty(decide);
  CHECK(early.status().code() == absl::StatusCode::kInvalidArgument);
  REQUIRE(status::GetBadRequest(early.status()).has_value());
  CHECK(status::GetBadRequest(early.status())->field_violations(0).field() == "decided_on");

  decide.set_decided_on("2025-09-01");
  absl::StatusOr<v1::DecideEmploymentDifficultyResponse> rejected =
      env.tiering->difficulty.DecideEmploymentDifficulty(decide);
  REQUIRE(rejected.ok());
  CHECK(rejected->identification().state() == v1::IDENTIFICATION_STATE_REJECTED);
  CHECK(rejected->identification().decision_reason() == "低保证已过期");
  CHECK(rejected->profile().type() == v1c::UNEMPLOYMENT_TYPE_LACKING_SKILLS);
  CHECK_FALSE(rejected->profile().priority_assistance());
  CHECK(rejected->profile().latest_identification().state() == v1::IDENTIFICATION_STATE_REJECTED);
  // A rejected declaration is no longer data held.
  CHECK(Plan(env, person.id, "2025-08-01").count(v1::SERVICE_TYPE_DIFFICULTY_IDENTIFICATION) == 0);
}

TEST_CASE("ListServiceDeliveries pages oldest first and filters by type", "[domain]") {
  TempDir dir;
  Env env(dir.File("t.db"), Day(2025, 3, 1));
  Person person;
  UE_REQUIRE_OK(
      env.tiering->profiles.ApplyRegistrationEvent("registration", testing::Created(1, person)));
  Record(env, person.id, v1::SERVICE_TYPE_JOB_RECOMMENDATION, "2025-02-10");
  Record(env, person.id, v1::SERVICE_TYPE_CAREER_GUIDANCE, "2025-01-20");
  Record(env, person.id, v1::SERVICE_TYPE_JOB_RECOMMENDATION, "2025-01-25");
  v1::ListServiceDeliveriesRequest request;
  request.set_registration_id(person.id);
  request.set_page_size(2);
  absl::StatusOr<v1::ListServiceDeliveriesResponse> first =
      env.tiering->plans.ListServiceDeliveries(request);
  REQUIRE(first.ok());
  REQUIRE(first->deliveries_size() == 2);
  CHECK(first->deliveries(0).delivered_on() == "2025-01-20");
  CHECK(first->deliveries(1).delivered_on() == "2025-01-25");
  request.set_page_token(first->next_page_token());
  absl::StatusOr<v1::ListServiceDeliveriesResponse> second =
      env.tiering->plans.ListServiceDeliveries(request);
  REQUIRE(second.ok());
  REQUIRE(second->deliveries_size() == 1);
  CHECK(second->deliveries(0).delivered_on() == "2025-02-10");
  CHECK(second->next_page_token().empty());

  request.set_type(v1::SERVICE_TYPE_CAREER_GUIDANCE);  // the token belongs to another query
  absl::StatusOr<v1::ListServiceDeliveriesResponse> other =
      env.tiering->plans.ListServiceDeliveries(request);
  CHECK(other.status().code() == absl::StatusCode::kInvalidArgument);
  request.clear_page_token();
  absl::StatusOr<v1::ListServiceDeliveriesResponse> guidance =
      env.tiering->plans.ListServiceDeliveries(request);
  REQUIRE(guidance.ok());
  CHECK(guidance->deliveries_size() == 1);
}

}  // namespace
}  // namespace unemployment::tiering

namespace unemployment::tiering {
namespace {

// The registration ids of a varied fixture with their registered dates.
struct Fixture {
  std::vector<std::pair<std::string, std::string>> registrations;  // (registered_date, id)
};

// 48 registrations over 20 months in three offices of two cities: some deregistered, some with
// intentions, ages on both sides of the AGE criterion, and deliveries on time, late, never, several
// on one day (ties in recording order) and more than required.
Fixture VariedFixture(Env& env) {
  PublishCatalogs(env);
  Fixture fixture;
  const char* offices[] = {"230103", "230104", "230202"};
  int64_t sequence = 0;
  for (int i = 0; i < 48; ++i) {
    Person p;
    p.id = absl::StrCat("hlj-v", i);
    const absl::CivilDay registered = Day(2024, 5, 3) + 13 * i;
    p.registered_date = time::FormatDate(registered);
    p.office = offices[i % 3];
    p.sex = i % 2 == 0 ? v1c::SEX_FEMALE : v1c::SEX_MALE;
    p.birth_date = i % 4 == 0 ? "1972-04-30" : "1995-09-09";
    p.qualification = i % 5 == 0;
    UE_REQUIRE_OK(env.tiering->profiles.ApplyRegistrationEvent("registration",
                                                               testing::Created(++sequence, p)));
    // Intentions (UpdateProfile needs the registration active today: before it ends).
    if (i % 6 == 1) {
      v1::UpdateProfileRequest update;
      update.mutable_profile()->set_registration_id(p.id);
      update.mutable_profile()->set_training_intention(true);
      update.mutable_profile()->set_entrepreneurship_intention(i % 12 == 1);
      update.mutable_update_mask()->add_paths("training_intention");
      update.mutable_update_mask()->add_paths("entrepreneurship_intention");
      update.set_staff_id("staff-1");
      const absl::Status updated = env.tiering->profiles.UpdateProfile(update).status();
      INFO(updated.ToString());
      REQUIRE(updated.ok());
    }
    std::optional<absl::CivilDay> end;
    if (i % 7 == 3) {
      end = registered + 70 + i;
      UE_REQUIRE_OK(env.tiering->profiles.ApplyRegistrationEvent(
          "registration", testing::Deregistered(++sequence, p, time::FormatDate(*end))));
    }
    auto record = [&](v1::ServiceType type, int offset) {
      const absl::CivilDay day = registered + offset;
      if (end.has_value() && day >= *end) return;
      if (day > env.clock.Today()) return;
      Record(env, p.id, type, time::FormatDate(day));
    };
    if (i % 9 != 4) record(v1::SERVICE_TYPE_FIRST_INTERVIEW, i % 3 == 0 ? 40 : i % 5);
    if (i % 2 == 0) {
      record(v1::SERVICE_TYPE_POLICY_LIST_HANDED_OUT, 2);
      record(v1::SERVICE_TYPE_SERVICE_LIST_HANDED_OUT, 2 + (i % 4) * 12);
      record(v1::SERVICE_TYPE_AGENCY_LIST_HANDED_OUT, 2);
    }
    for (int j = 0; j < i % 5; ++j) {
      record(v1::SERVICE_TYPE_JOB_RECOMMENDATION, 3 + (j / 2) * 9 + (i % 7) * 4);  // pairs
    }
    if (i % 3 != 1) record(v1::SERVICE_TYPE_CAREER_GUIDANCE, 35 + i % 30);
    if (i % 4 != 2) record(v1::SERVICE_TYPE_JOB_FAIR, 20 + (i * 7) % 90);
    if (i % 2 == 1) record(v1::SERVICE_TYPE_VOCATIONAL_TRAINING, 95 + i % 60);
    if (i % 6 == 1) record(v1::SERVICE_TYPE_TRAINING_RECOMMENDATION, 10 + i);
    if (i % 8 == 0) record(v1::SERVICE_TYPE_DIFFICULTY_IDENTIFICATION, 190 + i);
    fixture.registrations.emplace_back(p.registered_date, p.id);
  }
  std::sort(fixture.registrations.begin(), fixture.registrations.end());
  return fixture;
}

// ListPlanGaps over every page.
std::vector<v1::PlanGap> AllGaps(Env& env, v1::ListPlanGapsRequest request) {
  std::vector<v1::PlanGap> gaps;
  while (true) {
    absl::StatusOr<v1::ListPlanGapsResponse> page = env.tiering->plans.ListPlanGaps(request);
    INFO(page.status().ToString());
    REQUIRE(page.ok());
    if (request.page_size() > 0) REQUIRE(page->gaps_size() <= request.page_size());
    gaps.insert(gaps.end(), page->gaps().begin(), page->gaps().end());
    if (page->next_page_token().empty()) return gaps;
    request.set_page_token(page->next_page_token());
  }
}

TEST_CASE("The one-pass plans of ListPlanGaps and GetPlanFulfilment equal per-registration plans",
          "[domain]") {
  TempDir dir;
  Env env(dir.File("t.db"), Day(2026, 1, 31));
  const Fixture fixture = VariedFixture(env);
  for (const char* as_of : {"2024-05-02", "2024-07-15", "2025-02-28", "2025-07-31", "2026-01-31"}) {
    // Expected, from GetServicePlan (its own delivery read) of each registration, in
    // (registered_date, id) order.
    std::vector<std::pair<v1::Profile, v1::ServicePlan>> plans;
    for (const auto& [registered, id] : fixture.registrations) {
      v1::GetProfileRequest get;
      get.set_registration_id(id);
      absl::StatusOr<v1::GetProfileResponse> profile = env.tiering->profiles.GetProfile(get);
      REQUIRE(profile.ok());
      const v1::Profile& p = profile->profile();
      if (p.registered_date() > as_of || (!p.end_date().empty() && p.end_date() <= as_of)) {
        continue;
      }
      v1::ServicePlan plan;
      Plan(env, id, as_of, &plan);
      plans.emplace_back(p, plan);
    }
    for (const char* region : {"230000", "230100", "230104", "230202"}) {
      for (int level = 0; level <= 4; ++level) {
        for (v1::ObligationState state : {v1::OBLIGATION_STATE_UNSPECIFIED,
                                          v1::OBLIGATION_STATE_OPEN, v1::OBLIGATION_STATE_MISSED}) {
          std::vector<v1::PlanGap> expected;
          for (const auto& [profile, plan] : plans) {
            if (!absl::StartsWith(profile.office_region_code(),
                                  absl::string_view(region).substr(
                                      0, region[2] == '0' && region[3] == '0'   ? 2
                                         : region[4] == '0' && region[5] == '0' ? 4
                                                                                : 6))) {
              continue;
            }
            if (level != 0 && plan.level() != level) continue;
            std::vector<v1::Obligation> obligations(plan.obligations().begin(),
                                                    plan.obligations().end());
            if (!HasGap(obligations, state)) continue;
            v1::PlanGap& gap = expected.emplace_back();
            gap.set_registration_id(profile.registration_id());
            gap.set_name(profile.name());
            gap.set_office_region_code(profile.office_region_code());
            gap.set_level(plan.level());
            gap.set_type(plan.type());
            for (const v1::Obligation& o : obligations) {
              if (o.state() == v1::OBLIGATION_STATE_MET) continue;
              if (state != v1::OBLIGATION_STATE_UNSPECIFIED && o.state() != state) continue;
              *gap.add_obligations() = o;
            }
          }
          for (int page_size : {1, 4, 1000}) {
            v1::ListPlanGapsRequest request;
            request.set_region_code(region);
            request.set_as_of(as_of);
            request.set_level(static_cast<v1c::UnemploymentLevel>(level));
            request.set_state(state);
            request.set_page_size(page_size);
            const std::vector<v1::PlanGap> gaps = AllGaps(env, request);
            INFO(as_of << " " << region << " level " << level << " state " << state << " page_size "
                       << page_size);
            REQUIRE(gaps.size() == expected.size());
            for (size_t k = 0; k < gaps.size(); ++k) {
              INFO(gaps[k].DebugString() << "\nexpected\n" << expected[k].DebugString());
              CHECK(gaps[k].SerializeAsString() == expected[k].SerializeAsString());
            }
          }
        }
      }
    }
  }
  // Some gap lists above were long and varied, not all empty or all full.
  v1::ListPlanGapsRequest all;
  all.set_region_code("230000");
  all.set_as_of("2025-07-31");
  const std::vector<v1::PlanGap> gaps = AllGaps(env, all);
  CHECK(gaps.size() > 10);
  CHECK(gaps.size() < fixture.registrations.size());

  // GetPlanFulfilment: the same counts as from each registration's GetServicePlan on the last day
  // of the period it was active. The province is read by the merge of two scans, a city or a
  // county by the ordered join (ScanPlanInputsAnyOrder); both must agree with the plans.
  for (const auto& [region, prefix] : std::vector<std::pair<std::string, std::string>>{
           {"230000", "23"}, {"230100", "2301"}, {"230104", "230104"}, {"230202", "230202"}}) {
    for (const auto& [first, last] :
         std::vector<std::pair<std::string, std::string>>{{"2024-05-01", "2024-05-31"},
                                                          {"2024-06-01", "2024-12-31"},
                                                          {"2025-02-01", "2025-02-28"},
                                                          {"2024-01-01", "2026-01-31"}}) {
      std::map<int, std::array<int, 3>> expected;  // level -> due, met, missed
      for (const auto& [registered, id] : fixture.registrations) {
        v1::GetProfileRequest get;
        get.set_registration_id(id);
        const v1::Profile p = env.tiering->profiles.GetProfile(get)->profile();
        if (p.registered_date() > last || (!p.end_date().empty() && p.end_date() <= first)) {
          continue;
        }
        if (!absl::StartsWith(p.office_region_code(), prefix)) continue;
        absl::CivilDay judged = *time::ParseDate(last);
        if (!p.end_date().empty()) judged = std::min(judged, *time::ParseDate(p.end_date()) - 1);
        v1::ServicePlan plan;
        Plan(env, id, time::FormatDate(judged), &plan);
        for (const v1::Obligation& o : plan.obligations()) {
          std::array<int, 3>& counts = expected[o.level()];
          if (o.due_on().empty()) {
            if (!o.met_on().empty() && o.met_on() >= first && o.met_on() <= last) {
              ++counts[0];
              ++counts[1];
            }
            continue;
          }
          if (o.due_on() < first || o.due_on() > time::FormatDate(judged)) continue;
          ++counts[0];
          if (o.state() == v1::OBLIGATION_STATE_MET) ++counts[1];
          if (o.state() == v1::OBLIGATION_STATE_MISSED) ++counts[2];
        }
      }
      v1::GetPlanFulfilmentRequest request;
      request.set_region_code(region);
      request.set_period_start(first);
      request.set_period_end(last);
      absl::StatusOr<v1::GetPlanFulfilmentResponse> counts =
          env.tiering->plans.GetPlanFulfilment(request);
      REQUIRE(counts.ok());
      REQUIRE(counts->levels_size() == 5);
      int due = 0;
      for (const v1::LevelFulfilment& level : counts->levels()) {
        INFO(region << " " << first << ".." << last << " level " << level.level());
        const std::array<int, 3> want = expected[level.level()];
        CHECK(level.due_count() == want[0]);
        CHECK(level.met_count() == want[1]);
        CHECK(level.missed_count() == want[2]);
        due += level.due_count();
      }
      if (region == "230000" && first == "2024-01-01") CHECK(due > 100);
      if (region != "230000" && first == "2024-01-01") CHECK(due > 10);
    }
  }
}

}  // namespace
}  // namespace unemployment::tiering
