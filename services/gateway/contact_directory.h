#pragma once

// The region directory of 附件3 (线上失业登记工作联络表): per region, the business department and the
// technical department responsible for online unemployment registration, with their people.
// Loaded from the CSV files of data/contacts/ (see data/contacts/README.md), one row per person:
//
//   region_code,region_name,department,unit,role,name,person_unit,title,phone,email,updated_date
//
// department is "business" (业务部门) or "technical" (技术部门); role is "responsible" (负责人,
// at most one per department) or "other". Rows of a region must agree on region_name and
// updated_date, rows of a department on unit. Immutable after loading; share one instance.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "unemployment/gateway/v1/gateway_service.pb.h"

namespace unemployment::gateway {

// Page size rules of ListRegionContacts.
inline constexpr int kDefaultContactPageSize = 50;
inline constexpr int kMaxContactPageSize = 500;

struct CsvDocument {
  std::string name;
  std::string text;
};

struct RegionContactPage {
  std::vector<v1::RegionContact> contacts;
  std::string next_page_token;
};

class ContactDirectory final {
 public:
  // An empty directory.
  ContactDirectory() = default;

  // Parses the documents in order. INVALID_ARGUMENT with "name:line: what is wrong" for a wrong
  // header or field count, a region code that is not 6 digits, an unknown department or role, two
  // responsible persons of one department, or rows of one region that disagree.
  static absl::StatusOr<ContactDirectory> FromCsv(const std::vector<CsvDocument>& documents);

  // Every "*.csv" in `directory`, in file-name order. NOT_FOUND when the folder is missing.
  static absl::StatusOr<ContactDirectory> LoadDirectory(const std::string& directory);

  // NOT_FOUND (reason REGION_CONTACT_NOT_FOUND) when the region has no entry; INVALID_ARGUMENT
  // (field region_code, REQUIRED / FORMAT) for a malformed code.
  absl::StatusOr<v1::RegionContact> Get(absl::string_view region_code) const;

  // One page of the entries of `parent_region_code` and the regions under it (all when empty),
  // ordered by code. INVALID_ARGUMENT for a malformed parent (FORMAT), a negative page size, or a
  // page token of another query (reason INVALID_PAGE_TOKEN).
  absl::StatusOr<RegionContactPage> List(absl::string_view parent_region_code, int page_size,
                                         absl::string_view page_token) const;

  // Every entry of `parent_region_code` and the regions under it (all when empty), by code.
  // `parent_region_code` must be empty or 6 digits.
  std::vector<v1::RegionContact> Under(absl::string_view parent_region_code) const;

  size_t size() const { return entries_.size(); }

 private:
  std::map<std::string, v1::RegionContact, std::less<>> entries_;
};

// One data row of a gateway data file: its fields, trimmed, and "name:line: " for error messages.
struct DataRow {
  std::string where;
  std::vector<std::string> fields;
};

// The data rows of `document`: its first row that is not a comment (first field starting with
// "#") must be exactly `header`, and every row must have as many fields, all valid UTF-8.
// INVALID_ARGUMENT "name:line: what is wrong" otherwise.
absl::StatusOr<std::vector<DataRow>> ReadDataRows(const CsvDocument& document,
                                                  const std::vector<absl::string_view>& header);

// Every "*.csv" file in `directory`, in file-name order (the data folders of the gateway).
// NOT_FOUND "<what> folder ... does not exist" when the folder is missing.
absl::StatusOr<std::vector<CsvDocument>> ReadCsvDocuments(const std::string& directory,
                                                          absl::string_view what);

// True when `code` is exactly 6 ASCII digits.
bool IsSixDigitRegionCode(absl::string_view code);

}  // namespace unemployment::gateway
