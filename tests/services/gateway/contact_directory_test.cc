#include "services/gateway/contact_directory.h"

#include <catch2/catch.hpp>

#include <string>

#include "common/status/status_util.h"

namespace unemployment::gateway {
namespace {

std::string ReasonOf(const absl::Status& status) {
  auto info = status::GetErrorInfo(status);
  return info ? info->reason() : "";
}

TEST_CASE("the shipped directory has the province contacts of the notice", "[gateway][contacts]") {
  auto directory = ContactDirectory::LoadDirectory(UE_SOURCE_DIR "/data/contacts");
  REQUIRE(directory.ok());
  CHECK(directory->size() == 14);  // the province and its 13 prefecture-level units
  auto province = directory->Get("230000");
  REQUIRE(province.ok());
  CHECK(province->region_name() == "黑龙江省");
  CHECK(province->business().unit() == "黑龙江省人力资源和社会保障厅公共就业服务处");
  CHECK(province->business().responsible_person().name() == "王青宇");
  CHECK(province->business().responsible_person().phone() == "0451-87130563");
  REQUIRE(province->business().other_contacts_size() == 1);
  CHECK(province->business().other_contacts(0).name() == "刘运欣");
  CHECK(province->technical().unit() == "黑龙江省人力资源和社会保障厅信息中心");
  CHECK(province->technical().responsible_person().name() == "文安宇");
  CHECK(directory->Get("230100")->business().unit() == "哈尔滨市公共就业服务机构（示例）");
  // Rows of the shipped sample file are flagged as placeholders; the notice's own are not.
  CHECK(directory->Get("230100")->placeholder());
  CHECK_FALSE(province->placeholder());
}

TEST_CASE("lookup errors", "[gateway][contacts]") {
  auto directory = ContactDirectory::LoadDirectory(UE_SOURCE_DIR "/data/contacts");
  REQUIRE(directory.ok());
  CHECK(directory->Get("").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(directory->Get("2301").status().code() == absl::StatusCode::kInvalidArgument);
  auto missing = directory->Get("110000");
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);
  CHECK(ReasonOf(missing.status()) == "REGION_CONTACT_NOT_FOUND");
}

TEST_CASE("listing is ordered by region code, filtered and paged", "[gateway][contacts]") {
  auto directory = ContactDirectory::LoadDirectory(UE_SOURCE_DIR "/data/contacts");
  REQUIRE(directory.ok());
  auto first = directory->List("230000", 5, "");
  REQUIRE(first.ok());
  REQUIRE(first->contacts.size() == 5);
  CHECK(first->contacts[0].region_code() == "230000");
  CHECK(first->contacts[1].region_code() == "230100");
  REQUIRE_FALSE(first->next_page_token.empty());
  int total = 5;
  std::string token = first->next_page_token;
  std::string last = first->contacts.back().region_code();
  while (!token.empty()) {
    auto page = directory->List("230000", 5, token);
    REQUIRE(page.ok());
    for (const auto& contact : page->contacts) {
      CHECK(contact.region_code() > last);
      last = contact.region_code();
    }
    total += static_cast<int>(page->contacts.size());
    token = page->next_page_token;
  }
  CHECK(total == 14);

  auto harbin = directory->List("230100", 0, "");
  REQUIRE(harbin.ok());
  REQUIRE(harbin->contacts.size() == 1);
  CHECK(harbin->contacts[0].region_code() == "230100");
  CHECK(harbin->next_page_token.empty());

  CHECK(directory->List("", -1, "").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(directory->List("2301", 0, "").status().code() == absl::StatusCode::kInvalidArgument);
  auto wrong_query = directory->List("230100", 5, first->next_page_token);
  CHECK(wrong_query.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(ReasonOf(wrong_query.status()) == "INVALID_PAGE_TOKEN");
  CHECK(ReasonOf(directory->List("", 5, "garbage!").status()) == "INVALID_PAGE_TOKEN");
}

TEST_CASE("malformed contact files are refused", "[gateway][contacts]") {
  const std::string header =
      "region_code,region_name,department,unit,role,name,person_unit,title,phone,email,"
      "updated_date\n";
  auto load = [](const std::string& text) {
    return ContactDirectory::FromCsv({CsvDocument{"c.csv", text}}).status();
  };
  CHECK(load(header).ok());
  CHECK(load("code,name\n").code() == absl::StatusCode::kInvalidArgument);
  CHECK(load(header + "2301,哈尔滨市,business,u,responsible,n,,,,,\n").message() ==
        "c.csv:2: region_code must be 6 digits");
  CHECK(load(header + "230100,哈尔滨市,sales,u,responsible,n,,,,,\n").code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(load(header + "230100,哈尔滨市,business,u,responsible,a,,,,,\n" +
             "230100,哈尔滨市,business,u,responsible,b,,,,,\n")
            .message() == "c.csv:3: the department already has a responsible person");
}

}  // namespace
}  // namespace unemployment::gateway
