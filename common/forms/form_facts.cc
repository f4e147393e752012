#include "common/forms/form_facts.h"

#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"
#include "common/validation/date.h"
#include "common/validation/id_document.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "openssl/sha.h"

namespace unemployment::forms {

std::string OfficeRegionCode(const common::v1::RegistrationForm& form) {
  switch (form.registration_location()) {
    case common::v1::REGISTRATION_LOCATION_HOUSEHOLD:
      return form.has_household_address() ? form.household_address().county_code() : "";
    case common::v1::REGISTRATION_LOCATION_RESIDENCE:
      return form.has_residence_address() ? form.residence_address().county_code() : "";
    default:
      return "";
  }
}

std::string DerivedBirthDate(const common::v1::RegistrationForm& form, absl::CivilDay today) {
  if (form.has_person_id()) {
    const std::optional<validation::IdType> type =
        validation::IdTypeFromNumber(static_cast<int>(form.person_id().id_type()));
    if (type.has_value()) {
      const absl::StatusOr<validation::IdDocument> document =
          validation::ParseIdDocument(*type, form.person_id().id_number(), today);
      if (document.ok() && document->birth_date.has_value()) {
        return validation::FormatDate(*document->birth_date);
      }
    }
  }
  return form.birth_date();
}

std::string FormFingerprint(const common::v1::RegistrationForm& form) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    form.SerializeToCodedStream(&coded);
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

}  // namespace unemployment::forms
