#pragma once

#include "common/server/service_main.h"

namespace unemployment::person_index {

// The person index process: PersonIndexService on <data_dir>/person_index.db, one feed consumer per
// registration shard (--registration_shards). Settings: see Definition().
server::ServiceDefinition Definition();

}  // namespace unemployment::person_index
