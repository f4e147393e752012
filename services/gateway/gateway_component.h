#pragma once

#include "common/server/service_main.h"

namespace unemployment::gateway {

// How the gateway process is put together: its settings, storage and handlers.
server::ServiceDefinition Definition();

}  // namespace unemployment::gateway
