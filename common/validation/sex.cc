#include "common/validation/sex.h"

namespace unemployment::validation {
namespace {

constexpr CodeEntry kSexEntries[] = {
    {0, "0", "未知的性别", false},
    {1, "1", "男"},
    {2, "2", "女"},
    {9, "9", "未说明的性别", false},
};
constexpr CodeList kSexCodes("sex (GB/T 2261.1)", kSexEntries);

}  // namespace

const CodeList& SexCodes() { return kSexCodes; }

std::optional<Sex> SexFromNumber(int number) {
  switch (number) {
    case 1:
      return Sex::kMale;
    case 2:
      return Sex::kFemale;
    default:
      return std::nullopt;
  }
}

}  // namespace unemployment::validation
