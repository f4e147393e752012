#pragma once

#include "common/server/service_main.h"

namespace unemployment::notification_receiver {

// The reference (development) notification receiver process. Settings: --refuse_all (answer
// UNAVAILABLE to every call), --unavailable_first_n (to that many calls first). Notices are kept
// in <data_dir>/notification_receiver.db.
server::ServiceDefinition Definition();

}  // namespace unemployment::notification_receiver
