// Private to ue::store: early-return helpers for absl::Status / absl::StatusOr, and the bridge from
// std::string_view (the store's public API) to absl::string_view.
//
// Abseil 20220623 has no RETURN_IF_ERROR / ASSIGN_OR_RETURN. These copies are prefixed so they
// never clash with the project-wide macros in common/status; the store library does not depend on
// common/status so that the lowest layer stays free of gRPC. Not installed, not for other
// libraries.
#pragma once

#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace unemployment::store::internal {

// Debian's Abseil is built with its own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0),
// which does not convert from std::string_view implicitly.
inline absl::string_view ToAbsl(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}

}  // namespace unemployment::store::internal

#define UE_STORE_CONCAT_INNER_(a, b) a##b
#define UE_STORE_CONCAT_(a, b) UE_STORE_CONCAT_INNER_(a, b)

#define UE_STORE_RETURN_IF_ERROR(expr)                   \
  do {                                                   \
    ::absl::Status ue_store_status_ = (expr);            \
    if (!ue_store_status_.ok()) return ue_store_status_; \
  } while (false)

#define UE_STORE_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                    \
  if (!tmp.ok()) return std::move(tmp).status();        \
  lhs = std::move(*tmp)

#define UE_STORE_ASSIGN_OR_RETURN(lhs, expr) \
  UE_STORE_ASSIGN_OR_RETURN_IMPL_(UE_STORE_CONCAT_(ue_store_statusor_, __LINE__), lhs, expr)
