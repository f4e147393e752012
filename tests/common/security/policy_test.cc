// The access policy in data/security/policy against the intended decisions: every method of every
// service in proto/ (read from the .proto files themselves) for every role.

#include "common/security/policy.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/log/mask.h"
#include "common/status/status_util.h"
#include "google/protobuf/descriptor.h"
#include "unemployment/followup/v1/followup_service.pb.h"
#include "unemployment/gateway/v1/gateway_service.pb.h"
#include "unemployment/notification/v1/credit_record_receiver_service.pb.h"
#include "unemployment/notification/v1/notification_receiver_service.pb.h"
#include "unemployment/personindex/v1/person_index_service.pb.h"
#include "unemployment/registration/v1/ministry_feedback_service.pb.h"
#include "unemployment/registration/v1/registration_service.pb.h"
#include "unemployment/statistics/v1/statistics_service.pb.h"
#include "unemployment/tiering/v1/tiering_service.pb.h"
#include "unemployment/verification/v1/verification_service.pb.h"

namespace unemployment::security {
namespace {

// Links every contract's descriptors into this binary (static libraries drop unreferenced ones).
void LinkContracts() {
  (void)followup::v1::FollowUp::descriptor();
  (void)gateway::v1::SubmitApplicationRequest::descriptor();
  (void)notification::v1::DeliverNotificationRequest::descriptor();
  (void)notification::v1::DeliverCreditRecordRequest::descriptor();
  (void)personindex::v1::Reservation::descriptor();
  (void)registration::v1::ReceiveReviewResultRequest::descriptor();
  (void)registration::v1::Application::descriptor();
  (void)statistics::v1::Ratio::descriptor();
  (void)tiering::v1::Profile::descriptor();
  (void)verification::v1::SnapshotHeader::descriptor();
}

// "/package.Service/Method" of every rpc in the .proto files under proto/.
std::set<std::string> MethodsInContracts() {
  LinkContracts();
  std::string root = std::string(UE_SOURCE_DIR) + "/proto";
  std::set<std::string> methods;
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.path().extension() != ".proto") continue;
    std::string relative = std::filesystem::relative(entry.path(), root).string();
    const google::protobuf::FileDescriptor* file =
        google::protobuf::DescriptorPool::generated_pool()->FindFileByName(relative);
    INFO(relative << " is not linked into the test: add it to LinkContracts()");
    REQUIRE(file != nullptr);
    ++files;
    for (int s = 0; s < file->service_count(); ++s) {
      const google::protobuf::ServiceDescriptor* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        methods.insert(absl::StrCat("/", service->full_name(), "/", service->method(m)->name()));
      }
    }
  }
  REQUIRE(files >= 7);
  return methods;
}

Policy LoadPolicy() {
  absl::StatusOr<Policy> policy = Policy::Load(std::string(UE_SOURCE_DIR) + "/data/security/policy");
  INFO(policy.status().ToString());
  REQUIRE(policy.ok());
  return *std::move(policy);
}

std::string M(absl::string_view service, absl::string_view method) {
  return absl::StrCat("/unemployment.", service, "/", method);
}

// The intended decisions, written from the roles' duties rather than copied from the file.
std::map<std::string, std::set<std::string>> Intended() {
  const std::string gw = "gateway.v1.GatewayService", reg = "registration.v1.RegistrationService",
                    ver = "verification.v1.VerificationService", tie = "tiering.v1.TieringService",
                    fol = "followup.v1.FollowupService", sta = "statistics.v1.StatisticsService";
  std::map<std::string, std::set<std::string>> allowed;
  // Each channel only its own intake methods, the status of its applications and the contacts;
  // the portal also takes people's monthly self reports.
  allowed["province-portal"] = {M(gw, "SubmitApplication"), M(gw, "GetApplicationStatus"),
                                M(gw, "ListRegionContacts"), M(gw, "GetRegionContact"), M(gw, "GetPublicServiceInfo"),
                                M(fol, "SubmitSelfReport")};
  allowed["ministry"] = {M(gw, "ForwardApplication"), M(gw, "BatchForwardApplications"),
                         M(gw, "GetApplicationStatus"), M(gw, "ListRegionContacts"),
                         M(gw, "GetRegionContact"), M(gw, "GetPublicServiceInfo")};
  // One role per calling service, with exactly the calls it makes of the others (the peer
  // clients in services/*: gateway/registration_shards.cc and person_index_client.cc,
  // person_index/grpc_shard_fencer.cc, registration/verification_worker.cc and
  // notification_deliverer.cc, followup/registration_client.cc, verification_client.cc and
  // credit_deliverer.cc, and the feed consumers of person index, tiering, follow-up and
  // statistics). Statistics only reads feeds; only follow-up deregisters; no service reads a
  // person by ID number (GetActiveRegistrationByPerson is staff's).
  const std::string pi = "personindex.v1.PersonIndexService";
  allowed["svc-gateway"] = {M(reg, "CreateApplication"), M(reg, "GetApplication"),
                            M(reg, "GetApplicationByChannelId"),
                            M(reg, "GetReportedRegionContact"), M(reg, "ListReportedRegionContacts"),
                            M(pi, "Reserve"), M(pi, "Complete"), M(pi, "Release"),
                            M(pi, "GetReservation")};
  allowed["svc-registration"] = {
      M(ver, "VerifyApplicant"),
      "/unemployment.registration.v1.MinistryFeedbackService/ReceiveReviewResult",
      "/unemployment.notification.v1.NotificationReceiverService/DeliverNotification"};
  allowed["svc-person-index"] = {M(reg, "StreamEvents"), M(reg, "FenceChannelApplicationId")};
  allowed["svc-tiering"] = {M(reg, "StreamEvents")};
  allowed["svc-followup"] = {
      M(reg, "StreamEvents"), M(reg, "Deregister"), M(ver, "CompareActiveRegistrations"),
      "/unemployment.notification.v1.CreditRecordReceiverService/DeliverCreditRecord"};
  allowed["svc-statistics"] = {M(reg, "StreamEvents"), M(tie, "StreamEvents"),
                               M(fol, "StreamEvents")};
  allowed["reviewer"] = {M(gw, "ListRegionContacts"), M(gw, "GetRegionContact"), M(gw, "GetPublicServiceInfo"),
                         M(reg, "GetApplication"), M(reg, "ListReviewQueue"),
                         M(reg, "ReviewApplication"), M(reg, "AmendDecision"),
                         M(reg, "GetRegistration"), M(reg, "GetActiveRegistrationByPerson"),
                         M(reg, "ListUndeliveredNotifications"), M(ver, "GetVerification"),
                         M(reg, "SetDutyReviewers"), M(reg, "ListDutyReviewers"),
                         M(reg, "ReportRegionContact"),
                         M(ver, "RecordFieldInvestigation"), M(tie, "GetLevel"),
                         M(tie, "GetCatalog"), M(tie, "ListDifficultyCriteria")};
  allowed["followup-staff"] = {
      M(gw, "ListRegionContacts"), M(gw, "GetRegionContact"), M(gw, "GetPublicServiceInfo"), M(reg, "GetRegistration"),
      M(reg, "GetActiveRegistrationByPerson"), M(tie, "GetLevel"), M(tie, "GetServicePlan"),
      M(tie, "GetProfile"), M(tie, "UpdateProfile"), M(tie, "RecordServiceDelivery"),
      M(tie, "ListServiceDeliveries"), M(tie, "AmendServiceDelivery"), M(tie, "ListPlanGaps"),
      M(tie, "GetPlanFulfilment"),
      M(tie, "GetCatalog"), M(tie, "ListDifficultyCriteria"),
      M(tie, "IdentifyEmploymentDifficulty"), M(tie, "DecideEmploymentDifficulty"),
      M(fol, "RecordFollowUp"), M(fol, "ListFollowUps"), M(fol, "AmendFollowUp"),
      M(fol, "ListDueFollowUps"),
      M(fol, "GetFollowUpCoverage"), M(fol, "SubmitSelfReport"),
      M(fol, "ListDeregistrationCandidates"), M(fol, "DecideDeregistrationCandidate"),
      M(fol, "DeregisterRegistration"), M(fol, "OpenFraudCase"), M(fol, "GetFraudCase"),
      M(fol, "RecordFraudInvestigation"), M(fol, "ConcludeFraudCase"), M(fol, "ListFraudCases"),
      M(fol, "SubmitMonthlyFraudReport"), M(fol, "GetMonthlyFraudReport"),
      M(fol, "GetFraudReportCompliance"), M(fol, "ListUndeliveredCreditRecords")};
  // Statistics staff see aggregates only.
  allowed["statistician"] = {M(sta, "GetUrbanRegisteredUnemployed"), M(sta, "GetBreakdown"),
                             M(sta, "GetFlows"), M(sta, "GetServiceIndicators"),
                             M(sta, "CheckReportConsistency"), M(sta, "ExportReport"),
                             M(tie, "GetPlanFulfilment"), M(tie, "GetCatalog"),
                             M(tie, "ListDifficultyCriteria"), M(fol, "GetFollowUpCoverage"),
                             M(fol, "GetMonthlyFraudReport"), M(fol, "GetFraudReportCompliance"),
                             M(sta, "ListOfficesWithoutDutyReviewer"), M(sta, "ListSilentOffices"),
                             M(sta, "ListRegionsWithoutContactReport")};
  // Auditors read, never write.
  allowed["auditor"] = {M(reg, "GetApplication"), M(reg, "ListReviewQueue"),
                        M(reg, "GetRegistration"), M(reg, "ListNotifications"),
                        M(reg, "ListUndeliveredNotifications"), M(ver, "GetSnapshotInfo"), M(ver, "ListSnapshots"),
                        M(ver, "GetVerification"), M(tie, "GetLevel"), M(tie, "GetServicePlan"),
                        M(tie, "GetProfile"), M(tie, "ListServiceDeliveries"),
                        M(tie, "GetCatalog"), M(tie, "ListDifficultyCriteria"),
                        M(fol, "ListFollowUps"), M(fol, "ListDeregistrationCandidates"),
                        M(fol, "GetFraudCase"), M(fol, "ListFraudCases"),
                        M(fol, "GetMonthlyFraudReport"), M(fol, "GetFraudReportCompliance"),
                        M(fol, "ListUndeliveredCreditRecords"),
                        M(sta, "GetUrbanRegisteredUnemployed"),
                        M(sta, "GetBreakdown"), M(sta, "GetFlows"), M(sta, "GetServiceIndicators"),
                        M(sta, "CheckReportConsistency"), M(reg, "ListDutyReviewers"),
                        M(sta, "ListOfficesWithoutDutyReviewer"), M(sta, "ListSilentOffices"),
                        M(sta, "ListRegionsWithoutContactReport"),
                        M(reg, "GetReportedRegionContact"), M(reg, "ListReportedRegionContacts")};
  // Operators run the suite (uectl): imports, batch runs, exports, queues.
  allowed["operator"] = {
      M(gw, "ListRegionContacts"), M(gw, "GetRegionContact"), M(gw, "GetPublicServiceInfo"), M(reg, "GetApplication"),
      M(reg, "ListReviewQueue"), M(reg, "ReviewApplication"), M(reg, "AmendDecision"),
      M(reg, "GetRegistration"),
      M(reg, "GetActiveRegistrationByPerson"), M(reg, "Deregister"), M(reg, "ListNotifications"),
      M(reg, "ListUndeliveredNotifications"), M(ver, "ImportSnapshot"), M(ver, "GetSnapshotInfo"), M(ver, "ListSnapshots"),
      M(ver, "GetVerification"), M(tie, "GetLevel"), M(tie, "GetServicePlan"),
      M(tie, "ListPlanGaps"), M(tie, "GetPlanFulfilment"), M(tie, "GetCatalog"),
      M(tie, "PublishCatalogVersion"), M(tie, "ListDifficultyCriteria"),
      M(fol, "GetFollowUpCoverage"), M(fol, "RunMonthlyComparison"), M(fol, "RunNoContactSweep"),
      M(fol, "ExportCreditRecords"), M(fol, "ListUndeliveredCreditRecords"),
      M(sta, "GetUrbanRegisteredUnemployed"),
      M(sta, "GetBreakdown"), M(sta, "GetFlows"), M(sta, "GetServiceIndicators"),
      M(sta, "CheckReportConsistency"), M(sta, "ExportReport"), M(sta, "GetFeedStatus"),
      M(reg, "SetDutyReviewers"), M(reg, "ListDutyReviewers"), M(reg, "ReportRegionContact"),
      M(reg, "GetReportedRegionContact"), M(reg, "ListReportedRegionContacts"),
      M(sta, "ListOfficesWithoutDutyReviewer"), M(sta, "ListSilentOffices"),
      M(sta, "ListRegionsWithoutContactReport"),
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"};
  return allowed;
}

TEST_CASE("every method in proto/ is named by the policy and the policy names no other") {
  Policy policy = LoadPolicy();
  std::set<std::string> contracts = MethodsInContracts();
  REQUIRE(contracts.size() > 60);
  for (const std::string& method : contracts) {
    INFO(method);
    CHECK(policy.FindMethod(method) != nullptr);
  }
  for (const auto& [path, method] : policy.methods()) {
    INFO(path);
    CHECK((contracts.count(path) == 1 || absl::StartsWith(path, "/grpc.reflection.")));
    CHECK_FALSE(method.roles.empty());
  }
}

TEST_CASE("every role's decision on every method is the intended one") {
  Policy policy = LoadPolicy();
  std::map<std::string, std::set<std::string>> intended = Intended();
  std::set<std::string> methods = MethodsInContracts();
  methods.insert("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo");
  methods.insert("/unemployment.gateway.v1.GatewayService/NoSuchMethod");  // deny by default
  REQUIRE(policy.Roles() ==
          std::set<std::string>{"auditor", "followup-staff", "ministry", "operator",
                                "province-portal", "reviewer", "statistician", "svc-followup",
                                "svc-gateway", "svc-person-index", "svc-registration",
                                "svc-statistics", "svc-tiering"});
  int decisions = 0;
  for (const std::string& role : policy.Roles()) {
    for (const std::string& method : methods) {
      INFO(role << " -> " << method);
      absl::Status decision = policy.Authorize(method, role, "*");
      bool expected = intended[role].count(method) == 1;
      CHECK(decision.ok() == expected);
      if (!decision.ok()) CHECK(decision.code() == absl::StatusCode::kPermissionDenied);
      ++decisions;
    }
  }
  CHECK(decisions == 13 * static_cast<int>(methods.size()));
}

TEST_CASE("each calling service has its own role, limited to the calls its job makes") {
  Policy policy = LoadPolicy();
  const std::string reg = "/unemployment.registration.v1.RegistrationService/";
  std::set<std::string> service_roles;
  for (const auto& [name, system] : policy.systems()) {
    if (!system.certificate_only) continue;
    INFO(name);
    // certificate-only systems are the suite's services, each with a role of its own.
    CHECK(IsServiceRole(name));
    CHECK(system.roles == std::set<std::string>{name});
    service_roles.insert(name);
  }
  CHECK(service_roles.size() == 6);
  for (const auto& [name, system] : policy.systems()) {
    for (const std::string& role : system.roles) {
      if (IsServiceRole(role)) CHECK(system.certificate_only);
    }
  }
  for (const std::string& role : service_roles) {
    INFO(role);
    // No service reads a person by ID number; only follow-up deregisters.
    CHECK(policy.Authorize(reg + "GetActiveRegistrationByPerson", role, "*").code() ==
          absl::StatusCode::kPermissionDenied);
    CHECK(policy.Authorize(reg + "Deregister", role, "*").ok() == (role == "svc-followup"));
    // Statistics reads the feeds and nothing else.
    if (role == "svc-statistics") {
      for (const auto& [path, method] : policy.methods()) {
        INFO(path);
        CHECK((method.roles.count(role) == 0 || absl::EndsWith(path, "/StreamEvents")));
      }
    }
  }
  // The refusal names the role and carries its reason.
  absl::Status refused = policy.Authorize(reg + "Deregister", "svc-statistics", "*");
  CHECK(refused.code() == absl::StatusCode::kPermissionDenied);
  CHECK(absl::StrContains(refused.message(), "svc-statistics"));
  std::optional<google::rpc::ErrorInfo> info = status::GetErrorInfo(refused);
  REQUIRE(info.has_value());
  CHECK(info->reason() == "ROLE_NOT_ALLOWED");
  // Verification and the reference receivers call no one: no calling identity.
  for (const char* name : {"svc-verification", "svc-ministry-receiver", "svc-notification-receiver"}) {
    CHECK(policy.FindSystem(name) == nullptr);
  }
}

TEST_CASE("statisticians and auditors are never given a method that changes personal data") {
  Policy policy = LoadPolicy();
  for (const auto& [path, method] : policy.methods()) {
    std::string name = path.substr(path.rfind('/') + 1);
    bool reads = absl::StartsWith(name, "Get") || absl::StartsWith(name, "List") ||
                 absl::StartsWith(name, "Check");
    INFO(path);
    if (method.roles.count("auditor") == 1) CHECK(reads);
    if (method.roles.count("statistician") == 1 && method.personal_data) FAIL("personal data");
  }
}

TEST_CASE("a district's staff may call regional methods only; province methods need scope *") {
  Policy policy = LoadPolicy();
  const std::string queue = "/unemployment.registration.v1.RegistrationService/ListReviewQueue";
  const std::string by_person =
      "/unemployment.registration.v1.RegistrationService/GetActiveRegistrationByPerson";
  CHECK(policy.Authorize(queue, "reviewer", "230103").ok());
  absl::Status narrow = policy.Authorize(by_person, "reviewer", "230103");
  CHECK(narrow.code() == absl::StatusCode::kPermissionDenied);
  CHECK(policy.Authorize(by_person, "reviewer", "*").ok());
}

TEST_CASE("methods that name a registration or case by id are open to district staff") {
  // The handlers load the record and check its office region (security::RequireRecordInScope).
  Policy policy = LoadPolicy();
  const std::string tie = "/unemployment.tiering.v1.TieringService/",
                    fol = "/unemployment.followup.v1.FollowupService/";
  for (const std::string& method :
       {tie + "GetLevel", tie + "GetServicePlan", tie + "GetProfile", tie + "UpdateProfile",
        tie + "RecordServiceDelivery", tie + "ListServiceDeliveries",
        tie + "AmendServiceDelivery",
        tie + "IdentifyEmploymentDifficulty", tie + "DecideEmploymentDifficulty",
        fol + "RecordFollowUp", fol + "ListFollowUps", fol + "AmendFollowUp",
        fol + "SubmitSelfReport",
        fol + "DecideDeregistrationCandidate", fol + "DeregisterRegistration",
        fol + "GetFraudCase", fol + "RecordFraudInvestigation", fol + "ConcludeFraudCase"}) {
    INFO(method);
    const MethodPolicy* found = policy.FindMethod(method);
    REQUIRE(found != nullptr);
    CHECK(found->scope == RegionScopeRule::kRegional);
    CHECK(policy.Authorize(method, "followup-staff", "230103").ok());
    CHECK(policy.Authorize(method, "followup-staff", "*").ok());
  }
  // Batch runs over the province, exports and the catalogue stay province-wide.
  for (const std::string& method :
       {fol + "RunMonthlyComparison", fol + "RunNoContactSweep", fol + "ExportCreditRecords",
        fol + "GetMonthlyFraudReport", fol + "GetFraudReportCompliance",
        tie + "PublishCatalogVersion"}) {
    INFO(method);
    const MethodPolicy* found = policy.FindMethod(method);
    REQUIRE(found != nullptr);
    CHECK(found->scope == RegionScopeRule::kProvince);
    CHECK(policy.Authorize(method, found->roles.count("operator") ? "operator" : "followup-staff",
                           "2301")
              .code() == absl::StatusCode::kPermissionDenied);
  }
}

TEST_CASE("offices open fraud cases and city bureaus submit their monthly fraud reports") {
  // The notice (section 三): offices do the front-line work; the city bureau owns its area's fraud reports and
  // reports to the province. The handlers check the request's office (OpenFraudCase) or city
  // (SubmitMonthlyFraudReport) against the caller's scope.
  Policy policy = LoadPolicy();
  const std::string fol = "/unemployment.followup.v1.FollowupService/";
  for (const std::string& method : {fol + "OpenFraudCase", fol + "SubmitMonthlyFraudReport"}) {
    INFO(method);
    const MethodPolicy* found = policy.FindMethod(method);
    REQUIRE(found != nullptr);
    CHECK(found->scope == RegionScopeRule::kRegional);
    CHECK(found->roles == std::set<std::string>{"followup-staff"});
    for (const char* scope : {"230103", "2301", "*"}) {
      INFO(scope);
      CHECK(policy.Authorize(method, "followup-staff", scope).ok());
      CHECK(policy.Authorize(method, "auditor", scope).code() ==
            absl::StatusCode::kPermissionDenied);
    }
  }
  // Opening a case writes personal data (audited); the report lists case ids and sums only.
  CHECK(policy.FindMethod(fol + "OpenFraudCase")->personal_data);
  CHECK_FALSE(policy.FindMethod(fol + "SubmitMonthlyFraudReport")->personal_data);
}

TEST_CASE("statistics answer within the caller's region scope and every call is audited") {
  // The handlers check the request's region against the caller's scope (RequireRegion) and
  // suppress small cells below province scope; the policy lets region-scoped statisticians in
  // (scope regional) and audits every call (data aggregate) without calling it personal data.
  Policy policy = LoadPolicy();
  const std::string sta = "/unemployment.statistics.v1.StatisticsService/";
  for (const std::string& method :
       {sta + "GetUrbanRegisteredUnemployed", sta + "GetBreakdown", sta + "GetFlows",
        sta + "GetServiceIndicators", sta + "CheckReportConsistency", sta + "ExportReport",
        sta + "ListOfficesWithoutDutyReviewer", sta + "ListSilentOffices",
        sta + "ListRegionsWithoutContactReport"}) {
    INFO(method);
    const MethodPolicy* found = policy.FindMethod(method);
    REQUIRE(found != nullptr);
    CHECK(found->scope == RegionScopeRule::kRegional);
    CHECK(found->audited);
    CHECK_FALSE(found->personal_data);
    for (const char* scope : {"230103", "2301", "*"}) {
      INFO(scope);
      CHECK(policy.Authorize(method, "statistician", scope).ok());
    }
  }
  // The feed positions name no region and no figure about people.
  const MethodPolicy* feed = policy.FindMethod(sta + "GetFeedStatus");
  REQUIRE(feed != nullptr);
  CHECK_FALSE(feed->audited);
  // Every personal method is audited too.
  for (const auto& [path, method] : policy.methods()) {
    INFO(path);
    if (method.personal_data) CHECK(method.audited);
  }
  absl::StatusOr<Policy> parsed = Policy::Parse("allow p.S/M aggregate regional statistician\n");
  REQUIRE(parsed.ok());
  CHECK(parsed->FindMethod("/p.S/M")->audited);
  CHECK_FALSE(parsed->FindMethod("/p.S/M")->personal_data);
}

TEST_CASE("the policy parser refuses what it does not understand") {
  CHECK_FALSE(Policy::Parse("allow unemployment.x.v1.S/* personal any reviewer").ok());
  CHECK_FALSE(Policy::Parse("allow unemployment.x.v1.S/M secret any reviewer").ok());
  CHECK_FALSE(Policy::Parse("allow unemployment.x.v1.S/M none everywhere reviewer").ok());
  CHECK_FALSE(Policy::Parse("grant reviewer everything").ok());
  CHECK_FALSE(Policy::Parse("system a reviewer,operator certificate-only\n"
                            "allow p.S/M none any reviewer operator").ok());
  CHECK_FALSE(Policy::Parse("system a reviewer\n").ok());  // a role no method allows
  CHECK_FALSE(Policy::Parse("allow p.S/M none any a\nallow p.S/M none any b").ok());
  CHECK(Policy::Parse("system a reviewer\nallow p.S/M none any reviewer # ok\n").ok());
  // One role per calling service: a certificate-only system is svc-<name> with role svc-<name>.
  CHECK(Policy::Parse("system svc-a svc-a certificate-only\nallow p.S/M none any svc-a\n").ok());
  CHECK_FALSE(Policy::Parse("system svc-a svc-b certificate-only\nallow p.S/M none any svc-b\n").ok());
  CHECK_FALSE(Policy::Parse("system a a certificate-only\nallow p.S/M none any a\n").ok());
  CHECK_FALSE(Policy::Parse("system a svc-a\nallow p.S/M none any svc-a\n").ok());
  // Masking statements.
  const std::string base = "allow p.S/M none any reviewer\n";
  CHECK(Policy::Parse(base + "clear reviewer\nmask p.Msg.phone phone\n").ok());
  CHECK(Policy::Parse(base + "clear reviewer p.S/M\n").ok());
  CHECK_FALSE(Policy::Parse(base + "clear auditor\n").ok());           // a role no method allows
  CHECK_FALSE(Policy::Parse(base + "clear reviewer p.S/Other\n").ok());  // not its method
  CHECK_FALSE(Policy::Parse(base + "clear reviewer\nclear reviewer\n").ok());
  CHECK_FALSE(Policy::Parse(base + "mask p.Msg.phone scramble\n").ok());
  CHECK_FALSE(Policy::Parse(base + "mask phone phone\n").ok());
  CHECK_FALSE(Policy::Parse(base + "mask p.Msg.phone phone\nmask p.Msg.phone none\n").ok());
}

// Every string field of the contracts, by full name.
std::map<std::string, const google::protobuf::FieldDescriptor*> StringFieldsInContracts() {
  std::map<std::string, const google::protobuf::FieldDescriptor*> fields;
  std::vector<const google::protobuf::Descriptor*> pending;
  std::string root = std::string(UE_SOURCE_DIR) + "/proto";
  LinkContracts();
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.path().extension() != ".proto") continue;
    const google::protobuf::FileDescriptor* file =
        google::protobuf::DescriptorPool::generated_pool()->FindFileByName(
            std::filesystem::relative(entry.path(), root).string());
    REQUIRE(file != nullptr);
    for (int i = 0; i < file->message_type_count(); ++i) pending.push_back(file->message_type(i));
  }
  while (!pending.empty()) {
    const google::protobuf::Descriptor* type = pending.back();
    pending.pop_back();
    for (int i = 0; i < type->nested_type_count(); ++i) pending.push_back(type->nested_type(i));
    for (int i = 0; i < type->field_count(); ++i) {
      const google::protobuf::FieldDescriptor* field = type->field(i);
      if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_STRING) {
        fields[field->full_name()] = field;
      }
    }
  }
  return fields;
}

TEST_CASE("every contract field named like personal data has a mask line, and every line a field") {
  Policy policy = LoadPolicy();
  std::map<std::string, const google::protobuf::FieldDescriptor*> fields = StringFieldsInContracts();
  REQUIRE(fields.size() > 200);
  int personal = 0;
  for (const auto& [name, field] : fields) {
    if (!log::PersonalDataKindForKey(field->name()).has_value()) continue;
    ++personal;
    INFO(name << " looks like personal data: add a mask line (kind none if it is not)");
    CHECK(policy.masked_fields().count(name) == 1);
  }
  CHECK(personal >= 20);
  for (const auto& [name, kind] : policy.masked_fields()) {
    INFO(name << " is no string field of the contracts");
    CHECK(fields.count(name) == 1);
  }
  // The ID number, the phones and the address are masked; only the reviewing and follow-up
  // staff and the services see them clear, and only where the policy lets them call.
  CHECK(policy.masked_fields().at("unemployment.common.v1.PersonId.id_number") == MaskKind::kIdNumber);
  CHECK(policy.masked_fields().at("unemployment.common.v1.ContactInfo.mobile") == MaskKind::kPhone);
  CHECK(policy.masked_fields().at("unemployment.common.v1.Address.detail") == MaskKind::kHidden);
  const std::string get = "/unemployment.registration.v1.RegistrationService/GetApplication";
  for (const std::string& role : policy.Roles()) {
    INFO(role);
    bool clear = role == "reviewer" || role == "followup-staff" || IsServiceRole(role);
    CHECK(policy.SeesClear(get, role) == clear);
  }
}

}  // namespace
}  // namespace unemployment::security
