#pragma once

// Storage of the tiering service behind an interface: the domain (Tiering) runs each operation as
// one function over a TieringTx, inside one transaction for writes. So "apply a registration event
// and store the feed cursor", "record a delivery, its event and its idempotency key" are atomic
// by construction. SqliteTieringStore implements it.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/store/request_log.h"
#include "services/tiering/service_plan.h"
#include "unemployment/tiering/v1/tiering_service.pb.h"

namespace unemployment::tiering {

// A profile with the facts kept beside it.
struct ProfileRecord {
  v1::Profile profile;
  // The decision date of the approved difficulty identification ("YYYY-MM-DD"), empty when none.
  std::string difficulty_approved_on;
};

// A stored idempotency key: the fingerprint of the request content and the serialized response
// (the common request log's row).
using StoredRequest = store::StoredRequest;

// Where a delivery listing continues: after this (delivered_on, recorded micros, id).
struct DeliveryPosition {
  std::string delivered_on;
  int64_t recorded_micros = 0;
  std::string delivery_id;
};

// Where a registration listing continues: after this (registered_date, id).
struct ProfilePosition {
  std::string registered_date;
  std::string registration_id;
};

// Called once per registration by TieringTx::ScanPlanInputs, in order, with the registration and
// all its deliveries that count (withdrawn ones left out) (type, day, id; oldest first as
// ListDeliveries orders them). Returns whether the pass goes on. Both arguments may be moved from.
using PlanInputVisitor =
    std::function<absl::StatusOr<bool>(ProfileRecord&, std::vector<DeliveryRef>&)>;

// The operations of one transaction. Not thread-safe; valid only inside Read/Write.
class TieringTx {
 public:
  virtual ~TieringTx() = default;

  // The last applied sequence of the named feed; 0 when none.
  virtual absl::StatusOr<int64_t> FeedCursor(absl::string_view feed) = 0;
  virtual absl::Status SetFeedCursor(absl::string_view feed, int64_t sequence) = 0;

  virtual absl::StatusOr<std::optional<ProfileRecord>> GetProfile(
      const std::string& registration_id) = 0;
  // Inserts or replaces.
  virtual absl::Status PutProfile(const ProfileRecord& record) = 0;
  // Registrations whose office code starts with `region_prefix`, active on `as_of` (registered on
  // or before it, no end date or ending after it), by (registered_date, id), after `after`.
  virtual absl::StatusOr<std::vector<ProfileRecord>> ListActiveProfiles(
      absl::string_view region_prefix, absl::string_view as_of,
      const std::optional<ProfilePosition>& after, int limit) = 0;
  // Registrations of the region that were active at some day of [first, last].
  virtual absl::StatusOr<std::vector<ProfileRecord>> ListProfilesActiveBetween(
      absl::string_view region_prefix, absl::string_view first, absl::string_view last,
      const std::optional<ProfilePosition>& after, int limit) = 0;

  // The registrations ListProfilesActiveBetween(region_prefix, first, last, after, ...) returns,
  // in the same (registered_date, id) order and without a limit, each with all its deliveries,
  // read in ONE ordered query (registrations joined to their deliveries) and handed to `visit`
  // one registration at a time, so a pass over a million holds one registration in memory. Active
  // on one day d: first = last = d. Stops early, OK, when `visit` returns false.
  virtual absl::Status ScanPlanInputs(absl::string_view region_prefix, absl::string_view first,
                                      absl::string_view last,
                                      const std::optional<ProfilePosition>& after,
                                      const PlanInputVisitor& visit) = 0;
  // The same registrations and deliveries as ScanPlanInputs from the start, in an order of the
  // store's choosing, read the fastest way for the region: for a whole province, where every
  // registration's deliveries are read anyway, two sequential scans (registrations by id, every
  // delivery by registration id) merged by registration id, with no index seek per registration;
  // for a smaller region, ScanPlanInputs' join. For aggregates (GetPlanFulfilment).
  virtual absl::Status ScanPlanInputsAnyOrder(absl::string_view region_prefix,
                                              absl::string_view first, absl::string_view last,
                                              const PlanInputVisitor& visit) = 0;

  // `delivery` has every output field set; `recorded_micros` orders ties.
  virtual absl::Status InsertDelivery(const v1::ServiceDelivery& delivery) = 0;
  virtual absl::StatusOr<std::optional<v1::ServiceDelivery>> GetDelivery(
      const std::string& delivery_id) = 0;
  // Replaces a stored delivery (an amendment): its type, delivered_on, withdrawn flag and data;
  // registration and recorded_at stay. The caller has read it in the same transaction.
  virtual absl::Status UpdateDelivery(const v1::ServiceDelivery& delivery) = 0;
  // Deliveries of a registration by (delivered_on, recorded_at, id), withdrawn ones included;
  // `type` 0 means all.
  virtual absl::StatusOr<std::vector<v1::ServiceDelivery>> ListDeliveries(
      const std::string& registration_id, v1::ServiceType type,
      const std::optional<DeliveryPosition>& after, int limit) = 0;

  virtual absl::StatusOr<std::optional<v1::DifficultyIdentification>> GetIdentification(
      const std::string& identification_id) = 0;
  // Inserts or replaces.
  virtual absl::Status PutIdentification(const v1::DifficultyIdentification& identification) = 0;
  virtual absl::StatusOr<bool> HasPendingIdentification(const std::string& registration_id) = 0;

  virtual absl::StatusOr<std::optional<StoredRequest>> FindRequest(
      absl::string_view kind, absl::string_view request_id) = 0;
  virtual absl::Status PutRequest(absl::string_view kind, absl::string_view request_id,
                                  const StoredRequest& request) = 0;

  // 1, 2, 3, ... per series, never reused.
  virtual absl::StatusOr<int64_t> NextNumber(absl::string_view series) = 0;

  // Appends to this service's own feed; the sequence is assigned here and returned.
  virtual absl::StatusOr<int64_t> AppendEvent(const v1::TieringEvent& event) = 0;

  // Events of this service's feed with a sequence above `after`, oldest first (sequence set).
  virtual absl::StatusOr<std::vector<v1::TieringEvent>> ReadEvents(int64_t after, int limit) = 0;
  // The highest sequence of the feed; 0 when empty.
  virtual absl::StatusOr<int64_t> LastEventSequence() = 0;

  // `version` 0: the latest of exactly this region and kind.
  virtual absl::StatusOr<std::optional<v1::Catalog>> GetCatalog(absl::string_view region_code,
                                                                v1::CatalogKind kind,
                                                                int64_t version) = 0;
  virtual absl::Status InsertCatalog(const v1::Catalog& catalog) = 0;
};

class TieringStore {
 public:
  virtual ~TieringStore() = default;
  // Runs `fn` in one write transaction: committed (durably) when it returns OK, rolled back
  // otherwise, and its status returned.
  virtual absl::Status Write(const std::function<absl::Status(TieringTx&)>& fn) = 0;
  // Runs `fn` on a consistent view of the committed state; `fn` must not write.
  virtual absl::Status Read(const std::function<absl::Status(TieringTx&)>& fn) = 0;
};

}  // namespace unemployment::tiering
