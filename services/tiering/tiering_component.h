#pragma once

#include "common/server/service_main.h"

namespace unemployment::tiering {

// How the tiering process is put together: its settings, storage and handlers.
server::ServiceDefinition Definition();

}  // namespace unemployment::tiering
