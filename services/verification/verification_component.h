#pragma once

#include "common/server/service_main.h"

namespace unemployment::verification {

// How the verification process is put together: its settings, storage and handlers.
server::ServiceDefinition Definition();

}  // namespace unemployment::verification
