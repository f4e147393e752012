#pragma once

// Early-return helpers for absl::Status / absl::StatusOr (Abseil 20220623 does not ship them).
//
//   RETURN_IF_ERROR(store.Put(row));
//   ASSIGN_OR_RETURN(Row row, store.Get(id));
//   ASSIGN_OR_RETURN(auto rows, store.List(filter));

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define UE_STATUS_CONCAT_INNER_(a, b) a##b
#define UE_STATUS_CONCAT_(a, b) UE_STATUS_CONCAT_INNER_(a, b)

#define RETURN_IF_ERROR(expr)                    \
  do {                                           \
    ::absl::Status ue_status_ = (expr);          \
    if (!ue_status_.ok()) return ue_status_;     \
  } while (false)

#define ASSIGN_OR_RETURN(lhs, expr) \
  UE_ASSIGN_OR_RETURN_IMPL_(UE_STATUS_CONCAT_(ue_statusor_, __LINE__), lhs, expr)

#define UE_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                              \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()
