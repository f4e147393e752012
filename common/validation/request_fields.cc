#include "common/validation/request_fields.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/validation/rules.h"
#include "common/validation/text.h"

namespace unemployment::validation {

void TrimInPlace(std::string* value) {
  const absl::string_view trimmed = TrimText(*value);
  if (trimmed.size() != value->size()) *value = std::string(trimmed);
}

void CheckRequestId(Violations& out, absl::string_view field, std::string* value, bool required) {
  TrimInPlace(value);
  if (value->empty()) {
    if (required) out.Add(std::string(field), std::string(rule::kRequired), "the request_id is required");
    return;
  }
  if (value->size() > kMaxRequestIdLength) {
    out.Add(std::string(field), std::string(rule::kTooLong),
            "the request_id has at most 64 characters");
    return;
  }
  for (char c : *value) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != ':' &&
        c != '-') {
      out.Add(std::string(field), std::string(rule::kCharacters),
              "the request_id allows letters, digits, '.', '_', ':' and '-'");
      return;
    }
  }
}

void CheckPageSize(Violations& out, int32_t page_size, absl::string_view field) {
  if (page_size < 0) {
    out.Add(std::string(field), std::string(rule::kOutOfRange),
            absl::StrCat(field, " must not be negative"));
  }
}

void RequireTrimmedText(Violations& out, absl::string_view field, std::string* value,
                        size_t max_characters, bool multiline) {
  TrimInPlace(value);
  out.AddIfError(field, ValidateText(*value, {true, max_characters, multiline}));
}

}  // namespace unemployment::validation
