#pragma once

#include "common/server/service_main.h"

namespace unemployment::registration {

// How the registration process is put together: its settings, storage and handlers.
server::ServiceDefinition Definition();

}  // namespace unemployment::registration
