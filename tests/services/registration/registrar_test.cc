// Domain tests of the registrar on a real SQLite file: states, deadlines, idempotency, the one
// active registration rule, deregistration and review-queue paging.
#include <catch2/catch.hpp>

#include "common/time/date.h"
#include "services/registration/registrar.h"
#include "tests/services/registration/test_util.h"

namespace unemployment::registration {
namespace {

using testing::Env;
using testing::TempDir;

TEST_CASE("the due date counts 7 working days across the National Day holiday", "[registrar]") {
  TempDir dir;
  Env env(dir.File("reg.db"));
  // Received Friday 2025-09-26: Sun 09-28 (make-up day) 1, Mon 29 2, Tue 30 3, holiday 10-01..08,
  // Thu 10-09 4, Fri 10 5, Sat 10-11 (make-up day) 6, Mon 10-13 7.
  DueDate due = env.registrar->ComputeDueDate(absl::CivilDay(2025, 9, 26));
  CHECK(time::FormatDate(due.day) == "2025-10-13");
  CHECK_FALSE(due.provisional);
  // Into 2027, which the calendar does not cover: weekends only, marked provisional.
  DueDate late = env.registrar->ComputeDueDate(absl::CivilDay(2026, 12, 28));
  CHECK(time::FormatDate(late.day) == "2027-01-06");
  CHECK(late.provisional);
}

// Verification is not configured in Env (RegistrarOptions default): receipt moves the application
// straight on to AWAITING_REVIEW in the same transaction, with its own event.
TEST_CASE("an application is received with its deadline, history and event", "[registrar]") {
  TempDir dir;
  Env env(dir.File("reg.db"));
  absl::StatusOr<v1::Application> app = env.Create(testing::CreateRequest("230103-000001"));
  UE_REQUIRE_OK(app.status());
  CHECK(app->id().rfind("hlj-", 0) == 0);
  CHECK(app->state() == common::v1::APPLICATION_STATE_AWAITING_REVIEW);
  CHECK(app->verification().state() == v1::VERIFICATION_STATE_NOT_CONFIGURED);
  CHECK(app->queue_kind() == v1::REVIEW_QUEUE_KIND_PROVINCE);
  CHECK(app->received_date() == "2025-09-26");
  CHECK(app->due_date() == "2025-10-13");
  CHECK_FALSE(app->due_date_provisional());
  REQUIRE(app->state_history_size() == 2);
  CHECK(app->state_history(0).state() == common::v1::APPLICATION_STATE_RECEIVED);
  CHECK(app->state_history(0).actor() == "channel:province-portal");
  CHECK(app->state_history(1).state() == common::v1::APPLICATION_STATE_AWAITING_REVIEW);
  CHECK(app->state_history(1).actor() == "system");

  absl::StatusOr<std::vector<v1::Event>> events = env.store->ReadEvents(0, 10);
  UE_REQUIRE_OK(events.status());
  REQUIRE(events->size() == 2);
  CHECK(events->at(0).sequence() == 1);
  CHECK(events->at(0).shard_id() == "hlj");
  CHECK(events->at(0).application_received().application().id() == app->id());
  CHECK(events->at(0).application_received().application().state() ==
        common::v1::APPLICATION_STATE_RECEIVED);
  CHECK(events->at(1).application_state_changed().application_id() == app->id());
  CHECK(events->at(1).application_state_changed().change().state() ==
        common::v1::APPLICATION_STATE_AWAITING_REVIEW);

  absl::StatusOr<v1::Application> read = env.registrar->GetApplication(app->id());
  UE_REQUIRE_OK(read.status());
  CHECK(read->SerializeAsString() == app->SerializeAsString());
}

TEST_CASE("re-sending a channel id returns the same application; other content is refused",
          "[registrar]") {
  TempDir dir;
  Env env(dir.File("reg.db"));
  absl::StatusOr<v1::Application> first = env.Create(testing::CreateRequest("230103-000001"));
  UE_REQUIRE_OK(first.status());
  env.clock.Advance(absl::Minutes(5));
  absl::StatusOr<v1::Application> again = env.Create(testing::CreateRequest("230103-000001"));
  UE_REQUIRE_OK(again.status());
  CHECK(again->SerializeAsString() == first->SerializeAsString());

  v1::CreateApplicationRequest changed = testing::CreateRequest("230103-000001");
  changed.mutable_form()->set_name("李四");
  absl::StatusOr<v1::Application> reused = env.Create(changed);
  CHECK(reused.status().code() == absl::StatusCode::kAlreadyExists);
  CHECK(testing::ReasonOf(reused.status()) == "APPLICATION_ID_REUSED");
  CHECK(testing::MetadataOf(reused.status(), "application_id") == first->id());

  // The same person under another channel id while the first is undecided.
  absl::StatusOr<v1::Application> pending = env.Create(testing::CreateRequest("230103-000002"));
  CHECK(pending.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(testing::ReasonOf(pending.status()) == "PENDING_APPLICATION_EXISTS");
  CHECK(testing::MetadataOf(pending.status(), "application_id") == first->id());

  absl::StatusOr<std::vector<v1::Event>> events = env.store->ReadEvents(0, 10);
  UE_REQUIRE_OK(events.status());
  CHECK(events->size() == 2);  // received + moved to review
}

TEST_CASE("fencing a channel id returns its application, or stops it from ever being stored",
          "[registrar][fence]") {
  TempDir dir;
  v1::CreateApplicationRequest stored = testing::CreateRequest("230103-000001");
  {
    Env env(dir.File("reg.db"));
    absl::StatusOr<v1::Application> first = env.Create(stored);
    UE_REQUIRE_OK(first.status());
    absl::StatusOr<v1::FenceChannelApplicationIdResponse> existing =
        env.Fence(stored.channel(), "230103-000001");
    UE_REQUIRE_OK(existing.status());
    CHECK_FALSE(existing->fenced());
    CHECK(existing->application().id() == first->id());

    // An id the person index gave up (its gateway stopped before CreateApplication).
    absl::StatusOr<v1::FenceChannelApplicationIdResponse> fenced =
        env.Fence(stored.channel(), "230103-000009");
    UE_REQUIRE_OK(fenced.status());
    CHECK(fenced->fenced());
    CHECK(env.Fence(stored.channel(), "230103-000009")->fenced());  // idempotent
  }
  Env reopened(dir.File("reg.db"));  // the fence is durable
  absl::StatusOr<v1::Application> refused =
      reopened.Create(testing::CreateRequest("230103-000009"));
  CHECK(refused.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(testing::ReasonOf(refused.status()) == "CHANNEL_APPLICATION_ID_FENCED");
}

TEST_CASE("an office outside the shard is WRONG_SHARD", "[registrar]") {
  TempDir dir;
  RegistrarOptions options;
  options.shard_id = "qqhr";
  options.served_regions = {"230200"};
  Env env(dir.File("reg.db"), testing::BeforeNationalDay(), options);
  absl::StatusOr<v1::Application> app = env.Create(testing::CreateRequest("230103-000001"));
  CHECK(app.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(testing::ReasonOf(app.status()) == "WRONG_SHARD");
}

TEST_CASE("accepting registers the person once; a second application is refused", "[registrar]") {
  TempDir dir;
  Env env(dir.File("reg.db"));
  absl::StatusOr<v1::Application> app = env.Create(testing::CreateRequest("230103-000001"));
  UE_REQUIRE_OK(app.status());
  env.clock.Set(time::ChinaTime(absl::CivilSecond(2025, 10, 9, 10, 0, 0)));

  absl::StatusOr<v1::ReviewApplicationResponse> accepted = env.Accept(app->id(), "req-1");
  UE_REQUIRE_OK(accepted.status());
  const v1::Registration& registration = accepted->registration();
  CHECK(registration.id().rfind("hlj-", 0) == 0);
  CHECK(registration.registered_date() == "2025-10-09");
  CHECK(registration.state() == v1::REGISTRATION_STATE_ACTIVE);
  CHECK(registration.birth_date() == "1980-01-01");
  CHECK(registration.residence_urban());
  CHECK(registration.household_local());
  CHECK(accepted->application().state() == common::v1::APPLICATION_STATE_ACCEPTED);
  CHECK(accepted->application().decision().on_time());
  CHECK(accepted->application().registration_id() == registration.id());
  REQUIRE(accepted->application().state_history_size() == 3);
  CHECK(accepted->application().state_history(2).actor() == "staff-001");
  CHECK(accepted->application().decision().verification_state() ==
        v1::VERIFICATION_STATE_NOT_CONFIGURED);

  // Same request again: the same response; the request id with other content: refused.
  absl::StatusOr<v1::ReviewApplicationResponse> repeat = env.Accept(app->id(), "req-1");
  UE_REQUIRE_OK(repeat.status());
  CHECK(repeat->SerializeAsString() == accepted->SerializeAsString());
  absl::StatusOr<v1::ReviewApplicationResponse> reused = env.Accept(app->id(), "req-1", "112");
  CHECK(reused.status().code() == absl::StatusCode::kAlreadyExists);
  CHECK(testing::ReasonOf(reused.status()) == "REQUEST_ID_REUSED");
  absl::StatusOr<v1::ReviewApplicationResponse> other = env.Accept(app->id(), "req-2");
  CHECK(other.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(testing::ReasonOf(other.status()) == "APPLICATION_ALREADY_DECIDED");
  CHECK(testing::MetadataOf(other.status(), "state") == "APPLICATION_STATE_ACCEPTED");

  // A second application of the registered person (another channel, another id).
  absl::StatusOr<v1::Application> second = env.Create(testing::CreateRequest(
      "MIN-0001", "34052419800101001X", common::v1::CHANNEL_MINISTRY));
  CHECK(second.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(testing::ReasonOf(second.status()) == "ACTIVE_REGISTRATION_EXISTS");
  CHECK(testing::MetadataOf(second.status(), "registration_id") == registration.id());

  common::v1::PersonId person;
  person.set_id_type(common::v1::ID_TYPE_RESIDENT_ID_CARD);
  person.set_id_number("34052419800101001X");
  absl::StatusOr<v1::Registration> active = env.registrar->GetActiveRegistrationByPerson(person);
  UE_REQUIRE_OK(active.status());
  CHECK(active->id() == registration.id());

  // Events: received, moved to review, decided, registration created.
  absl::StatusOr<std::vector<v1::Event>> events = env.store->ReadEvents(0, 10);
  UE_REQUIRE_OK(events.status());
  REQUIRE(events->size() == 4);
  CHECK(events->at(1).has_application_state_changed());
  CHECK(events->at(2).has_application_decided());
  CHECK(events->at(3).registration_created().registration().id() == registration.id());

  // Notifications: SMS and online reply pending until their receiver acknowledges them.
  v1::ListNotificationsRequest list;
  list.set_application_id(app->id());
  absl::StatusOr<v1::ListNotificationsResponse> notes = env.registrar->ListNotifications(list);
  UE_REQUIRE_OK(notes.status());
  REQUIRE(notes->notifications_size() == 2);
  CHECK(notes->notifications(0).method() == v1::NOTIFICATION_METHOD_SMS);
  CHECK(notes->notifications(0).recipient() == "139****5678");
  CHECK(notes->notifications(0).delivery_state() == v1::DELIVERY_STATE_PENDING);
  CHECK(notes->notifications(1).method() == v1::NOTIFICATION_METHOD_ONLINE_REPLY);
  CHECK(notes->notifications(1).delivery_state() == v1::DELIVERY_STATE_PENDING);
  CHECK(notes->notifications(1).office_region_code() == app->office_region_code());
}

TEST_CASE("rejecting a ministry application queues the upload; accepting needs the urban class",
          "[registrar]") {
  TempDir dir;
  Env env(dir.File("reg.db"));
  absl::StatusOr<v1::Application> app = env.Create(testing::CreateRequest(
      "MIN-0001", "410326199507103197", common::v1::CHANNEL_MINISTRY));
  UE_REQUIRE_OK(app.status());
  CHECK(app->queue_kind() == v1::REVIEW_QUEUE_KIND_MINISTRY_FORWARDED);
  CHECK(app->state_history(0).actor() == "channel:ministry");

  absl::StatusOr<v1::ReviewApplicationResponse> no_class = env.Accept(app->id(), "r-1");
  CHECK(no_class.status().code() == absl::StatusCode::kInvalidArgument);
  std::optional<google::rpc::BadRequest> bad = status::GetBadRequest(no_class.status());
  REQUIRE(bad.has_value());
  CHECK(bad->field_violations(0).field() == "residence_urban_rural_class");

  v1::ReviewApplicationRequest before_receipt;
  before_receipt.set_application_id(app->id());
  before_receipt.set_request_id("r-2");
  before_receipt.set_outcome(common::v1::REVIEW_OUTCOME_REJECTED);
  before_receipt.set_reason("材料不全");
  before_receipt.set_rejection_reason(common::v1::REJECTION_REASON_INCOMPLETE_NOT_COMPLETED);
  before_receipt.set_reviewer("staff-002");
  before_receipt.set_decided_on("2025-09-25");
  absl::StatusOr<v1::ReviewApplicationResponse> early = env.Review(before_receipt);
  CHECK(early.status().code() == absl::StatusCode::kInvalidArgument);
  // Decisions are dated by the server's clock: a backdated decided_on is refused.
  CHECK(status::GetBadRequest(early.status())->field_violations(0).description().rfind(
            "DATE_NOT_SERVER_DAY", 0) == 0);

  v1::ReviewApplicationRequest reject = before_receipt;
  reject.set_request_id("r-3");
  reject.clear_decided_on();
  absl::StatusOr<v1::ReviewApplicationResponse> rejected = env.Review(reject);
  UE_REQUIRE_OK(rejected.status());
  CHECK(rejected->application().state() == common::v1::APPLICATION_STATE_REJECTED);
  CHECK_FALSE(rejected->has_registration());

  v1::ListNotificationsRequest list;
  list.set_application_id(app->id());
  absl::StatusOr<v1::ListNotificationsResponse> notes = env.registrar->ListNotifications(list);
  UE_REQUIRE_OK(notes.status());
  REQUIRE(notes->notifications_size() == 2);
  CHECK(notes->notifications(1).method() == v1::NOTIFICATION_METHOD_MINISTRY_RESULT_UPLOAD);
  CHECK(notes->notifications(1).recipient() == "MIN-0001");
  CHECK(notes->notifications(1).text().find("材料不全") != std::string::npos);

  // After the rejection the person may apply again.
  absl::StatusOr<v1::Application> again = env.Create(testing::CreateRequest(
      "MIN-0002", "410326199507103197", common::v1::CHANNEL_MINISTRY));
  UE_REQUIRE_OK(again.status());
  absl::StatusOr<v1::ReviewApplicationResponse> accepted = env.Accept(again->id(), "r-4", "220");
  UE_REQUIRE_OK(accepted.status());
  CHECK_FALSE(accepted->registration().residence_urban());
  CHECK(accepted->registration().form().residence_address().urban_rural_class() == "220");
}

TEST_CASE("deregistration ends a registration once, notifying unless the reason forbids it",
          "[registrar]") {
  TempDir dir;
  Env env(dir.File("reg.db"));
  auto registered = [&](const std::string& channel_id, const std::string& id_number) {
    absl::StatusOr<v1::Application> app = env.Create(testing::CreateRequest(channel_id, id_number));
    UE_REQUIRE_OK(app.status());
    absl::StatusOr<v1::ReviewApplicationResponse> accepted =
        env.Accept(app->id(), "accept-" + channel_id);
    UE_REQUIRE_OK(accepted.status());
    return accepted->registration();
  };
  v1::Registration hired = registered("230103-000001", testing::ResidentId("230102", "19900101", 11));
  v1::Registration deceased =
      registered("230103-000002", testing::ResidentId("230102", "19900101", 13));
  env.clock.Advance(absl::Hours(24 * 3));

  v1::DeregisterRequest request;
  request.set_registration_id(hired.id());
  request.set_request_id("dereg-1");
  request.set_reason(common::v1::DEREGISTRATION_REASON_HIRED);
  request.set_actor("service:followup");
  absl::StatusOr<v1::DeregisterResponse> done = env.Deregister(request);
  UE_REQUIRE_OK(done.status());
  CHECK(done->registration().state() == v1::REGISTRATION_STATE_DEREGISTERED);
  CHECK(done->registration().deregistration().effective_date() == "2025-09-29");
  CHECK(done->registration().deregistration().person_notified());
  CHECK(done->registration().deregistration().notice_rule() == v1::DEREGISTRATION_NOTICE_RULE_SENT);
  absl::StatusOr<v1::DeregisterResponse> repeat = env.Deregister(request);
  UE_REQUIRE_OK(repeat.status());
  CHECK(repeat->SerializeAsString() == done->SerializeAsString());
  request.set_request_id("dereg-2");
  absl::StatusOr<v1::DeregisterResponse> twice = env.Deregister(request);
  CHECK(twice.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(testing::ReasonOf(twice.status()) == "REGISTRATION_NOT_ACTIVE");

  v1::DeregisterRequest death;
  death.set_registration_id(deceased.id());
  death.set_request_id("dereg-3");
  death.set_reason(common::v1::DEREGISTRATION_REASON_DECEASED);
  death.set_actor("staff-003");
  death.set_effective_date("2025-09-01");
  absl::StatusOr<v1::DeregisterResponse> early = env.Deregister(death);
  CHECK(early.status().code() == absl::StatusCode::kInvalidArgument);
  death.set_effective_date("2025-09-27");
  absl::StatusOr<v1::DeregisterResponse> ended = env.Deregister(death);
  UE_REQUIRE_OK(ended.status());
  CHECK_FALSE(ended->registration().deregistration().person_notified());
  CHECK(ended->registration().deregistration().notice_rule() ==
        v1::DEREGISTRATION_NOTICE_RULE_EXEMPT_REASON);

  v1::ListNotificationsRequest list;
  list.set_application_id(hired.application_id());
  absl::StatusOr<v1::ListNotificationsResponse> hired_notes = env.registrar->ListNotifications(list);
  UE_REQUIRE_OK(hired_notes.status());
  CHECK(hired_notes->notifications_size() == 3);  // SMS + online reply + deregistration SMS
  CHECK(hired_notes->notifications(2).kind() == v1::NOTIFICATION_KIND_REGISTRATION_DEREGISTERED);
  list.set_application_id(deceased.application_id());
  absl::StatusOr<v1::ListNotificationsResponse> deceased_notes =
      env.registrar->ListNotifications(list);
  UE_REQUIRE_OK(deceased_notes.status());
  CHECK(deceased_notes->notifications_size() == 2);

  // After deregistration the person may register again.
  absl::StatusOr<v1::Application> again =
      env.Create(testing::CreateRequest("230103-000003", testing::ResidentId("230102", "19900101", 11)));
  UE_REQUIRE_OK(again.status());
}

TEST_CASE("review queues page with opaque tokens and filter overdue applications",
          "[registrar]") {
  TempDir dir;
  Env env(dir.File("reg.db"));
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    v1::CreateApplicationRequest request = testing::CreateRequest(
        absl::StrCat("230103-00000", i), testing::ResidentId("230102", "19900101", 21 + 2 * i));
    if (i == 4) {
      request.set_channel(common::v1::CHANNEL_MINISTRY);
      request.mutable_form()->mutable_residence_address()->clear_urban_rural_class();
    }
    absl::StatusOr<v1::Application> app = env.Create(request);
    UE_REQUIRE_OK(app.status());
    ids.push_back(app->id());
    env.clock.Advance(absl::Hours(24 * 14));  // later ones are received after the holiday
  }

  v1::ListReviewQueueRequest query;
  query.set_office_region_code("230100");  // the city: every Harbin office
  query.set_page_size(2);
  std::vector<std::string> seen;
  int pages = 0;
  while (true) {
    absl::StatusOr<v1::ListReviewQueueResponse> page = env.registrar->ListReviewQueue(query);
    UE_REQUIRE_OK(page.status());
    CHECK(page->total_size() == 5);
    for (const v1::ReviewQueueEntry& entry : page->entries()) seen.push_back(entry.application().id());
    ++pages;
    if (page->next_page_token().empty()) break;
    query.set_page_token(page->next_page_token());
  }
  CHECK(pages == 3);
  CHECK(seen == ids);

  // A token of another query and a forged token are INVALID_PAGE_TOKEN.
  v1::ListReviewQueueRequest other = query;
  other.set_office_region_code("230103");
  absl::StatusOr<v1::ListReviewQueueResponse> mismatch = env.registrar->ListReviewQueue(other);
  CHECK(mismatch.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(testing::ReasonOf(mismatch.status()) == "INVALID_PAGE_TOKEN");
  other.set_page_token("'; DROP TABLE applications; --");
  CHECK(testing::ReasonOf(env.registrar->ListReviewQueue(other).status()) == "INVALID_PAGE_TOKEN");

  v1::ListReviewQueueRequest ministry;
  ministry.set_office_region_code("230103");
  ministry.set_kind(v1::REVIEW_QUEUE_KIND_MINISTRY_FORWARDED);
  absl::StatusOr<v1::ListReviewQueueResponse> ministry_page = env.registrar->ListReviewQueue(ministry);
  UE_REQUIRE_OK(ministry_page.status());
  REQUIRE(ministry_page->entries_size() == 1);
  CHECK(ministry_page->entries(0).application().id() == ids[4]);

  // Overdue on 2025-10-14: only the application received 09-26 (due 10-13).
  v1::ListReviewQueueRequest overdue;
  overdue.set_office_region_code("230000");
  overdue.set_overdue_only(true);
  overdue.set_as_of("2025-10-14");
  absl::StatusOr<v1::ListReviewQueueResponse> late = env.registrar->ListReviewQueue(overdue);
  UE_REQUIRE_OK(late.status());
  REQUIRE(late->entries_size() == 1);
  CHECK(late->entries(0).application().id() == ids[0]);
  CHECK(late->entries(0).overdue());
  overdue.set_as_of("2025-10-13");
  CHECK(env.registrar->ListReviewQueue(overdue)->entries_size() == 0);

  // Another city's queue is empty.
  v1::ListReviewQueueRequest elsewhere;
  elsewhere.set_office_region_code("230200");
  CHECK(env.registrar->ListReviewQueue(elsewhere)->total_size() == 0);
}

TEST_CASE("stored data survives reopening the database", "[registrar]") {
  TempDir dir;
  std::string id;
  {
    Env env(dir.File("reg.db"));
    absl::StatusOr<v1::Application> app = env.Create(testing::CreateRequest("230103-000001"));
    UE_REQUIRE_OK(app.status());
    id = app->id();
  }
  Env env(dir.File("reg.db"));
  absl::StatusOr<v1::Application> read = env.registrar->GetApplication(id);
  UE_REQUIRE_OK(read.status());
  CHECK(read->channel_application_id() == "230103-000001");
  absl::StatusOr<v1::Application> next = env.Create(
      testing::CreateRequest("230103-000002", testing::ResidentId("230102", "19900101", 31)));
  UE_REQUIRE_OK(next.status());
  CHECK(next->id() != id);
  CHECK(env.store->LastSequence().value() == 4);  // two events per application
}

TEST_CASE("operational figures count queues by city and kind, overdue by today, and the outbox",
          "[registrar][metrics]") {
  TempDir dir;
  Env env(dir.File("reg.db"));
  const std::string first = testing::ResidentId("340524", "19800101", 1);
  const std::string second = testing::ResidentId("340524", "19800101", 3);
  const std::string third = testing::ResidentId("340524", "19800101", 5);
  absl::StatusOr<v1::Application> a = env.Create(testing::CreateRequest("230103-000001", first));
  absl::StatusOr<v1::Application> b = env.Create(testing::CreateRequest("230103-000002", second));
  absl::StatusOr<v1::Application> c = env.Create(
      testing::CreateRequest("M-000003", third, common::v1::CHANNEL_MINISTRY));
  UE_REQUIRE_OK(a.status());
  UE_REQUIRE_OK(b.status());
  UE_REQUIRE_OK(c.status());
  REQUIRE(a->due_date() == "2025-10-13");

  auto figures = [&](const std::string& today) {
    absl::StatusOr<OperationalFigures> read = env.store->ReadOperationalFigures(today);
    UE_REQUIRE_OK(read.status());
    std::map<std::pair<std::string, int>, std::pair<int64_t, int64_t>> queues;
    for (const auto& q : read->queues) queues[{q.city, q.queue_kind}] = {q.waiting, q.overdue};
    return std::make_pair(queues, *read);
  };
  const std::pair<std::string, int> province{"2301", v1::REVIEW_QUEUE_KIND_PROVINCE};
  const std::pair<std::string, int> ministry{"2301", v1::REVIEW_QUEUE_KIND_MINISTRY_FORWARDED};
  auto on_due_day = figures("2025-10-13");
  CHECK(on_due_day.first.size() == 2);
  CHECK(on_due_day.first[province] == std::make_pair(int64_t{2}, int64_t{0}));
  CHECK(on_due_day.first[ministry] == std::make_pair(int64_t{1}, int64_t{0}));
  CHECK(on_due_day.second.outboxes.empty());
  CHECK(on_due_day.second.verification_jobs == 0);
  auto day_after = figures("2025-10-14");
  CHECK(day_after.first[province] == std::make_pair(int64_t{2}, int64_t{2}));
  CHECK(day_after.first[ministry] == std::make_pair(int64_t{1}, int64_t{1}));

  // Accepting one leaves one in the province queue and queues its SMS and its online reply (both
  // pending until their receiver acknowledges).
  UE_REQUIRE_OK(env.Accept(a->id(), "accept-1", "111").status());
  auto after_review = figures("2025-10-13");
  CHECK(after_review.first[province] == std::make_pair(int64_t{1}, int64_t{0}));
  std::map<int, int64_t> pending;
  for (const auto& o : after_review.second.outboxes) {
    pending[o.method] = o.pending;
    CHECK(o.oldest.has_value());
  }
  CHECK(pending[v1::NOTIFICATION_METHOD_SMS] == 1);
  CHECK(pending[v1::NOTIFICATION_METHOD_ONLINE_REPLY] == 1);
}

}  // namespace
}  // namespace unemployment::registration
