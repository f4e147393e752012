#include "tests/testing/resident_id.h"

#include <optional>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/validation/resident_id.h"

namespace unemployment::testing {

std::string ResidentId(absl::string_view region, absl::string_view birth, int serial) {
  std::string first17 = absl::StrCat(region, birth, absl::StrFormat("%03d", serial));
  const std::optional<char> check = validation::Gb11643CheckCharacter(first17);
  if (!check.has_value()) throw std::invalid_argument("ResidentId: not 17 digits before the check");
  return first17 + *check;
}

}  // namespace unemployment::testing
