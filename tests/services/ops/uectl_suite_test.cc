// uectl against the real registration_server and gateway_server binaries, started as child
// processes on port 0; the other four services answer health from an in-process server.

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "common/server/grpc_server.h"
#include "google/protobuf/util/json_util.h"
#include "tests/services/ops/test_util.h"
#include "unemployment/common/v1/form.pb.h"
#include "tests/testing/files.h"

namespace unemployment::ops {
namespace {

using ::unemployment::testing::ReadFile;
using Catch::Matchers::Contains;
using testing::ServerProcess;
using testing::TempDir;
using testing::Uectl;

const std::string kSourceDir = UE_SOURCE_DIR;
const std::string kBinaryDir = UE_BINARY_DIR;

// A server with nothing but the suite's standard parts (health, reflection), for the services
// not started here.
class HealthOnlyServer {
 public:
  HealthOnlyServer() {
    server::ServerOptions options;
    options.shutdown_grace = absl::ZeroDuration();
    auto started = server::GrpcServer::Start(options, {});
    if (!started.ok()) throw std::runtime_error(std::string(started.status().message()));
    server_ = *std::move(started);
    server_->SetServing(true);
    address_ = server_->address();
  }
  const std::string& address() const { return address_; }
  void SetServing(bool serving) { server_->SetServing(serving); }
  void Stop() { server_.reset(); }

 private:
  std::unique_ptr<server::GrpcServer> server_;
  std::string address_;
};

// registration + gateway, started once for the whole binary.
struct Suite {
  TempDir dir;
  std::unique_ptr<ServerProcess> registration;
  std::unique_ptr<ServerProcess> person_index;
  std::unique_ptr<ServerProcess> gateway;
  HealthOnlyServer others;

  Suite() {
    std::string failure;
    registration = ServerProcess::Start(
        "registration", kBinaryDir + "/services/registration/registration_server",
        {"--listen=127.0.0.1:0", "--data_dir=" + dir.path() + "/registration",
         "--calendar_dir=" + kSourceDir + "/data/calendar",
         "--regions_dir=" + kSourceDir + "/data/regions",
         // No outbound receivers here (development mode, said explicitly).
         "--ministry_uploads=off", "--notification_delivery=off"},
        &failure);
    if (!registration) throw std::runtime_error(failure);
    // The gateway reserves every application in the province person index first.
    person_index = ServerProcess::Start(
        "person_index", kBinaryDir + "/services/person_index/person_index_server",
        {"--listen=127.0.0.1:0", "--data_dir=" + dir.path() + "/person_index",
         "--registration_addr=" + registration->address()},
        &failure);
    if (!person_index) throw std::runtime_error(failure);
    gateway = ServerProcess::Start("gateway", kBinaryDir + "/services/gateway/gateway_server",
                                   {"--listen=127.0.0.1:0", "--data_dir=" + dir.path() + "/gateway",
                                    "--registration_addr=" + registration->address(),
                                    "--person_index_addr=" + person_index->address(),
                                    "--regions_dir=" + kSourceDir + "/data/regions",
                                    "--contacts_dir=" + kSourceDir + "/data/contacts",
                                    "--public_service_dir=" + kSourceDir +
                                        "/data/public_service"},
                                   &failure);
    if (!gateway) throw std::runtime_error(failure);
  }

  // Points a uectl's environment at this suite (as UE_*_ADDR, the operator's usual way).
  void Configure(Uectl& uectl) {
    uectl.env()["UE_GATEWAY_ADDR"] = gateway->address();
    uectl.env()["UE_REGISTRATION_ADDR"] = registration->address();
    for (const char* other :
         {"UE_VERIFICATION_ADDR", "UE_TIERING_ADDR", "UE_FOLLOWUP_ADDR", "UE_STATISTICS_ADDR"}) {
      uectl.env()[other] = others.address();
    }
  }
};

// Started on first use; at exit the servers get SIGTERM and the data folder is removed.
Suite& TheSuite() {
  static Suite suite;
  return suite;
}

// The shipped example form, parsed, so tests can vary it.
common::v1::RegistrationForm ExampleForm() {
  common::v1::RegistrationForm form;
  auto parsed = google::protobuf::util::JsonStringToMessage(
      ReadFile(kSourceDir + "/services/ops/examples/form.json"), &form);
  REQUIRE(parsed.ok());
  return form;
}

// Writes `form` as JSON into the suite's folder and returns the path.
std::string WriteForm(const common::v1::RegistrationForm& form, const std::string& name) {
  std::string json;
  REQUIRE(google::protobuf::util::MessageToJsonString(form, &json).ok());
  std::string path = TheSuite().dir.path() + "/" + name;
  std::ofstream(path) << json;
  return path;
}

// The value printed after "<field>:" in uectl's text output.
std::string Printed(const std::string& output, const std::string& field) {
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      std::string value = line.substr(field.size() + 1);
      return value.substr(value.find_first_not_of(' '));
    }
  }
  return "";
}

TEST_CASE("submit sends the example form through the gateway and prints its status",
          "[uectl][suite]") {
  Uectl uectl;
  TheSuite().Configure(uectl);
  const std::string example = kSourceDir + "/services/ops/examples/form.json";
  REQUIRE(uectl.Run({"submit", "--channel=portal", "--id=230102P0001", example}) == kExitOk);
  INFO(uectl.err());
  const std::string id = Printed(uectl.out(), "application_id");
  CHECK(id.rfind("hlj-", 0) == 0);
  CHECK(Printed(uectl.out(), "channel") == "province-portal");
  CHECK(Printed(uectl.out(), "channel_application_id") == "230102P0001");
  CHECK(Printed(uectl.out(), "office_region_code") == "230102");
  // Receipt, then verification moves it on by itself.
  CHECK_THAT(Printed(uectl.out(), "state"), Catch::Matchers::Equals("RECEIVED") ||
                                                Catch::Matchers::Equals("PENDING_VERIFICATION") ||
                                                Catch::Matchers::Equals("AWAITING_REVIEW"));
  CHECK(Printed(uectl.out(), "due_date").size() == 10);

  // The same id and form again (here from standard input): the same application.
  uectl.SetStdin(ReadFile(example));
  REQUIRE(uectl.Run({"submit", "--channel", "portal", "--id", "230102P0001", "-"}) == kExitOk);
  CHECK(Printed(uectl.out(), "application_id") == id);

  // --json prints the gateway's ApplicationStatus as protobuf JSON.
  REQUIRE(uectl.Run({"--json", "submit", "--channel=portal", "--id=230102P0001", example}) ==
          kExitOk);
  CHECK_THAT(uectl.out(), Contains("\"application_id\": \"" + id + "\""));
}

TEST_CASE("a bad form shows every field violation and exits 1", "[uectl][suite]") {
  Uectl uectl;
  TheSuite().Configure(uectl);
  common::v1::RegistrationForm form = ExampleForm();
  form.mutable_person_id()->set_id_number("340524198001010011");  // wrong check character
  form.mutable_contact()->set_mobile("12");
  const std::string path = WriteForm(form, "bad-form.json");
  CHECK(uectl.Run({"submit", "--channel=portal", "--id=230102P0900", path}) == kExitFailure);
  CHECK(uectl.out().empty());
  const std::string err = uectl.err();
  CHECK_THAT(err, Contains("uectl submit: SubmitApplication failed: INVALID_ARGUMENT: "));
  CHECK_THAT(err, Contains("  reason: INVALID_ARGUMENT\n"));
  CHECK_THAT(err, Contains("  field violations (2):\n"));
  CHECK_THAT(err, Contains("    form.person_id.id_number: CHECK_CHARACTER: "));
  CHECK_THAT(err, Contains("    form.contact.mobile: "));

  // A channel id of the wrong shape is a field violation too, outside the form.
  CHECK(uectl.Run({"submit", "--channel=portal", "--id=X",
                   kSourceDir + "/services/ops/examples/form.json"}) == kExitFailure);
  CHECK_THAT(uectl.err(), Contains("    portal_application_id: "));
}

TEST_CASE("submit refuses a file that is not a form before calling", "[uectl][suite]") {
  Uectl uectl;
  TheSuite().Configure(uectl);
  const std::string broken = TheSuite().dir.path() + "/broken.json";
  std::ofstream(broken) << "{\"name\": \"x\", \"shoe_size\": 42}";
  CHECK(uectl.Run({"submit", "--channel=portal", "--id=230102P0901", broken}) == kExitFailure);
  CHECK_THAT(uectl.err(), Contains("uectl submit: error: '" + broken +
                                   "' is not a RegistrationForm in protobuf JSON: "));
  CHECK(uectl.Run({"submit", "--channel=portal", "--id=230102P0901", "/nonexistent.json"}) ==
        kExitFailure);
  CHECK_THAT(uectl.err(), Contains("'/nonexistent.json' is not a readable file"));
}

TEST_CASE("queue lists every page of an office's queue, review decides", "[uectl][suite]") {
  Uectl uectl;
  TheSuite().Configure(uectl);
  // Office 230103 is used by this test only.
  common::v1::RegistrationForm form = ExampleForm();
  form.mutable_residence_address()->set_county_code("230103");
  form.mutable_person_id()->set_id_number("230102199005150035");
  REQUIRE(uectl.Run({"submit", "--channel=portal", "--id=230103P0001",
                     WriteForm(form, "portal.json")}) == kExitOk);
  const std::string portal_id = Printed(uectl.out(), "application_id");
  form.mutable_person_id()->set_id_number("230102198503120029");  // a woman's number
  form.set_sex(common::v1::SEX_FEMALE);
  form.mutable_residence_address()->clear_urban_rural_class();
  REQUIRE(uectl.Run({"submit", "--channel=ministry", "--id=M-2025-0001",
                     WriteForm(form, "ministry.json")}) == kExitOk);
  const std::string ministry_id = Printed(uectl.out(), "application_id");
  CHECK(Printed(uectl.out(), "channel") == "ministry");

  // One entry per page: uectl follows next_page_token to the end.
  REQUIRE(uectl.Run({"queue", "--office=230103", "--page-size=1"}) == kExitOk);
  CHECK_THAT(uectl.out(), Contains("APPLICATION"));
  CHECK_THAT(uectl.out(), Contains(portal_id + " "));
  CHECK_THAT(uectl.out(), Contains(ministry_id + " "));
  CHECK_THAT(uectl.out(), Contains("2 undecided applications in the queue of 230103 (2 pages)"));

  REQUIRE(uectl.Run({"queue", "--office=230103", "--kind=ministry"}) == kExitOk);
  CHECK_THAT(uectl.out(), Contains(ministry_id + " "));
  CHECK_THAT(uectl.out(), !Contains(portal_id + " "));
  CHECK_THAT(uectl.out(), Contains("1 undecided application in the queue of 230103 (1 page)"));

  // Nothing is overdue on the day of receipt.
  REQUIRE(uectl.Run({"queue", "--office=230103", "--overdue"}) == kExitOk);
  CHECK_THAT(uectl.out(), Contains("0 undecided applications"));

  REQUIRE(uectl.Run({"review", "--application=" + portal_id, "--accept", "--reviewer=li4"}) ==
          kExitOk);
  CHECK_THAT(uectl.err(), Contains("request id: test-request-1"));
  CHECK(Printed(uectl.out(), "state") == "ACCEPTED");
  CHECK(Printed(uectl.out(), "registration_id").rfind("hlj-", 0) == 0);

  // The generated request id makes a retry harmless: the same decision comes back.
  REQUIRE(uectl.Run({"review", "--application=" + portal_id, "--accept", "--reviewer=li4",
                     "--request-id=test-request-1"}) == kExitOk);
  CHECK(Printed(uectl.out(), "state") == "ACCEPTED");

  // A ministry application cannot be accepted without the urban-rural class.
  CHECK(uectl.Run({"review", "--application=" + ministry_id, "--accept", "--reviewer=li4"}) ==
        kExitFailure);
  CHECK_THAT(uectl.err(), Contains("INVALID_ARGUMENT"));
  CHECK_THAT(uectl.err(), Contains("    residence_urban_rural_class: REQUIRED"));
  uectl.env()["UE_STAFF_ID"] = "wang5";
  REQUIRE(uectl.Run({"review", "--application=" + ministry_id, "--reject",
                     "--rejection-reason=INCOMPLETE_NOT_COMPLETED", "--reason=材料不全"}) ==
          kExitOk);
  CHECK(Printed(uectl.out(), "state") == "REJECTED");
  CHECK(Printed(uectl.out(), "reviewer") == "wang5");
  CHECK(Printed(uectl.out(), "rejection_reason") == "REJECTION_REASON_INCOMPLETE_NOT_COMPLETED");

  REQUIRE(uectl.Run({"queue", "--office=230103"}) == kExitOk);
  CHECK_THAT(uectl.out(), Contains("0 undecided applications"));

  // A wrong office code the service does not know: its error, exit 1.
  CHECK(uectl.Run({"queue", "--office=990000"}) == kExitFailure);
  CHECK_THAT(uectl.err(), Contains("uectl queue: ListReviewQueue failed: INVALID_ARGUMENT"));
  CHECK_THAT(uectl.err(), Contains("    office_region_code: REGION_UNKNOWN"));
}

TEST_CASE("health reports all six services, exit 1 when one is not SERVING", "[uectl][suite]") {
  Suite& suite = TheSuite();
  Uectl uectl;
  suite.Configure(uectl);
  const int code = uectl.Run({"health"});
  const std::string out = uectl.out();
  INFO(out << uectl.err());
  REQUIRE(code == kExitOk);
  for (const char* service :
       {"gateway", "registration", "verification", "tiering", "followup", "statistics"}) {
    CHECK_THAT(out, Contains(service));
  }
  CHECK_THAT(out, Contains(suite.gateway->address() + " "));
  CHECK_THAT(out, Contains(suite.registration->address() + " "));
  CHECK(std::count(out.begin(), out.end(), '\n') == 6);
  CHECK_THAT(out, !Contains("NOT_SERVING"));

  suite.others.SetServing(false);
  CHECK(uectl.Run({"health"}) == kExitFailure);
  CHECK_THAT(uectl.out(), Contains("NOT_SERVING"));
  CHECK_THAT(uectl.err(), Contains("uectl health: 4 of 6 services not SERVING"));
  suite.others.SetServing(true);

  // Only the services named; one that does not answer.
  HealthOnlyServer gone;
  const std::string gone_address = gone.address();
  gone.Stop();
  REQUIRE(uectl.Run({"health", "gateway", "registration"}) == kExitOk);
  const std::string two = uectl.out();
  CHECK(std::count(two.begin(), two.end(), '\n') == 2);
  CHECK(uectl.Run({"health", "--timeout=2s", "--tiering-addr=" + gone_address}) == kExitFailure);
  CHECK_THAT(uectl.out(), Contains("tiering       " + gone_address));
  CHECK_THAT(uectl.out(), Contains("UNREACHABLE (UNAVAILABLE"));
  CHECK_THAT(uectl.err(), Contains("1 of 6 services not SERVING"));
}

}  // namespace
}  // namespace unemployment::ops
