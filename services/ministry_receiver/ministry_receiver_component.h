#pragma once

#include "common/server/service_main.h"

namespace unemployment::ministry_receiver {

// The reference ministry receiver process. Settings: --unavailable_first_n (answer UNAVAILABLE
// to that many calls first; default 0). Results are kept in <data_dir>/ministry_receiver.db.
server::ServiceDefinition Definition();

}  // namespace unemployment::ministry_receiver
