#include "common/server/reflection_service.h"

#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_util.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"

namespace unemployment::server {
namespace {

namespace pb = google::protobuf;

// One stream of ServerReflectionInfo, for either version (their messages have the same shape).
template <typename Request, typename Response>
class ReflectionReactor final : public grpc::ServerBidiReactor<Request, Response> {
 public:
  explicit ReflectionReactor(const ReflectionServiceList* services) : services_(services) {
    this->StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client closed its side: the stream is done
      this->Finish(grpc::Status::OK);
      return;
    }
    response_.Clear();
    Answer();
    this->StartWrite(&response_);
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      this->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the reply could not be sent"));
      return;
    }
    this->StartRead(&request_);
  }

  void OnDone() override { delete this; }

 private:
  void Answer() {
    response_.set_valid_host(request_.host());
    *response_.mutable_original_request() = request_;
    const pb::DescriptorPool* pool = pb::DescriptorPool::generated_pool();
    switch (request_.message_request_case()) {
      case Request::kListServices:
        for (const std::string& name : services_->Get()) {
          response_.mutable_list_services_response()->add_service()->set_name(name);
        }
        return;
      case Request::kFileByFilename:
        return AddFile(pool->FindFileByName(request_.file_by_filename()),
                       absl::StrCat("file '", request_.file_by_filename(), "'"));
      case Request::kFileContainingSymbol:
        return AddFile(pool->FindFileContainingSymbol(request_.file_containing_symbol()),
                       absl::StrCat("symbol '", request_.file_containing_symbol(), "'"));
      case Request::kFileContainingExtension: {
        const auto& wanted = request_.file_containing_extension();
        const pb::Descriptor* type = pool->FindMessageTypeByName(wanted.containing_type());
        const pb::FieldDescriptor* extension =
            type == nullptr ? nullptr : pool->FindExtensionByNumber(type, wanted.extension_number());
        return AddFile(extension == nullptr ? nullptr : extension->file(),
                       absl::StrCat("extension ", wanted.extension_number(), " of '",
                                    wanted.containing_type(), "'"));
      }
      case Request::kAllExtensionNumbersOfType: {
        const pb::Descriptor* type =
            pool->FindMessageTypeByName(request_.all_extension_numbers_of_type());
        if (type == nullptr) {
          return Error(grpc::StatusCode::NOT_FOUND,
                       absl::StrCat("type '", request_.all_extension_numbers_of_type(), "' not found"));
        }
        std::vector<const pb::FieldDescriptor*> extensions;
        pool->FindAllExtensions(type, &extensions);
        auto* numbers = response_.mutable_all_extension_numbers_response();
        numbers->set_base_type_name(type->full_name());
        for (const pb::FieldDescriptor* extension : extensions) {
          numbers->add_extension_number(extension->number());
        }
        return;
      }
      case Request::MESSAGE_REQUEST_NOT_SET:
        return Error(grpc::StatusCode::INVALID_ARGUMENT, "the request names nothing to look up");
    }
  }

  // The file (always) and every file it imports, transitively, except those sent on this stream
  // already.
  void AddFile(const pb::FileDescriptor* file, const std::string& what) {
    if (file == nullptr) return Error(grpc::StatusCode::NOT_FOUND, absl::StrCat(what, " not found"));
    std::vector<const pb::FileDescriptor*> pending = {file};
    while (!pending.empty()) {
      const pb::FileDescriptor* next = pending.back();
      pending.pop_back();
      if (!sent_.insert(next->name()).second && next != file) continue;
      pb::FileDescriptorProto proto;
      next->CopyTo(&proto);
      proto.SerializeToString(
          response_.mutable_file_descriptor_response()->add_file_descriptor_proto());
      for (int i = 0; i < next->dependency_count(); ++i) pending.push_back(next->dependency(i));
    }
  }

  void Error(grpc::StatusCode code, const std::string& message) {
    response_.mutable_error_response()->set_error_code(static_cast<int>(code));
    response_.mutable_error_response()->set_error_message(message);
  }

  const ReflectionServiceList* services_;
  Request request_;
  Response response_;
  std::set<std::string> sent_;
};

}  // namespace

void ReflectionServiceList::Set(std::vector<std::string> names) {
  absl::MutexLock lock(&mu_);
  names_ = std::move(names);
}

std::vector<std::string> ReflectionServiceList::Get() const {
  absl::MutexLock lock(&mu_);
  return names_;
}

grpc::ServerBidiReactor<grpc::reflection::v1::ServerReflectionRequest,
                        grpc::reflection::v1::ServerReflectionResponse>*
ReflectionV1Service::ServerReflectionInfo(grpc::CallbackServerContext* /*context*/) {
  return new ReflectionReactor<grpc::reflection::v1::ServerReflectionRequest,
                               grpc::reflection::v1::ServerReflectionResponse>(services_);
}

grpc::ServerBidiReactor<grpc::reflection::v1alpha::ServerReflectionRequest,
                        grpc::reflection::v1alpha::ServerReflectionResponse>*
ReflectionV1AlphaService::ServerReflectionInfo(grpc::CallbackServerContext* /*context*/) {
  return new ReflectionReactor<grpc::reflection::v1alpha::ServerReflectionRequest,
                               grpc::reflection::v1alpha::ServerReflectionResponse>(services_);
}

grpc::Status UnservedMethodService::NotServed(const std::string& path) {
  return status::ToGrpcStatus(status::WithErrorInfo(
      absl::UnimplementedError(absl::StrCat(path, " is not a method of this server")),
      "METHOD_NOT_SERVED"));
}

grpc::ServerGenericBidiReactor* UnservedMethodService::CreateReactor(
    grpc::GenericCallbackServerContext* context) {
  // Answers at once, reading nothing of the request.
  class Reactor final : public grpc::ServerGenericBidiReactor {
   public:
    explicit Reactor(grpc::Status status) { Finish(std::move(status)); }
    void OnDone() override { delete this; }
  };
  return new Reactor(answer_ ? answer_(*context) : NotServed(context->method()));
}

}  // namespace unemployment::server
