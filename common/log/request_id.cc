#include "common/log/request_id.h"

#include <random>

#include "absl/strings/str_format.h"

namespace unemployment::log {
namespace {

// The innermost scope of this thread. A thread-local, not a global: each thread sees only the
// scopes it opened itself.
thread_local const RequestIdScope* current_scope = nullptr;
thread_local const std::string* current_id = nullptr;

}  // namespace

absl::string_view CurrentRequestId() {
  return current_id == nullptr ? absl::string_view() : absl::string_view(*current_id);
}

std::string NewRequestId() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return absl::StrFormat("%016x", generator());
}

RequestIdScope::RequestIdScope(std::string request_id)
    : id_(std::move(request_id)), previous_(current_scope) {
  current_scope = this;
  current_id = &id_;
}

RequestIdScope::~RequestIdScope() {
  current_scope = previous_;
  current_id = previous_ == nullptr ? nullptr : &previous_->id_;
}

}  // namespace unemployment::log
