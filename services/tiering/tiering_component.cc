#include "services/tiering/tiering_component.h"

#include <memory>
#include <vector>

#include "common/server/service_database.h"
#include "services/tiering/tiering_service.h"

namespace unemployment::tiering {
namespace {

class Component final : public server::ServiceComponent {
 public:
  explicit Component(std::unique_ptr<store::Database> db) : db_(std::move(db)) {}
  std::vector<grpc::Service*> GrpcServices() override { return {&service_}; }

 private:
  std::unique_ptr<store::Database> db_;
  TieringServiceImpl service_;
};

}  // namespace

server::ServiceDefinition Definition() {
  server::ServiceDefinition definition;
  definition.name = "tiering";
  definition.default_port = 50054;
  definition.define_settings = [](server::Settings& settings) {
    settings.Define("registration_addr", "127.0.0.1:50052",
                    "address of the registration service (its event feed and API)");
  };
  definition.create = [](const server::CommonSettings& common, const server::Settings&)
      -> absl::StatusOr<std::unique_ptr<server::ServiceComponent>> {
    absl::StatusOr<std::unique_ptr<store::Database>> db =
        server::OpenServiceDatabase(common, "tiering.db", {});
    if (!db.ok()) return db.status();
    return std::make_unique<Component>(*std::move(db));
  };
  return definition;
}

}  // namespace unemployment::tiering
