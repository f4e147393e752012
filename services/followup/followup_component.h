#pragma once

#include "common/server/service_main.h"

namespace unemployment::followup {

// How the followup process is put together: its settings, storage and handlers.
server::ServiceDefinition Definition();

}  // namespace unemployment::followup
