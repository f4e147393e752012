#include "common/feed/event_stream.h"

#include "absl/strings/str_cat.h"
#include "common/status/status_util.h"

namespace unemployment::feed {

absl::Status CheckCursor(int64_t after_sequence, int64_t last_sequence) {
  if (after_sequence <= last_sequence) return absl::OkStatus();
  return status::WithErrorInfo(
      absl::OutOfRangeError(absl::StrCat("after_sequence ", after_sequence,
                                         " is beyond the feed's last sequence ", last_sequence)),
      "CURSOR_AHEAD_OF_FEED", {{"last_sequence", absl::StrCat(last_sequence)}});
}

}  // namespace unemployment::feed
