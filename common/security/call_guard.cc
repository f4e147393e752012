#include "common/security/call_guard.h"

#include <openssl/rand.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <optional>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/log/mask.h"
#include "common/status/status_util.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/impl/rpc_service_method.h"
#include "grpcpp/impl/service_type.h"
#include "grpcpp/security/auth_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/slice.h"

namespace unemployment::security {
namespace {

constexpr absl::string_view kHealthPrefix = "/grpc.health.v1.Health/";
constexpr char kCommonNameProperty[] = "x509_common_name";
constexpr absl::string_view kBearer = "Bearer ";
// The entry the guard's interceptor adds to a call's received metadata once it has checked the
// call: "passed:<the guard's nonce>" lets the wrapped handler run the method; anything else (or
// none: a call the interceptor did not check) makes it answer without running it. Entries of this
// key sent by the client are removed first; the nonce (random per guard) makes a forged one
// useless even on a server whose interceptor is missing.
constexpr absl::string_view kGuardMarkKey = "ue-guard-mark";

std::atomic<CallGuard*> process_guard{nullptr};

absl::Status Unauthenticated(absl::string_view message, absl::string_view reason) {
  return status::WithErrorInfo(absl::UnauthenticatedError(message), std::string(reason));
}

// "Bearer <token>" -> token; anything else -> empty.
absl::string_view TokenFromHeader(absl::string_view value) {
  if (!absl::StartsWith(value, kBearer)) return {};
  return value.substr(kBearer.size());
}

std::string CommonName(const grpc::AuthContext& context) {
  std::vector<grpc::string_ref> values = context.FindPropertyValues(kCommonNameProperty);
  if (values.empty()) return "";
  return std::string(values.front().data(), values.front().size());
}

// The grpc-timeout header ("100m", "10S"), or InfiniteDuration.
absl::Duration ParseGrpcTimeout(absl::string_view value) {
  if (value.size() < 2) return absl::InfiniteDuration();
  int64_t amount = 0;
  if (!absl::SimpleAtoi(value.substr(0, value.size() - 1), &amount)) return absl::InfiniteDuration();
  switch (value.back()) {
    case 'H': return absl::Hours(amount);
    case 'M': return absl::Minutes(amount);
    case 'S': return absl::Seconds(amount);
    case 'm': return absl::Milliseconds(amount);
    case 'u': return absl::Microseconds(amount);
    case 'n': return absl::Nanoseconds(amount);
    default: return absl::InfiniteDuration();
  }
}

// The generated method at gRPC path "/pkg.Service/Method", or null.
const google::protobuf::MethodDescriptor* MethodDescriptorOf(absl::string_view path) {
  if (path.size() < 2) return nullptr;
  std::string name(path.substr(1));
  size_t slash = name.find('/');
  if (slash == std::string::npos) return nullptr;
  name[slash] = '.';
  return google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(name);
}

// True for methods that stream responses (event feeds): they run as long as the subscriber.
bool IsStreamingMethod(absl::string_view path) {
  const google::protobuf::MethodDescriptor* method = MethodDescriptorOf(path);
  return method != nullptr && (method->server_streaming() || method->client_streaming());
}

// True when the guard's interceptor checked the call and let it pass (see kGuardMarkKey).
bool PassedGuard(const grpc::ServerContextBase& context, absl::string_view passed_mark) {
  const auto& metadata = context.client_metadata();
  auto [begin, end] =
      metadata.equal_range(grpc::string_ref(kGuardMarkKey.data(), kGuardMarkKey.size()));
  for (auto it = begin; it != end; ++it) {
    if (absl::string_view(it->second.data(), it->second.size()) == passed_mark) return true;
  }
  return false;
}

// The bearer token in a call's metadata (empty: none).
template <typename Metadata>
absl::string_view TokenOf(const Metadata& metadata) {
  auto it = metadata.find(grpc::string_ref(kAuthorizationKey.data(), kAuthorizationKey.size()));
  if (it == metadata.end()) return {};
  return TokenFromHeader(absl::string_view(it->second.data(), it->second.size()));
}

// The time left before a call's deadline (InfiniteDuration: the call has none).
absl::Duration TimeLeft(std::chrono::system_clock::time_point deadline) {
  return deadline == std::chrono::system_clock::time_point::max()
             ? absl::InfiniteDuration()
             : absl::FromChrono(deadline) - absl::Now();
}

// The handler of one method of a guarded service: runs the method's own handler for a call the
// guard's interceptor let pass. Any other call (refused, or not checked at all) runs the method's
// handler with a failed request status, which makes it answer without calling the method (gRPC's
// generated handlers answer UNIMPLEMENTED for a request that failed to arrive; the guard's
// interceptor replaces that answer by the refusal, details included).
class RefusingHandler final : public grpc::internal::MethodHandler {
 public:
  RefusingHandler(std::unique_ptr<grpc::internal::RpcServiceMethod> method, std::string passed_mark)
      : method_(std::move(method)), passed_mark_(std::move(passed_mark)) {}

  void RunHandler(const HandlerParameter& param) override {
    if (PassedGuard(*param.server_context, passed_mark_)) {
      method_->handler()->RunHandler(param);
      return;
    }
    method_->handler()->RunHandler(HandlerParameter(
        param.call, param.server_context, param.request,
        grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "the call was not let through"),
        param.internal_data, param.call_requester));
  }

  void* Deserialize(grpc_call* call, grpc_byte_buffer* request, grpc::Status* status,
                    void** handler_data) override {
    return method_->handler()->Deserialize(call, request, status, handler_data);
  }

 private:
  // The generated method (and its handler), owned here.
  std::unique_ptr<grpc::internal::RpcServiceMethod> method_;
  const std::string passed_mark_;
};

// grpc::Service keeps its methods private and offers no way to wrap a handler (replacing one
// deletes it). The standard-conforming access below (an explicit instantiation may name a private
// member) reaches the list of methods to wrap each one, once, before the server starts.
using MethodList = std::vector<std::unique_ptr<grpc::internal::RpcServiceMethod>>;
using MethodListMember = MethodList grpc::Service::*;
MethodListMember ServiceMethodList();
template <MethodListMember kMember>
struct ServiceMethodListAccess {
  friend MethodListMember ServiceMethodList() { return kMember; }
};
template struct ServiceMethodListAccess<&grpc::Service::methods_>;

class GuardProcessor final : public grpc::AuthMetadataProcessor {
 public:
  explicit GuardProcessor(CallGuard* guard) : guard_(guard) {}

  // Verifying a token is one Ed25519 signature check (tens of microseconds): run inline on the
  // call's thread.
  bool IsBlocking() const override { return false; }

  grpc::Status Process(const InputMetadata& metadata, grpc::AuthContext* context,
                       OutputMetadata* /*consumed*/, OutputMetadata* /*response*/) override {
    absl::string_view path, token;
    absl::Duration timeout = absl::InfiniteDuration();
    for (const auto& [key, value] : metadata) {
      absl::string_view k(key.data(), key.size()), v(value.data(), value.size());
      if (k == ":path") {
        path = v;
      } else if (k == kAuthorizationKey) {
        token = TokenFromHeader(v);
      } else if (k == "grpc-timeout") {
        timeout = ParseGrpcTimeout(v);
      }
    }
    // A method of this server's services is checked by the guard's interceptor, which can answer
    // with the whole status (gRPC sends only the code and message of a processor's refusal); a
    // path no service has goes to the server's catch-all, which checks the caller the same way.
    if (guard_->Wraps(path) || guard_->AnswersUnserved()) return grpc::Status::OK;
    // Without a catch-all, any other path is refused here (code and message only).
    absl::StatusOr<Caller> caller = guard_->Check(path, CommonName(*context), token, timeout);
    if (caller.ok()) return grpc::Status::OK;
    return grpc::Status(static_cast<grpc::StatusCode>(caller.status().code()),
                        std::string(caller.status().message()));
  }

 private:
  CallGuard* guard_;
};

// The record a request is about, for the audit log: its *_id, *region_code and id_number fields,
// at the top level and in nested (singular) messages such as person_id or spec, "path=value"
// joined by ';'. An ID number is recorded as its keyed hash (AuditPersonHash with the audit key,
// "person_id.id_number#=<hash>"), never in clear; without an audit log (tests) it is masked.
void CollectRecord(const google::protobuf::Message& message, const std::string& prefix, int depth,
                   const AuditLog* audit, std::vector<std::string>* parts) {
  const google::protobuf::Descriptor* descriptor = message.GetDescriptor();
  const google::protobuf::Reflection* reflection = message.GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = descriptor->field(i);
    if (field->is_repeated()) continue;
    const std::string& name = field->name();
    if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      // Nested requests are shallow (person_id, spec); the bound keeps a hostile one cheap.
      if (depth < 3 && reflection->HasField(message, field)) {
        CollectRecord(reflection->GetMessage(message, field), absl::StrCat(prefix, name, "."),
                      depth + 1, audit, parts);
      }
      continue;
    }
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_STRING) continue;
    bool id_number = absl::EndsWith(name, "id_number");
    bool wanted = id_number || absl::EndsWith(name, "region_code") ||
                  (absl::EndsWith(name, "_id") && name != "request_id");
    if (!wanted) continue;
    std::string value = reflection->GetString(message, field);
    if (value.empty()) continue;
    if (id_number) {
      parts->push_back(audit != nullptr
                           ? absl::StrCat(prefix, name, "#=", audit->PersonHash(value))
                           : absl::StrCat(prefix, name, "=", log::MaskIdNumber(value)));
    } else {
      parts->push_back(absl::StrCat(prefix, name, "=", log::ScrubText(value)));
    }
  }
}

std::string RecordOf(const google::protobuf::Message& request, const AuditLog* audit) {
  std::vector<std::string> parts;
  CollectRecord(request, "", 0, audit, &parts);
  return absl::StrJoin(parts, ";");
}

std::string StatusCodeName(grpc::StatusCode code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

// Audit (methods marked personal) and response masking (callers who do not see personal data
// clear), one interceptor per call that needs either.
class GuardInterceptor final : public grpc::experimental::Interceptor {
 public:
  // `check`: run CallGuard::Check on the call before its handler (a method wrapped by
  // GuardService); otherwise the processor checked it already.
  GuardInterceptor(CallGuard* guard, grpc::experimental::ServerRpcInfo* info, bool check,
                   bool audit, bool may_mask)
      : guard_(guard),
        info_(info),
        check_(check),
        audit_(audit),
        may_mask_(may_mask),
        streaming_(IsStreamingMethod(info->method())) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using Hook = grpc::experimental::InterceptionHookPoints;
    if (check_ && methods->QueryInterceptionHookPoint(Hook::POST_RECV_INITIAL_METADATA)) {
      CheckCall(methods->GetRecvInitialMetadata());
    }
    if (refusal_.has_value()) {
      // Refused (and audited by Check): the handler does not run; only the answer is sent.
      if (methods->QueryInterceptionHookPoint(Hook::PRE_SEND_STATUS)) {
        methods->ModifySendStatus(*refusal_);
      }
      methods->Proceed();
      return;
    }
    if (audit_ && methods->QueryInterceptionHookPoint(Hook::POST_RECV_MESSAGE) && !received_) {
      // The generated service deserialised the request into its message type, a
      // google::protobuf::Message subclass.
      if (void* message = methods->GetRecvMessage()) {
        received_ = true;
        record_ = RecordOf(*static_cast<google::protobuf::Message*>(message), guard_->audit());
        // A stream is recorded when it opens (its first request), so that a stream cut mid-way
        // leaves an entry too; its end adds a second entry with the result. A stream whose opening
        // cannot be recorded is cancelled before it sends anything.
        if (streaming_ && !guard_->audit()->Append(Entry("OPENED")).ok()) {
          info_->server_context()->TryCancel();
        }
      }
    }
    if (may_mask_ && methods->QueryInterceptionHookPoint(Hook::PRE_SEND_MESSAGE)) MaskResponse(methods);
    if (audit_ && methods->QueryInterceptionHookPoint(Hook::PRE_SEND_STATUS)) {
      // The answer waits for the audit entry's commit, but no thread does: the batch proceeds
      // from the audit log's completion (gRPC lets an interceptor call Proceed later). Before,
      // the thread sending the status (often a store's writer thread, from its commit callback)
      // blocked on the audit fsync, one call after another.
      const grpc::Status sent = methods->GetSendStatus();
      guard_->audit()->AppendAsync(Entry(StatusCodeName(sent.error_code())),
                                   [methods](absl::Status written) {
        if (!written.ok()) {
          methods->ModifySendStatus(status::ToGrpcStatus(status::WithErrorInfo(
              absl::UnavailableError(
                  "the call could not be recorded in the audit log and is refused; retry later"),
              "AUDIT_LOG_UNAVAILABLE")));
        }
        methods->Proceed();
      });
      return;
    }
    methods->Proceed();
  }

 private:
  // The guard's decision on the call, marked in its received metadata for the wrapped handler.
  void CheckCall(std::multimap<grpc::string_ref, grpc::string_ref>* metadata) {
    if (metadata == nullptr) {  // cannot happen at this hook; refuse rather than guess
      refusal_ = grpc::Status(grpc::StatusCode::INTERNAL, "the call could not be checked");
      return;
    }
    grpc::string_ref mark_key(kGuardMarkKey.data(), kGuardMarkKey.size());
    metadata->erase(mark_key);
    const grpc::ServerContextBase& context = *info_->server_context();
    std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
    absl::StatusOr<Caller> caller = guard_->Check(info_->method(), auth ? CommonName(*auth) : "",
                                                  TokenOf(*metadata), TimeLeft(context.deadline()));
    if (!caller.ok()) {
      refusal_ = status::ToGrpcStatus(caller.status());
      return;
    }
    mark_ = guard_->PassedMark();
    metadata->emplace(mark_key, grpc::string_ref(mark_.data(), mark_.size()));
  }

  void MaskResponse(grpc::experimental::InterceptorBatchMethods* methods) {
    if (!caller_decided_) {
      caller_decided_ = true;
      absl::StatusOr<Caller> caller = guard_->Identify(*info_->server_context());
      // A caller that cannot be identified (it passed the guard, so this does not happen) sees
      // masked values.
      masking_ = !caller.ok() || !guard_->policy().SeesClear(info_->method(), caller->claims.role);
    }
    if (!masking_) return;
    // The generated handlers send their response message (a google::protobuf::Message) by
    // pointer. A message that reaches here serialised already is parsed, masked and serialised
    // again (fail closed).
    const void* sent = methods->GetSendMessage();
    if (sent == nullptr) {
      MaskSerialized(methods->GetSerializedSendMessage());
      return;
    }
    const auto* response = static_cast<const google::protobuf::Message*>(sent);
    if (!guard_->masker().Applies(response->GetDescriptor())) return;
    // The handler's message stays untouched (it may be the handler's own state): a masked copy is
    // sent instead. One write is outstanding at a time, so the previous copy is no longer needed.
    masked_.reset(response->New());
    masked_->CopyFrom(*response);
    guard_->masker().Mask(masked_.get());
    methods->ModifySendMessage(masked_.get());
  }

  void MaskSerialized(grpc::ByteBuffer* buffer) {
    if (buffer == nullptr) return;
    const google::protobuf::MethodDescriptor* method = MethodDescriptorOf(info_->method());
    std::vector<grpc::Slice> slices;
    if (method == nullptr || !buffer->Dump(&slices).ok()) {
      *buffer = grpc::ByteBuffer();  // cannot be checked: nothing is sent rather than clear data
      return;
    }
    std::string bytes;
    for (const grpc::Slice& slice : slices) {
      bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
    std::unique_ptr<google::protobuf::Message> message(
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(method->output_type())->New());
    if (!message->ParseFromString(bytes)) {
      *buffer = grpc::ByteBuffer();
      return;
    }
    guard_->masker().Mask(message.get());
    std::string masked = message->SerializeAsString();
    grpc::Slice slice(masked);
    *buffer = grpc::ByteBuffer(&slice, 1);
  }

  // `result`: the status code name sent, or OPENED for a stream's first entry.
  AuditEntry Entry(std::string result) {
    AuditEntry entry;
    entry.at = guard_->Now();
    entry.method = info_->method();
    entry.record = record_;
    entry.result = std::move(result);
    absl::StatusOr<Caller> caller = guard_->Identify(*info_->server_context());
    if (caller.ok()) {
      entry.system = caller->claims.system;
      entry.subject = caller->claims.subject;
      entry.role = caller->claims.role;
      entry.region = caller->claims.region;
    } else {
      entry.system = entry.subject = entry.role = entry.region = "?";
    }
    return entry;
  }

  CallGuard* guard_;
  grpc::experimental::ServerRpcInfo* info_;
  const bool check_;
  const bool audit_;
  const bool may_mask_;
  const bool streaming_;
  bool received_ = false;
  std::string record_;
  bool caller_decided_ = false;
  bool masking_ = false;
  std::unique_ptr<google::protobuf::Message> masked_;
  // Set when Check refused the call.
  std::optional<grpc::Status> refusal_;
  // The value of the mark in the call's metadata (the map refers to it).
  std::string mark_;
};

class GuardInterceptorFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit GuardInterceptorFactory(CallGuard* guard) : guard_(guard) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    const bool check = guard_->Wraps(info->method());
    const MethodPolicy* method = guard_->policy().FindMethod(info->method());
    bool audit = method != nullptr && guard_->audit() != nullptr && method->audited;
    bool may_mask = method != nullptr && guard_->masker().MethodMayMask(info->method());
    if (!check && !audit && !may_mask) return nullptr;
    return new GuardInterceptor(guard_, info, check, audit, may_mask);
  }

 private:
  CallGuard* guard_;
};

}  // namespace

CallGuard::CallGuard(GuardOptions options) : options_(std::move(options)) {
  unsigned char nonce[16];
  if (RAND_bytes(nonce, sizeof(nonce)) != 1) {
    // Without a secret mark a forged one could pass a server whose interceptor is missing; the
    // interceptor still removes client entries, so a fixed mark only weakens that second line.
    std::memset(nonce, 0, sizeof(nonce));
  }
  passed_mark_ = absl::StrCat(
      "passed:", absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(nonce),
                                                          sizeof(nonce))));
}

absl::StatusOr<Caller> CallGuard::Authenticate(absl::string_view certificate_cn,
                                               absl::string_view token, bool check_expiry) const {
  if (certificate_cn.empty()) {
    return Unauthenticated("the call presents no client certificate", "CERTIFICATE_MISSING");
  }
  const SystemPolicy* system = options_.policy.FindSystem(certificate_cn);
  if (system == nullptr) {
    return Unauthenticated(absl::StrCat("the client certificate '", certificate_cn,
                                        "' is not a calling system of the policy"),
                           "CERTIFICATE_UNKNOWN");
  }
  Caller caller;
  caller.authenticated = true;
  if (token.empty()) {
    if (!system->certificate_only) {
      return Unauthenticated("the call carries no token (metadata authorization: Bearer ...)",
                             "TOKEN_MISSING");
    }
    caller.claims.system = system->name;
    caller.claims.subject = system->name;
    caller.claims.role = *system->roles.begin();
    caller.claims.region = "*";
    caller.claims.expires = absl::InfiniteFuture();
    caller.peer_service = true;
    return caller;
  }
  absl::StatusOr<CallerClaims> claims =
      VerifyRemembered(token, check_expiry ? options_.now() : absl::InfinitePast());
  if (!claims.ok()) return claims.status();
  if (claims->system != system->name) {
    return Unauthenticated("the token was issued to another system than the certificate's",
                           "TOKEN_SYSTEM_MISMATCH");
  }
  if (system->roles.count(claims->role) == 0) {
    return Unauthenticated(absl::StrCat("the token's role '", claims->role,
                                        "' is not a role of its system"),
                           "TOKEN_ROLE_UNKNOWN");
  }
  caller.claims = *std::move(claims);
  return caller;
}

absl::StatusOr<CallerClaims> CallGuard::VerifyRemembered(absl::string_view token,
                                                          absl::Time now) const {
  {
    absl::MutexLock lock(&tokens_mu_);
    auto it = verified_tokens_.find(std::string(token));
    if (it != verified_tokens_.end()) {
      if (absl::Status in_time = CheckTokenTime(it->second, now); !in_time.ok()) return in_time;
      return it->second;
    }
  }
  // Verified outside the lock: other calls do not wait for this one's signature check.
  absl::StatusOr<CallerClaims> claims = VerifyToken(token, options_.token_keys, now);
  if (!claims.ok()) return claims;
  absl::MutexLock lock(&tokens_mu_);
  if (verified_tokens_.size() >= kMaxVerifiedTokens) verified_tokens_.clear();
  verified_tokens_.emplace(std::string(token), *claims);
  return claims;
}

absl::Status CallGuard::TakeRateToken(const Caller& caller) {
  if (options_.rate_per_second <= 0) return absl::OkStatus();
  // The suite's own services are not limited per caller: what a gateway sends a registration shard
  // is the traffic of many callers, each limited already where it entered (one bucket for
  // svc-gateway would cap the whole intake at --rate_limit calls per second).
  if (caller.peer_service) return absl::OkStatus();
  std::string key = absl::StrCat(caller.claims.system, "/", caller.claims.subject);
  absl::Time now = options_.now();
  double burst = std::max(options_.rate_burst, 1.0);
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = buckets_.try_emplace(key, Bucket{burst, now});
  Bucket& bucket = it->second;
  if (!inserted) {
    double elapsed = std::max(0.0, absl::ToDoubleSeconds(now - bucket.updated));
    bucket.tokens = std::min(burst, bucket.tokens + elapsed * options_.rate_per_second);
    bucket.updated = now;
  }
  if (bucket.tokens < 1.0) {
    return status::WithErrorInfo(
        absl::ResourceExhaustedError(absl::StrCat("rate limit of ", options_.rate_per_second,
                                                  " calls per second exceeded by ", key)),
        "RATE_LIMITED");
  }
  bucket.tokens -= 1.0;
  return absl::OkStatus();
}

absl::StatusOr<Caller> CallGuard::Check(absl::string_view path, absl::string_view certificate_cn,
                                        absl::string_view token, absl::Duration timeout) {
  if (absl::StartsWith(path, kHealthPrefix)) {
    Caller caller;
    caller.claims.system = caller.claims.subject = std::string(certificate_cn);
    return caller;
  }
  absl::StatusOr<Caller> caller = Authenticate(certificate_cn, token, /*check_expiry=*/true);
  if (!caller.ok()) return caller.status();
  if (absl::Status rate = TakeRateToken(*caller); !rate.ok()) return rate;
  if (options_.max_call_deadline > absl::ZeroDuration() && timeout > options_.max_call_deadline &&
      !IsStreamingMethod(path)) {
    return status::WithErrorInfo(
        absl::InvalidArgumentError(absl::StrCat(
            "every call must carry a deadline of at most ",
            absl::FormatDuration(options_.max_call_deadline))),
        "DEADLINE_REQUIRED");
  }
  // A method this process does not serve and the policy does not name is UNIMPLEMENTED, as the
  // server itself would answer: clients that probe a newer API version fall back only on
  // UNIMPLEMENTED, not on PERMISSION_DENIED.
  // Nothing is revealed: the caller has authenticated, and no served method is affected.
  if (options_.policy.FindMethod(path) == nullptr && MethodDescriptorOf(path) == nullptr) {
    return status::WithErrorInfo(
        absl::UnimplementedError(absl::StrCat(path, " is not a method of this server")),
        "METHOD_NOT_SERVED");
  }
  if (absl::Status allowed = options_.policy.Authorize(path, caller->claims.role, caller->claims.region);
      !allowed.ok()) {
    // A refused attempt at personal data (or aggregates) is recorded too (the handler never runs,
    // so the audit interceptor does not see it). If even that cannot be written, the call stays
    // refused.
    const MethodPolicy* method = options_.policy.FindMethod(path);
    if (options_.audit != nullptr && method != nullptr && method->audited) {
      AuditEntry entry;
      entry.at = options_.now();
      entry.system = caller->claims.system;
      entry.subject = caller->claims.subject;
      entry.role = caller->claims.role;
      entry.region = caller->claims.region;
      entry.method = std::string(path);
      entry.result = "PERMISSION_DENIED";
      options_.audit->Append(std::move(entry)).IgnoreError();
    }
    return allowed;
  }
  return caller;
}

absl::StatusOr<Caller> CallGuard::Identify(const grpc::ServerContextBase& context) const {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  std::string cn = auth ? CommonName(*auth) : "";
  // Expiry was checked when the call arrived; a call does not fail half-way because its token
  // expires while it runs.
  return Authenticate(cn, TokenOf(context.client_metadata()), /*check_expiry=*/false);
}

void CallGuard::GuardService(grpc::Service* service) {
  MethodList& methods = service->*ServiceMethodList();
  absl::MutexLock lock(&wrapped_mu_);
  for (std::unique_ptr<grpc::internal::RpcServiceMethod>& method : methods) {
    // Generic (null) and asynchronous (no handler) methods are not served by this suite.
    if (method == nullptr || method->handler() == nullptr) continue;
    wrapped_paths_.insert(method->name());
    if (dynamic_cast<RefusingHandler*>(method->handler()) != nullptr) continue;  // wrapped already
    const char* name = method->name();
    grpc::internal::RpcMethod::RpcType type = method->method_type();
    grpc::internal::RpcServiceMethod::ApiType api = method->api_type();
    auto wrapped = std::make_unique<grpc::internal::RpcServiceMethod>(
        name, type, new RefusingHandler(std::move(method), passed_mark_));
    wrapped->SetServerApiType(api);
    method = std::move(wrapped);
  }
}

bool CallGuard::Wraps(absl::string_view path) const {
  absl::ReaderMutexLock lock(&wrapped_mu_);
  return wrapped_paths_.find(path) != wrapped_paths_.end();
}

std::shared_ptr<grpc::AuthMetadataProcessor> CallGuard::MakeProcessor() {
  return std::make_shared<GuardProcessor>(this);
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
CallGuard::MakeAuditInterceptorFactory() {
  return std::make_unique<GuardInterceptorFactory>(this);
}

std::function<grpc::Status(const grpc::GenericCallbackServerContext&)>
CallGuard::MakeUnservedAnswer() {
  answers_unserved_.store(true);
  return [this](const grpc::GenericCallbackServerContext& context) {
    std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
    absl::StatusOr<Caller> caller =
        Check(context.method(), auth ? CommonName(*auth) : "", TokenOf(context.client_metadata()),
              TimeLeft(context.deadline()));
    if (!caller.ok()) return status::ToGrpcStatus(caller.status());
    // Let through (a method the policy names for this caller), but not served here.
    return status::ToGrpcStatus(status::WithErrorInfo(
        absl::UnimplementedError(absl::StrCat(context.method(), " is not a method of this server")),
        "METHOD_NOT_SERVED"));
  };
}

void InstallProcessGuard(CallGuard* guard) { process_guard.store(guard); }
CallGuard* ProcessGuard() { return process_guard.load(); }

absl::StatusOr<Caller> CurrentCaller(const grpc::ServerContextBase& context) {
  CallGuard* guard = ProcessGuard();
  if (guard == nullptr) {
    Caller caller;
    caller.claims = {"insecure-dev", "insecure-dev", "", "*", absl::InfiniteFuture()};
    return caller;
  }
  return guard->Identify(context);
}

std::string CallerRegionScope(const grpc::ServerContextBase& context) {
  absl::StatusOr<Caller> caller = CurrentCaller(context);
  // A call that passed the guard always has a caller; an unidentifiable one sees nothing.
  return caller.ok() ? caller->claims.region : std::string("-");
}

absl::Status RequireRegion(const grpc::ServerContextBase& context, absl::string_view region_code) {
  std::string scope = CallerRegionScope(context);
  if (RegionInScope(scope, region_code)) return absl::OkStatus();
  return status::WithErrorInfo(
      absl::PermissionDeniedError(absl::StrCat("the record belongs to region ", region_code,
                                               ", outside this caller's scope ", scope)),
      "OUTSIDE_REGION_SCOPE", {{"region_scope", scope}});
}

absl::Status RequireRecordInScope(
    const grpc::ServerContextBase& context,
    const std::function<absl::StatusOr<std::string>()>& office_region_of) {
  std::string scope = CallerRegionScope(context);
  if (scope == "*") return absl::OkStatus();
  absl::StatusOr<std::string> region = office_region_of();
  if (!region.ok() && region.status().code() != absl::StatusCode::kNotFound) {
    return region.status();
  }
  if (region.ok() && RegionInScope(scope, *region)) return absl::OkStatus();
  // Unknown and out of scope alike: nothing here may depend on whether the record exists.
  return status::WithErrorInfo(
      absl::PermissionDeniedError(
          absl::StrCat("the record is not within this caller's region scope ", scope)),
      "OUTSIDE_REGION_SCOPE", {{"region_scope", scope}});
}

}  // namespace unemployment::security
