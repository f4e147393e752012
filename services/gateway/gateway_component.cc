#include "services/gateway/gateway_component.h"

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/forms/form_validator.h"
#include "common/log/logger.h"
#include "common/server/registration_shards.h"
#include "common/time/clock.h"
#include "common/validation/region_directory.h"
#include "services/gateway/caller_identity.h"
#include "services/gateway/contact_directory.h"
#include "services/gateway/gateway_service.h"
#include "services/gateway/intake.h"
#include "services/gateway/person_index_client.h"
#include "services/gateway/registration_shards.h"
#include "services/gateway/routing_table.h"

namespace unemployment::gateway {
namespace {

// The single shard's name when --shards is empty: registration's default shard id.
constexpr absl::string_view kDefaultShard = server::kDefaultShardId;

struct GatewayConfig {
  std::map<std::string, std::string> shard_addresses;
  std::string person_index_addr;
  std::string routing_table;
  std::string regions_dir;
  std::string contacts_dir;
  std::string province_code;
  absl::Duration shard_timeout;
  int batch_concurrency = 16;
  absl::Duration contacts_cache_ttl = absl::Seconds(10);
};

// Members in construction order; destruction runs backwards, so the handler goes first. The
// gateway has no database: reservations live in the person index.
class Component final : public server::ServiceComponent {
 public:
  Component(validation::RegionDirectory regions, RoutingTable routing, ContactDirectory contacts,
            PublicServiceDirectory public_info, const GatewayConfig& config,
            const server::PeerChannels& peers, const time::Clock& clock)
      : clock_(clock),
        logger_("gateway"),
        regions_(std::move(regions)),
        routing_(std::move(routing)),
        contacts_(std::move(contacts)),
        public_info_(std::move(public_info)),
        validator_(regions_, clock_, config.province_code),
        index_(config.person_index_addr, peers),
        shards_(config.shard_addresses, peers),
        intake_(validator_, routing_, shards_, index_, logger_,
                IntakeOptions{config.batch_concurrency}),
        region_contacts_(contacts_, shards_, log::Logger("gateway.contacts"),
                         config.contacts_cache_ttl, &routing_),
        service_(intake_, contacts_, identity_, GatewayServiceOptions{config.shard_timeout, logger_},
                 &public_info_, &region_contacts_),
        person_index_addr_(config.person_index_addr) {}

  std::vector<grpc::Service*> GrpcServices() override { return {&service_}; }

  absl::Status OnServing(const std::string& self_address) override {
    logger_.Info("serving", {{"listen", self_address},
                             {"shards", absl::StrJoin(shards_.ShardNames(), ",")},
                             {"person_index", person_index_addr_},
                             {"contacts", static_cast<int64_t>(contacts_.size())},
                             {"public_service_regions", static_cast<int64_t>(public_info_.size())}});
    return absl::OkStatus();
  }

 private:
  // The process clock (system, or --clock_start's offset clock): business dates only; log lines
  // keep the real time.
  const time::Clock& clock_;
  log::Logger logger_;
  validation::RegionDirectory regions_;
  RoutingTable routing_;
  ContactDirectory contacts_;
  PublicServiceDirectory public_info_;
  forms::FormValidator validator_;
  GrpcPersonIndexClient index_;
  GrpcRegistrationShards shards_;
  ChannelHeaderIdentityExtractor identity_;
  Intake intake_;
  RegionContacts region_contacts_;
  GatewayServiceImpl service_;
  std::string person_index_addr_;
};

absl::StatusOr<GatewayConfig> ReadConfig(const server::Settings& settings) {
  GatewayConfig config;
  const std::string shards = settings.Get("shards");
  if (shards.empty()) {
    const std::string address = settings.Get("registration_addr");
    if (address.empty()) {
      return absl::InvalidArgumentError("--registration_addr or --shards is required");
    }
    config.shard_addresses.emplace(std::string(kDefaultShard), address);
  } else {
    absl::StatusOr<std::map<std::string, std::string>> parsed = ParseShardAddresses(shards);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--shards: ", parsed.status().message()));
    }
    config.shard_addresses = *std::move(parsed);
  }
  config.person_index_addr = settings.Get("person_index_addr");
  if (config.person_index_addr.empty()) {
    return absl::InvalidArgumentError("--person_index_addr is required");
  }
  config.routing_table = settings.Get("routing_table");
  config.regions_dir = settings.Get("regions_dir");
  config.contacts_dir = settings.Get("contacts_dir");
  config.province_code = settings.Get("province_code");
  if (!IsSixDigitRegionCode(config.province_code) ||
      config.province_code.substr(2) != "0000") {
    return absl::InvalidArgumentError("--province_code must be a province code such as 230000");
  }
  absl::StatusOr<absl::Duration> timeout = settings.GetDuration("shard_timeout");
  if (!timeout.ok() || *timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--shard_timeout must be a positive duration such as 10s");
  }
  config.shard_timeout = *timeout;
  absl::StatusOr<int64_t> concurrency = settings.GetInt("batch_concurrency");
  if (!concurrency.ok() || *concurrency < 1 || *concurrency > kMaxBatchItems) {
    return absl::InvalidArgumentError("--batch_concurrency must be 1 to 100");
  }
  config.batch_concurrency = static_cast<int>(*concurrency);
  absl::StatusOr<absl::Duration> ttl = settings.GetDuration("contacts_cache_ttl");
  if (!ttl.ok() || *ttl < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--contacts_cache_ttl must be a duration such as 10s (0s: no copy)");
  }
  config.contacts_cache_ttl = *ttl;
  return config;
}

}  // namespace

server::ServiceDefinition Definition() {
  server::ServiceDefinition definition;
  definition.name = "gateway";
  definition.default_port = 50051;
  definition.define_settings = [](server::Settings& settings) {
    settings.Define("registration_addr", "127.0.0.1:50052",
                    "address of the single registration shard \"main\" (when --shards is empty)");
    settings.Define("shards", "",
                    "registration shards as shard_id=host:port,... (the names are the shards' "
                    "--shard_id, as the person index knows them)");
    settings.Define("person_index_addr", "127.0.0.1:50057",
                    "address of the province person index (reservations and one claim per "
                    "person)");
    settings.Define("routing_table", "",
                    "CSV file region_prefix,shard_name (longest prefix wins, * = default); empty "
                    "routes everything to \"main\"");
    settings.Define("regions_dir", "data/regions", "folder of the region code CSV files");
    settings.Define("contacts_dir", "data/contacts",
                    "folder of the region directory (附件3) contact CSV files");
    settings.Define("contacts_cache_ttl", "10s",
                    "how long the in-memory copy of the shards' reported 附件3 contacts is used "
                    "before it is read again (0s: every call reads the shards)");
    settings.Define("public_service_dir", "data/public_service",
                    "folder of the public service information (附件2: service points, online "
                    "channels, workflow, 12333) CSV files");
    settings.Define("province_code", "230000", "6-digit code of the province this deployment serves");
    settings.Define("shard_timeout", "10s",
                    "longest wait for a registration shard per call (the caller's deadline applies "
                    "when shorter)");
    settings.Define("batch_concurrency", "16",
                    "items of one BatchForwardApplications call processed at the same time");
  };
  definition.create = [](const server::CommonSettings& common, const server::Settings& settings)
      -> absl::StatusOr<std::unique_ptr<server::ServiceComponent>> {
    absl::StatusOr<GatewayConfig> config = ReadConfig(settings);
    if (!config.ok()) return config.status();

    absl::StatusOr<RoutingTable> routing =
        config->routing_table.empty() ? RoutingTable::SingleShard(std::string(kDefaultShard))
                                      : RoutingTable::LoadFile(config->routing_table);
    if (!routing.ok()) return routing.status();
    for (const std::string& shard : routing->ShardNames()) {
      if (config->shard_addresses.count(shard) == 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "the routing table names shard \"", shard, "\", which --shards does not list"));
      }
    }
    absl::StatusOr<validation::RegionDirectory> regions =
        validation::RegionDirectory::LoadDirectory(config->regions_dir);
    if (!regions.ok()) return regions.status();
    if (regions->LevelOf(config->province_code) != validation::RegionLevel::kProvince) {
      return absl::InvalidArgumentError(
          absl::StrCat("--province_code ", config->province_code, " is no known province"));
    }
    absl::StatusOr<ContactDirectory> contacts =
        ContactDirectory::LoadDirectory(config->contacts_dir);
    if (!contacts.ok()) return contacts.status();
    absl::StatusOr<PublicServiceDirectory> public_info =
        PublicServiceDirectory::LoadDirectory(settings.Get("public_service_dir"));
    if (!public_info.ok()) {
      return absl::Status(public_info.status().code(),
                          absl::StrCat("setting --public_service_dir: ",
                                       public_info.status().message()));
    }
    // Every publishing region must be a known region of the province served.
    for (const std::string& code : public_info->RegionCodes()) {
      if (!regions->IsKnown(code) || !regions->IsWithin(code, config->province_code)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "setting --public_service_dir: region ", code, " is not a region of province ",
            config->province_code));
      }
    }

    return std::unique_ptr<server::ServiceComponent>(std::make_unique<Component>(
        *std::move(regions), *std::move(routing), *std::move(contacts), *std::move(public_info),
        *config, *common.peers, *common.clock));
  };
  return definition;
}

}  // namespace unemployment::gateway
