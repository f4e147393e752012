#pragma once

// Shared fixtures of the person index tests: a store on a file (so a test can "crash" by dropping
// and reopening it), a fake clock, a fake fencer, requests and shard events.

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/forms/form_facts.h"
#include "common/log/logger.h"
#include "common/status/status_util.h"
#include "common/store/migration.h"
#include "common/time/clock.h"
#include "services/person_index/person_index.h"
#include "services/person_index/person_index_store.h"
#include "tests/testing/temp_dir.h"

namespace unemployment::person_index::testing {

namespace reg = registration::v1;

inline common::v1::PersonId Person(const std::string& number) {
  common::v1::PersonId person;
  person.set_id_type(common::v1::ID_TYPE_RESIDENT_ID_CARD);
  person.set_id_number(number);
  return person;
}

inline std::string Fingerprint(char c) { return std::string(64, c); }

inline v1::ReserveRequest Request(const std::string& id, const std::string& number,
                                  const std::string& shard = "harbin", char fingerprint = 'a',
                                  common::v1::Channel channel = common::v1::CHANNEL_MINISTRY) {
  v1::ReserveRequest request;
  request.set_channel(channel);
  request.set_channel_application_id(id);
  request.set_fingerprint(Fingerprint(fingerprint));
  *request.mutable_person_id() = Person(number);
  request.set_shard(shard);
  request.set_office_region_code(shard == "harbin" ? "230103" : "230202");
  return request;
}

// A shard's answers to fencing, set by the test.
class FakeFencer final : public ShardFencer {
 public:
  void Fence(const std::string& shard, common::v1::Channel channel,
             const std::string& channel_application_id, absl::Time /*deadline*/,
             FenceCallback done) override {
    absl::StatusOr<std::optional<reg::Application>> answer;
    {
      absl::MutexLock lock(&mu_);
      ++calls_;
      last_ = absl::StrCat(shard, "/", static_cast<int>(channel), "/", channel_application_id);
      answer = answer_;
    }
    done(answer);
  }
  void Answer(absl::StatusOr<std::optional<reg::Application>> answer) {
    absl::MutexLock lock(&mu_);
    answer_ = std::move(answer);
  }
  int calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  std::string last() {
    absl::MutexLock lock(&mu_);
    return last_;
  }

 private:
  absl::Mutex mu_;
  absl::StatusOr<std::optional<reg::Application>> answer_ ABSL_GUARDED_BY(mu_) =
      std::optional<reg::Application>();
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::string last_ ABSL_GUARDED_BY(mu_);
};

class IndexFixture {
 public:
  IndexFixture() {
    path = temp.File("person_index.db");
    Open();
  }
  ~IndexFixture() {
    Close();
  }
  void Close() {
    index.reset();
    store.reset();
    db.reset();
  }
  // Opens (or reopens, as after a crash) the database file.
  void Open() {
    Close();
    store::DatabaseOptions options;
    options.path = path;
    absl::StatusOr<std::unique_ptr<store::Database>> opened = store::Database::Open(options);
    REQUIRE(opened.ok());
    db = *std::move(opened);
    REQUIRE(store::Migrate(*db, PersonIndexMigrations()).ok());
    store = std::make_unique<PersonIndexStore>(*db);
    PersonIndexOptions options_index;
    options_index.reservation_lease = absl::Minutes(5);
    index = std::make_unique<PersonIndex>(*store, fencer, clock, logger, options_index);
  }

  absl::StatusOr<v1::ReserveResponse> Reserve(const v1::ReserveRequest& request) {
    std::promise<absl::StatusOr<v1::ReserveResponse>> done;
    index->Reserve(request, absl::Now() + absl::Seconds(5),
                   [&](absl::StatusOr<v1::ReserveResponse> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }
  absl::StatusOr<v1::Reservation> Complete(
      const std::string& id, const std::string& app_id,
      common::v1::Channel channel = common::v1::CHANNEL_MINISTRY) {
    v1::CompleteRequest request;
    request.set_channel(channel);
    request.set_channel_application_id(id);
    request.set_application_id(app_id);
    std::promise<absl::StatusOr<v1::Reservation>> done;
    index->Complete(request, [&](absl::StatusOr<v1::Reservation> r) { done.set_value(r); });
    return done.get_future().get();
  }
  absl::StatusOr<bool> Release(const std::string& id, char fingerprint = 'a') {
    v1::ReleaseRequest request;
    request.set_channel(common::v1::CHANNEL_MINISTRY);
    request.set_channel_application_id(id);
    request.set_fingerprint(Fingerprint(fingerprint));
    std::promise<absl::StatusOr<bool>> done;
    index->Release(request, [&](absl::StatusOr<bool> r) { done.set_value(r); });
    return done.get_future().get();
  }
  absl::StatusOr<v1::Reservation> Get(const std::string& id,
                                      common::v1::Channel channel = common::v1::CHANNEL_MINISTRY) {
    std::promise<absl::StatusOr<v1::Reservation>> done;
    index->Get(channel, id, [&](absl::StatusOr<v1::Reservation> r) { done.set_value(r); });
    return done.get_future().get();
  }
  std::optional<Claim> ClaimOf(const std::string& number) {
    absl::StatusOr<std::optional<Claim>> claim = store->FindClaim(Person(number));
    REQUIRE(claim.ok());
    return *claim;
  }

  // Events of a shard's feed, numbered per shard.
  absl::Status Apply(const std::string& shard, reg::Event event) {
    event.set_sequence(++sequences[shard]);
    event.set_shard_id(shard);
    event.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(clock.Now()));
    return store->ApplyEvent(absl::StrCat("registration/", shard), shard, event);
  }
  static reg::Application App(const std::string& app_id, const std::string& channel_id,
                              const std::string& number,
                              common::v1::Channel channel = common::v1::CHANNEL_MINISTRY) {
    reg::Application app;
    app.set_id(app_id);
    app.set_channel(channel);
    app.set_channel_application_id(channel_id);
    *app.mutable_form()->mutable_person_id() = Person(number);
    app.set_office_region_code("230103");
    return app;
  }
  absl::Status Received(const std::string& shard, const reg::Application& app) {
    reg::Event event;
    *event.mutable_application_received()->mutable_application() = app;
    return Apply(shard, event);
  }
  absl::Status Decided(const std::string& shard, reg::Application app,
                       common::v1::ReviewOutcome outcome) {
    app.mutable_decision()->set_outcome(outcome);
    reg::Event event;
    *event.mutable_application_decided()->mutable_application() = app;
    return Apply(shard, event);
  }
  absl::Status Registered(const std::string& shard, const std::string& reg_id,
                          const std::string& app_id, const std::string& number) {
    reg::Event event;
    reg::Registration* r = event.mutable_registration_created()->mutable_registration();
    r->set_id(reg_id);
    r->set_application_id(app_id);
    *r->mutable_person_id() = Person(number);
    return Apply(shard, event);
  }
  absl::Status Deregistered(const std::string& shard, const std::string& reg_id,
                            const std::string& app_id, const std::string& number) {
    reg::Event event;
    reg::Registration* r = event.mutable_registration_deregistered()->mutable_registration();
    r->set_id(reg_id);
    r->set_application_id(app_id);
    *r->mutable_person_id() = Person(number);
    return Apply(shard, event);
  }

  ::unemployment::testing::TempDir temp{"ue_person_index"};
  std::string dir = temp.path();
  std::string path;
  time::FakeClock clock{
      absl::FromCivil(absl::CivilSecond(2025, 6, 15, 10, 0, 0), absl::UTCTimeZone())};
  log::Logger logger{"person_index_test"};
  FakeFencer fencer;
  std::map<std::string, int64_t> sequences;
  std::unique_ptr<store::Database> db;
  std::unique_ptr<PersonIndexStore> store;
  std::unique_ptr<PersonIndex> index;
};

inline std::string ReasonOf(const absl::Status& status) {
  std::optional<google::rpc::ErrorInfo> info = status::GetErrorInfo(status);
  return info.has_value() ? info->reason() : std::string();
}

}  // namespace unemployment::person_index::testing
