#include "common/log/logger.h"

#include <stdio.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/log/request_id.h"
#include "common/time/clock.h"

namespace unemployment::log {
namespace {

constexpr char kTime[] = "2026-11-26T05:01:58.123Z";

absl::Time TestTime() {
  return absl::FromCivil(absl::CivilSecond(2026, 11, 26, 5, 1, 58), absl::UTCTimeZone()) +
         absl::Milliseconds(123);
}

struct Fixture {
  CapturingLogSink sink;
  time::FakeClock clock{TestTime()};
  Logger logger{"registration", &sink, &clock};

  std::string OnlyLine() const {
    const std::vector<std::string> lines = sink.Lines();
    REQUIRE(lines.size() == 1);
    return lines[0];
  }
};

TEST_CASE("A log line is time, level, component, event and fields in order", "[logger]") {
  Fixture f;
  f.logger.Info("application_received",
                {{"application_id", "230100-20261126-0001"}, {"channel", "province"}});
  CHECK(f.OnlyLine() == std::string(kTime) +
                            " INFO registration event=application_received "
                            "application_id=230100-20261126-0001 channel=province");
}

TEST_CASE("Lines written inside a request id scope carry the id after the event", "[logger]") {
  Fixture f;
  {
    RequestIdScope outer("req-outer");
    f.logger.Info("first");
    {
      RequestIdScope inner("4bf92f3577b34da6");
      f.logger.Info("second", {{"application_id", "230100-1"}});
    }
    f.logger.Info("third");
  }
  f.logger.Info("fourth");
  const std::string prefix = std::string(kTime) + " INFO registration ";
  CHECK(f.sink.Lines() ==
        std::vector<std::string>{prefix + "event=first request_id=req-outer",
                                 prefix + "event=second request_id=4bf92f3577b34da6 "
                                          "application_id=230100-1",
                                 prefix + "event=third request_id=req-outer",
                                 prefix + "event=fourth"});
  // Another thread has its own (no) scope.
  RequestIdScope scope("main-thread");
  std::string other;
  std::thread([&other] { other = std::string(CurrentRequestId()); }).join();
  CHECK(other.empty());
  CHECK(CurrentRequestId() == "main-thread");
}

TEST_CASE("A line without fields, and each level's name", "[logger]") {
  Fixture f;
  Logger logger("svc", &f.sink, &f.clock, LogLevel::kDebug);
  logger.Debug("a");
  logger.Info("b");
  logger.Warning("c");
  logger.Error("d");
  logger.Log(LogLevel::kInfo, "e", {{"k", "v"}});
  const std::string t = kTime;
  CHECK(f.sink.Lines() == std::vector<std::string>{t + " DEBUG svc event=a",
                                                   t + " INFO svc event=b", t + " WARN svc event=c",
                                                   t + " ERROR svc event=d",
                                                   t + " INFO svc event=e k=v"});
}

TEST_CASE("--log_level: parsed, and the process's level for loggers without their own", "[logger]") {
  CHECK(*ParseLogLevel("debug") == LogLevel::kDebug);
  CHECK(*ParseLogLevel("INFO") == LogLevel::kInfo);
  CHECK(*ParseLogLevel("warn") == LogLevel::kWarning);
  CHECK(*ParseLogLevel("Warning") == LogLevel::kWarning);
  CHECK(*ParseLogLevel("error") == LogLevel::kError);
  CHECK(ParseLogLevel("loud").status().code() == absl::StatusCode::kInvalidArgument);

  Fixture f;
  Logger process_level("svc", &f.sink, &f.clock);
  Logger own_level("own", &f.sink, &f.clock, LogLevel::kDebug);
  CHECK(ProcessLogLevel() == LogLevel::kInfo);  // the default
  process_level.Debug("dropped");
  process_level.Info("kept");
  SetProcessLogLevel(LogLevel::kDebug);
  process_level.Debug("kept");
  SetProcessLogLevel(LogLevel::kError);
  process_level.Warning("dropped");
  own_level.Debug("kept");  // its own minimum wins
  SetProcessLogLevel(LogLevel::kInfo);
  const std::string t = kTime;
  CHECK(f.sink.Lines() == std::vector<std::string>{t + " INFO svc event=kept",
                                                   t + " DEBUG svc event=kept",
                                                   t + " DEBUG own event=kept"});
}

TEST_CASE("Lines below the minimum level are dropped", "[logger]") {
  Fixture f;
  Logger logger("svc", &f.sink, &f.clock, LogLevel::kWarning);
  CHECK_FALSE(logger.IsEnabled(LogLevel::kInfo));
  CHECK(logger.IsEnabled(LogLevel::kError));
  logger.Debug("dropped");
  logger.Info("dropped");
  logger.Warning("kept");
  REQUIRE(f.sink.Lines().size() == 1);
  CHECK(f.sink.Lines()[0] == std::string(kTime) + " WARN svc event=kept");
  // The default minimum is INFO.
  f.logger.Debug("dropped");
  CHECK(f.sink.Lines().size() == 1);
}

TEST_CASE("The clock is read for every line", "[logger]") {
  Fixture f;
  f.logger.Info("first");
  f.clock.Advance(absl::Milliseconds(1500));
  f.logger.Info("second");
  const std::vector<std::string> lines = f.sink.Lines();
  REQUIRE(lines.size() == 2);
  CHECK(lines[1] == "2026-11-26T05:01:59.623Z INFO registration event=second");
}

TEST_CASE("Personal data is masked automatically by key", "[logger]") {
  Fixture f;
  f.logger.Info("application_received",
                {{"id_number", "23010219800101001X"},
                 {"mobile", "13812345678"},
                 {"landline", "0451-87654321"},
                 {"household_address", "黑龙江省哈尔滨市南岗区西大直街92号"},
                 {"name", "张三丰"},
                 {"email", "zhang.san@example.com"},
                 {"Contact-Phone", "13912345678"}});
  CHECK(f.OnlyLine() == std::string(kTime) +
                            " INFO registration event=application_received "
                            "id_number=230102**********1X mobile=138****5678 "
                            "landline=0451-****4321 household_address=黑龙江省哈尔滨市南岗区**** "
                            "name=张** email=z***@example.com Contact-Phone=139****5678");
}

TEST_CASE("Masking applies whatever the value's type", "[logger]") {
  Fixture f;
  const std::string id = "34052419800101001X";
  f.logger.Info(
      "e",
      {{"id_number", id}, {"mobile", int64_t{13812345678}}, {"id_number", absl::string_view(id)}});
  CHECK(f.OnlyLine() == std::string(kTime) +
                            " INFO registration event=e id_number=340524**********1X "
                            "mobile=138****5678 id_number=340524**********1X");
}

TEST_CASE("ID and mobile numbers in free text are masked; system ids are not", "[logger]") {
  Fixture f;
  f.logger.Warning(
      "validation_failed",
      {{"error", absl::InvalidArgumentError("id_number 340524198001010013: bad check character")},
       {"note", "applicant called from 13812345678"},
       {"application_id", "340524198001010013"},
       {"id", "13812345678"}});
  CHECK(f.OnlyLine() == std::string(kTime) +
                            " WARN registration event=validation_failed "
                            "error=\"INVALID_ARGUMENT: id_number 340524**********13: bad check "
                            "character\" note=\"applicant called from 138****5678\" "
                            "application_id=340524198001010013 id=13812345678");
}

TEST_CASE("Values are quoted and escaped; a line never breaks", "[logger]") {
  Fixture f;
  f.logger.Error("store_failed", {{"detail", "disk full\nretry \"later\""},
                                  {"path", "C:\\data"},
                                  {"empty", ""},
                                  {"expr", "a=b"},
                                  {"note", "多行\r\n文本\xE2\x80\xA8结束"},
                                  {"bad key\n", "x"}});
  const std::string line = f.OnlyLine();
  CHECK(line == std::string(kTime) +
                    " ERROR registration event=store_failed "
                    "detail=\"disk full\\nretry \\\"later\\\"\" path=\"C:\\\\data\" empty=\"\" "
                    "expr=\"a=b\" note=\"多行\\r\\n文本\\u2028结束\" bad_key_=x");
  CHECK(line.find('\n') == std::string::npos);
}

TEST_CASE("Event and component are made safe too", "[logger]") {
  CapturingLogSink sink;
  time::FakeClock clock(TestTime());
  Logger logger("my service\n", &sink, &clock);
  logger.Info("two words\nsecond line");
  CHECK(sink.Lines() ==
        std::vector<std::string>{std::string(kTime) + " INFO my_service_ event=\"two "
                                                      "words\\nsecond line\""});
}

TEST_CASE("Field value types", "[logger]") {
  Fixture f;
  f.logger.Info("types", {{"flag", true},
                          {"off", false},
                          {"count", 7},
                          {"big", uint64_t{18446744073709551615u}},
                          {"negative", -3L},
                          {"ratio", 0.25},
                          {"due", absl::CivilDay(2025, 10, 13)},
                          {"at", TestTime()},
                          {"took", absl::Milliseconds(1500)},
                          {"status", absl::OkStatus()},
                          {"failure", absl::NotFoundError("no such application")},
                          {"c_string", static_cast<const char*>(nullptr)}});
  CHECK(f.OnlyLine() == std::string(kTime) +
                            " INFO registration event=types flag=true off=false count=7 "
                            "big=18446744073709551615 negative=-3 ratio=0.25 due=2025-10-13 "
                            "at=2026-11-26T05:01:58.123Z took=1.5s status=OK "
                            "failure=\"NOT_FOUND: no such application\" c_string=\"\"");
}

TEST_CASE("With() adds context fields to every line", "[logger]") {
  Fixture f;
  const Logger request_logger =
      f.logger.With({{"request_id", "r-1"}, {"id_number", "23010219800101001X"}});
  request_logger.Info("step", {{"n", 1}});
  f.logger.Info("plain");
  CHECK(f.sink.Lines() ==
        std::vector<std::string>{
            std::string(kTime) +
                " INFO registration event=step request_id=r-1 id_number=230102**********1X n=1",
            std::string(kTime) + " INFO registration event=plain"});
}

TEST_CASE("FormatLine builds the line without writing it", "[logger]") {
  Fixture f;
  CHECK(f.logger.FormatLine(LogLevel::kInfo, "x", {{"mobile", "13812345678"}}) ==
        std::string(kTime) + " INFO registration event=x mobile=138****5678");
  CHECK(f.sink.Lines().empty());
}

TEST_CASE("Many threads log whole lines", "[logger]") {
  Fixture f;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&f, t] {
      for (int i = 0; i < 250; ++i) {
        f.logger.Info("tick", {{"thread", t}, {"i", i}, {"mobile", "13812345678"}});
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const std::vector<std::string> lines = f.sink.Lines();
  CHECK(lines.size() == 1000);
  const std::regex shape(
      "2026-11-26T05:01:58\\.123Z INFO registration event=tick thread=[0-3] i=[0-9]+ "
      "mobile=138\\*\\*\\*\\*5678");
  for (const std::string& line : lines) {
    if (!std::regex_match(line, shape)) FAIL("bad line: " << line);
  }
}

TEST_CASE("StderrLogSink writes one line with a newline to stderr", "[logger]") {
  char path[] = "/tmp/ue-log-test-XXXXXX";
  const int file = mkstemp(path);
  REQUIRE(file >= 0);
  fflush(stderr);
  const int saved = dup(STDERR_FILENO);
  REQUIRE(saved >= 0);
  REQUIRE(dup2(file, STDERR_FILENO) >= 0);

  time::FakeClock clock(TestTime());
  Logger logger("svc", /*sink=*/nullptr, &clock);
  logger.Info("to_stderr", {{"mobile", "13812345678"}});
  StderrLogSink().Write(LogLevel::kInfo, "second");

  fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  close(file);
  std::ifstream in(path);
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  unlink(path);
  CHECK(content == std::string(kTime) + " INFO svc event=to_stderr mobile=138****5678\nsecond\n");
}

TEST_CASE("A logger with no clock uses the system clock", "[logger]") {
  CapturingLogSink sink;
  Logger logger("svc", &sink);
  logger.Info("now");
  REQUIRE(sink.Lines().size() == 1);
  CHECK(std::regex_match(sink.Lines()[0],
                         std::regex("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO svc "
                                    "event=now")));
  sink.Clear();
  CHECK(sink.Lines().empty());
}

}  // namespace
}  // namespace unemployment::log
