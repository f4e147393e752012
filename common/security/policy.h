#pragma once

// The access policy of the suite (data/security/policy): which calling systems exist and which
// roles each may act in, and for every gRPC method which roles may call it, whether it touches
// personal data or aggregates about people (then every call is written to the audit log) and how a
// region-scoped caller is treated. Deny by default: a method the policy does not name, a role it
// does not list for the method, a system it does not know are all refused.
//
// File format (one statement per line, '#' starts a comment, fields separated by white space):
//
//   system <certificate CN> <role>[,<role>...] [certificate-only]
//       A calling system, identified by the CN of its client certificate. Its calls carry a signed
//       token (security/token.h) naming one of these roles; with certificate-only the system has
//       exactly one role and may call without a token (services calling services), province-wide.
//       A certificate-only system is one of the suite's services: its name starts with `svc-` and
//       its role is its own name (one role per calling service, allowed only the methods its
//       outgoing calls need); roles starting with `svc-` belong to no other system.
//
//   allow <package.Service/Method> <data> <scope> <role> [<role>...]
//       data:  personal (reads or writes personal data: audited), aggregate (answers figures about
//              people, e.g. statistics by region: audited like personal data, but no personal
//              data in the answer) or none.
//       scope: any      - the method shows no region's records (catalogues, aggregates): callers of
//                         any region scope may call it;
//              regional - the handler checks each record's region against the caller's scope
//                         (RequireRegion) and answers PERMISSION_DENIED outside it;
//              province - only callers with the province-wide scope "*" may call it.
//       A method may appear in one allow line only. `package.Service/*` is not accepted: every
//       method is named so that adding a method to a contract forces a decision here.
//
//   clear <role> [<package.Service/Method> ...]
//       The role sees personal data in responses unmasked: in every method it may call, or only
//       in the methods listed. A role without a clear line (or a method not listed) gets the
//       fields named by `mask` masked in every response (security/masking.h). A role may appear
//       in one clear line only; a listed method must allow the role.
//
//   mask <package.Message.field> <kind>
//       A string field (singular or repeated) of a response message that holds personal data, and
//       how it is masked for callers who do not see it clear. kind: id-number, phone, email,
//       contact (phone, or e-mail when it holds '@'), name, address (free text address), hidden
//       (replaced by "****" whatever it holds, e.g. the part of an address below the county),
//       region-code (keeps the 6-digit county code, hides the township and village digits), text
//       (free text: ID and mobile numbers in it are masked), or none (reviewed: not personal
//       data, e.g. an agency's public phone). A field may appear in one mask line only.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace unemployment::security {

// Roles (and systems) of the suite's own services start with this prefix ("svc-followup").
inline constexpr absl::string_view kServiceRolePrefix = "svc-";
// True for the role of one of the suite's services (a certificate-only system's role).
bool IsServiceRole(absl::string_view role);

enum class RegionScopeRule { kAny, kRegional, kProvince };

enum class MaskKind {
  kNone, kIdNumber, kPhone, kEmail, kContact, kName, kAddress, kHidden, kRegionCode, kText
};

struct SystemPolicy {
  std::string name;
  std::set<std::string> roles;
  bool certificate_only = false;
};

struct MethodPolicy {
  // "/unemployment.gateway.v1.GatewayService/SubmitApplication" (the gRPC path).
  std::string path;
  bool personal_data = false;
  // Every call is written to the audit log: personal data, or aggregates about people.
  bool audited = false;
  RegionScopeRule scope = RegionScopeRule::kProvince;
  std::set<std::string> roles;
};

class Policy {
 public:
  static absl::StatusOr<Policy> Parse(absl::string_view text);
  static absl::StatusOr<Policy> Load(const std::string& path);

  const SystemPolicy* FindSystem(absl::string_view certificate_cn) const;
  // By gRPC path ("/pkg.Service/Method").
  const MethodPolicy* FindMethod(absl::string_view path) const;

  // OK, or PERMISSION_DENIED (ErrorInfo reason ROLE_NOT_ALLOWED, METHOD_NOT_IN_POLICY or
  // REGION_SCOPE_TOO_NARROW) for a caller in `role` with region scope `region_scope`.
  absl::Status Authorize(absl::string_view path, absl::string_view role,
                         absl::string_view region_scope) const;

  const std::map<std::string, MethodPolicy, std::less<>>& methods() const { return methods_; }
  const std::map<std::string, SystemPolicy, std::less<>>& systems() const { return systems_; }
  // Every role named by a system or a method.
  std::set<std::string> Roles() const;

  // True when `role` sees personal data in responses of `path` unmasked (a clear line).
  bool SeesClear(absl::string_view path, absl::string_view role) const;
  // The mask lines: full field name ("unemployment.common.v1.PersonId.id_number") -> kind.
  const std::map<std::string, MaskKind, std::less<>>& masked_fields() const { return masked_fields_; }

 private:
  std::map<std::string, SystemPolicy, std::less<>> systems_;
  std::map<std::string, MethodPolicy, std::less<>> methods_;
  // role -> the methods it sees clear; an empty set: every method it may call.
  std::map<std::string, std::set<std::string>, std::less<>> clear_;
  std::map<std::string, MaskKind, std::less<>> masked_fields_;
};

}  // namespace unemployment::security
