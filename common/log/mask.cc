#include "common/log/mask.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace unemployment::log {
namespace {

// Splits UTF-8 text into characters; each invalid byte is a character of its own.
std::vector<absl::string_view> SplitCharacters(absl::string_view text) {
  std::vector<absl::string_view> chars;
  chars.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char lead = static_cast<unsigned char>(text[i]);
    size_t length = 1;
    if ((lead & 0xE0) == 0xC0) {
      length = 2;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
    }
    if (i + length > text.size()) length = 1;
    for (size_t j = 1; j < length; ++j) {
      if ((static_cast<unsigned char>(text[i + j]) & 0xC0) != 0x80) {
        length = 1;
        break;
      }
    }
    chars.push_back(text.substr(i, length));
    i += length;
  }
  return chars;
}

// Keeps the first `head` and last `tail` characters and replaces each other one with '*'.
std::string KeepEnds(const std::vector<absl::string_view>& chars, size_t head, size_t tail) {
  std::string out;
  const size_t n = chars.size();
  for (size_t i = 0; i < n; ++i) {
    if (i < head || i >= n - tail) {
      absl::StrAppend(&out, chars[i]);
    } else {
      out.push_back('*');
    }
  }
  return out;
}

bool IsPhoneSeparator(absl::string_view c) {
  return c == " " || c == "-" || c == "+" || c == "(" || c == ")" || c == ".";
}

bool AllDigits(absl::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return absl::ascii_isdigit(c); });
}

// Administrative suffixes of the region part of a Chinese address.
bool IsRegionSuffix(absl::string_view c) {
  return c == "省" || c == "市" || c == "州" || c == "盟" || c == "区" || c == "县" || c == "旗";
}

// Characters before 区 that make it a place inside a county (housing estate, campus...),
// which is address detail.
bool IsDetailBeforeDistrict(absl::string_view c) {
  return c == "小" || c == "社" || c == "校" || c == "园" || c == "街" || c == "营" || c == "厂" ||
         c == "景";
}

// The longest region component looked for ("克孜勒苏柯尔克孜自治州" has 11 characters).
constexpr size_t kMaxRegionComponent = 11;

// Number of leading characters that form the region part of `chars` (0 if none).
size_t RegionLength(const std::vector<absl::string_view>& chars) {
  size_t pos = 0;
  size_t region_end = 0;
  for (int level = 0; level < 3; ++level) {
    const size_t limit = std::min(chars.size(), pos + kMaxRegionComponent);
    size_t end = pos + 1;  // a component has at least two characters
    while (end < limit && !IsRegionSuffix(chars[end])) ++end;
    if (end >= limit) break;
    const absl::string_view suffix = chars[end];
    if (suffix == "区" && IsDetailBeforeDistrict(chars[end - 1])) break;
    region_end = end + 1;
    pos = end + 1;
    const bool autonomous_region = suffix == "区" && end >= 2 && chars[end - 2] == "自" &&
                                   chars[end - 1] == "治";             // 自治区: province level
    const bool prefecture = suffix == "区" && chars[end - 1] == "地";  // 地区
    if ((suffix == "区" || suffix == "县" || suffix == "旗") && !autonomous_region && !prefecture) {
      break;  // county level reached: what follows is detail
    }
  }
  return region_end;
}

std::string AsciiLowerKey(absl::string_view key) {
  std::string normalized = absl::AsciiStrToLower(key);
  for (char& c : normalized) {
    if (c == '-' || c == '.') c = '_';
  }
  return normalized;
}

struct KeyRule {
  absl::string_view word;
  PersonalDataKind kind;
  bool also_as_suffix;
};

constexpr KeyRule kKeyRules[] = {
    {"id_number", PersonalDataKind::kIdNumber, true},
    {"id_no", PersonalDataKind::kIdNumber, true},
    {"id_card", PersonalDataKind::kIdNumber, true},
    {"idcard", PersonalDataKind::kIdNumber, false},
    {"identity_number", PersonalDataKind::kIdNumber, false},
    {"national_id", PersonalDataKind::kIdNumber, false},
    {"certificate_number", PersonalDataKind::kIdNumber, true},
    {"passport_number", PersonalDataKind::kIdNumber, true},
    {"mobile", PersonalDataKind::kPhone, true},
    {"phone", PersonalDataKind::kPhone, true},
    {"phone_number", PersonalDataKind::kPhone, true},
    {"landline", PersonalDataKind::kPhone, true},
    {"telephone", PersonalDataKind::kPhone, true},
    {"tel", PersonalDataKind::kPhone, false},
    {"mobile_phone", PersonalDataKind::kPhone, true},
    {"address", PersonalDataKind::kAddress, true},
    {"habitual_residence", PersonalDataKind::kAddress, false},
    {"residence", PersonalDataKind::kAddress, false},
    {"address_detail", PersonalDataKind::kAddress, false},
    {"name", PersonalDataKind::kName, false},
    {"full_name", PersonalDataKind::kName, false},
    {"applicant_name", PersonalDataKind::kName, false},
    {"person_name", PersonalDataKind::kName, false},
    {"contact_name", PersonalDataKind::kName, false},
    {"staff_name", PersonalDataKind::kName, false},
    {"email", PersonalDataKind::kEmail, true},
    {"e_mail", PersonalDataKind::kEmail, true},
};

}  // namespace

std::string MaskIdNumber(absl::string_view id_number) {
  const std::vector<absl::string_view> chars = SplitCharacters(id_number);
  const size_t n = chars.size();
  return KeepEnds(chars, std::min<size_t>(6, n / 3), std::min<size_t>(2, n / 9));
}

std::string MaskPhone(absl::string_view phone) {
  const std::vector<absl::string_view> chars = SplitCharacters(phone);
  // Indices of the digit positions (everything but separators) and their first bytes.
  std::vector<size_t> positions;
  std::string digits;
  for (size_t i = 0; i < chars.size(); ++i) {
    if (IsPhoneSeparator(chars[i])) continue;
    positions.push_back(i);
    digits.push_back(chars[i][0]);
  }
  size_t prefix = 0;  // country code, kept
  const absl::string_view trimmed = absl::StripLeadingAsciiWhitespace(phone);
  if (absl::StartsWith(trimmed, "+86")) {
    prefix = 2;
  } else if (absl::StartsWith(digits, "0086")) {
    prefix = 4;
  }
  const absl::string_view rest = absl::string_view(digits).substr(prefix);
  const size_t count = rest.size();
  size_t head = 0;
  if (count == 11 && rest[0] == '1') {
    head = 3;  // mobile: network prefix
  } else if (count >= 2 && rest[0] == '0') {
    head = (rest[1] == '1' || rest[1] == '2') ? 3 : 4;  // landline area code: 010, 02x, 0xxx
  }
  size_t tail = 4;
  while (count < head + tail + 4 && tail > 0) --tail;
  while (count < head + tail + 4 && head > 0) --head;

  std::string out;
  size_t ordinal = 0;
  for (size_t i = 0; i < chars.size(); ++i) {
    if (ordinal < positions.size() && positions[ordinal] == i) {
      const size_t k = ordinal - prefix;  // wraps for prefix digits, which are kept below
      const bool visible = ordinal < prefix || k < head || k >= count - tail;
      if (visible) {
        absl::StrAppend(&out, chars[i]);
      } else {
        out.push_back('*');
      }
      ++ordinal;
    } else {
      absl::StrAppend(&out, chars[i]);
    }
  }
  return out;
}

std::string MaskAddress(absl::string_view address) {
  const std::vector<absl::string_view> chars = SplitCharacters(address);
  if (chars.empty()) return "";
  size_t keep = RegionLength(chars);
  if (keep == 0) keep = std::min<size_t>(6, chars.size() / 3);
  std::string out;
  for (size_t i = 0; i < keep; ++i) absl::StrAppend(&out, chars[i]);
  if (keep < chars.size()) out += "****";
  return out;
}

std::string MaskName(absl::string_view name) {
  const std::vector<absl::string_view> chars = SplitCharacters(absl::StripAsciiWhitespace(name));
  if (chars.empty()) return "";
  if (chars.size() == 1) return "*";
  return KeepEnds(chars, 1, 0);
}

std::string MaskEmail(absl::string_view email) {
  const size_t at = email.rfind('@');
  if (at == absl::string_view::npos) return MaskName(email);
  const std::vector<absl::string_view> local = SplitCharacters(email.substr(0, at));
  return absl::StrCat(local.size() > 1 ? local[0] : "", "***", email.substr(at));
}

std::string ScrubText(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (!absl::ascii_isalnum(text[i])) {
      out.push_back(text[i++]);
      continue;
    }
    size_t end = i;
    while (end < text.size() && absl::ascii_isalnum(text[end])) ++end;
    const absl::string_view run = text.substr(i, end - i);
    const char last = run.back();
    if (run.size() == 18 && AllDigits(run.substr(0, 17)) &&
        (absl::ascii_isdigit(last) || last == 'X' || last == 'x')) {
      out += MaskIdNumber(run);
    } else if (run.size() == 15 && AllDigits(run)) {
      out += MaskIdNumber(run);
    } else if (run.size() == 11 && AllDigits(run) && run[0] == '1') {
      out += MaskPhone(run);
    } else if (run.size() == 13 && AllDigits(run) && absl::StartsWith(run, "861")) {
      absl::StrAppend(&out, "86", MaskPhone(run.substr(2)));
    } else {
      absl::StrAppend(&out, run);
    }
    i = end;
  }
  return out;
}

absl::optional<PersonalDataKind> PersonalDataKindForKey(absl::string_view key) {
  const std::string normalized = AsciiLowerKey(key);
  for (const KeyRule& rule : kKeyRules) {
    if (normalized == rule.word) return rule.kind;
    if (rule.also_as_suffix && normalized.size() > rule.word.size() + 1 &&
        absl::EndsWith(normalized, rule.word) &&
        normalized[normalized.size() - rule.word.size() - 1] == '_') {
      return rule.kind;
    }
  }
  return absl::nullopt;
}

std::string MaskAs(PersonalDataKind kind, absl::string_view value) {
  switch (kind) {
    case PersonalDataKind::kIdNumber:
      return MaskIdNumber(value);
    case PersonalDataKind::kPhone:
      return MaskPhone(value);
    case PersonalDataKind::kAddress:
      return MaskAddress(value);
    case PersonalDataKind::kName:
      return MaskName(value);
    case PersonalDataKind::kEmail:
      return MaskEmail(value);
  }
  return std::string(value.size(), '*');
}

}  // namespace unemployment::log
