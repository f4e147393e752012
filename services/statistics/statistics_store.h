#pragma once

// Durable storage of the statistics read model behind an interface: the facts learnt from the
// event feeds and one cursor per feed. Queries are answered from memory (read_model.h); the store
// is what survives a restart, and the in-memory model is rebuilt from it at start-up.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/statistics/facts.h"

namespace unemployment::statistics {

class StatisticsStore {
 public:
  virtual ~StatisticsStore() = default;

  // Applies the events of `feed` whose sequence is above the stored cursor and moves the cursor to
  // the last of them, all in ONE transaction, so that a crash, a repeat after a reconnect or a
  // restart neither loses nor doubles an event. `events` must be in strictly increasing sequence
  // order (INVALID_ARGUMENT otherwise). Returns the cursor as it was before: the caller applies to
  // its in-memory model exactly the events above it, after this call succeeded.
  virtual absl::StatusOr<int64_t> Apply(const std::string& feed,
                                        const std::vector<FeedEvent>& events,
                                        int64_t applied_micros) = 0;

  // The stored cursor of `feed`; 0 before its first event.
  virtual absl::StatusOr<int64_t> GetCursor(const std::string& feed) = 0;

  // Every stored cursor, sorted by feed name.
  virtual absl::StatusOr<std::vector<StoredCursor>> ListCursors() = 0;

  // Calls the visitors once per stored registration and application (start-up of the model).
  virtual absl::Status LoadFacts(
      const std::function<void(const RegistrationFact&)>& on_registration,
      const std::function<void(const ApplicationFact&)>& on_application) = 0;

  // Calls `on_fact` once per stored fact of tiering's and follow-up's feeds (type changes in the
  // order they were applied, deliveries, follow-ups, fraud cases), each in its own FactChange.
  virtual absl::Status LoadServiceFacts(const std::function<void(const FactChange&)>& on_fact) = 0;
};

}  // namespace unemployment::statistics
