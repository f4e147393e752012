#include "services/registration/registration_service.h"

#include <functional>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/feed/event_stream.h"
#include "common/security/actor.h"
#include "common/security/call_guard.h"
#include "common/status/status_util.h"

namespace unemployment::registration {
namespace {

bool IsServerFault(absl::StatusCode code) {
  return code == absl::StatusCode::kInternal || code == absl::StatusCode::kDataLoss ||
         code == absl::StatusCode::kUnknown || code == absl::StatusCode::kResourceExhausted;
}

// Loads the record `load` returns (an application or registration) for a caller whose region
// scope must cover its office: another region's id and an unknown id get the same answer
// (security::RequireRecordInScope); a province-wide caller gets the load's own answer (NOT_FOUND).
template <typename Record>
absl::StatusOr<Record> LoadInScope(const grpc::ServerContextBase& context,
                                   const std::function<absl::StatusOr<Record>()>& load) {
  std::optional<absl::StatusOr<Record>> loaded;
  absl::Status in_scope =
      security::RequireRecordInScope(context, [&]() -> absl::StatusOr<std::string> {
        loaded = load();
        if (!loaded->ok()) return loaded->status();
        return (*loaded)->office_region_code();
      });
  if (!in_scope.ok()) return in_scope;
  if (!loaded.has_value()) loaded = load();  // not looked up for a province-wide caller
  return *std::move(loaded);
}

}  // namespace

RegistrationServiceImpl::RegistrationServiceImpl(Dependencies dependencies, log::Logger logger)
    : deps_(std::move(dependencies)),
      logger_(std::move(logger)),
      form_validator_(*deps_.regions, *deps_.clock, deps_.province_code) {}

RequestRules RegistrationServiceImpl::Rules() const {
  RequestRules rules;
  rules.regions = deps_.regions;
  rules.form_validator = &form_validator_;
  rules.today = deps_.clock->Today();
  return rules;
}

void RegistrationServiceImpl::Finish(grpc::ServerUnaryReactor* reactor, absl::string_view method,
                                     const absl::Status& status) const {
  if (IsServerFault(status.code())) {
    logger_.Error("rpc_failed", {{"method", method}, {"status", status}});
  }
  reactor->Finish(status::ToGrpcStatus(status));
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::CreateApplication(
    grpc::CallbackServerContext* context, const v1::CreateApplicationRequest* request,
    v1::CreateApplicationResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  v1::CreateApplicationRequest normalized = *request;
  if (absl::Status valid = ValidateCreateApplication(normalized, Rules()); !valid.ok()) {
    Finish(reactor, "CreateApplication", valid);
    return reactor;
  }
  deps_.registrar->CreateApplication(
      normalized, [this, reactor, response](absl::StatusOr<v1::Application> application) {
        if (application.ok()) *response->mutable_application() = *std::move(application);
        Finish(reactor, "CreateApplication", application.status());
      });
  return reactor;
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::GetApplicationByChannelId(
    grpc::CallbackServerContext* context, const v1::GetApplicationByChannelIdRequest* request,
    v1::GetApplicationByChannelIdResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  v1::GetApplicationByChannelIdRequest normalized = *request;
  absl::Status status = ValidateGetApplicationByChannelId(normalized);
  if (status.ok()) {
    absl::StatusOr<v1::Application> application = deps_.registrar->GetApplicationByChannelId(
        normalized.channel(), normalized.channel_application_id());
    status = application.status();
    if (status.ok()) *response->mutable_application() = *std::move(application);
  }
  Finish(reactor, "GetApplicationByChannelId", status);
  return reactor;
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::FenceChannelApplicationId(
    grpc::CallbackServerContext* context, const v1::FenceChannelApplicationIdRequest* request,
    v1::FenceChannelApplicationIdResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  v1::FenceChannelApplicationIdRequest normalized = *request;
  if (absl::Status valid = ValidateFenceChannelApplicationId(normalized); !valid.ok()) {
    Finish(reactor, "FenceChannelApplicationId", valid);
    return reactor;
  }
  deps_.registrar->FenceChannelApplicationId(
      normalized,
      [this, reactor, response](absl::StatusOr<v1::FenceChannelApplicationIdResponse> fenced) {
        if (fenced.ok()) *response = *std::move(fenced);
        Finish(reactor, "FenceChannelApplicationId", fenced.status());
      });
  return reactor;
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::GetApplication(
    grpc::CallbackServerContext* context, const v1::GetApplicationRequest* request,
    v1::GetApplicationResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  v1::GetApplicationRequest normalized = *request;
  absl::Status status = ValidateGetApplication(normalized);
  if (status.ok()) {
    // Staff of one region see only their region's applications.
    absl::StatusOr<v1::Application> application = LoadInScope<v1::Application>(
        *context, [&] { return deps_.registrar->GetApplication(normalized.application_id()); });
    status = application.status();
    if (status.ok()) *response->mutable_application() = *std::move(application);
  }
  Finish(reactor, "GetApplication", status);
  return reactor;
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::ListReviewQueue(
    grpc::CallbackServerContext* context, const v1::ListReviewQueueRequest* request,
    v1::ListReviewQueueResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  v1::ListReviewQueueRequest normalized = *request;
  absl::Status status = ValidateListReviewQueue(normalized, Rules());
  if (status.ok()) status = security::RequireRegion(*context, normalized.office_region_code());
  if (status.ok()) {
    absl::StatusOr<v1::ListReviewQueueResponse> page = deps_.registrar->ListReviewQueue(normalized);
    if (page.ok()) *response = *std::move(page);
    status = page.status();
  }
  Finish(reactor, "ListReviewQueue", status);
  return reactor;
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::ReviewApplication(
    grpc::CallbackServerContext* context, const v1::ReviewApplicationRequest* request,
    v1::ReviewApplicationResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  v1::ReviewApplicationRequest normalized = *request;
  // The reviewer recorded is the caller, never a name typed into the request.
  absl::StatusOr<security::Actor> reviewer =
      security::ResolveActor(*context, "reviewer", normalized.reviewer(), logger_);
  if (reviewer.ok()) normalized.set_reviewer(reviewer->subject);
  if (absl::Status valid = ValidateReviewApplication(normalized, Rules()); !valid.ok()) {
    Finish(reactor, "ReviewApplication", valid);
    return reactor;
  }
  // A region-scoped reviewer decides only applications of their region's offices; another
  // region's id and an unknown id get the same answer (a province-wide caller's unknown id is
  // answered by the review itself, NOT_FOUND). Checked before the reviewer's name, so that a
  // refusal of the name never tells an out-of-scope caller that the id exists.
  absl::Status in_scope =
      security::RequireRecordInScope(*context, [&]() -> absl::StatusOr<std::string> {
        absl::StatusOr<v1::Application> application =
            deps_.registrar->GetApplication(normalized.application_id());
        if (!application.ok()) return application.status();
        return application->office_region_code();
      });
  if (!in_scope.ok()) {
    Finish(reactor, "ReviewApplication", in_scope);
    return reactor;
  }
  if (!reviewer.ok()) {
    Finish(reactor, "ReviewApplication", reviewer.status());
    return reactor;
  }
  deps_.registrar->ReviewApplication(
      normalized,
      [this, reactor, response](absl::StatusOr<v1::ReviewApplicationResponse> result) {
        if (result.ok()) *response = *std::move(result);
        Finish(reactor, "ReviewApplication", result.status());
      });
  return reactor;
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::AmendDecision(
    grpc::CallbackServerContext* context, const v1::AmendDecisionRequest* request,
    v1::AmendDecisionResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  v1::AmendDecisionRequest normalized = *request;
  // The amending staff member is the caller, never a name typed into the request.
  absl::StatusOr<security::Actor> actor =
      security::ResolveActor(*context, "actor", normalized.actor(), logger_);
  if (!actor.ok()) {
    Finish(reactor, "AmendDecision", actor.status());
    return reactor;
  }
  normalized.set_actor(actor->subject);
  if (absl::Status valid = ValidateAmendDecision(normalized); !valid.ok()) {
    Finish(reactor, "AmendDecision", valid);
    return reactor;
  }
  // A region-scoped reviewer amends only decisions of their region's offices.
  if (security::CallerRegionScope(*context) != "*") {
    absl::Status in_scope = security::RequireRecordInScope(
        *context, [this, &normalized]() -> absl::StatusOr<std::string> {
          absl::StatusOr<v1::Application> application =
              deps_.registrar->GetApplication(normalized.application_id());
          if (!application.ok()) return application.status();
          return application->office_region_code();
        });
    if (!in_scope.ok()) {
      Finish(reactor, "AmendDecision", in_scope);
      return reactor;
    }
  }
  deps_.registrar->AmendDecision(
      normalized, [this, reactor, response](absl::StatusOr<v1::AmendDecisionResponse> result) {
        if (result.ok()) *response = *std::move(result);
        Finish(reactor, "AmendDecision", result.status());
      });
  return reactor;
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::GetRegistration(
    grpc::CallbackServerContext* context, const v1::GetRegistrationRequest* request,
    v1::GetRegistrationResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  v1::GetRegistrationRequest normalized = *request;
  absl::Status status = ValidateGetRegistration(normalized);
  if (status.ok()) {
    absl::StatusOr<v1::Registration> registration = LoadInScope<v1::Registration>(
        *context, [&] { return deps_.registrar->GetRegistration(normalized.registration_id()); });
    status = registration.status();
    if (status.ok()) *response->mutable_registration() = *std::move(registration);
  }
  Finish(reactor, "GetRegistration", status);
  return reactor;
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::GetActiveRegistrationByPerson(
    grpc::CallbackServerContext* context, const v1::GetActiveRegistrationByPersonRequest* request,
    v1::GetActiveRegistrationByPersonResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  v1::GetActiveRegistrationByPersonRequest normalized = *request;
  absl::Status status = ValidateGetActiveRegistrationByPerson(normalized, Rules());
  if (status.ok()) {
    absl::StatusOr<v1::Registration> registration =
        deps_.registrar->GetActiveRegistrationByPerson(normalized.person_id());
    if (registration.ok()) *response->mutable_registration() = *std::move(registration);
    status = registration.status();
  }
  Finish(reactor, "GetActiveRegistrationByPerson", status);
  return reactor;
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::Deregister(grpc::CallbackServerContext* context,
                                                              const v1::DeregisterRequest* request,
                                                              v1::DeregisterResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  v1::DeregisterRequest normalized = *request;
  // The actor recorded is the caller (a peer service relays the person it acts for).
  absl::StatusOr<security::Actor> actor =
      security::ResolveActor(*context, "actor", normalized.actor(), logger_);
  if (!actor.ok()) {
    Finish(reactor, "Deregister", actor.status());
    return reactor;
  }
  normalized.set_actor(actor->subject);
  if (absl::Status valid = ValidateDeregister(normalized, Rules()); !valid.ok()) {
    Finish(reactor, "Deregister", valid);
    return reactor;
  }
  deps_.registrar->Deregister(
      normalized, [this, reactor, response](absl::StatusOr<v1::DeregisterResponse> result) {
        if (result.ok()) *response = *std::move(result);
        Finish(reactor, "Deregister", result.status());
      });
  return reactor;
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::ListNotifications(
    grpc::CallbackServerContext* context, const v1::ListNotificationsRequest* request,
    v1::ListNotificationsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  v1::ListNotificationsRequest normalized = *request;
  absl::Status status = ValidateListNotifications(normalized);
  if (status.ok()) {
    absl::StatusOr<v1::ListNotificationsResponse> page =
        deps_.registrar->ListNotifications(normalized);
    if (page.ok()) *response = *std::move(page);
    status = page.status();
  }
  Finish(reactor, "ListNotifications", status);
  return reactor;
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::ListUndeliveredNotifications(
    grpc::CallbackServerContext* context, const v1::ListUndeliveredNotificationsRequest* request,
    v1::ListUndeliveredNotificationsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  v1::ListUndeliveredNotificationsRequest normalized = *request;
  absl::Status status = ValidateListUndeliveredNotifications(normalized, Rules());
  // Staff of one region list only their region's offices.
  if (status.ok()) status = security::RequireRegion(*context, normalized.region_code());
  if (status.ok()) {
    absl::StatusOr<v1::ListUndeliveredNotificationsResponse> page =
        deps_.registrar->ListUndeliveredNotifications(normalized);
    if (page.ok()) *response = *std::move(page);
    status = page.status();
  }
  Finish(reactor, "ListUndeliveredNotifications", status);
  return reactor;
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::SetDutyReviewers(
    grpc::CallbackServerContext* context, const v1::SetDutyReviewersRequest* request,
    v1::SetDutyReviewersResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  v1::SetDutyReviewersRequest normalized = *request;
  // The staff member naming the duty reviewers is the caller, never a name typed into the request.
  absl::StatusOr<security::Actor> actor =
      security::ResolveActor(*context, "actor", normalized.actor(), logger_);
  if (!actor.ok()) {
    Finish(reactor, "SetDutyReviewers", actor.status());
    return reactor;
  }
  normalized.set_actor(actor->subject);
  absl::Status status = ValidateSetDutyReviewers(normalized, Rules());
  // Staff of one region name the duty reviewers of their region's offices only.
  if (status.ok()) status = security::RequireRegion(*context, normalized.office_region_code());
  if (!status.ok()) {
    Finish(reactor, "SetDutyReviewers", status);
    return reactor;
  }
  deps_.registrar->SetDutyReviewers(
      normalized, [this, reactor, response](absl::StatusOr<v1::SetDutyReviewersResponse> result) {
        if (result.ok()) *response = *std::move(result);
        Finish(reactor, "SetDutyReviewers", result.status());
      });
  return reactor;
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::ListDutyReviewers(
    grpc::CallbackServerContext* context, const v1::ListDutyReviewersRequest* request,
    v1::ListDutyReviewersResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  v1::ListDutyReviewersRequest normalized = *request;
  absl::Status status = ValidateListDutyReviewers(normalized, Rules());
  if (status.ok()) status = security::RequireRegion(*context, normalized.region_code());
  if (status.ok()) {
    absl::StatusOr<v1::ListDutyReviewersResponse> page =
        deps_.registrar->ListDutyReviewers(normalized);
    if (page.ok()) *response = *std::move(page);
    status = page.status();
  }
  Finish(reactor, "ListDutyReviewers", status);
  return reactor;
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::ReportRegionContact(
    grpc::CallbackServerContext* context, const v1::ReportRegionContactRequest* request,
    v1::ReportRegionContactResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  v1::ReportRegionContactRequest normalized = *request;
  // The reporter is the caller, never a name typed into the request.
  absl::StatusOr<security::Actor> actor =
      security::ResolveActor(*context, "actor", normalized.actor(), logger_);
  if (!actor.ok()) {
    Finish(reactor, "ReportRegionContact", actor.status());
    return reactor;
  }
  normalized.set_actor(actor->subject);
  absl::Status status = ValidateReportRegionContact(normalized, Rules());
  // A city reports for itself and its counties, a county for itself only.
  if (status.ok()) status = security::RequireRegion(*context, normalized.region_code());
  if (!status.ok()) {
    Finish(reactor, "ReportRegionContact", status);
    return reactor;
  }
  const validation::Region* region = deps_.regions->Find(normalized.region_code());
  deps_.registrar->ReportRegionContact(
      normalized, region == nullptr ? std::string() : region->name,
      [this, reactor, response](absl::StatusOr<v1::ReportRegionContactResponse> result) {
        if (result.ok()) *response = *std::move(result);
        Finish(reactor, "ReportRegionContact", result.status());
      });
  return reactor;
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::GetReportedRegionContact(
    grpc::CallbackServerContext* context, const v1::GetReportedRegionContactRequest* request,
    v1::GetReportedRegionContactResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  v1::GetReportedRegionContactRequest normalized = *request;
  absl::Status status = ValidateGetReportedRegionContact(normalized);
  if (status.ok()) {
    absl::StatusOr<v1::ReportedRegionContact> contact =
        deps_.registrar->GetReportedRegionContact(normalized.region_code());
    if (contact.ok()) *response->mutable_contact() = *std::move(contact);
    status = contact.status();
  }
  Finish(reactor, "GetReportedRegionContact", status);
  return reactor;
}

grpc::ServerUnaryReactor* RegistrationServiceImpl::ListReportedRegionContacts(
    grpc::CallbackServerContext* context, const v1::ListReportedRegionContactsRequest* request,
    v1::ListReportedRegionContactsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  v1::ListReportedRegionContactsRequest normalized = *request;
  absl::Status status = ValidateListReportedRegionContacts(normalized);
  if (status.ok()) {
    absl::StatusOr<v1::ListReportedRegionContactsResponse> page =
        deps_.registrar->ListReportedRegionContacts(normalized);
    if (page.ok()) *response = *std::move(page);
    status = page.status();
  }
  Finish(reactor, "ListReportedRegionContacts", status);
  return reactor;
}

grpc::ServerWriteReactor<v1::StreamEventsResponse>* RegistrationServiceImpl::StreamEvents(
    grpc::CallbackServerContext* /*context*/, const v1::StreamEventsRequest* request) {
  absl::Status status = ValidateStreamEvents(*request);
  absl::StatusOr<int64_t> last = int64_t{0};
  if (status.ok()) {
    last = deps_.store->LastSequence();
    status = last.status();
  }
  if (status.ok()) status = feed::CheckCursor(request->after_sequence(), *last);
  // Replays, then waits on the notifier (woken on its dispatcher thread, not the commit thread).
  auto* stream = new feed::EventStream<v1::StreamEventsResponse>(
      [this](int64_t after, int limit) -> absl::StatusOr<std::vector<v1::Event>> {
        absl::StatusOr<std::vector<v1::Event>> events = deps_.store->ReadEvents(after, limit);
        if (!events.ok()) logger_.Error("stream_read_failed", {{"status", events.status()}});
        return events;
      },
      *deps_.notifier, request->after_sequence(), request->stop_at_end(), last.ok() ? *last : 0,
      "the server is shutting down; resume after the last sequence received");
  if (!status.ok()) {
    stream->Reject(status::ToGrpcStatus(status));
  } else {
    stream->Start();
  }
  return stream;
}

}  // namespace unemployment::registration
