// Fuzzes the field validators of common/validation: resident ID numbers, other ID documents,
// phone numbers, dates, e-mail, text rules, region codes and the CSV splitter.
#include <cstddef>
#include <cstdint>

#include "common/validation/csv.h"
#include "common/validation/date.h"
#include "common/validation/email.h"
#include "common/validation/id_document.h"
#include "common/validation/phone.h"
#include "common/validation/resident_id.h"
#include "common/validation/text.h"
#include "common/validation/urban_rural.h"
#include "tests/fuzz/fuzz_util.h"

namespace v = unemployment::validation;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unemployment::fuzz::Input in = unemployment::fuzz::Split(data, size);
  absl::string_view text = in.rest;
  const absl::CivilDay today = unemployment::fuzz::Today();
  switch (in.selector % 12) {
    case 0: {
      (void)v::ValidateResidentIdNumber(text, today);
      std::string normalized = v::NormalizeIdNumber(text);
      (void)v::ParseGb11643Number(normalized, today);
      if (text.size() >= 17) (void)v::Gb11643CheckCharacter(text.substr(0, 17));
      break;
    }
    case 1:
      (void)v::ValidateMobileNumber(v::NormalizeMobileNumber(text));
      (void)v::ValidateMobileNumber(text);
      break;
    case 2:
      (void)v::ParseLandlineNumber(text);
      break;
    case 3:
      (void)v::ParseDate(text);
      (void)v::ParseDateNotAfter(text, today);
      break;
    case 4:
      (void)v::ValidateEmail(text);
      break;
    case 5: {
      (void)v::ValidateUtf8(text);
      (void)v::Utf8CharacterCount(text);
      (void)v::ValidateMaxCharacters(text, 20);
      (void)v::ValidateRequired(v::TrimText(text));
      break;
    }
    case 6:
      (void)v::ParseCsv(text, "fuzz.csv");
      break;
    case 7:
      (void)v::ParseUrbanRuralClass(text);
      break;
    case 8:
    case 9:
    case 10: {
      // An ID document of each type the selector names.
      int type_number = in.selector / 12;
      std::optional<v::IdType> type = v::IdTypeFromNumber(type_number % 8);
      if (type.has_value()) {
        (void)v::ValidateIdDocument(*type, text, today);
        (void)v::ParseIdDocument(*type, text, today);
      }
      break;
    }
    case 11: {
      const v::RegionDirectory& regions = unemployment::fuzz::Regions();
      (void)regions.IsKnown(text);
      (void)regions.LevelOf(text);
      (void)regions.IsCountyLevel(text);
      (void)regions.IsWithin(text, "230000");
      (void)regions.ValidateTownshipCode(text);
      (void)regions.ValidateVillageCode(text);
      break;
    }
  }
  return 0;
}
