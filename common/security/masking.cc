#include "common/security/masking.h"

#include <set>

#include "absl/strings/match.h"
#include "common/log/mask.h"

namespace unemployment::security {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// The 6-digit county code kept, every further digit hidden. Counted in characters, not bytes: a
// value with a multi-byte character among its first six (never a valid code, but a response may
// echo what was stored) must not be cut inside the character, or the masked response would not
// be valid UTF-8 and could not be sent (found by fuzz_masking).
std::string MaskRegionCode(absl::string_view code) {
  std::string out;
  out.reserve(code.size());
  size_t characters = 0;
  for (size_t i = 0; i < code.size(); ++i) {
    const bool continuation = (static_cast<unsigned char>(code[i]) & 0xC0) == 0x80;
    if (!continuation) ++characters;
    if (characters <= 6) {
      out.push_back(code[i]);
    } else if (!continuation) {
      out.push_back('*');
    }
  }
  return out;
}

}  // namespace

std::string MaskValue(MaskKind kind, absl::string_view value) {
  if (value.empty()) return "";
  switch (kind) {
    case MaskKind::kNone: return std::string(value);
    case MaskKind::kIdNumber: return log::MaskIdNumber(value);
    case MaskKind::kPhone: return log::MaskPhone(value);
    case MaskKind::kEmail: return log::MaskEmail(value);
    case MaskKind::kContact:
      return value.find('@') != absl::string_view::npos ? log::MaskEmail(value) : log::MaskPhone(value);
    case MaskKind::kName: return log::MaskName(value);
    case MaskKind::kAddress: return log::MaskAddress(value);
    case MaskKind::kHidden: return "****";
    case MaskKind::kRegionCode: return MaskRegionCode(value);
    case MaskKind::kText: return log::ScrubText(value);
  }
  return "****";
}

bool ResponseMasker::AppliesLocked(const Descriptor* type,
                                   std::set<const Descriptor*>* visiting) {
  auto it = applies_.find(type);
  if (it != applies_.end()) return it->second;
  // A type met again while it is being decided (a recursive message) adds nothing that its other
  // fields do not decide.
  if (!visiting->insert(type).second) return false;
  bool applies = false;
  for (int i = 0; i < type->field_count() && !applies; ++i) {
    const FieldDescriptor* field = type->field(i);
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      auto kind = policy_->masked_fields().find(field->full_name());
      applies = kind != policy_->masked_fields().end() && kind->second != MaskKind::kNone;
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      applies = AppliesLocked(field->message_type(), visiting);
    }
  }
  visiting->erase(type);
  // A "false" decided inside a cycle may be premature: only the outermost decision and every
  // "true" are final.
  if (applies || visiting->empty()) applies_[type] = applies;
  return applies;
}

bool ResponseMasker::Applies(const Descriptor* type) {
  absl::MutexLock lock(&mu_);
  std::set<const Descriptor*> visiting;
  return AppliesLocked(type, &visiting);
}

bool ResponseMasker::MethodMayMask(absl::string_view path) {
  {
    absl::MutexLock lock(&mu_);
    auto it = methods_.find(path);
    if (it != methods_.end()) return it->second;
  }
  bool may_mask = false;
  const MethodPolicy* method = policy_->FindMethod(path);
  if (method != nullptr && path.size() > 1) {
    std::string name(path.substr(1));
    if (size_t slash = name.find('/'); slash != std::string::npos) name[slash] = '.';
    const google::protobuf::MethodDescriptor* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(name);
    // An unknown method type (not a generated protobuf method): nothing to walk.
    if (descriptor != nullptr && Applies(descriptor->output_type())) {
      for (const std::string& role : method->roles) {
        may_mask = may_mask || !policy_->SeesClear(path, role);
      }
    }
  }
  absl::MutexLock lock(&mu_);
  methods_[std::string(path)] = may_mask;
  return may_mask;
}

void ResponseMasker::Mask(Message* message) {
  const Descriptor* type = message->GetDescriptor();
  if (!Applies(type)) return;
  const Reflection* reflection = message->GetReflection();
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      auto kind = policy_->masked_fields().find(field->full_name());
      if (kind == policy_->masked_fields().end() || kind->second == MaskKind::kNone) continue;
      if (field->is_repeated()) {
        for (int j = 0; j < reflection->FieldSize(*message, field); ++j) {
          reflection->SetRepeatedString(
              message, field, j,
              MaskValue(kind->second, reflection->GetRepeatedString(*message, field, j)));
        }
      } else if (reflection->HasField(*message, field) || !field->has_presence()) {
        std::string value = reflection->GetString(*message, field);
        if (!value.empty()) reflection->SetString(message, field, MaskValue(kind->second, value));
      }
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (!Applies(field->message_type())) continue;
      if (field->is_repeated()) {
        for (int j = 0; j < reflection->FieldSize(*message, field); ++j) {
          Mask(reflection->MutableRepeatedMessage(message, field, j));
        }
      } else if (reflection->HasField(*message, field)) {
        Mask(reflection->MutableMessage(message, field));
      }
    }
  }
}

}  // namespace unemployment::security
