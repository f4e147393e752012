#include "services/gateway/contact_directory.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/paging/page_token.h"
#include "common/status/status_util.h"
#include "common/validation/csv.h"
#include "common/validation/text.h"

namespace unemployment::gateway {
namespace {

constexpr absl::string_view kHeader[] = {"region_code", "region_name", "department", "unit",
                                         "role",        "name",        "person_unit", "title",
                                         "phone",       "email",       "updated_date"};
constexpr absl::string_view kTokenVersion = "rc2";

// The number of leading digits a region's descendants share: 2 for a province (xx0000), 4 for a
// city (xxxx00), 6 for a county.
size_t SignificantDigits(absl::string_view code) {
  if (absl::EndsWith(code, "0000")) return 2;
  if (absl::EndsWith(code, "00")) return 4;
  return 6;
}

// Page tokens (common/paging): the query is the parent region, the position the last code listed.
std::string EncodeToken(absl::string_view parent, absl::string_view last_code) {
  return paging::EncodePageToken(kTokenVersion, paging::QueryFingerprint(parent),
                                 {std::string(last_code)});
}

}  // namespace

absl::StatusOr<std::vector<DataRow>> ReadDataRows(const CsvDocument& document,
                                                  const std::vector<absl::string_view>& header) {
  absl::StatusOr<std::vector<validation::CsvRow>> rows =
      validation::ParseCsv(document.text, document.name);
  if (!rows.ok()) return rows.status();
  std::vector<DataRow> out;
  bool header_seen = false;
  for (const validation::CsvRow& row : *rows) {
    const std::string where = absl::StrCat(document.name, ":", row.line_number, ": ");
    if (!row.fields.empty() && absl::StartsWith(row.fields[0], "#")) continue;
    if (row.fields.size() != header.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "expected ", header.size(), " fields, got ", row.fields.size()));
    }
    DataRow data{where, {}};
    for (const std::string& field : row.fields) {
      if (!validation::IsValidUtf8(field)) {
        return absl::InvalidArgumentError(absl::StrCat(where, "a field is not valid UTF-8"));
      }
      data.fields.emplace_back(validation::TrimText(field));
    }
    if (!header_seen) {
      for (size_t i = 0; i < header.size(); ++i) {
        if (data.fields[i] != header[i]) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, "wrong header: column ", i + 1, " must be ", header[i]));
        }
      }
      header_seen = true;
      continue;
    }
    out.push_back(std::move(data));
  }
  return out;
}

bool IsSixDigitRegionCode(absl::string_view code) {
  if (code.size() != 6) return false;
  for (char c : code) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

absl::StatusOr<ContactDirectory> ContactDirectory::FromCsv(
    const std::vector<CsvDocument>& documents) {
  ContactDirectory directory;
  const std::vector<absl::string_view> header(std::begin(kHeader), std::end(kHeader));
  for (const CsvDocument& document : documents) {
    absl::StatusOr<std::vector<DataRow>> rows = ReadDataRows(document, header);
    if (!rows.ok()) return rows.status();
    for (const DataRow& row : *rows) {
      const std::string& where = row.where;
      const std::vector<std::string>& f = row.fields;
      const std::string& code = f[0];
      if (!IsSixDigitRegionCode(code)) {
        return absl::InvalidArgumentError(absl::StrCat(where, "region_code must be 6 digits"));
      }
      if (f[1].empty()) {
        return absl::InvalidArgumentError(absl::StrCat(where, "region_name is empty"));
      }
      auto [it, inserted] = directory.entries_.try_emplace(code);
      v1::RegionContact& entry = it->second;
      if (inserted) {
        entry.set_region_code(code);
        entry.set_region_name(f[1]);
        entry.set_updated_date(f[10]);
        // Shipped placeholders live in files named "*sample*" (data/contacts/README.md).
        entry.set_placeholder(absl::StrContains(
            std::filesystem::path(document.name).filename().string(), "sample"));
      } else if (entry.region_name() != f[1] || entry.updated_date() != f[10]) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, "region_name and updated_date differ from an earlier row of region ", code));
      }
      v1::DepartmentContact* department = nullptr;
      if (f[2] == "business") {
        department = entry.mutable_business();
      } else if (f[2] == "technical") {
        department = entry.mutable_technical();
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat(where, "department must be \"business\" or \"technical\""));
      }
      if (department->unit().empty()) {
        department->set_unit(f[3]);
      } else if (!f[3].empty() && department->unit() != f[3]) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, "unit differs from an earlier row of the same department"));
      }
      v1::ContactPerson person;
      person.set_name(f[5]);
      person.set_unit(f[6]);
      person.set_title(f[7]);
      person.set_phone(f[8]);
      person.set_email(f[9]);
      if (f[4] == "responsible") {
        if (department->has_responsible_person()) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, "the department already has a responsible person"));
        }
        *department->mutable_responsible_person() = std::move(person);
      } else if (f[4] == "other") {
        *department->add_other_contacts() = std::move(person);
      } else if (!f[4].empty() || !f[5].empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, "role must be \"responsible\" or \"other\""));
      }
    }
  }
  return directory;
}

absl::StatusOr<ContactDirectory> ContactDirectory::LoadDirectory(const std::string& directory) {
  absl::StatusOr<std::vector<CsvDocument>> documents = ReadCsvDocuments(directory, "contacts");
  if (!documents.ok()) return documents.status();
  return FromCsv(*documents);
}

absl::StatusOr<std::vector<CsvDocument>> ReadCsvDocuments(const std::string& directory,
                                                          absl::string_view what) {
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error)) {
    return absl::NotFoundError(
        absl::StrCat(what, " folder \"", directory, "\" does not exist"));
  }
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    if (entry.is_regular_file() && entry.path().extension() == ".csv") {
      paths.push_back(entry.path().string());
    }
  }
  std::sort(paths.begin(), paths.end());
  std::vector<CsvDocument> documents;
  for (const std::string& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot read \"", path, "\""));
    std::stringstream buffer;
    buffer << in.rdbuf();
    documents.push_back(CsvDocument{path, buffer.str()});
  }
  return documents;
}

absl::StatusOr<v1::RegionContact> ContactDirectory::Get(absl::string_view region_code) const {
  if (region_code.empty()) {
    return status::InvalidFieldError("region_code", "REQUIRED", "the region code is required");
  }
  if (!IsSixDigitRegionCode(region_code)) {
    return status::InvalidFieldError("region_code", "FORMAT", "the region code must be 6 digits");
  }
  auto it = entries_.find(region_code);
  if (it == entries_.end()) {
    return status::WithErrorInfo(
        absl::NotFoundError(absl::StrCat("region ", region_code, " has no directory entry")),
        "REGION_CONTACT_NOT_FOUND", {{"region_code", std::string(region_code)}});
  }
  return it->second;
}

std::vector<v1::RegionContact> ContactDirectory::Under(absl::string_view parent_region_code) const {
  const std::string prefix =
      parent_region_code.empty()
          ? std::string()
          : std::string(parent_region_code.substr(0, SignificantDigits(parent_region_code)));
  std::vector<v1::RegionContact> out;
  for (const auto& [code, entry] : entries_) {
    if (absl::StartsWith(code, prefix)) out.push_back(entry);
  }
  return out;
}

absl::StatusOr<RegionContactPage> ContactDirectory::List(absl::string_view parent_region_code,
                                                         int page_size,
                                                         absl::string_view page_token) const {
  std::vector<status::FieldViolation> violations;
  if (!parent_region_code.empty() && !IsSixDigitRegionCode(parent_region_code)) {
    violations.push_back({"parent_region_code", "FORMAT", "the region code must be 6 digits"});
  }
  if (page_size < 0) {
    violations.push_back({"page_size", "FORMAT", "the page size must not be negative"});
  }
  if (!violations.empty()) {
    return status::InvalidArgumentError("invalid list request", violations);
  }
  const int size = page_size == 0 ? kDefaultContactPageSize
                                  : std::min(page_size, kMaxContactPageSize);
  std::string after;
  if (!page_token.empty()) {
    absl::StatusOr<std::vector<std::string>> parts = paging::DecodePageToken(
        page_token, kTokenVersion, paging::QueryFingerprint(parent_region_code), 1);
    if (!parts.ok()) return parts.status();
    if (!IsSixDigitRegionCode((*parts)[0])) return paging::InvalidPageToken();
    after = (*parts)[0];
  }
  const std::string prefix =
      parent_region_code.empty()
          ? std::string()
          : std::string(parent_region_code.substr(0, SignificantDigits(parent_region_code)));
  RegionContactPage page;
  auto it = after.empty() ? entries_.begin() : entries_.upper_bound(after);
  for (; it != entries_.end(); ++it) {
    if (!absl::StartsWith(it->first, prefix)) continue;
    if (static_cast<int>(page.contacts.size()) == size) {
      page.next_page_token = EncodeToken(parent_region_code, page.contacts.back().region_code());
      break;
    }
    page.contacts.push_back(it->second);
  }
  return page;
}

}  // namespace unemployment::gateway
