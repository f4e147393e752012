// The service store kit: WriterStore (reader pool, group-commit and serialized writes, commit
// listener), the request log (one fingerprint, one replay rule) and the event log / feed cursors.
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/store/event_log.h"
#include "common/store/request_log.h"
#include "common/store/sealed_message.h"
#include "common/store/writer_store.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/wrappers.pb.h"
#include "tests/common/store/test_util.h"

namespace unemployment::store {
namespace {

using testing::QueryInt;
using testing::TempDir;

constexpr std::string_view kEvents = "kit/events.data";
constexpr RequestLogContexts kRequestLog = {"kit/requests.fingerprint", "kit/requests.response"};

std::string Schema() {
  return std::string(kEventsTableSql) + std::string(kFeedCursorsTableSql) +
         std::string(kCountersTableSql) + std::string(kRequestsTableSql);
}

// Inside a unit of work (which runs on the committer's thread: no Catch2 assertions there).
#define UE_STORE_TEST_OK(expr)                                     \
  do {                                                             \
    const absl::Status ue_kit_status_ = testing::StatusOf(expr);   \
    if (!ue_kit_status_.ok()) return ue_kit_status_;               \
  } while (false)

std::unique_ptr<WriterStore> OpenStore(const std::string& path, bool group_commit) {
  static const std::string schema = Schema();
  const Migration migrations[] = {{1, "kit_schema", schema}};
  absl::StatusOr<std::unique_ptr<Database>> db = WriterStore::OpenMigrated(path, migrations);
  UE_REQUIRE_OK(db);
  WriterStoreOptions options;
  options.reader_count = 2;
  options.group_commit = group_commit;
  options.allow_memory = !group_commit;
  absl::StatusOr<std::unique_ptr<WriterStore>> store =
      WriterStore::Create(*std::move(db), options);
  UE_REQUIRE_OK(store);
  return *std::move(store);
}

google::protobuf::StringValue Text(const std::string& value) {
  google::protobuf::StringValue message;
  message.set_value(value);
  return message;
}

std::string DeterministicBytes(const google::protobuf::Message& message) {
  std::string bytes;
  google::protobuf::io::StringOutputStream output(&bytes);
  google::protobuf::io::CodedOutputStream coded(&output);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return bytes;
}

TEST_CASE("WriterStore writes, notifies the listener and reads back", "[kit]") {
  TempDir dir;
  for (bool group_commit : {true, false}) {
    CAPTURE(group_commit);
    std::unique_ptr<WriterStore> store =
        OpenStore(dir.File(group_commit ? "g.db" : "s.db"), group_commit);
    CHECK(store->reader_count() == 2);
    std::vector<int64_t> heard;
    store->SetCommitListener([&](int64_t sequence) { heard.push_back(sequence); });

    UE_REQUIRE_OK(store->WriteAndWait([](Database& db) -> absl::StatusOr<int64_t> {
      EventLog events(db, kEvents);
      UE_STORE_TEST_OK(events.Append(10, Text("a")));
      UE_STORE_TEST_OK(events.Append(11, Text("b")));
      UE_STORE_TEST_OK(SetFeedCursor(db, "registration/hlj", 7));
      return events.last_appended();
    }));
    // A failing unit leaves nothing and is not announced.
    CHECK(store
              ->WriteAndWait([](Database& db) -> absl::StatusOr<int64_t> {
                EventLog events(db, kEvents);
                UE_STORE_TEST_OK(events.Append(12, Text("c")));
                return absl::InvalidArgumentError("no");
              })
              .code() == absl::StatusCode::kInvalidArgument);
    // A unit without events is not announced either.
    UE_REQUIRE_OK(store->WriteAndWait([](Database& db) -> absl::StatusOr<int64_t> {
      UE_STORE_TEST_OK(NextNumber(db, "ids"));
      return 0;
    }));
    CHECK(heard == std::vector<int64_t>{2});

    int64_t last = -1;
    int64_t cursor = -1;
    int64_t other = -1;
    std::vector<std::string> texts;
    const absl::Status read = store->Read([&](Database& db) -> absl::Status {
      absl::StatusOr<int64_t> value = LastEventSequence(db);
      if (!value.ok()) return value.status();
      last = *value;
      value = FeedCursor(db, "registration/hlj");
      if (!value.ok()) return value.status();
      cursor = *value;
      value = FeedCursor(db, "other");
      if (!value.ok()) return value.status();
      other = *value;
      absl::StatusOr<Statement> events = PrepareReadEvents(db, 0, 10);
      if (!events.ok()) return events.status();
      while (true) {
        absl::StatusOr<bool> row = events->Step();
        if (!row.ok()) return row.status();
        if (!*row) break;
        absl::StatusOr<google::protobuf::StringValue> event =
            OpenMessage<google::protobuf::StringValue>(db, *events, 1, kEvents);
        if (!event.ok()) return event.status();
        texts.push_back(event->value());
      }
      return absl::OkStatus();
    });
    UE_REQUIRE_OK(read);
    CHECK(last == 2);
    CHECK(cursor == 7);
    CHECK(other == 0);
    CHECK(texts == std::vector<std::string>{"a", "b"});
    {
      WriterStore::ReaderLease lease(*store);
      CHECK_FALSE(NextNumber(lease.db(), "ids").ok());  // readers are read-only
    }
    int64_t number = 0;
    UE_REQUIRE_OK(store->WriteAndWait([&number](Database& db) -> absl::StatusOr<int64_t> {
      absl::StatusOr<int64_t> next = NextNumber(db, "ids");
      if (!next.ok()) return next.status();
      number = *next;
      return 0;
    }));
    CHECK(number == 2);
  }
}

TEST_CASE("WriterStore refuses :memory: under group commit", "[kit]") {
  absl::StatusOr<std::unique_ptr<Database>> db = WriterStore::OpenMigrated(":memory:", {});
  UE_REQUIRE_OK(db);
  WriterStoreOptions options;
  options.name = "kit store";
  absl::StatusOr<std::unique_ptr<WriterStore>> store = WriterStore::Create(*std::move(db), options);
  REQUIRE(store.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(store.status().message() == "the kit store needs a database file, not :memory:");
}

TEST_CASE("request fingerprints are deterministic and replay keeps old rows", "[kit]") {
  google::protobuf::Struct a;
  google::protobuf::Struct b;
  // The same map filled in another order.
  for (int i = 0; i < 20; ++i) (*a.mutable_fields())[std::to_string(i)].set_number_value(i);
  for (int i = 19; i >= 0; --i) (*b.mutable_fields())[std::to_string(i)].set_number_value(i);
  CHECK(RequestFingerprint(a) == RequestFingerprint(b));
  CHECK(RequestFingerprint(a).size() == 32);
  google::protobuf::Struct c = a;
  (*c.mutable_fields())["0"].set_number_value(100);
  CHECK(RequestFingerprint(a) != RequestFingerprint(c));

  CHECK(SameFingerprint(RequestFingerprint(a), RequestFingerprint(b)));
  // A row written before the hash held the deterministic bytes.
  CHECK(SameFingerprint(DeterministicBytes(a), RequestFingerprint(a)));
  CHECK_FALSE(SameFingerprint(DeterministicBytes(c), RequestFingerprint(a)));

  const auto refuse = [] { return absl::AlreadyExistsError("REQUEST_ID_REUSED"); };
  CHECK(!Replay<google::protobuf::StringValue>(std::nullopt, RequestFingerprint(a), refuse)
             ->has_value());
  const StoredRequest stored = MakeStoredRequest(RequestFingerprint(a), Text("answer"));
  CHECK(Replay<google::protobuf::StringValue>(stored, RequestFingerprint(b), refuse)
            ->value()
            .value() == "answer");
  CHECK(Replay<google::protobuf::StringValue>(stored, RequestFingerprint(c), refuse)
            .status()
            .code() == absl::StatusCode::kAlreadyExists);
  StoredRequest legacy{DeterministicBytes(a), Text("old").SerializeAsString()};
  CHECK(Replay<google::protobuf::StringValue>(legacy, RequestFingerprint(b), refuse)
            ->value()
            .value() == "old");
  StoredRequest broken{RequestFingerprint(a), "\xff\xff"};
  CHECK(Replay<google::protobuf::StringValue>(broken, RequestFingerprint(a), refuse)
            .status()
            .code() == absl::StatusCode::kDataLoss);
}

TEST_CASE("the request log stores sealed rows once per kind and id", "[kit]") {
  TempDir dir;
  std::unique_ptr<WriterStore> store = OpenStore(dir.File("r.db"), true);
  const StoredRequest stored = MakeStoredRequest(RequestFingerprint(Text("q")), Text("answer"));
  UE_REQUIRE_OK(store->WriteAndWait([&](Database& db) -> absl::StatusOr<int64_t> {
    UE_STORE_TEST_OK(PutRequest(db, kRequestLog, "deliveries", "r-1", stored));
    return 0;
  }));
  CHECK(store
            ->WriteAndWait([&](Database& db) -> absl::StatusOr<int64_t> {
              UE_STORE_TEST_OK(PutRequest(db, kRequestLog, "deliveries", "r-1", stored));
              return 0;
            })
            .code() == absl::StatusCode::kAlreadyExists);
  WriterStore::ReaderLease lease(*store);
  absl::StatusOr<std::optional<StoredRequest>> found =
      FindRequest(lease.db(), kRequestLog, "deliveries", "r-1");
  UE_REQUIRE_OK(found);
  REQUIRE(found->has_value());
  CHECK((*found)->fingerprint == stored.fingerprint);
  CHECK((*found)->response == stored.response);
  CHECK(!FindRequest(lease.db(), kRequestLog, "catalogs", "r-1")->has_value());
  // Sealed at rest: the plain response is not in the row.
  CHECK(QueryInt(lease.db(), "SELECT count(*) FROM requests WHERE response = "
                             "CAST(X'0a06616e73776572' AS BLOB)") == 0);
}

}  // namespace
}  // namespace unemployment::store
