#include "services/registration/registration_component.h"

#include <memory>
#include <vector>

#include "common/server/service_database.h"
#include "services/registration/registration_service.h"

namespace unemployment::registration {
namespace {

class Component final : public server::ServiceComponent {
 public:
  explicit Component(std::unique_ptr<store::Database> db) : db_(std::move(db)) {}
  std::vector<grpc::Service*> GrpcServices() override { return {&service_}; }

 private:
  std::unique_ptr<store::Database> db_;
  RegistrationServiceImpl service_;
};

}  // namespace

server::ServiceDefinition Definition() {
  server::ServiceDefinition definition;
  definition.name = "registration";
  definition.default_port = 50052;
  definition.create = [](const server::CommonSettings& common, const server::Settings&)
      -> absl::StatusOr<std::unique_ptr<server::ServiceComponent>> {
    absl::StatusOr<std::unique_ptr<store::Database>> db =
        server::OpenServiceDatabase(common, "registration.db", {});
    if (!db.ok()) return db.status();
    return std::make_unique<Component>(*std::move(db));
  };
  return definition;
}

}  // namespace unemployment::registration
