#include "common/validation/urban_rural.h"

namespace unemployment::validation {
namespace {

constexpr CodeEntry kUrbanRuralEntries[] = {
    {111, "111", "主城区"},     {112, "112", "城乡结合区"}, {121, "121", "镇中心区"},
    {122, "122", "镇乡结合区"}, {123, "123", "特殊区域"},   {210, "210", "乡中心区"},
    {220, "220", "村庄"},
};
constexpr CodeList kUrbanRuralClassCodes("urban-rural class", kUrbanRuralEntries);

}  // namespace

const CodeList& UrbanRuralClassCodes() { return kUrbanRuralClassCodes; }

absl::StatusOr<UrbanRuralClass> ParseUrbanRuralClass(absl::string_view code) {
  // Always CODE_UNKNOWN, never FORMAT: form.proto lists only REQUIRED and CODE_UNKNOWN here.
  const CodeEntry* entry = kUrbanRuralClassCodes.Find(code);
  if (entry == nullptr) return kUrbanRuralClassCodes.ValidateNumber(-1);
  return static_cast<UrbanRuralClass>(entry->number);
}

std::optional<UrbanRuralClass> UrbanRuralClassFromNumber(int number) {
  const CodeEntry* entry = kUrbanRuralClassCodes.FindNumber(number);
  if (entry == nullptr) return std::nullopt;
  return static_cast<UrbanRuralClass>(entry->number);
}

bool IsUrban(UrbanRuralClass urban_rural_class) {
  return static_cast<int>(urban_rural_class) / 100 == 1;
}

}  // namespace unemployment::validation
