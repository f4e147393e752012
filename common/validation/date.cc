#include "common/validation/date.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "common/validation/rules.h"
#include "common/validation/validation_error.h"

namespace unemployment::validation {
namespace {

constexpr std::size_t kDateLength = 10;  // YYYY-MM-DD

// Value of the ASCII digits text[begin, begin+count); the caller has checked they are digits.
int DigitsValue(absl::string_view text, std::size_t begin, std::size_t count) {
  int value = 0;
  for (std::size_t i = begin; i < begin + count; ++i) value = value * 10 + (text[i] - '0');
  return value;
}

}  // namespace

std::optional<absl::CivilDay> MakeDate(std::int64_t year, int month, int day) {
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31) {
    return std::nullopt;
  }
  const absl::CivilDay result(year, month, day);
  // CivilDay normalises out-of-range days into the next month; a real date survives unchanged.
  if (result.year() != year || result.month() != month || result.day() != day) return std::nullopt;
  return result;
}

absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view text) {
  bool shaped = text.size() == kDateLength && text[4] == '-' && text[7] == '-';
  for (std::size_t i = 0; shaped && i < text.size(); ++i) {
    if (i != 4 && i != 7 && !absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) {
      shaped = false;
    }
  }
  if (!shaped) {
    return ValidationError(rule::kDateFormat, "date must be written YYYY-MM-DD");
  }
  const std::optional<absl::CivilDay> day =
      MakeDate(DigitsValue(text, 0, 4), DigitsValue(text, 5, 2), DigitsValue(text, 8, 2));
  if (!day.has_value()) {
    return ValidationError(rule::kDateInvalid, "date does not exist in the calendar");
  }
  return *day;
}

absl::StatusOr<absl::CivilDay> ParseDateNotAfter(absl::string_view text, absl::CivilDay latest) {
  absl::StatusOr<absl::CivilDay> day = ParseDate(text);
  if (!day.ok()) return day;
  if (*day > latest) {
    return ValidationError(rule::kDateInFuture,
                           absl::StrFormat("date must not be after %s", FormatDate(latest)));
  }
  return day;
}

std::string FormatDate(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

}  // namespace unemployment::validation
