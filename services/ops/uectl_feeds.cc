// uectl feed-status: every feed consumer's position, lag and state, read from the services'
// Prometheus endpoints (--metrics_listen), all at once: ue_feed_head_sequence of each producer
// (registration shards, tiering, follow-up) and ue_feed_consumer_cursor / _connected / _halted of
// each consumer (tiering, follow-up, statistics, person index). Plain HTTP/1.0 GET /metrics.

#include "services/ops/uectl_feeds.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmath>
#include <future>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/ops/uectl_client.h"
#include "services/ops/uectl_commands.h"

namespace unemployment::ops {

namespace {

// Closes a socket when it goes out of scope.
struct Socket {
  int fd = -1;
  ~Socket() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

absl::StatusOr<std::string> HttpGetMetrics(const std::string& address, absl::Duration timeout) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics address '", address, "' must be HOST:PORT"));
  }
  std::string host = address.substr(0, colon);
  if (absl::StartsWith(host, "[") && absl::EndsWith(host, "]")) {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port = address.substr(colon + 1);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int error = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); error != 0) {
    return absl::UnavailableError(absl::StrCat("cannot resolve '", host, "': ",
                                               gai_strerror(error)));
  }
  Socket socket_fd;
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(absl::ToInt64Seconds(timeout));
  tv.tv_usec = static_cast<suseconds_t>(
      absl::ToInt64Microseconds(timeout - absl::Seconds(tv.tv_sec)));
  bool connected = false;
  for (addrinfo* a = found; a != nullptr && !connected; a = a->ai_next) {
    socket_fd.fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (socket_fd.fd < 0) continue;
    // On Linux the send timeout bounds connect() too.
    setsockopt(socket_fd.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(socket_fd.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    connected = connect(socket_fd.fd, a->ai_addr, a->ai_addrlen) == 0;
    if (!connected) {
      close(socket_fd.fd);
      socket_fd.fd = -1;
    }
  }
  freeaddrinfo(found);
  if (!connected) {
    return absl::UnavailableError(absl::StrCat("cannot connect to ", address));
  }
  const std::string request =
      absl::StrCat("GET /metrics HTTP/1.0\r\nHost: ", address, "\r\n\r\n");
  if (write(socket_fd.fd, request.data(), request.size()) !=
      static_cast<ssize_t>(request.size())) {
    return absl::UnavailableError(absl::StrCat("cannot send to ", address));
  }
  std::string reply;
  char buffer[8192];
  for (ssize_t n; (n = read(socket_fd.fd, buffer, sizeof(buffer))) > 0;) reply.append(buffer, n);
  const size_t body = reply.find("\r\n\r\n");
  if (!absl::StartsWith(reply, "HTTP/1.") || body == std::string::npos) {
    return absl::UnavailableError(absl::StrCat("no HTTP answer from ", address));
  }
  const std::string status_line = reply.substr(0, reply.find("\r\n"));
  if (!absl::StrContains(status_line, " 200")) {
    return absl::UnavailableError(absl::StrCat(address, " answered ", status_line));
  }
  return reply.substr(body + 4);
}

std::vector<MetricSample> ParseMetricsText(absl::string_view text) {
  std::vector<MetricSample> samples;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    MetricSample sample;
    absl::string_view rest;
    const size_t brace = line.find('{');
    const size_t space = line.find(' ');
    if (brace != absl::string_view::npos && (space == absl::string_view::npos || brace < space)) {
      const size_t close = line.find('}', brace);
      if (close == absl::string_view::npos) continue;
      sample.name = std::string(line.substr(0, brace));
      // name="value" pairs; values of the feed families hold no quotes or commas.
      for (absl::string_view pair :
           absl::StrSplit(line.substr(brace + 1, close - brace - 1), ',', absl::SkipEmpty())) {
        const size_t equals = pair.find('=');
        if (equals == absl::string_view::npos) continue;
        absl::string_view value = pair.substr(equals + 1);
        absl::ConsumePrefix(&value, "\"");
        absl::ConsumeSuffix(&value, "\"");
        sample.labels[std::string(absl::StripAsciiWhitespace(pair.substr(0, equals)))] =
            std::string(value);
      }
      rest = line.substr(close + 1);
    } else {
      if (space == absl::string_view::npos) continue;
      sample.name = std::string(line.substr(0, space));
      rest = line.substr(space);
    }
    rest = absl::StripAsciiWhitespace(rest);
    const absl::string_view number = rest.substr(0, rest.find(' '));
    if (!absl::SimpleAtod(number, &sample.value)) continue;
    samples.push_back(std::move(sample));
  }
  return samples;
}

FeedStatusTable BuildFeedStatus(const std::vector<std::vector<MetricSample>>& scrapes) {
  FeedStatusTable table;
  // (service, feed) -> row; feed -> head.
  std::map<std::pair<std::string, std::string>, FeedStatusRow> rows;
  for (const std::vector<MetricSample>& scrape : scrapes) {
    for (const MetricSample& sample : scrape) {
      auto feed = sample.labels.find("feed");
      if (feed == sample.labels.end()) continue;
      auto service = sample.labels.find("service");
      const std::string service_name = service == sample.labels.end() ? "?" : service->second;
      const int64_t value = static_cast<int64_t>(std::llround(sample.value));
      if (sample.name == "ue_feed_head_sequence") {
        auto [it, inserted] = table.heads.try_emplace(feed->second, value);
        if (!inserted) it->second = std::max(it->second, value);
        continue;
      }
      if (!absl::StartsWith(sample.name, "ue_feed_consumer_")) continue;
      FeedStatusRow& row = rows[{service_name, feed->second}];
      row.service = service_name;
      row.feed = feed->second;
      if (sample.name == "ue_feed_consumer_cursor") row.cursor = value;
      if (sample.name == "ue_feed_consumer_connected") row.connected = value != 0;
      if (sample.name == "ue_feed_consumer_halted") row.halted = value != 0;
    }
  }
  for (auto& [key, row] : rows) {
    auto head = table.heads.find(row.feed);
    if (head != table.heads.end()) row.head = head->second;
    table.rows.push_back(row);
  }
  return table;
}

namespace {

std::vector<std::string> MetricsAddresses(const Invocation& invocation) {
  std::string list = invocation.args.ValueOr("metrics", "");
  if (list.empty()) {
    if (std::optional<std::string> env = invocation.context.getenv("UE_METRICS_ADDRS")) list = *env;
  }
  std::vector<std::string> out;
  for (absl::string_view address : absl::StrSplit(list, absl::ByAnyChar(", "), absl::SkipEmpty())) {
    out.emplace_back(address);
  }
  return out;
}

int RunFeedStatus(const Invocation& invocation) {
  const std::vector<std::string> addresses = MetricsAddresses(invocation);
  if (addresses.empty()) {
    return UsageError(invocation,
                      "no metrics endpoints: give --metrics=HOST:PORT,... (each service's "
                      "--metrics_listen) or UE_METRICS_ADDRS");
  }
  const absl::Duration timeout = invocation.timeout;
  std::vector<std::future<absl::StatusOr<std::string>>> pending;
  for (const std::string& address : addresses) {
    pending.push_back(std::async(std::launch::async, [address, timeout] {
      return HttpGetMetrics(address, timeout);
    }));
  }
  std::vector<std::vector<MetricSample>> scrapes;
  int unreachable = 0;
  for (size_t i = 0; i < pending.size(); ++i) {
    absl::StatusOr<std::string> text = pending[i].get();
    if (!text.ok()) {
      ++unreachable;
      *invocation.context.err << "uectl feed-status: " << addresses[i] << ": "
                              << text.status().message() << "\n";
      continue;
    }
    scrapes.push_back(ParseMetricsText(*text));
  }
  const FeedStatusTable table = BuildFeedStatus(scrapes);
  *invocation.context.out << absl::StrFormat("%-14s %-26s %10s %10s %8s %s\n", "SERVICE", "FEED",
                                             "HEAD", "CURSOR", "LAG", "STATE");
  int halted = 0;
  for (const FeedStatusRow& row : table.rows) {
    const std::string head = row.head.has_value() ? absl::StrCat(*row.head) : "-";
    const std::string lag =
        row.head.has_value() ? absl::StrCat(std::max<int64_t>(0, *row.head - row.cursor)) : "-";
    std::string state = row.halted ? "HALTED" : row.connected ? "STREAMING" : "RETRYING";
    if (row.halted) ++halted;
    if (row.head.has_value() && row.cursor > *row.head) state += " (cursor ahead of the feed)";
    *invocation.context.out << absl::StrFormat("%-14s %-26s %10s %10d %8s %s\n", row.service,
                                               row.feed, head, row.cursor, lag, state);
  }
  if (halted > 0) {
    *invocation.context.err
        << "uectl feed-status: " << halted
        << " consumer(s) HALTED: their feed went backwards (a restored producer); see the "
           "service's feed_halted log line and deploy/README.md, Restore\n";
  }
  if (halted > 0 || unreachable > 0) return kExitFailure;
  return kExitOk;
}

}  // namespace

Command FeedStatusCommand() {
  Command command;
  command.name = "feed-status";
  command.summary = "every feed consumer's cursor, lag and state (HALTED when a feed went back)";
  command.synopsis = "feed-status --metrics=HOST:PORT[,HOST:PORT...] [options]";
  command.description =
      "Reads the Prometheus endpoints (--metrics_listen) of the services given, all at once,\n"
      "and prints one line per consumer: SERVICE FEED HEAD CURSOR LAG STATE. HEAD is the\n"
      "producer's last sequence (when its endpoint is among those given), LAG = HEAD - CURSOR,\n"
      "STATE is STREAMING, RETRYING or HALTED (the feed went backwards: a producer restored to\n"
      "an older point; nothing more is applied until the read model is rebuilt, see\n"
      "deploy/README.md, Restore). Give every registration shard, tiering, follow-up,\n"
      "statistics and the person index. The list may also come from UE_METRICS_ADDRS.\n"
      "Exits 1 when a consumer is HALTED or an endpoint does not answer.";
  command.flags = {
      {"metrics", "ADDRS", "comma-separated metrics endpoints (HOST:PORT) of the services"},
  };
  command.default_timeout = absl::Seconds(3);
  command.run = RunFeedStatus;
  return command;
}

}  // namespace unemployment::ops
