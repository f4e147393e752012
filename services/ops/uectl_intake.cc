// uectl submit, queue and review: intake through the gateway and the office's review queue in
// registration.

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"
#include "services/ops/uectl_client.h"
#include "services/ops/uectl_commands.h"
#include "unemployment/common/v1/codes.pb.h"
#include "unemployment/gateway/v1/gateway_service.grpc.pb.h"
#include "unemployment/registration/v1/registration_service.grpc.pb.h"

namespace unemployment::ops {
namespace {

namespace common_v1 = ::unemployment::common::v1;
namespace gateway_v1 = ::unemployment::gateway::v1;
namespace registration_v1 = ::unemployment::registration::v1;

// The metadata key and values of channel identity (gateway_service.proto).
constexpr char kChannelHeader[] = "x-channel-id";
constexpr char kPortalChannel[] = "province-portal";
constexpr char kMinistryChannel[] = "ministry";

std::string ChannelName(common_v1::Channel channel) {
  switch (channel) {
    case common_v1::CHANNEL_PROVINCE_PORTAL:
      return kPortalChannel;
    case common_v1::CHANNEL_MINISTRY:
      return kMinistryChannel;
    default:
      return "?";
  }
}

std::string StateName(common_v1::ApplicationState state) {
  return ShortEnumName(common_v1::ApplicationState_Name(state), "APPLICATION_STATE_");
}

std::string OutcomeName(common_v1::ReviewOutcome outcome) {
  return ShortEnumName(common_v1::ReviewOutcome_Name(outcome), "REVIEW_OUTCOME_");
}

std::string QueueName(registration_v1::ReviewQueueKind kind) {
  switch (kind) {
    case registration_v1::REVIEW_QUEUE_KIND_PROVINCE:
      return "province";
    case registration_v1::REVIEW_QUEUE_KIND_MINISTRY_FORWARDED:
      return "ministry";
    default:
      return "?";
  }
}

void PrintField(std::ostream& out, absl::string_view name, absl::string_view value) {
  if (value.empty()) return;
  out << absl::StrFormat("%-24s %s\n", absl::StrCat(name, ":"), value);
}

void PrintApplicationStatus(std::ostream& out, const gateway_v1::ApplicationStatus& application) {
  PrintField(out, "application_id", application.application_id());
  PrintField(out, "channel", ChannelName(application.channel()));
  PrintField(out, "channel_application_id", application.channel_application_id());
  PrintField(out, "office_region_code", application.office_region_code());
  PrintField(out, "state", StateName(application.state()));
  PrintField(out, "received_at", FormatTimestamp(application.received_at()));
  PrintField(out, "due_date", application.due_date());
  if (application.outcome() != common_v1::REVIEW_OUTCOME_UNSPECIFIED) {
    PrintField(out, "outcome", OutcomeName(application.outcome()));
  }
  PrintField(out, "decision_reason", application.decision_reason());
  PrintField(out, "decided_on", application.decided_on());
  PrintField(out, "registration_id", application.registration_id());
}

void PrintApplication(std::ostream& out, const registration_v1::Application& application) {
  PrintField(out, "application_id", application.id());
  PrintField(out, "channel", ChannelName(application.channel()));
  PrintField(out, "channel_application_id", application.channel_application_id());
  PrintField(out, "office_region_code", application.office_region_code());
  PrintField(out, "queue", QueueName(application.queue_kind()));
  PrintField(out, "state", StateName(application.state()));
  PrintField(out, "received_date", application.received_date());
  PrintField(out, "due_date",
             absl::StrCat(application.due_date(),
                          application.due_date_provisional() ? " (provisional)" : ""));
  if (application.has_decision()) {
    const registration_v1::ReviewDecision& decision = application.decision();
    PrintField(out, "outcome", OutcomeName(decision.outcome()));
    if (decision.rejection_reason() != common_v1::REJECTION_REASON_UNSPECIFIED) {
      PrintField(out, "rejection_reason",
                 std::string(common_v1::RejectionReason_Name(decision.rejection_reason())));
    }
    PrintField(out, "reason", decision.reason());
    PrintField(out, "reviewer", decision.reviewer());
    PrintField(out, "decided_on",
               absl::StrCat(decision.decided_on(), decision.on_time() ? " (on time)" : " (late)"));
  }
  PrintField(out, "registration_id", application.registration_id());
}

// ---- submit ----------------------------------------------------------------------------------

int RunSubmit(const Invocation& invocation) {
  const ParsedArgs& args = invocation.args;
  std::string channel = absl::AsciiStrToLower(args.ValueOr("channel", ""));
  if (channel.empty()) return UsageError(invocation, "--channel=portal|ministry is required");
  bool portal;
  if (channel == "portal" || channel == kPortalChannel) {
    portal = true;
  } else if (channel == kMinistryChannel) {
    portal = false;
  } else {
    return UsageError(invocation,
                      absl::StrCat("--channel must be portal or ministry, not '", channel, "'"));
  }
  std::string id = args.ValueOr("id", "");
  if (id.empty()) {
    return UsageError(invocation, "--id is required (the channel's application id)");
  }

  const std::string& path = args.positional()[0];
  absl::StatusOr<std::string> json = ReadInputFile(invocation, path);
  if (!json.ok()) return ReportFailure(invocation, json.status().message());
  common_v1::RegistrationForm form;
  google::protobuf::util::JsonParseOptions parse_options;
  parse_options.ignore_unknown_fields = false;
  google::protobuf::util::Status parsed =
      google::protobuf::util::JsonStringToMessage(*json, &form, parse_options);
  if (!parsed.ok()) {
    return ReportFailure(invocation,
                         absl::StrCat("'", path, "' is not a RegistrationForm in protobuf JSON: ",
                                      std::string(parsed.message())));
  }

  const std::string address = ServiceAddress(invocation, "gateway");
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel_ptr = OpenChannel(invocation, address);
  if (!channel_ptr.ok()) return UsageError(invocation, std::string(channel_ptr.status().message()));
  auto stub = gateway_v1::GatewayService::NewStub(*channel_ptr);
  grpc::ClientContext context;
  SetDeadline(invocation, context);
  context.AddMetadata(kChannelHeader, portal ? kPortalChannel : kMinistryChannel);

  grpc::Status status;
  gateway_v1::ApplicationStatus application;
  if (portal) {
    gateway_v1::SubmitApplicationRequest request;
    request.set_portal_application_id(id);
    *request.mutable_form() = std::move(form);
    gateway_v1::SubmitApplicationResponse response;
    status = stub->SubmitApplication(&context, request, &response);
    application = response.application();
  } else {
    gateway_v1::ForwardApplicationRequest request;
    request.set_ministry_application_id(id);
    *request.mutable_form() = std::move(form);
    gateway_v1::ForwardApplicationResponse response;
    status = stub->ForwardApplication(&context, request, &response);
    application = response.application();
  }
  if (!status.ok()) {
    return ReportRpcError(invocation, portal ? "SubmitApplication" : "ForwardApplication", address,
                          status);
  }
  if (WantsJson(invocation)) {
    PrintJson(invocation, application);
  } else {
    PrintApplicationStatus(*invocation.context.out, application);
  }
  return kExitOk;
}

// ---- queue -----------------------------------------------------------------------------------

// Pages of 500 (the service's maximum) unless --page-size says otherwise.
constexpr int kQueuePageSize = 500;

int RunQueue(const Invocation& invocation) {
  const ParsedArgs& args = invocation.args;
  registration_v1::ListReviewQueueRequest request;
  std::string office = args.ValueOr("office", "");
  if (office.empty()) return UsageError(invocation, "--office=CODE is required");
  if (!IsRegionCode(office)) {
    return UsageError(invocation,
                      absl::StrCat("--office '", office, "' is not a 6-digit region code"));
  }
  request.set_office_region_code(office);
  if (std::optional<std::string> kind = args.Value("kind")) {
    if (*kind == "province") {
      request.set_kind(registration_v1::REVIEW_QUEUE_KIND_PROVINCE);
    } else if (*kind == "ministry") {
      request.set_kind(registration_v1::REVIEW_QUEUE_KIND_MINISTRY_FORWARDED);
    } else {
      return UsageError(invocation,
                        absl::StrCat("--kind must be province or ministry, not '", *kind, "'"));
    }
  }
  request.set_overdue_only(args.Has("overdue"));
  if (std::optional<std::string> as_of = args.Value("as-of")) {
    if (!IsDate(*as_of)) {
      return UsageError(invocation,
                        absl::StrCat("--as-of '", *as_of, "' is not a date YYYY-MM-DD"));
    }
    request.set_as_of(*as_of);
  }
  int page_size = kQueuePageSize;
  if (std::optional<std::string> size = args.Value("page-size")) {
    if (!absl::SimpleAtoi(*size, &page_size) || page_size < 1 || page_size > kQueuePageSize) {
      return UsageError(invocation, absl::StrCat("--page-size must be 1 to ", kQueuePageSize));
    }
  }
  request.set_page_size(page_size);

  const std::string address = ServiceAddress(invocation, "registration");
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenChannel(invocation, address);
  if (!channel.ok()) return UsageError(invocation, std::string(channel.status().message()));
  auto stub = registration_v1::RegistrationService::NewStub(*channel);

  registration_v1::ListReviewQueueResponse all;
  int pages = 0;
  while (true) {
    grpc::ClientContext context;
    SetDeadline(invocation, context);
    registration_v1::ListReviewQueueResponse page;
    grpc::Status status = stub->ListReviewQueue(&context, request, &page);
    if (!status.ok()) return ReportRpcError(invocation, "ListReviewQueue", address, status);
    ++pages;
    all.set_total_size(page.total_size());
    for (registration_v1::ReviewQueueEntry& entry : *page.mutable_entries()) {
      *all.add_entries() = std::move(entry);
    }
    if (page.next_page_token().empty()) break;
    if (page.next_page_token() == request.page_token()) {
      return ReportFailure(invocation, "the service returned the same page token twice");
    }
    request.set_page_token(page.next_page_token());
  }

  if (WantsJson(invocation)) {
    PrintJson(invocation, all);
    return kExitOk;
  }
  std::ostream& out = *invocation.context.out;
  constexpr char kRow[] = "%-28s %-8s %-20s %-10s %-10s %-11s %-7s %s\n";
  out << absl::StrFormat(kRow, "APPLICATION", "QUEUE", "STATE", "OFFICE", "RECEIVED", "DUE",
                         "OVERDUE", "CHANNEL_ID");
  for (const registration_v1::ReviewQueueEntry& entry : all.entries()) {
    const registration_v1::Application& application = entry.application();
    out << absl::StrFormat(
        kRow, application.id(), QueueName(application.queue_kind()), StateName(application.state()),
        application.office_region_code(), application.received_date(),
        absl::StrCat(application.due_date(), application.due_date_provisional() ? "*" : ""),
        entry.overdue() ? "yes" : "no", application.channel_application_id());
  }
  out << all.entries_size() << " undecided application" << (all.entries_size() == 1 ? "" : "s")
      << " in the queue of " << office << " (" << pages << " page" << (pages == 1 ? "" : "s")
      << ")\n";
  return kExitOk;
}

// ---- review ----------------------------------------------------------------------------------

int RunReview(const Invocation& invocation) {
  const ParsedArgs& args = invocation.args;
  registration_v1::ReviewApplicationRequest request;
  request.set_application_id(args.ValueOr("application", ""));
  if (request.application_id().empty())
    return UsageError(invocation, "--application=ID is required");
  const bool accept = args.Has("accept"), reject = args.Has("reject");
  if (accept == reject) return UsageError(invocation, "give exactly one of --accept and --reject");
  request.set_outcome(accept ? common_v1::REVIEW_OUTCOME_ACCEPTED
                             : common_v1::REVIEW_OUTCOME_REJECTED);
  request.set_reason(args.ValueOr("reason", ""));
  if (std::optional<std::string> code = args.Value("rejection-reason")) {
    // The enum name with or without its prefix (BELOW_WORKING_AGE), or its number.
    common_v1::RejectionReason parsed = common_v1::REJECTION_REASON_UNSPECIFIED;
    int number = 0;
    if (!common_v1::RejectionReason_Parse(*code, &parsed) &&
        !common_v1::RejectionReason_Parse(absl::StrCat("REJECTION_REASON_", *code), &parsed) &&
        !(absl::SimpleAtoi(*code, &number) && common_v1::RejectionReason_IsValid(number) &&
          (parsed = static_cast<common_v1::RejectionReason>(number), true))) {
      return UsageError(invocation, absl::StrCat("--rejection-reason '", *code,
                                                 "' is no rejection reason code"));
    }
    request.set_rejection_reason(parsed);
  }
  if (reject && request.rejection_reason() == common_v1::REJECTION_REASON_UNSPECIFIED) {
    return UsageError(invocation,
                      "--reject needs --rejection-reason=CODE (e.g. BELOW_WORKING_AGE; OTHER also "
                      "needs --reason)");
  }
  std::string reviewer = args.ValueOr("reviewer", "");
  if (reviewer.empty() && invocation.context.getenv) {
    reviewer = invocation.context.getenv("UE_STAFF_ID").value_or("");
  }
  if (reviewer.empty()) {
    return UsageError(invocation, "--reviewer=STAFF_ID is required (or set UE_STAFF_ID)");
  }
  request.set_reviewer(reviewer);
  if (std::optional<std::string> day = args.Value("decided-on")) {
    if (!IsDate(*day)) {
      return UsageError(invocation,
                        absl::StrCat("--decided-on '", *day, "' is not a date YYYY-MM-DD"));
    }
    request.set_decided_on(*day);
  }
  request.set_note(args.ValueOr("note", ""));
  request.set_residence_urban_rural_class(args.ValueOr("urban-rural-class", ""));
  std::string request_id = args.ValueOr("request-id", "");
  if (request_id.empty()) request_id = invocation.context.new_request_id();
  request.set_request_id(request_id);

  const std::string address = ServiceAddress(invocation, "registration");
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenChannel(invocation, address);
  if (!channel.ok()) return UsageError(invocation, std::string(channel.status().message()));
  auto stub = registration_v1::RegistrationService::NewStub(*channel);
  // Printed first so that an operator whose call timed out can repeat exactly this decision.
  *invocation.context.err << "request id: " << request_id
                          << " (repeat with --request-id=" << request_id << " to retry safely)\n";
  grpc::ClientContext context;
  SetDeadline(invocation, context);
  registration_v1::ReviewApplicationResponse response;
  grpc::Status status = stub->ReviewApplication(&context, request, &response);
  if (!status.ok()) return ReportRpcError(invocation, "ReviewApplication", address, status);
  if (WantsJson(invocation)) {
    PrintJson(invocation, response);
  } else {
    PrintApplication(*invocation.context.out, response.application());
  }
  return kExitOk;
}

}  // namespace

Command SubmitCommand() {
  Command command;
  command.name = "submit";
  command.summary = "submit an application form (JSON) through the gateway";
  command.synopsis = "submit --channel=portal|ministry --id=ID [options] FILE.json";
  command.description =
      "Reads a unemployment.common.v1.RegistrationForm in protobuf JSON (FILE, or - for standard\n"
      "input; see services/ops/examples/form.json) and sends it to the gateway as the channel\n"
      "names it in the x-channel-id metadata: portal = SubmitApplication (province-portal, ID is\n"
      "the portal application id, e.g. 230102P0001), ministry = ForwardApplication (ID is the\n"
      "ministry application number). Prints where the application stands. Repeating the same ID\n"
      "with the same form is safe and returns the same application; an invalid form lists\n"
      "every field violation.";
  command.flags = {
      {"channel", "portal|ministry", "the submitting channel"},
      {"id", "ID", "the channel's application id (the idempotency key)"},
  };
  command.min_positional = command.max_positional = 1;
  command.run = RunSubmit;
  return command;
}

Command QueueCommand() {
  Command command;
  command.name = "queue";
  command.summary = "list an office's review queue (all pages)";
  command.synopsis = "queue --office=CODE [--kind=province|ministry] [--overdue] [--as-of=DATE]";
  command.description =
      "Lists the undecided applications of the office (a county code; a city or the province\n"
      "code lists every office under it), oldest first, from the registration shard at\n"
      "--registration-addr. A '*' after the due date marks a provisional deadline.";
  command.flags = {
      {"office", "CODE", "6-digit region code of the office"},
      {"kind", "province|ministry", "only one of the two queues (default: both)"},
      {"overdue", "", "only applications past their due date"},
      {"as-of", "DATE", "the day overdue is judged on, YYYY-MM-DD (default: today)"},
      {"page-size", "N", "entries fetched per call, 1 to 500 (default 500)"},
  };
  command.run = RunQueue;
  return command;
}

Command ReviewCommand() {
  Command command;
  command.name = "review";
  command.summary = "accept or reject an application";
  command.synopsis =
      "review --application=ID --accept|--reject [--rejection-reason=CODE] --reviewer=STAFF_ID "
      "[--reason=TEXT] [options]";
  command.description =
      "Records the office's decision with RegistrationService.ReviewApplication on the shard at\n"
      "--registration-addr (the one whose id prefixes the application id). A request id is\n"
      "generated and printed on stderr; pass it back with --request-id to retry a call whose\n"
      "answer was lost without deciding twice. Ministry-forwarded applications need\n"
      "--urban-rural-class to be accepted.";
  command.flags = {
      {"application", "ID", "the application id (e.g. hlj-...)"},
      {"accept", "", "accept: the person is registered"},
      {"reject", "", "reject (needs --rejection-reason)"},
      {"rejection-reason", "CODE",
       "with --reject: IDENTITY_NOT_CONFIRMED, EMPLOYED, BUSINESS_REGISTERED, RECEIVING_PENSION, "
       "FULL_TIME_STUDENT, BELOW_WORKING_AGE, ABOVE_WORKING_AGE, INCOMPLETE_NOT_COMPLETED, "
       "DUPLICATE_APPLICATION or OTHER (no code for 户籍/人户分离: never a ground)"},
      {"reason", "TEXT", "the detail sent to the applicant after the code's label; required with "
       "--rejection-reason=OTHER"},
      {"reviewer", "STAFF_ID", "the reviewer's staff id (env UE_STAFF_ID)"},
      {"decided-on", "DATE", "deprecated: the server dates decisions; only today is accepted"},
      {"note", "TEXT", "internal note, not sent to the applicant"},
      {"urban-rural-class", "CODE", "3-digit urban-rural class of the residence"},
      {"request-id", "ID", "idempotency key (default: a new one)"},
  };
  command.run = RunReview;
  return command;
}

}  // namespace unemployment::ops
