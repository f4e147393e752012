#pragma once

// What every uectl command needs to talk to the suite: where each service is, a channel to it,
// a deadline on every call, and one way of printing a failed call.

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "services/ops/uectl.h"

namespace unemployment::ops {

// One service of the suite as uectl addresses it: the option --<name>-addr, the environment
// variable UE_<NAME>_ADDR, and the port deploy/local/run.sh gives it on 127.0.0.1.
struct ServiceEndpoint {
  absl::string_view name;  // "gateway"
  absl::string_view env;   // "UE_GATEWAY_ADDR"
  int local_port;          // 50051
};

// The six services in the order of deploy/local/run.sh (ports 50051..50056).
const std::vector<ServiceEndpoint>& Endpoints();

// The endpoint named `name`, or nullptr.
const ServiceEndpoint* FindEndpoint(absl::string_view name);

// The address of `service`: --<service>-addr, else UE_<SERVICE>_ADDR, else 127.0.0.1:<local port>.
std::string ServiceAddress(const Invocation& invocation, absl::string_view service);

// A channel to `address`, plain text unless --tls-ca is given (then TLS, and mutual TLS with
// --tls-cert and --tls-key). Errors: INVALID_ARGUMENT when a TLS file cannot be read.
absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(const Invocation& invocation,
                                                           const std::string& address);

// Sets the invocation's deadline (--timeout) on `context`, counted from now.
void SetDeadline(const Invocation& invocation, grpc::ClientContext& context);

// Prints a failed call on stderr: "uectl <command>: <CODE>: <message>", the ErrorInfo reason and
// metadata, one line per google.rpc.BadRequest field violation, and a hint for UNAVAILABLE,
// DEADLINE_EXCEEDED and UNIMPLEMENTED. Returns kExitFailure.
int ReportRpcError(const Invocation& invocation, absl::string_view what, const std::string& address,
                   const grpc::Status& status);

// The bytes of the FILE argument `path`; "-" reads standard input. Errors: NOT_FOUND or
// PERMISSION_DENIED with a message naming the file.
absl::StatusOr<std::string> ReadInputFile(const Invocation& invocation, const std::string& path);

// Prints a failure that is not a call (a file that cannot be read) and returns kExitFailure.
int ReportFailure(const Invocation& invocation, absl::string_view message);

// True when --json was given: results are printed as protobuf JSON instead of text.
bool WantsJson(const Invocation& invocation);

// Prints `message` as protobuf JSON (proto field names, enums by name) on stdout.
void PrintJson(const Invocation& invocation, const google::protobuf::Message& message);

// "RECEIVED" for ("APPLICATION_STATE_RECEIVED", "APPLICATION_STATE_").
std::string ShortEnumName(const std::string& full_name, absl::string_view prefix);

// RFC 3339 in UTC, or "-" for an unset timestamp.
std::string FormatTimestamp(const google::protobuf::Timestamp& timestamp);

// Checks the shape of user input before a call, so a typo is a usage error (exit 2).
bool IsDate(absl::string_view text);        // YYYY-MM-DD, a real day
bool IsMonth(absl::string_view text);       // YYYY-MM
bool IsRegionCode(absl::string_view text);  // 6 digits

}  // namespace unemployment::ops
