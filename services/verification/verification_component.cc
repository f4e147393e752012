#include "services/verification/verification_component.h"

#include <memory>
#include <vector>

#include "common/server/service_database.h"
#include "services/verification/verification_service.h"

namespace unemployment::verification {
namespace {

class Component final : public server::ServiceComponent {
 public:
  explicit Component(std::unique_ptr<store::Database> db) : db_(std::move(db)) {}
  std::vector<grpc::Service*> GrpcServices() override { return {&service_}; }

 private:
  std::unique_ptr<store::Database> db_;
  VerificationServiceImpl service_;
};

}  // namespace

server::ServiceDefinition Definition() {
  server::ServiceDefinition definition;
  definition.name = "verification";
  definition.default_port = 50053;
  definition.create = [](const server::CommonSettings& common, const server::Settings&)
      -> absl::StatusOr<std::unique_ptr<server::ServiceComponent>> {
    absl::StatusOr<std::unique_ptr<store::Database>> db =
        server::OpenServiceDatabase(common, "verification.db", {});
    if (!db.ok()) return db.status();
    return std::make_unique<Component>(*std::move(db));
  };
  return definition;
}

}  // namespace unemployment::verification
