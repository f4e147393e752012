#pragma once

// Masking of personal data in responses to callers who do not need it in clear (the issue's
// "non-privileged responses show masked values"; PIPL art. 6 / GB/T 35273 minimum necessary).
//
// Which fields hold personal data is data, not code: the `mask` lines of the policy name each
// string field by its full name and say how it is masked (common/log/mask.h rules, the same as
// the logs). Who sees them clear is data too: the `clear` lines. For every other caller, the
// guard's interceptor (CallGuard::MakeAuditInterceptorFactory) copies each outgoing response
// message, masks the named fields wherever they occur in it (nested and repeated messages, map
// values) and sends the copy. A method whose response type contains no named field, or whose
// allowed roles all see it clear (the service role's StreamEvents), gets no masking step at all.

#include <map>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/security/policy.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace unemployment::security {

// `value` masked as `kind` (kNone: unchanged).
std::string MaskValue(MaskKind kind, absl::string_view value);

class ResponseMasker {
 public:
  // `policy` must outlive the masker.
  explicit ResponseMasker(const Policy* policy) : policy_(policy) {}

  // True when messages of `type` may hold a field the policy masks (directly or in a message
  // field, at any depth). Cached per type; thread-safe.
  bool Applies(const google::protobuf::Descriptor* type);

  // True when a response of the method at `path` ("/pkg.Service/Method") may need masking for
  // some caller: its response type Applies and some role the method allows does not see it clear.
  bool MethodMayMask(absl::string_view path);

  // Masks every field the policy names, in place.
  void Mask(google::protobuf::Message* message);

 private:
  bool AppliesLocked(const google::protobuf::Descriptor* type,
                     std::set<const google::protobuf::Descriptor*>* visiting)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Policy* policy_;
  absl::Mutex mu_;
  // Decided types.
  std::map<const google::protobuf::Descriptor*, bool> applies_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, bool, std::less<>> methods_ ABSL_GUARDED_BY(mu_);
};

}  // namespace unemployment::security
