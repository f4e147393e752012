// Statistical urban-rural classification codes (统计用城乡分类代码) of villages and communities.
//
// Statistics count "urban registered unemployed" by the class of the habitual residence: first
// digit 1 = urban (城镇), 2 = rural (乡村). The class belongs to a 12-digit village/community code
// in the National Bureau of Statistics division list; the applicant's residence carries it.
#pragma once

#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/validation/code_list.h"

namespace unemployment::validation {

enum class UrbanRuralClass {
  kMainUrbanArea = 111,     // 主城区
  kUrbanRuralFringe = 112,  // 城乡结合区
  kTownCentre = 121,        // 镇中心区
  kTownRuralFringe = 122,   // 镇乡结合区
  kSpecialArea = 123,       // 特殊区域
  kTownshipCentre = 210,    // 乡中心区
  kVillage = 220,           // 村庄
};

// Codes "111".."220" with names.
const CodeList& UrbanRuralClassCodes();

// The class for a 3-digit code string; CODE_UNKNOWN for anything else (including "100" or "200",
// which are headings of the classification, not classes a place can have).
absl::StatusOr<UrbanRuralClass> ParseUrbanRuralClass(absl::string_view code);

// The class for its number, or nullopt.
std::optional<UrbanRuralClass> UrbanRuralClassFromNumber(int number);

// True for the 1xx classes (urban, 城镇), false for 2xx (rural, 乡村).
bool IsUrban(UrbanRuralClass urban_rural_class);

}  // namespace unemployment::validation
