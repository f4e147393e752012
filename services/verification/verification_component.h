#pragma once

#include "common/server/service_main.h"

namespace unemployment::verification {

// How the verification process is put together: its settings, storage and handlers.
//
// Settings (flag / UE_ environment variable):
//   --reader_connections   SQLite reader connections (default 4)
//   --female_retirement_age_years  base retirement age of women for the RETIREMENT_AGE evidence:
//                          50 (worker, default) or 55 (cadre); see verifier.h
server::ServiceDefinition Definition();

}  // namespace unemployment::verification
