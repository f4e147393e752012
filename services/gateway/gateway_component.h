#pragma once

#include "common/server/service_main.h"

namespace unemployment::gateway {

// How the gateway process is put together: its settings, storage and handlers.
//
// Settings (flag / UE_ environment variable):
//   --registration_addr  the one registration shard "main" when --shards is empty
//   --shards             name=host:port,... of every registration shard (all are asked before a
//                        person is registered, so list retired shards that still hold registrations)
//   --routing_table      CSV region_prefix,shard_name (data/routing/); empty: everything to "main"
//   --regions_dir        region code CSV files (data/regions)
//   --contacts_dir       附件3 contact CSV files (data/contacts): the shipped rows
//   --public_service_dir 附件2 public service information CSV files (data/public_service)
//   --province_code      the province this deployment serves (230000)
//   --shard_timeout      longest wait for registration per call (10s)
//   --batch_concurrency  batch items in flight per BatchForwardApplications call (16)
server::ServiceDefinition Definition();

}  // namespace unemployment::gateway
