#pragma once

#include "common/server/service_main.h"

namespace unemployment::registration {

// How the registration process is put together: its settings, storage and handlers.
//
// Settings (flag / UE_ environment variable):
//   --shard_id                 id of this shard, prefix of every id it makes (default "hlj")
//   --province_code            the province this deployment serves (default "230000")
//   --served_regions           comma-separated region codes whose offices this shard serves
//                              (default: the province)
//   --calendar_dir             working-day calendar CSV folder (default "data/calendar")
//   --regions_dir              region code CSV folder (default "data/regions")
//   --ministry_feedback_addr   host:port of MinistryFeedbackService; empty keeps uploads queued
//   --reader_connections       SQLite reader connections (default 4)
//   --verification_addr        host:port of VerificationService; empty: applications are not
//                              verified and go straight to AWAITING_REVIEW
//   --verification_deadline_ms deadline of one VerifyApplicant call (default 10000)
server::ServiceDefinition Definition();

}  // namespace unemployment::registration
