#include "services/notification_receiver/notification_receiver_component.h"

#include <memory>
#include <utility>
#include <vector>

#include "common/server/service_database.h"
#include "services/notification_receiver/notification_receiver.h"

namespace unemployment::notification_receiver {
namespace {

class Component final : public server::ServiceComponent {
 public:
  Component(std::unique_ptr<store::Database> db, NotificationReceiverService::Options options,
            const time::Clock& clock)
      : clock_(clock),
        store_(std::move(db)),
        service_(store_, clock_, log::Logger("notification_receiver"), options),
        credit_service_(
            store_, clock_, log::Logger("notification_receiver.credit"),
            CreditRecordReceiverService::Options{options.refuse_all, options.unavailable_first_n}) {
    log::Logger("notification_receiver")
        .Warning("reference_receiver",
                 {{"detail",
                   "this is the REFERENCE notification receiver for development and tests: it "
                   "records notices and sends no SMS and no portal reply; it also stands in for "
                   "the credit platform and passes the credit records it records to nobody"}});
  }

  std::vector<grpc::Service*> GrpcServices() override { return {&service_, &credit_service_}; }

 private:
  // The process clock (system, or --clock_start's offset clock).
  const time::Clock& clock_;
  NoticeStore store_;
  NotificationReceiverService service_;
  CreditRecordReceiverService credit_service_;
};

}  // namespace

server::ServiceDefinition Definition() {
  server::ServiceDefinition definition;
  definition.name = "notification_receiver";
  definition.default_port = 50061;
  definition.define_settings = [](server::Settings& settings) {
    settings.Define("refuse_all", "false",
                    "answer UNAVAILABLE to every call (to exercise the sender's retries)");
    settings.Define("unavailable_first_n", "0",
                    "answer UNAVAILABLE to this many calls first (to exercise the sender's retries)");
  };
  definition.create = [](const server::CommonSettings& common, const server::Settings& settings)
      -> absl::StatusOr<std::unique_ptr<server::ServiceComponent>> {
    NotificationReceiverService::Options options;
    absl::StatusOr<bool> refuse = settings.GetBool("refuse_all");
    if (!refuse.ok()) return absl::InvalidArgumentError("setting --refuse_all must be true or false");
    options.refuse_all = *refuse;
    absl::StatusOr<int64_t> unavailable = settings.GetInt("unavailable_first_n");
    if (!unavailable.ok() || *unavailable < 0 || *unavailable > 1000000) {
      return absl::InvalidArgumentError("setting --unavailable_first_n must be 0 to 1000000");
    }
    options.unavailable_first_n = static_cast<int>(*unavailable);
    absl::StatusOr<std::unique_ptr<store::Database>> db =
        server::OpenServiceDatabase(common, "notification_receiver.db", ReceiverMigrations());
    if (!db.ok()) return db.status();
    return std::make_unique<Component>(*std::move(db), options, *common.clock);
  };
  return definition;
}

}  // namespace unemployment::notification_receiver
