#include "services/ministry_receiver/ministry_receiver_component.h"

#include <memory>
#include <utility>
#include <vector>

#include "common/server/service_database.h"
#include "services/ministry_receiver/ministry_receiver.h"

namespace unemployment::ministry_receiver {
namespace {

class Component final : public server::ServiceComponent {
 public:
  Component(std::unique_ptr<store::Database> db, int unavailable_first_n,
            const time::Clock& clock)
      : clock_(clock),
        store_(std::move(db)),
        service_(store_, clock_, log::Logger("ministry_receiver"), unavailable_first_n) {}

  std::vector<grpc::Service*> GrpcServices() override { return {&service_}; }

 private:
  // The process clock (system, or --clock_start's offset clock).
  const time::Clock& clock_;
  ResultStore store_;
  MinistryReceiverService service_;
};

}  // namespace

server::ServiceDefinition Definition() {
  server::ServiceDefinition definition;
  definition.name = "ministry_receiver";
  definition.default_port = 50060;
  definition.define_settings = [](server::Settings& settings) {
    settings.Define("unavailable_first_n", "0",
                    "answer UNAVAILABLE to this many calls first (to exercise the sender's retries)");
  };
  definition.create = [](const server::CommonSettings& common, const server::Settings& settings)
      -> absl::StatusOr<std::unique_ptr<server::ServiceComponent>> {
    absl::StatusOr<int64_t> unavailable = settings.GetInt("unavailable_first_n");
    if (!unavailable.ok() || *unavailable < 0 || *unavailable > 1000000) {
      return absl::InvalidArgumentError("setting --unavailable_first_n must be 0 to 1000000");
    }
    absl::StatusOr<std::unique_ptr<store::Database>> db =
        server::OpenServiceDatabase(common, "ministry_receiver.db", ReceiverMigrations());
    if (!db.ok()) return db.status();
    return std::make_unique<Component>(*std::move(db), static_cast<int>(*unavailable),
                                       *common.clock);
  };
  return definition;
}

}  // namespace unemployment::ministry_receiver
