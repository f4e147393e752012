#pragma once

// The subcommands of uectl. Each function returns the command's table entry: its options, help
// and handler. main() lists them; tests run them through RunCommandLine.

#include "services/ops/uectl.h"

namespace unemployment::ops {

// uectl health [SERVICE...]: grpc.health.v1 status of every service (or those named).
Command HealthCommand();

// uectl submit --channel=portal|ministry --id=ID FILE.json: one application through the gateway.
Command SubmitCommand();

// uectl queue --office=CODE [--kind=province|ministry] [--overdue] [--as-of=DATE]: the review
// queue, all pages.
Command QueueCommand();

// uectl review --application=ID --accept|--reject --reviewer=STAFF [--reason=TEXT]: a decision.
Command ReviewCommand();

// uectl import-snapshot --source=SOURCE --version=V FILE.csv: a verification snapshot, streamed.
Command ImportSnapshotCommand();

// uectl compare --month=YYYY-MM: the monthly information comparison of the follow-up service.
Command CompareCommand();

// uectl export --report=KIND --region=CODE [--as-of=DATE] [-o FILE]: a statistics report as CSV.
Command ExportCommand();

// uectl feed-status --metrics=HOST:PORT,...: every feed consumer's cursor, lag and state
// (STREAMING, RETRYING, HALTED), from the services' metrics endpoints.
Command FeedStatusCommand();

// uectl rebuild statistics|person-index --data-dir=DIR: moves a stopped read model's database and
// feed checkpoints aside, so that it is rebuilt from the feeds at its next start.
Command RebuildCommand();

}  // namespace unemployment::ops
