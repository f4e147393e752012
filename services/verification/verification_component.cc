#include "services/verification/verification_component.h"

#include <memory>
#include <utility>
#include <vector>

#include "common/log/logger.h"
#include "common/server/service_database.h"
#include "common/time/clock.h"
#include "services/verification/snapshot_importer.h"
#include "services/verification/sqlite_verification_store.h"
#include "services/verification/verification_service.h"
#include "services/verification/verifier.h"

namespace unemployment::verification {
namespace {

class Component final : public server::ServiceComponent {
 public:
  Component(std::unique_ptr<SqliteVerificationStore> store, RetirementRules retirement,
            const time::Clock& clock)
      : clock_(clock),
        logger_("verification"),
        store_(std::move(store)),
        verifier_(store_->Sources(), *store_, clock_, retirement),
        importer_(*store_, clock_),
        service_(
            VerificationServiceImpl::Dependencies{&verifier_, &importer_, store_.get(), &clock_},
            logger_) {}

  ~Component() override { Stop(); }

  std::vector<grpc::Service*> GrpcServices() override { return {&service_}; }

  void Stop() override { store_->Shutdown(); }

 private:
  // The process clock (system, or --clock_start's offset clock).
  const time::Clock& clock_;
  log::Logger logger_;
  std::unique_ptr<SqliteVerificationStore> store_;
  Verifier verifier_;
  SnapshotImporter importer_;
  VerificationServiceImpl service_;
};

void DefineSettings(server::Settings& settings) {
  settings.Define("reader_connections", "4", "SQLite reader connections");
  settings.Define("female_retirement_age_years", "50",
                  "base statutory retirement age of women before the 2025 raise: 50 (worker) or "
                  "55 (cadre)");
}

absl::StatusOr<std::unique_ptr<server::ServiceComponent>> Create(
    const server::CommonSettings& common, const server::Settings& settings) {
  absl::StatusOr<int64_t> readers = settings.GetInt("reader_connections");
  if (!readers.ok() || *readers < 1 || *readers > 64) {
    return absl::InvalidArgumentError("setting --reader_connections must be 1 to 64");
  }
  absl::StatusOr<int64_t> female_age = settings.GetInt("female_retirement_age_years");
  RetirementRules retirement;
  if (!female_age.ok() || (*female_age != 50 && *female_age != 55)) {
    return absl::InvalidArgumentError("setting --female_retirement_age_years must be 50 or 55");
  }
  if (*female_age == 55) {
    // Female cadres: 55 -> 58, one month per four months of birth from 1970-01.
    retirement.female = RetirementRule{55, absl::CivilMonth(1970, 1), 4, 36};
  }
  absl::StatusOr<std::unique_ptr<store::Database>> db =
      server::OpenServiceDatabase(common, "verification.db", VerificationMigrations());
  if (!db.ok()) return db.status();
  SqliteVerificationStore::Options options;
  options.reader_count = static_cast<int>(*readers);
  absl::StatusOr<std::unique_ptr<SqliteVerificationStore>> store =
      SqliteVerificationStore::Create(*std::move(db), options);
  if (!store.ok()) return store.status();
  return std::make_unique<Component>(*std::move(store), retirement, *common.clock);
}

}  // namespace

server::ServiceDefinition Definition() {
  server::ServiceDefinition definition;
  definition.name = "verification";
  definition.default_port = 50053;
  definition.define_settings = DefineSettings;
  definition.create = Create;
  return definition;
}

}  // namespace unemployment::verification
