// Helpers shared by the registration tests: temp folders, valid forms, a wired-up registrar on a
// temp SQLite file with a FakeClock, and synchronous wrappers around the asynchronous writes.
#pragma once

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <future>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status/status_util.h"
#include "common/time/clock.h"
#include "common/time/time_zone.h"
#include "common/time/working_day_calendar.h"
#include "common/validation/region_directory.h"
#include "common/validation/resident_id.h"
#include "common/feed/event_notifier.h"
#include "services/registration/registrar.h"
#include "services/registration/sqlite_registration_store.h"
#include "tests/common/require_ok.h"
#include "tests/testing/resident_id.h"
#include "tests/testing/temp_dir.h"

namespace unemployment::registration::testing {

namespace v1c = ::unemployment::common::v1;

// Temporary folders come from the shared test support (tests/testing/temp_dir.h).
using ::unemployment::testing::TempDir;

// Valid resident ID numbers come from the shared test support (tests/testing/resident_id.h).
using ::unemployment::testing::ResidentId;

// A valid province-portal form of a man registering at his Harbin (南岗区) residence.
inline v1c::RegistrationForm ValidForm(const std::string& id_number = "34052419800101001X") {
  v1c::RegistrationForm form;
  form.set_name("张三");
  form.set_sex(v1c::SEX_MALE);
  form.set_ethnic_group("01");
  form.set_education(v1c::EDUCATION_BACHELOR);
  form.set_health_status(v1c::HEALTH_STATUS_HEALTHY);
  form.set_unemployed_date("2025-08-01");
  form.mutable_person_id()->set_id_type(v1c::ID_TYPE_RESIDENT_ID_CARD);
  form.mutable_person_id()->set_id_number(id_number);
  v1c::Address* household = form.mutable_household_address();
  household->set_province_code("230000");
  household->set_city_code("230100");
  household->set_county_code("230102");
  household->set_detail("中央大街1号");
  v1c::Address* residence = form.mutable_residence_address();
  residence->set_province_code("230000");
  residence->set_city_code("230100");
  residence->set_county_code("230103");
  residence->set_detail("西大直街92号");
  residence->set_urban_rural_class("111");
  form.mutable_contact()->set_mobile("13912345678");
  form.set_registration_location(v1c::REGISTRATION_LOCATION_RESIDENCE);
  form.set_unemployment_cause(v1c::UNEMPLOYMENT_CAUSE_RESIGNED);
  form.set_applying_for_insurance_benefit(true);
  form.mutable_commitment()->set_agreed(true);
  form.mutable_commitment()->set_signature("张三");
  form.mutable_commitment()->set_signed_date("2025-09-20");
  return form;
}

inline v1::CreateApplicationRequest CreateRequest(
    const std::string& channel_id, const std::string& id_number = "34052419800101001X",
    v1c::Channel channel = v1c::CHANNEL_PROVINCE_PORTAL) {
  v1::CreateApplicationRequest request;
  request.set_channel(channel);
  request.set_channel_application_id(channel_id);
  *request.mutable_form() = ValidForm(id_number);
  if (channel == v1c::CHANNEL_MINISTRY) {
    request.mutable_form()->mutable_residence_address()->clear_urban_rural_class();
  }
  request.set_office_region_code("230103");
  return request;
}

inline std::string DataDir(const std::string& name) {
  return absl::StrCat(UE_SOURCE_DIR, "/data/", name);
}

inline const time::WorkingDayCalendar& Calendar() {
  static const time::WorkingDayCalendar* calendar = [] {
    absl::StatusOr<time::WorkingDayCalendar> loaded =
        time::WorkingDayCalendar::LoadDirectory(DataDir("calendar"));
    REQUIRE(loaded.ok());
    return new time::WorkingDayCalendar(*std::move(loaded));
  }();
  return *calendar;
}

inline const validation::RegionDirectory& Regions() {
  static const validation::RegionDirectory* regions = [] {
    absl::StatusOr<validation::RegionDirectory> loaded =
        validation::RegionDirectory::LoadDirectory(DataDir("regions"));
    REQUIRE(loaded.ok());
    return new validation::RegionDirectory(*std::move(loaded));
  }();
  return *regions;
}

// Friday 2025-09-26, 09:00 in China: the working day before the National Day holiday.
inline absl::Time BeforeNationalDay() {
  return time::ChinaTime(absl::CivilSecond(2025, 9, 26, 9, 0, 0));
}

// A registrar on a fresh SQLite file with its notifier, driven by a FakeClock.
struct Env {
  explicit Env(const std::string& path, absl::Time now = BeforeNationalDay(),
               RegistrarOptions options = {})
      : clock(now) {
    absl::StatusOr<std::unique_ptr<SqliteRegistrationStore>> opened =
        SqliteRegistrationStore::Open(path, {});
    INFO(opened.status().ToString());
    REQUIRE(opened.ok());
    store = *std::move(opened);
    absl::StatusOr<int64_t> last = store->LastSequence();
    REQUIRE(last.ok());
    notifier = std::make_unique<feed::EventNotifier>(*last);
    store->SetEventsCommittedListener([this](int64_t sequence) { notifier->Publish(sequence); });
    registrar = std::make_unique<Registrar>(*store, clock, Calendar(), std::move(options));
  }
  ~Env() {
    notifier->Shutdown();
    store->Shutdown();
  }

  absl::StatusOr<v1::Application> Create(const v1::CreateApplicationRequest& request) {
    std::promise<absl::StatusOr<v1::Application>> promise;
    registrar->CreateApplication(request, [&promise](absl::StatusOr<v1::Application> result) {
      promise.set_value(std::move(result));
    });
    return promise.get_future().get();
  }

  absl::StatusOr<v1::FenceChannelApplicationIdResponse> Fence(common::v1::Channel channel,
                                                              const std::string& id) {
    v1::FenceChannelApplicationIdRequest request;
    request.set_channel(channel);
    request.set_channel_application_id(id);
    std::promise<absl::StatusOr<v1::FenceChannelApplicationIdResponse>> promise;
    registrar->FenceChannelApplicationId(
        request, [&promise](absl::StatusOr<v1::FenceChannelApplicationIdResponse> result) {
          promise.set_value(std::move(result));
        });
    return promise.get_future().get();
  }

  absl::StatusOr<v1::ReviewApplicationResponse> Review(
      const v1::ReviewApplicationRequest& request) {
    std::promise<absl::StatusOr<v1::ReviewApplicationResponse>> promise;
    registrar->ReviewApplication(request,
                                 [&promise](absl::StatusOr<v1::ReviewApplicationResponse> result) {
                                   promise.set_value(std::move(result));
                                 });
    return promise.get_future().get();
  }

  absl::StatusOr<v1::DeregisterResponse> Deregister(const v1::DeregisterRequest& request) {
    std::promise<absl::StatusOr<v1::DeregisterResponse>> promise;
    registrar->Deregister(request, [&promise](absl::StatusOr<v1::DeregisterResponse> result) {
      promise.set_value(std::move(result));
    });
    return promise.get_future().get();
  }

  absl::StatusOr<v1::ReviewApplicationResponse> Accept(const std::string& application_id,
                                                       const std::string& request_id,
                                                       const std::string& urban_rural = "") {
    v1::ReviewApplicationRequest request;
    request.set_application_id(application_id);
    request.set_request_id(request_id);
    request.set_outcome(v1c::REVIEW_OUTCOME_ACCEPTED);
    request.set_reviewer("staff-001");
    request.set_residence_urban_rural_class(urban_rural);
    return Review(request);
  }

  time::FakeClock clock;
  std::unique_ptr<SqliteRegistrationStore> store;
  std::unique_ptr<feed::EventNotifier> notifier;
  std::unique_ptr<Registrar> registrar;
};

// The ErrorInfo reason attached to `status`, or "".
inline std::string ReasonOf(const absl::Status& status) {
  std::optional<google::rpc::ErrorInfo> info = status::GetErrorInfo(status);
  return info.has_value() ? info->reason() : "";
}

inline std::string MetadataOf(const absl::Status& status, const std::string& key) {
  std::optional<google::rpc::ErrorInfo> info = status::GetErrorInfo(status);
  if (!info.has_value()) return "";
  auto it = info->metadata().find(key);
  return it == info->metadata().end() ? "" : it->second;
}

}  // namespace unemployment::registration::testing
