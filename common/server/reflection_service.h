#pragma once

// Server reflection served by the suite itself, in both versions clients ask for:
// grpc.reflection.v1 (grpcurl and buf curl try it first) and grpc.reflection.v1alpha (older
// clients). gRPC's own reflection plugin serves only v1alpha in the gRPC of Debian 12, and its
// service cannot be reached to wrap its handler, so a refusal of a reflection call could not carry
// its ErrorInfo; these are ordinary grpc::Service objects that GrpcServer registers and guards like
// every other service.
//
// Answers come from the process's generated descriptor pool: every service the server lists, the
// file of any symbol and its imports (the file asked for always; an import only the first time on
// a stream, as gRPC-Go does). The list of services is the server's own (set once it has started).
//
// Also here: the catch-all for a method the server does not serve (UnservedMethodService), which
// answers UNIMPLEMENTED with ErrorInfo reason METHOD_NOT_SERVED (or the caller's refusal, when an
// `answer` is given) instead of gRPC's bare UNIMPLEMENTED.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/generic/async_generic_service.h"

namespace unemployment::server {

// The service names the reflection services list; filled once the server knows them.
class ReflectionServiceList {
 public:
  void Set(std::vector<std::string> names);
  std::vector<std::string> Get() const;

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> names_ ABSL_GUARDED_BY(mu_);
};

class ReflectionV1Service final : public grpc::reflection::v1::ServerReflection::CallbackService {
 public:
  explicit ReflectionV1Service(const ReflectionServiceList* services) : services_(services) {}
  grpc::ServerBidiReactor<grpc::reflection::v1::ServerReflectionRequest,
                          grpc::reflection::v1::ServerReflectionResponse>*
  ServerReflectionInfo(grpc::CallbackServerContext* context) override;

 private:
  const ReflectionServiceList* services_;
};

class ReflectionV1AlphaService final
    : public grpc::reflection::v1alpha::ServerReflection::CallbackService {
 public:
  explicit ReflectionV1AlphaService(const ReflectionServiceList* services) : services_(services) {}
  grpc::ServerBidiReactor<grpc::reflection::v1alpha::ServerReflectionRequest,
                          grpc::reflection::v1alpha::ServerReflectionResponse>*
  ServerReflectionInfo(grpc::CallbackServerContext* context) override;

 private:
  const ReflectionServiceList* services_;
};

// Answers every call of a method no registered service has. `answer` decides the status (the
// guard's refusal of the caller, or METHOD_NOT_SERVED); empty: UNIMPLEMENTED with ErrorInfo
// reason METHOD_NOT_SERVED.
class UnservedMethodService final : public grpc::CallbackGenericService {
 public:
  using Answer = std::function<grpc::Status(const grpc::GenericCallbackServerContext&)>;
  explicit UnservedMethodService(Answer answer) : answer_(std::move(answer)) {}
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* context) override;

  // The answer for a method this server does not serve (no caller check).
  static grpc::Status NotServed(const std::string& path);

 private:
  Answer answer_;
};

}  // namespace unemployment::server
