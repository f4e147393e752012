#pragma once

#include "common/server/service_main.h"

namespace unemployment::statistics {

// How the statistics process is put together: its settings, storage and handlers.
server::ServiceDefinition Definition();

}  // namespace unemployment::statistics
