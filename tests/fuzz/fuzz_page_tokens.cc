// Fuzzes the page-token decoders of registration, follow-up and tiering: arbitrary tokens must be
// refused with INVALID_ARGUMENT (or decode), never crash; a decoded position re-encodes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "services/followup/page_token.h"
#include "services/registration/page_token.h"
#include "services/tiering/page_token.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unemployment::fuzz::Input in = unemployment::fuzz::Split(data, size);
  const absl::string_view token = in.rest;
  const uint64_t fingerprint = 0x9e3779b97f4a7c15ULL * (in.selector + 1);
  switch (in.selector % 3) {
    case 0: {
      namespace r = unemployment::registration;
      auto position = r::DecodePageToken(token, fingerprint);
      if (position.ok()) {
        std::string again = r::EncodePageToken(fingerprint, *position);
        if (!r::DecodePageToken(again, fingerprint).ok()) std::abort();
      } else if (position.status().code() != absl::StatusCode::kInvalidArgument) {
        std::abort();
      }
      break;
    }
    case 1: {
      namespace f = unemployment::followup;
      auto position = f::DecodePageToken(token, fingerprint);
      if (position.ok()) {
        std::string again = f::EncodePageToken(fingerprint, *position);
        if (!f::DecodePageToken(again, fingerprint).ok()) std::abort();
      } else if (position.status().code() != absl::StatusCode::kInvalidArgument) {
        std::abort();
      }
      break;
    }
    case 2: {
      namespace t = unemployment::tiering;
      size_t fields = 1 + in.selector / 3 % 4;
      auto position = t::DecodePageToken(token, fingerprint, fields);
      if (position.ok()) {
        if (position->size() != fields) std::abort();
        std::string again = t::EncodePageToken(fingerprint, *position);
        if (!t::DecodePageToken(again, fingerprint, fields).ok()) std::abort();
      } else if (position.status().code() != absl::StatusCode::kInvalidArgument) {
        std::abort();
      }
      break;
    }
  }
  return 0;
}
