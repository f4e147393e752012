#include "common/server/call_interceptor.h"

#include <array>
#include <chrono>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "common/log/request_id.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/server_context.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"

namespace unemployment::server {
namespace {

constexpr char kRequestIdKey[] = "x-request-id";
constexpr char kTraceparentKey[] = "traceparent";
constexpr int kCodes = 17;  // grpc::StatusCode OK .. UNAUTHENTICATED

const char* CodeName(int code) {
  static constexpr std::array<const char*, kCodes> kNames = {
      "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
      "UNAUTHENTICATED"};
  return code >= 0 && code < kCodes ? kNames[code] : "UNKNOWN";
}

// The metric children of one method.
struct MethodSeries {
  std::string service;  // "unemployment.registration.v1.RegistrationService" or "unknown"
  std::string method;   // "CreateApplication" or "unknown"
  bool quiet = false;   // health and reflection: no access log line
  prometheus::Histogram* latency = nullptr;
  prometheus::Gauge* in_flight = nullptr;
  std::array<prometheus::Counter*, kCodes> handled{};
};

// What every call of one server shares.
class Shared {
 public:
  Shared(metrics::Metrics* metrics, log::Logger logger, bool access_log)
      : metrics_(metrics), logger_(std::move(logger)), access_log_(access_log) {
    if (metrics_ == nullptr) return;
    prometheus::Registry& registry = metrics_->registry();
    handled_ = &prometheus::BuildCounter()
                    .Name("grpc_server_handled_total")
                    .Help("gRPC calls completed, by method and status code.")
                    .Register(registry);
    latency_ = &prometheus::BuildHistogram()
                    .Name("grpc_server_handling_seconds")
                    .Help("Time from a call's arrival to its status, by method, seconds.")
                    .Register(registry);
    in_flight_ = &prometheus::BuildGauge()
                      .Name("grpc_server_in_flight")
                      .Help("gRPC calls under way, by method.")
                      .Register(registry);
  }

  const log::Logger& logger() const { return logger_; }
  bool access_log() const { return access_log_; }
  bool has_metrics() const { return metrics_ != nullptr; }

  MethodSeries* SeriesFor(const char* full_method) {
    absl::string_view key = full_method == nullptr ? "" : full_method;
    absl::MutexLock lock(&mu_);
    auto it = series_.find(key);
    if (it != series_.end()) return it->second.get();
    auto series = std::make_unique<MethodSeries>();
    // "/package.Service/Method", known to this binary's descriptors.
    std::vector<std::string> parts = absl::StrSplit(absl::StripPrefix(key, "/"), '/');
    const google::protobuf::MethodDescriptor* descriptor = nullptr;
    if (parts.size() == 2) {
      descriptor = google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
          absl::StrCat(parts[0], ".", parts[1]));
    }
    if (descriptor != nullptr) {
      series->service = parts[0];
      series->method = parts[1];
    } else {
      series->service = "unknown";
      series->method = "unknown";
    }
    series->quiet = absl::StartsWith(series->service, "grpc.health.") ||
                    absl::StartsWith(series->service, "grpc.reflection.");
    // Unknown methods share one entry (and one set of children); the map itself is bounded by
    // keeping only known names as keys.
    std::string map_key = descriptor != nullptr ? std::string(key) : std::string("unknown");
    if (descriptor == nullptr) {
      auto unknown = series_.find(map_key);
      if (unknown != series_.end()) return unknown->second.get();
    }
    if (metrics_ != nullptr) {
      metrics::Labels labels{{"grpc_service", series->service}, {"grpc_method", series->method}};
      series->latency = &latency_->Add(
          labels, prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                           0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
                                                           5, 10});
      series->in_flight = &in_flight_->Add(labels);
    }
    MethodSeries* result = series.get();
    series_.emplace(std::move(map_key), std::move(series));
    return result;
  }

  prometheus::Counter* Handled(MethodSeries* series, int code) {
    if (code < 0 || code >= kCodes) code = 2;
    absl::MutexLock lock(&mu_);
    if (series->handled[code] == nullptr) {
      series->handled[code] = &handled_->Add({{"grpc_service", series->service},
                                              {"grpc_method", series->method},
                                              {"grpc_code", CodeName(code)}});
    }
    return series->handled[code];
  }

 private:
  metrics::Metrics* const metrics_;
  const log::Logger logger_;
  const bool access_log_;
  prometheus::Family<prometheus::Counter>* handled_ = nullptr;
  prometheus::Family<prometheus::Histogram>* latency_ = nullptr;
  prometheus::Family<prometheus::Gauge>* in_flight_ = nullptr;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<MethodSeries>> series_ ABSL_GUARDED_BY(mu_);
};

using grpc::experimental::InterceptionHookPoints;

class CallInterceptor final : public grpc::experimental::Interceptor {
 public:
  CallInterceptor(Shared& shared, MethodSeries* series)
      : shared_(shared), series_(series), start_(std::chrono::steady_clock::now()) {
    if (series_->in_flight != nullptr) series_->in_flight->Increment();
  }

  ~CallInterceptor() override {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (series_->in_flight != nullptr) {
      series_->in_flight->Decrement();
      series_->latency->Observe(seconds);
      shared_.Handled(series_, code_)->Increment();
    }
    if (!series_->quiet && shared_.access_log()) {
      log::RequestIdScope scope(request_id_);
      shared_.logger().Info("rpc", {{"method", series_->method},
                                    {"service", series_->service},
                                    {"code", CodeName(code_)},
                                    {"duration_ms", seconds * 1000.0}});
    }
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      ReadRequestId(methods->GetRecvInitialMetadata());
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      if (!request_id_.empty()) methods->GetSendInitialMetadata()->emplace(kRequestIdKey, request_id_);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      code_ = static_cast<int>(methods->GetSendStatus().error_code());
    }
    if (request_id_.empty()) {
      methods->Proceed();
      return;
    }
    // gRPC may run the handler (or a reactor's reaction) inside Proceed on this thread.
    log::RequestIdScope scope(request_id_);
    methods->Proceed();
  }

 private:
  void ReadRequestId(std::multimap<grpc::string_ref, grpc::string_ref>* metadata) {
    absl::string_view x_request_id, traceparent;
    for (const auto& [key, value] : *metadata) {
      absl::string_view k(key.data(), key.size());
      absl::string_view v(value.data(), value.size());
      if (k == kRequestIdKey) x_request_id = v;
      if (k == kTraceparentKey) traceparent = v;
    }
    request_id_ = RequestIdFromMetadata(x_request_id, traceparent);
    if (request_id_.empty()) request_id_ = log::NewRequestId();
    if (x_request_id.empty()) {
      // Handlers read the id from the client metadata; the strings live as long as the call.
      metadata->emplace(grpc::string_ref(kRequestIdKey), grpc::string_ref(request_id_));
    }
  }

  Shared& shared_;
  MethodSeries* const series_;
  const std::chrono::steady_clock::time_point start_;
  std::string request_id_;
  int code_ = 1;  // CANCELLED until a status is sent
};

class Factory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  Factory(metrics::Metrics* metrics, log::Logger logger, bool access_log)
      : shared_(metrics, std::move(logger), access_log) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new CallInterceptor(shared_, shared_.SeriesFor(info->method()));
  }

 private:
  Shared shared_;
};

class Forward final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit Forward(std::shared_ptr<grpc::experimental::ServerInterceptorFactoryInterface> to)
      : to_(std::move(to)) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return to_->CreateServerInterceptor(info);
  }

 private:
  std::shared_ptr<grpc::experimental::ServerInterceptorFactoryInterface> to_;
};

bool IsHex(absl::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isxdigit(c)) return false;
  }
  return true;
}

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeCallInterceptorFactory(
    metrics::Metrics* metrics, log::Logger logger, bool access_log) {
  return std::make_unique<Factory>(metrics, std::move(logger), access_log);
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> ForwardingFactory(
    std::shared_ptr<grpc::experimental::ServerInterceptorFactoryInterface> shared) {
  return std::make_unique<Forward>(std::move(shared));
}

std::string NewRequestId() { return log::NewRequestId(); }

bool IsValidRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != ':' && c != '-') return false;
  }
  return true;
}

std::string RequestIdFromMetadata(absl::string_view x_request_id, absl::string_view traceparent) {
  if (IsValidRequestId(x_request_id)) return std::string(x_request_id);
  // traceparent: "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>".
  std::vector<absl::string_view> parts = absl::StrSplit(traceparent, '-');
  if (parts.size() >= 4 && parts[0].size() == 2 && parts[1].size() == 32 && IsHex(parts[1]) &&
      parts[1] != "00000000000000000000000000000000") {
    return absl::AsciiStrToLower(parts[1]);
  }
  return std::string();
}

std::string RequestIdOf(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kRequestIdKey);
  if (it == metadata.end()) return std::string();
  return std::string(it->second.data(), it->second.size());
}

}  // namespace unemployment::server
