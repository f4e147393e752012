#include "common/log/mask.h"

#include <catch2/catch.hpp>
#include <string>

namespace unemployment::log {
namespace {

TEST_CASE("MaskIdNumber keeps the first 6 and last 2 of an 18-character ID", "[mask]") {
  CHECK(MaskIdNumber("23010219800101001X") == "230102**********1X");
  CHECK(MaskIdNumber("34052419800101001X") == "340524**********1X");
  CHECK(MaskIdNumber("410326199507103197") == "410326**********97");
}

TEST_CASE("MaskIdNumber keeps proportionally less of shorter IDs", "[mask]") {
  CHECK(MaskIdNumber("230102800101001") == "23010*********1");  // 15-digit old ID: 5 + 1
  CHECK(MaskIdNumber("E12345678") == "E12*****8");              // 9: 3 + 1
  CHECK(MaskIdNumber("12345678") == "12******");                // 8: 2 + 0
  CHECK(MaskIdNumber("123") == "1**");
  CHECK(MaskIdNumber("12") == "**");
  CHECK(MaskIdNumber("1") == "*");
  CHECK(MaskIdNumber("") == "");
  // Longer than 18: still 6 + 2.
  CHECK(MaskIdNumber("12345678901234567890") == "123456************90");
  // UTF-8: one '*' per character, not per byte.
  CHECK(MaskIdNumber("ＡＢＣ１２３") == "ＡＢ****");
}

TEST_CASE("MaskIdNumber never shows half of the characters or more", "[mask]") {
  for (int n = 0; n <= 40; ++n) {
    const std::string masked = MaskIdNumber(std::string(static_cast<size_t>(n), '7'));
    CAPTURE(n, masked);
    CHECK(masked.size() == static_cast<size_t>(n));
    const auto visible = static_cast<int>(std::count(masked.begin(), masked.end(), '7'));
    CHECK(visible * 2 < n + (n == 0 ? 1 : 0));
  }
}

TEST_CASE("MaskPhone masks mobiles and landlines", "[mask]") {
  CHECK(MaskPhone("13812345678") == "138****5678");
  CHECK(MaskPhone("+86 138 1234 5678") == "+86 138 **** 5678");
  CHECK(MaskPhone("+8613812345678") == "+86138****5678");
  CHECK(MaskPhone("008613812345678") == "0086138****5678");
  CHECK(MaskPhone("0451-87654321") == "0451-****4321");
  CHECK(MaskPhone("045187654321") == "0451****4321");
  CHECK(MaskPhone("010-12345678") == "010-****5678");
  CHECK(MaskPhone("(0451) 8765-4321") == "(0451) ****-4321");
  CHECK(MaskPhone("0451-7654321") == "0451-****321");  // fewer visible so 4 stay hidden
  CHECK(MaskPhone("87654321") == "****4321");
}

TEST_CASE("MaskPhone hides at least 4 characters of short or odd input", "[mask]") {
  CHECK(MaskPhone("") == "");
  CHECK(MaskPhone("1234") == "****");
  CHECK(MaskPhone("12345") == "****5");
  CHECK(MaskPhone("123") == "***");
  CHECK(MaskPhone("请联系本人手机") == "****人手机");
  CHECK(MaskPhone("+86") == "+86");
}

TEST_CASE("MaskAddress keeps the region and hides the detail", "[mask]") {
  CHECK(MaskAddress("黑龙江省哈尔滨市南岗区西大直街92号") == "黑龙江省哈尔滨市南岗区****");
  CHECK(MaskAddress("北京市朝阳区望京小区3号楼") == "北京市朝阳区****");
  CHECK(MaskAddress("黑龙江省哈尔滨市阳光小区5栋2单元") == "黑龙江省哈尔滨市****");
  CHECK(MaskAddress("新疆维吾尔自治区乌鲁木齐市天山区人民路1号") ==
        "新疆维吾尔自治区乌鲁木齐市天山区****");
  CHECK(MaskAddress("黑龙江省大兴安岭地区加格达奇区长虹街道5号") ==
        "黑龙江省大兴安岭地区加格达奇区****");
  CHECK(MaskAddress("黑龙江省绥化市安达市新兴街道3号") == "黑龙江省绥化市安达市****");
  CHECK(MaskAddress("南岗区西大直街92号") == "南岗区****");
  // Region only: nothing personal to hide.
  CHECK(MaskAddress("黑龙江省哈尔滨市") == "黑龙江省哈尔滨市");
}

TEST_CASE("MaskAddress without a recognisable region keeps at most a third", "[mask]") {
  CHECK(MaskAddress("西大直街92号") == "西大****");
  CHECK(MaskAddress("阳光小区5栋") == "阳光****");
  CHECK(MaskAddress("12 Main Street, Springfield") == "12 Mai****");
  CHECK(MaskAddress("ab") == "****");
  CHECK(MaskAddress("") == "");
}

TEST_CASE("MaskName keeps the first character", "[mask]") {
  CHECK(MaskName("张三丰") == "张**");
  CHECK(MaskName("张三") == "张*");
  CHECK(MaskName("欧阳娜娜") == "欧***");
  CHECK(MaskName("买买提·艾力") == "买*****");
  CHECK(MaskName("John Smith") == "J*********");
  CHECK(MaskName(" 李四 ") == "李*");
  CHECK(MaskName("张") == "*");
  CHECK(MaskName("") == "");
  CHECK(MaskName("\xFF\xFE\xFD") == "\xFF**");  // invalid UTF-8: one character per byte
}

TEST_CASE("MaskEmail keeps the first character and the domain", "[mask]") {
  CHECK(MaskEmail("zhang.san@example.com") == "z***@example.com");
  CHECK(MaskEmail("a@b.cn") == "***@b.cn");
  CHECK(MaskEmail("@b.cn") == "***@b.cn");
  CHECK(MaskEmail("nomail") == "n*****");
  CHECK(MaskEmail("") == "");
}

TEST_CASE("ScrubText masks ID and mobile numbers inside free text", "[mask]") {
  CHECK(ScrubText("invalid id 34052419800101001X in request") ==
        "invalid id 340524**********1X in request");
  CHECK(ScrubText("身份证号340524198001010013有误") == "身份证号340524**********13有误");
  CHECK(ScrubText("lower-case x: 34052419800101001x.") == "lower-case x: 340524**********1x.");
  CHECK(ScrubText("old id 230102800101001") == "old id 23010*********1");
  CHECK(ScrubText("call 13812345678, or +8613912345678") == "call 138****5678, or +86139****5678");
  // Not standalone, or not the shape of an ID/mobile: unchanged.
  CHECK(ScrubText("x34052419800101001X") == "x34052419800101001X");
  CHECK(ScrubText("seq 1234567890123456789") == "seq 1234567890123456789");
  CHECK(ScrubText("ts 1732600918") == "ts 1732600918");
  CHECK(ScrubText("23810000000 is not a mobile") == "23810000000 is not a mobile");
  CHECK(ScrubText("") == "");
}

TEST_CASE("PersonalDataKindForKey recognises personal-data keys", "[mask]") {
  using Kind = PersonalDataKind;
  const std::pair<const char*, Kind> personal[] = {
      {"id_number", Kind::kIdNumber},
      {"ID_NUMBER", Kind::kIdNumber},
      {"id-number", Kind::kIdNumber},
      {"applicant_id_number", Kind::kIdNumber},
      {"applicant.id_number", Kind::kIdNumber},
      {"idcard", Kind::kIdNumber},
      {"passport_number", Kind::kIdNumber},
      {"mobile", Kind::kPhone},
      {"contact_mobile", Kind::kPhone},
      {"phone", Kind::kPhone},
      {"landline", Kind::kPhone},
      {"tel", Kind::kPhone},
      {"address", Kind::kAddress},
      {"household_address", Kind::kAddress},
      {"residence", Kind::kAddress},
      {"name", Kind::kName},
      {"applicant_name", Kind::kName},
      {"email", Kind::kEmail},
      {"contact_email", Kind::kEmail},
  };
  for (const auto& [key, kind] : personal) {
    CAPTURE(key);
    REQUIRE(PersonalDataKindForKey(key).has_value());
    CHECK(*PersonalDataKindForKey(key) == kind);
  }
  for (const char* key : {"application_id", "file_name", "holiday", "event", "idnumber_count",
                          "address_count", "mobile_verified", "hotel", ""}) {
    CAPTURE(key);
    CHECK_FALSE(PersonalDataKindForKey(key).has_value());
  }
}

TEST_CASE("MaskAs dispatches on the kind", "[mask]") {
  CHECK(MaskAs(PersonalDataKind::kIdNumber, "23010219800101001X") == "230102**********1X");
  CHECK(MaskAs(PersonalDataKind::kPhone, "13812345678") == "138****5678");
  CHECK(MaskAs(PersonalDataKind::kAddress, "北京市朝阳区望京小区") == "北京市朝阳区****");
  CHECK(MaskAs(PersonalDataKind::kName, "张三") == "张*");
  CHECK(MaskAs(PersonalDataKind::kEmail, "li@x.cn") == "l***@x.cn");
}

}  // namespace
}  // namespace unemployment::log
