// The region directory the gateway serves: reported contacts from the owning shard over the
// shipped rows, placeholders flagged, and the merged list across shards (fake shards in memory).
// A shard down serves its last known reports; a shard never read makes only its own regions
// UNAVAILABLE.
#include "services/gateway/region_contacts.h"

#include <catch2/catch.hpp>

#include <future>
#include <map>
#include <string>

#include "common/status/status_util.h"

namespace unemployment::gateway {
namespace {

namespace reg = registration::v1;

// Shards that answer reports from memory (or fail), inline.
class FakeShards final : public RegistrationShards {
 public:
  std::map<std::string, std::map<std::string, reg::ReportedRegionContact>> reports;
  std::map<std::string, absl::Status> failing;

  std::vector<std::string> ShardNames() const override { return {"harbin", "main"}; }
  bool HasShard(const std::string& shard) const override {
    return shard == "harbin" || shard == "main";
  }
  void CreateApplication(const std::string&, const reg::CreateApplicationRequest&, absl::Time,
                         Callback<reg::Application> done) override {
    done(absl::UnimplementedError(""));
  }
  void GetApplication(const std::string&, const std::string&, absl::Time,
                      Callback<reg::Application> done) override {
    done(absl::UnimplementedError(""));
  }
  void GetApplicationByChannelId(const std::string&, common::v1::Channel, const std::string&,
                                 absl::Time, Callback<reg::Application> done) override {
    done(absl::UnimplementedError(""));
  }
  void GetReportedRegionContact(const std::string& shard, const std::string& region_code,
                                absl::Time, Callback<reg::ReportedRegionContact> done) override {
    if (failing.count(shard)) return done(failing[shard]);
    auto it = reports[shard].find(region_code);
    if (it == reports[shard].end()) return done(absl::NotFoundError("not reported"));
    done(it->second);
  }
  void ListReportedRegionContacts(const std::string& shard,
                                  const reg::ListReportedRegionContactsRequest& request, absl::Time,
                                  Callback<reg::ListReportedRegionContactsResponse> done) override {
    if (failing.count(shard)) return done(failing[shard]);
    // One report per page, to exercise the page loop.
    reg::ListReportedRegionContactsResponse page;
    for (const auto& [code, report] : reports[shard]) {
      if (!request.page_token().empty() && code <= request.page_token()) continue;
      // The tests list under the province or a city ("2301..." for 230100).
      const std::string& parent = request.region_code();
      if (!parent.empty() && parent.substr(2) != "0000" && code.substr(0, 4) != parent.substr(0, 4)) {
        continue;
      }
      if (page.contacts_size() == 1) {
        page.set_next_page_token(page.contacts(0).region_code());
        break;
      }
      *page.add_contacts() = report;
    }
    done(page);
  }
};

reg::ReportedRegionContact Report(const std::string& code, const std::string& name) {
  reg::ReportedRegionContact report;
  report.set_region_code(code);
  report.set_region_name(name);
  report.mutable_business()->set_unit(name + "就业服务中心");
  report.mutable_business()->mutable_responsible_person()->set_name("张三");
  report.mutable_business()->mutable_responsible_person()->set_phone("0451-84661234");
  report.mutable_technical()->set_unit(name + "信息中心");
  report.set_reported_date("2026-12-07");
  return report;
}

struct Fixture {
  Fixture()
      : shipped(*ContactDirectory::LoadDirectory(UE_SOURCE_DIR "/data/contacts")),
        routing(*RoutingTable::FromCsv("region_prefix,shard_name\n2301,harbin\n*,main\n", "t")),
        contacts(shipped, shards, log::Logger("test"), absl::ZeroDuration(), &routing) {}

  absl::StatusOr<v1::RegionContact> Get(const std::string& code) {
    std::promise<absl::StatusOr<v1::RegionContact>> promise;
    contacts.Get(code, absl::Now() + absl::Seconds(5),
                 [&promise](absl::StatusOr<v1::RegionContact> c) { promise.set_value(c); });
    return promise.get_future().get();
  }
  absl::StatusOr<RegionContactPage> List(const std::string& parent, int size,
                                         const std::string& token = "") {
    std::promise<absl::StatusOr<RegionContactPage>> promise;
    contacts.List(parent, size, token, absl::Now() + absl::Seconds(5),
                  [&promise](absl::StatusOr<RegionContactPage> p) { promise.set_value(p); });
    return promise.get_future().get();
  }

  ContactDirectory shipped;
  FakeShards shards;
  RoutingTable routing;
  RegionContacts contacts;
};

TEST_CASE("a reported region answers its report, others their shipped row, flagged",
          "[gateway][contacts]") {
  Fixture f;
  auto harbin = f.Get("230100");
  REQUIRE(harbin.ok());
  CHECK(harbin->placeholder());  // nothing reported yet: the shipped sample row

  f.shards.reports["harbin"]["230100"] = Report("230100", "哈尔滨市");
  harbin = f.Get("230100");
  REQUIRE(harbin.ok());
  CHECK_FALSE(harbin->placeholder());
  CHECK(harbin->business().unit() == "哈尔滨市就业服务中心");
  CHECK(harbin->updated_date() == "2026-12-07");

  // A county that reported, without a shipped row; one that did neither.
  f.shards.reports["harbin"]["230102"] = Report("230102", "道里区");
  CHECK(f.Get("230102")->region_name() == "道里区");
  auto none = f.Get("230103");
  CHECK(none.status().code() == absl::StatusCode::kNotFound);
  CHECK(status::GetErrorInfo(none.status())->reason() == "REGION_CONTACT_NOT_FOUND");

  // The province's own row needs no shard; a shard that fails now answers its last known reports.
  CHECK_FALSE(f.Get("230000")->placeholder());
  f.shards.failing["harbin"] = absl::DeadlineExceededError("slow");
  auto stale = f.Get("230100");
  REQUIRE(stale.ok());
  CHECK_FALSE(stale->placeholder());
  CHECK(stale->business().unit() == "哈尔滨市就业服务中心");
  // A shard without the method counts as "not reported".
  f.shards.failing["harbin"] = absl::UnimplementedError("old shard");
  CHECK(f.Get("230100")->placeholder());
  CHECK(f.Get("").status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("the list merges every shard's reports over the shipped rows, paged",
          "[gateway][contacts]") {
  Fixture f;
  f.shards.reports["harbin"]["230100"] = Report("230100", "哈尔滨市");
  f.shards.reports["harbin"]["230102"] = Report("230102", "道里区");
  f.shards.reports["main"]["230200"] = Report("230200", "齐齐哈尔市");
  auto all = f.List("", 500);
  REQUIRE(all.ok());
  CHECK(all->contacts.size() == 15);  // 14 shipped + 道里区
  int placeholders = 0;
  for (const v1::RegionContact& c : all->contacts) placeholders += c.placeholder() ? 1 : 0;
  CHECK(placeholders == 11);  // 13 cities, 2 of them reported

  auto first = f.List("230100", 1);
  REQUIRE(first.ok());
  REQUIRE(first->contacts.size() == 1);
  CHECK(first->contacts[0].region_code() == "230100");
  auto second = f.List("230100", 1, first->next_page_token);
  REQUIRE(second.ok());
  CHECK(second->contacts[0].region_code() == "230102");
  CHECK(second->next_page_token.empty());

  // A shard that goes down after it was read: its last known reports stay in the list.
  f.shards.failing["main"] = absl::UnavailableError("down");
  auto stale = f.List("230200", 10);
  REQUIRE(stale.ok());
  REQUIRE_FALSE(stale->contacts.empty());
  CHECK_FALSE(stale->contacts[0].placeholder());
  CHECK(f.List("", 500)->contacts.size() == 15);
  CHECK(f.List("2301", 10).status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("a shard never read makes only its own regions UNAVAILABLE", "[gateway][contacts]") {
  Fixture f;
  f.shards.reports["harbin"]["230100"] = Report("230100", "哈尔滨市");
  f.shards.reports["main"]["230200"] = Report("230200", "齐齐哈尔市");
  f.shards.failing["harbin"] = absl::UnavailableError("connection refused");

  // The other shard's regions answer as usual, for Get and for a list of its city.
  auto qiqihar = f.Get("230200");
  REQUIRE(qiqihar.ok());
  CHECK_FALSE(qiqihar->placeholder());
  auto qiqihar_list = f.List("230200", 10);
  REQUIRE(qiqihar_list.ok());
  CHECK(qiqihar_list->contacts[0].region_name() == "齐齐哈尔市");
  CHECK_FALSE(f.Get("230300")->region_name().empty());  // main's, not reported: shipped row

  // The dead shard's regions, and a list covering them, are UNAVAILABLE naming that shard.
  auto harbin = f.Get("230100");
  CHECK(harbin.status().code() == absl::StatusCode::kUnavailable);
  REQUIRE(status::GetErrorInfo(harbin.status()).has_value());
  CHECK(status::GetErrorInfo(harbin.status())->reason() == "SHARD_UNAVAILABLE");
  CHECK(status::GetErrorInfo(harbin.status())->metadata().at("shard") == "harbin");
  CHECK(f.List("230100", 10).status().code() == absl::StatusCode::kUnavailable);
  CHECK(f.List("", 500).status().code() == absl::StatusCode::kUnavailable);

  // Back: read again; down again: its last known reports answer.
  f.shards.failing.erase("harbin");
  CHECK_FALSE(f.Get("230100")->placeholder());
  f.shards.failing["harbin"] = absl::DeadlineExceededError("slow");
  CHECK_FALSE(f.Get("230100")->placeholder());
  CHECK(f.List("", 500)->contacts.size() == 14);
}

TEST_CASE("the copy of the reports is used for its time to live", "[gateway][contacts]") {
  ContactDirectory shipped = *ContactDirectory::LoadDirectory(UE_SOURCE_DIR "/data/contacts");
  FakeShards shards;
  RegionContacts contacts(shipped, shards, log::Logger("test"), absl::Hours(1));
  auto get = [&contacts](const std::string& code) {
    std::promise<absl::StatusOr<v1::RegionContact>> promise;
    contacts.Get(code, absl::Now() + absl::Seconds(5),
                 [&promise](absl::StatusOr<v1::RegionContact> c) { promise.set_value(c); });
    return promise.get_future().get();
  };
  CHECK(get("230100")->placeholder());
  // Reported after the copy was made, and the shard fails now: the copy still answers.
  shards.reports["harbin"]["230100"] = Report("230100", "哈尔滨市");
  shards.failing["main"] = absl::UnavailableError("down");
  CHECK(get("230100")->placeholder());
}

}  // namespace
}  // namespace unemployment::gateway
