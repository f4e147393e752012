// Command-line handling of uectl: everything here fails (exit 2) or answers before any call, so
// no server is needed.

#include "services/ops/uectl_args.h"

#include <catch2/catch.hpp>

#include "services/ops/uectl_client.h"
#include "tests/services/ops/test_util.h"

namespace unemployment::ops {
namespace {

using Catch::Matchers::Contains;
using testing::Uectl;

const std::vector<FlagSpec> kSpecs = {
    {"office", "CODE", "the office"},
    {"overdue", "", "a switch"},
    {"output", "FILE", "where", 'o'},
    {"as-of", "DATE", "a date"},
};

TEST_CASE("ParseArgs reads the accepted spellings", "[uectl][args]") {
  absl::StatusOr<ParsedArgs> parsed =
      ParseArgs({"--office=230102", "--overdue", "-o", "out.csv", "file.json"}, kSpecs);
  REQUIRE(parsed.ok());
  CHECK(parsed->ValueOr("office", "") == "230102");
  CHECK(parsed->Has("overdue"));
  CHECK(parsed->ValueOr("output", "") == "out.csv");
  CHECK(parsed->positional() == std::vector<std::string>{"file.json"});

  parsed = ParseArgs({"--office", "230102", "-oout.csv", "--", "--overdue", "-"}, kSpecs);
  REQUIRE(parsed.ok());
  CHECK(parsed->ValueOr("office", "") == "230102");
  CHECK(parsed->ValueOr("output", "") == "out.csv");
  CHECK_FALSE(parsed->Has("overdue"));
  CHECK(parsed->positional() == std::vector<std::string>{"--overdue", "-"});

  // The servers' underscore spelling is the same flag.
  parsed = ParseArgs({"--as_of=2025-01-01", "-o=x"}, kSpecs);
  REQUIRE(parsed.ok());
  CHECK(parsed->ValueOr("as-of", "") == "2025-01-01");
  CHECK(parsed->ValueOr("output", "") == "x");
}

TEST_CASE("ParseArgs names what is wrong", "[uectl][args]") {
  auto message = [](std::vector<std::string> args) {
    absl::StatusOr<ParsedArgs> parsed = ParseArgs(args, kSpecs);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument);
    return std::string(parsed.status().message());
  };
  CHECK(message({"--offce=1"}) == "unknown option --offce");
  CHECK(message({"-x"}) == "unknown option -x");
  CHECK(message({"--office"}) == "option --office needs a value (--office=CODE)");
  CHECK(message({"--overdue=yes"}) == "option --overdue takes no value");
  CHECK(message({"--office=1", "--office=2"}) == "option --office given twice");
}

TEST_CASE("uectl without a command or with an unknown one is a usage error", "[uectl][args]") {
  Uectl uectl;
  CHECK(uectl.Run({}) == kExitUsage);
  CHECK(uectl.err() == "uectl: error: no command given (see uectl --help)\n");
  CHECK(uectl.Run({"frobnicate"}) == kExitUsage);
  CHECK(uectl.err() == "uectl: error: unknown command 'frobnicate' (see uectl --help)\n");
  CHECK(uectl.Run({"--bogus", "health"}) == kExitUsage);
  CHECK_THAT(uectl.err(), Contains("unknown option --bogus"));
}

TEST_CASE("--help prints help on stdout and exits 0", "[uectl][args]") {
  Uectl uectl;
  CHECK(uectl.Run({"--help"}) == kExitOk);
  CHECK_THAT(uectl.out(), Contains("import-snapshot"));
  CHECK_THAT(uectl.out(), Contains("UE_GATEWAY_ADDR"));
  for (const Command& command : testing::AllCommands()) {
    INFO(command.name);
    CHECK(uectl.Run({command.name, "--help"}) == kExitOk);
    CHECK_THAT(uectl.out(), Contains("usage: uectl " + command.name));
    CHECK(uectl.err().empty());
  }
  // Even a half-typed command line can ask for help.
  CHECK(uectl.Run({"submit", "--channel", "--help"}) == kExitOk);
  CHECK(uectl.Run({"help", "queue"}) == kExitOk);
  CHECK_THAT(uectl.out(), Contains("usage: uectl queue"));
}

TEST_CASE("every command checks its options before calling anything", "[uectl][args]") {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"submit", "form.json", "--id=230102P1"}, "--channel=portal|ministry is required"},
      {{"submit", "--channel=fax", "--id=1", "form.json"},
       "--channel must be portal or ministry, not 'fax'"},
      {{"submit", "--channel=portal", "form.json"}, "--id is required"},
      {{"submit", "--channel=portal", "--id=1"}, "missing argument; usage: uectl submit"},
      {{"submit", "--channel=portal", "--id=1", "a.json", "b.json"},
       "unexpected argument 'b.json'"},
      {{"queue"}, "--office=CODE is required"},
      {{"queue", "--office=2301"}, "--office '2301' is not a 6-digit region code"},
      {{"queue", "--office=230102", "--kind=city"},
       "--kind must be province or ministry, not 'city'"},
      {{"queue", "--office=230102", "--overdue", "--as-of=2025-02-30"},
       "--as-of '2025-02-30' is not a date YYYY-MM-DD"},
      {{"queue", "--office=230102", "--overdue=yes"}, "option --overdue takes no value"},
      {{"queue", "--office=230102", "--page-size=0"}, "--page-size must be 1 to 500"},
      {{"queue", "--office=230102", "--timeout=soon"},
       "--timeout 'soon' is not a positive duration"},
      {{"review", "--accept", "--reviewer=r"}, "--application=ID is required"},
      {{"review", "--application=a", "--reviewer=r"}, "give exactly one of --accept and --reject"},
      {{"review", "--application=a", "--accept", "--reject", "--reviewer=r"},
       "give exactly one of --accept and --reject"},
      {{"review", "--application=a", "--reject", "--reviewer=r"}, "--reject needs --rejection-reason"},
      {{"review", "--application=a", "--reject", "--rejection-reason=HUKOU", "--reviewer=r"},
       "is no rejection reason code"},
      {{"review", "--application=a", "--accept"}, "--reviewer=STAFF_ID is required"},
      {{"import-snapshot", "--version=1", "x.csv"}, "--source is required"},
      {{"import-snapshot", "--source=tax", "--version=1", "x.csv"}, "unknown --source 'tax'"},
      {{"import-snapshot", "--source=population", "x.csv"}, "--version is required"},
      {{"import-snapshot", "--source=population", "--version=1", "--chunk-size=2000000", "x.csv"},
       "--chunk-size must be 1 to 1048576"},
      {{"compare"}, "--month=YYYY-MM is required"},
      {{"compare", "--month=2025-13", "--staff=s"}, "--month '2025-13' is not YYYY-MM"},
      {{"export", "--region=230100"}, "--report is required"},
      {{"export", "--report=pie", "--region=230100"}, "unknown --report 'pie'"},
      {{"export", "--report=urban"}, "--region=CODE is required"},
      {{"export", "--report=flows", "--region=230100", "--period-start=2025-01-01"},
       "--report=flows needs --period-start and --period-end"},
      {{"export", "--report=flows", "--region=230100", "--as-of=2025-01-01"},
       "--as-of does not apply to --report=flows"},
      {{"export", "--report=breakdown", "--region=230100", "--period-end=2025-01-01"},
       "--period-end does not apply to --report=breakdown"},
      {{"health", "billing"}, "unknown service 'billing'"},
      {{"feed-status"}, "no metrics endpoints: give --metrics=HOST:PORT"},
  };
  for (const Case& c : cases) {
    Uectl uectl;
    // A call that got as far as the network would end in 1, never 2: these stop before it.
    std::vector<std::string> args = c.args;
    INFO(args[0] << " " << c.message);
    CHECK(uectl.Run(args) == kExitUsage);
    CHECK_THAT(uectl.err(), Contains(c.message));
    CHECK_THAT(uectl.err(), Contains("(see uectl " + args[0] + " --help)"));
    CHECK(uectl.out().empty());
  }
}

TEST_CASE("addresses come from the option, else UE_*_ADDR, else the local port", "[uectl][args]") {
  Context context;
  std::map<std::string, std::string> env = {{"UE_REGISTRATION_ADDR", "reg:7000"}};
  context.getenv = [&env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  Command command;
  command.name = "test";
  std::vector<FlagSpec> specs = GlobalFlags();
  absl::StatusOr<ParsedArgs> parsed =
      ParseArgs({"--gateway_addr=gw:1", "--registration-addr", "reg:2"}, specs);
  REQUIRE(parsed.ok());
  Invocation with_flags{command, *parsed, context, absl::Seconds(1)};
  CHECK(ServiceAddress(with_flags, "gateway") == "gw:1");
  CHECK(ServiceAddress(with_flags, "registration") == "reg:2");
  ParsedArgs none;
  Invocation without{command, none, context, absl::Seconds(1)};
  CHECK(ServiceAddress(without, "registration") == "reg:7000");
  CHECK(ServiceAddress(without, "gateway") == "127.0.0.1:50051");
  CHECK(ServiceAddress(without, "statistics") == "127.0.0.1:50056");
}

TEST_CASE("input shapes", "[uectl][args]") {
  CHECK(IsDate("2024-02-29"));
  CHECK_FALSE(IsDate("2025-02-29"));
  CHECK_FALSE(IsDate("2025-2-28"));
  CHECK(IsMonth("2025-06"));
  CHECK_FALSE(IsMonth("2025-6"));
  CHECK_FALSE(IsMonth("2025-00"));
  CHECK(IsRegionCode("230102"));
  CHECK_FALSE(IsRegionCode("23010A"));
}

}  // namespace
}  // namespace unemployment::ops
