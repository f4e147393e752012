// The feed consumer's connection state over a real channel: a call waiting for a peer that does
// not answer is not "streaming" (ue_feed_consumer_connected 0, statistics' GetFeedStatus
// RETRYING), so that the FeedConsumerDisconnected alert fires for a peer that is down.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/feed/registration_feed_consumer.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace unemployment::feed {
namespace {

// A loopback TCP port that accepts connections (the kernel's backlog) but never speaks HTTP/2:
// a peer that hangs.
class SilentListener {
 public:
  SilentListener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    REQUIRE(listen(fd_, 16) == 0);
    socklen_t length = sizeof(address);
    REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
  }
  ~SilentListener() { close(fd_); }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST_CASE("a stream waiting for a peer that does not answer is not streaming", "[feed]") {
  SilentListener peer;
  auto channel = grpc::CreateChannel(peer.address(), grpc::InsecureChannelCredentials());
  RegistrationFeedConsumer consumer(
      channel, [] { return absl::StatusOr<int64_t>(0); },
      [](const registration::v1::Event&) { return absl::OkStatus(); },
      RegistrationFeedConsumer::Options{}, log::Logger("feed_consumer_test"));
  consumer.Start();
  // The first call is opened at once; poll (never longer than 10 s) until it has been.
  for (int i = 0; i < 1000 && consumer.connections() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(consumer.connections() >= 1);
  CHECK_FALSE(consumer.streaming());
  consumer.Stop();
  CHECK_FALSE(consumer.streaming());
}

}  // namespace
}  // namespace unemployment::feed
