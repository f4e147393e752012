#include "services/followup/monthly_comparison.h"

#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/status/macros.h"
#include "common/status/status_util.h"
#include "common/time/date.h"
#include "services/followup/comparison_rules.h"
#include "services/followup/followup_rules.h"

namespace unemployment::followup {
namespace {

constexpr char kRunning[] = "RUNNING";
constexpr char kCompleted[] = "COMPLETED";
constexpr char kFailed[] = "FAILED";
// The hit kind under which comparison_hits keeps a clean comparison of the month.
constexpr int kCleanKind = 0;
// The notes of a clean comparison's follow-up.
constexpr char kCleanNotes[] = "信息比对未发现就业、经营、领取养老金或死亡等变化";

// The caller's view of a failed stream: verification that cannot be reached is UNAVAILABLE (what
// was recorded stays; repeat the run); a batch verification refuses is this service's fault.
absl::Status FromStream(const absl::Status& status) {
  // Errors that already say why (this service stopping, a peer's own ErrorInfo) pass unchanged.
  const bool explained = status::GetErrorInfo(status).has_value();
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      if (explained) return status;
      return status::WithErrorInfo(
          absl::UnavailableError(
              absl::StrCat("the verification service cannot be reached (", status.message(),
                           "); the hits recorded so far are kept, repeat the run to complete it")),
          reason::kVerificationUnavailable);
    case absl::StatusCode::kInvalidArgument:
      return absl::InternalError(
          absl::StrCat("the verification service refused a comparison batch: ", status.message()));
    default:
      return status;
  }
}

// Stores a follow-up of the comparison and its FollowUpRecorded event (same transaction).
absl::Status InsertComparisonFollowUp(FollowupTransaction& tx, const v1::FollowUp& follow_up,
                                      const std::string& office_region_code) {
  RETURN_IF_ERROR(tx.InsertFollowUp(follow_up, IsContact(follow_up.method(), follow_up.outcome())));
  v1::FollowupEvent event;
  v1::FollowUpRecorded* recorded = event.mutable_follow_up_recorded();
  recorded->set_follow_up_id(follow_up.follow_up_id());
  recorded->set_registration_id(follow_up.registration_id());
  recorded->set_office_region_code(office_region_code);
  recorded->set_method(follow_up.method());
  recorded->set_contact_date(follow_up.contact_date());
  recorded->set_outcome(follow_up.outcome());
  return tx.AppendEvent(std::move(event));
}

}  // namespace

// One run: create its record, stream the active registrations page by page, record the hits of
// each answer in one transaction, then close the record and answer. Shared by the callbacks of
// the stream and of the store; the last one to finish frees it.
class MonthlyComparison::Execution final : public std::enable_shared_from_this<Execution> {
 public:
  Execution(MonthlyComparison& owner, v1::RunMonthlyComparisonRequest request, OfficeRange offices,
            std::string as_of, std::string key, absl::Time deadline,
            Callback<v1::RunMonthlyComparisonResponse> done)
      : owner_(owner),
        request_(std::move(request)),
        offices_(std::move(offices)),
        as_of_(std::move(as_of)),
        key_(std::move(key)),
        deadline_(deadline),
        done_(std::move(done)) {}

  void Start() {
    auto self = shared_from_this();
    owner_.store_.Write(
        [self](FollowupTransaction& tx) -> absl::Status {
          ASSIGN_OR_RETURN(int64_t number, tx.NextNumber("comparison_run"));
          ComparisonRunRecord record;
          record.run.set_run_id(absl::StrCat("cr-", number));
          record.run.set_month(self->request_.month());
          record.run.set_region_code(self->request_.region_code());
          record.run.set_as_of(self->as_of_);
          *record.run.mutable_start_time() = ToTimestamp(self->owner_.clock_.Now());
          record.staff_id = self->request_.staff_id();
          record.state = kRunning;
          RETURN_IF_ERROR(tx.InsertComparisonRun(record));
          self->run_id_ = record.run.run_id();
          return absl::OkStatus();
        },
        [self](absl::Status status) {
          if (!status.ok()) return self->Answer(status);
          self->owner_.logger_.Info("comparison_started",
                                    {{"run_id", self->run_id_},
                                     {"month", self->request_.month()},
                                     {"region_code", self->request_.region_code()},
                                     {"as_of", self->as_of_}});
          self->owner_.verification_->Compare(
              self->deadline_, [self] { return self->NextBatch(); },
              [self](verv1::CompareActiveRegistrationsResponse answer,
                     VerificationClient::Settle settle) {
                self->RecordAnswer(std::move(answer), std::move(settle));
              },
              [self](absl::Status stream_status) { self->Close(std::move(stream_status)); });
        });
  }

 private:
  // The next page of active registrations as one batch. Called by one thread at a time (the
  // stream's writer), in order.
  absl::StatusOr<std::optional<verv1::CompareActiveRegistrationsRequest>> NextBatch() {
    using Batch = std::optional<verv1::CompareActiveRegistrationsRequest>;
    if (owner_.stopping()) {
      return status::WithErrorInfo(
          absl::UnavailableError("the follow-up service is shutting down; the hits recorded so far "
                                 "are kept, repeat the run to complete it"),
          reason::kServiceStopping);
    }
    if (exhausted_) return Batch();
    ActiveRegistrationsQuery query;
    query.offices = offices_;
    query.day = as_of_;
    query.after_id = after_id_;
    query.limit = owner_.options_.batch_size;
    ASSIGN_OR_RETURN(std::vector<ComparisonSubjectRow> rows,
                     owner_.store_.ActiveRegistrations(query));
    if (static_cast<int>(rows.size()) < query.limit) exhausted_ = true;
    if (rows.empty()) return Batch();
    verv1::CompareActiveRegistrationsRequest batch;
    batch.set_as_of(as_of_);
    for (const ComparisonSubjectRow& row : rows) {
      verv1::ComparisonSubject* subject = batch.add_subjects();
      subject->set_registration_id(row.registration_id);
      subject->mutable_person_id()->set_id_type(
          static_cast<unemployment::common::v1::IdType>(row.id_type));
      subject->mutable_person_id()->set_id_number(row.id_number);
      subject->set_registered_date(row.registered_date);
    }
    after_id_ = rows.back().registration_id;
    {
      // Kept until its answer arrives (answers come in the order of the batches): the answer
      // names only the hits and the unchecked subjects, the rest of the batch was clean.
      absl::MutexLock lock(&sent_mu_);
      sent_.push_back(std::move(rows));
    }
    return Batch(std::move(batch));
  }

  // Records one answer's hits and the run's progress in one transaction; settles the answer
  // after the commit.
  void RecordAnswer(verv1::CompareActiveRegistrationsResponse answer,
                    VerificationClient::Settle settle) {
    auto self = shared_from_this();
    auto shared = std::make_shared<verv1::CompareActiveRegistrationsResponse>(std::move(answer));
    auto clean = std::make_shared<std::vector<ComparisonSubjectRow>>();
    std::vector<ComparisonSubjectRow> sent;
    {
      absl::MutexLock lock(&sent_mu_);
      if (!sent_.empty()) {
        sent = std::move(sent_.front());
        sent_.pop_front();
      }
    }
    if (shared->unchecked_reported()) {
      absl::flat_hash_set<absl::string_view> found;
      found.reserve(shared->hits_size() + shared->unchecked_size());
      for (const verv1::ComparisonHit& hit : shared->hits()) found.insert(hit.registration_id());
      for (const verv1::UncheckedSubject& subject : shared->unchecked()) {
        found.insert(subject.registration_id());
      }
      for (ComparisonSubjectRow& row : sent) {
        if (!found.contains(row.registration_id)) clean->push_back(std::move(row));
      }
    } else if (!warned_unreported_.exchange(true)) {
      // An older verification: a subject without a hit may not have been checked at all.
      owner_.logger_.Warning(
          "comparison_unchecked_not_reported",
          {{"run_id", run_id_}, {"effect", "only hits are recorded; clean comparisons are not"}});
    }
    owner_.store_.Write(
        [self, shared, clean](FollowupTransaction& tx) -> absl::Status {
          ComparisonProgress progress;
          progress.compared = shared->compared_count();
          progress.hits = shared->hits_size();
          progress.unchecked = shared->unchecked_size();
          progress.clean = static_cast<int64_t>(clean->size());
          for (const verv1::ComparisonHit& hit : shared->hits()) {
            RETURN_IF_ERROR(self->RecordHit(tx, hit, progress));
          }
          RETURN_IF_ERROR(self->RecordClean(tx, *clean, progress));
          return tx.AddComparisonProgress(self->run_id_, progress);
        },
        [settle = std::move(settle)](absl::Status status) { settle(std::move(status)); });
  }

  absl::Status RecordHit(FollowupTransaction& tx, const verv1::ComparisonHit& hit,
                         ComparisonProgress& progress) {
    const std::string& month = request_.month();
    const int kind = static_cast<int>(hit.kind());
    ASSIGN_OR_RETURN(std::optional<ComparisonHitRecord> recorded,
                     tx.FindComparisonHit(month, hit.registration_id(), kind));
    if (recorded.has_value()) return absl::OkStatus();  // an earlier run of the month has it
    ASSIGN_OR_RETURN(std::optional<RegistrationRecord> registration,
                     tx.GetRegistration(hit.registration_id()));
    // Ended before the day compared (a deregistration after the page was read): nothing to do.
    if (!registration.has_value() || !IsActiveOn(*registration, as_of_)) return absl::OkStatus();

    const google::protobuf::Timestamp now = ToTimestamp(owner_.clock_.Now());
    const HitFollowUp decided = FollowUpOfHit(hit);
    v1::FollowUp follow_up;
    ASSIGN_OR_RETURN(int64_t number, tx.NextNumber("follow_up"));
    follow_up.set_follow_up_id(absl::StrCat("fu-", number));
    follow_up.set_registration_id(registration->registration_id);
    follow_up.set_method(v1::FOLLOW_UP_METHOD_INFORMATION_COMPARISON);
    follow_up.set_contact_date(as_of_);
    follow_up.set_staff_id(request_.staff_id());
    follow_up.set_outcome(decided.outcome);
    follow_up.set_employer_name(decided.employer_name);
    follow_up.set_employer_code(decided.employer_code);
    follow_up.set_notes(decided.notes);
    follow_up.set_comparison_run_id(run_id_);
    *follow_up.mutable_recorded_at() = now;

    ComparisonHitRecord hit_record;
    hit_record.month = month;
    hit_record.registration_id = registration->registration_id;
    hit_record.hit_kind = kind;
    hit_record.run_id = run_id_;
    hit_record.follow_up_id = follow_up.follow_up_id();
    // A candidate only while the registration is still active: an ended one has nothing to decide.
    if (registration->end_date.empty()) {
      v1::DeregistrationCandidate candidate;
      ASSIGN_OR_RETURN(int64_t candidate_number, tx.NextNumber("candidate"));
      candidate.set_candidate_id(absl::StrCat("dc-", candidate_number));
      candidate.set_registration_id(registration->registration_id);
      candidate.set_name(registration->name);
      candidate.set_office_region_code(registration->office_region_code);
      candidate.set_source(v1::CANDIDATE_SOURCE_MONTHLY_COMPARISON);
      candidate.set_month(month);
      candidate.set_proposed_reason(ReasonOfHit(hit));
      for (const verv1::Evidence& evidence : hit.evidence()) {
        *candidate.add_evidence() = CandidateEvidenceOf(evidence);
      }
      candidate.set_follow_up_id(follow_up.follow_up_id());
      candidate.set_state(v1::CANDIDATE_STATE_PENDING);
      *candidate.mutable_create_time() = now;
      RETURN_IF_ERROR(tx.PutCandidate(candidate));
      follow_up.set_candidate_id(candidate.candidate_id());
      hit_record.candidate_id = candidate.candidate_id();
      ++progress.new_candidates;
    }
    RETURN_IF_ERROR(InsertComparisonFollowUp(tx, follow_up, registration->office_region_code));
    RETURN_IF_ERROR(tx.InsertComparisonHit(hit_record));
    ++progress.new_follow_ups;
    return absl::OkStatus();
  }

  // Records each clean comparison of a batch as the month's follow-up by information comparison
  // (outcome STILL_UNEMPLOYED, not a contact with the person), unless the month already has a
  // finding of the comparison for the registration (an earlier run's clean record or a hit) or the
  // registration ended before the day compared (a deregistration after its page was read). One
  // look-up per registration, then one block of follow-up numbers for the batch.
  absl::Status RecordClean(FollowupTransaction& tx, const std::vector<ComparisonSubjectRow>& rows,
                           ComparisonProgress& progress) {
    const std::string& month = request_.month();
    std::vector<std::pair<const ComparisonSubjectRow*, std::string>> due;  // row, office
    for (const ComparisonSubjectRow& row : rows) {
      ASSIGN_OR_RETURN(std::optional<RegistrationPeriod> period,
                       tx.GetComparisonState(month, row.registration_id));
      if (!period.has_value() || period->compared_in_month || period->registered_date > as_of_ ||
          (!period->end_date.empty() && period->end_date <= as_of_)) {
        continue;
      }
      due.emplace_back(&row, std::move(period->office_region_code));
    }
    if (due.empty()) return absl::OkStatus();
    ASSIGN_OR_RETURN(int64_t number,
                     tx.ReserveNumbers("follow_up", static_cast<int64_t>(due.size())));
    const google::protobuf::Timestamp now = ToTimestamp(owner_.clock_.Now());
    for (const auto& [row, office] : due) {
      v1::FollowUp follow_up;
      follow_up.set_follow_up_id(absl::StrCat("fu-", number++));
      follow_up.set_registration_id(row->registration_id);
      follow_up.set_method(v1::FOLLOW_UP_METHOD_INFORMATION_COMPARISON);
      follow_up.set_contact_date(as_of_);
      follow_up.set_staff_id(request_.staff_id());
      follow_up.set_outcome(v1::FOLLOW_UP_OUTCOME_STILL_UNEMPLOYED);
      follow_up.set_notes(kCleanNotes);
      follow_up.set_comparison_run_id(run_id_);
      *follow_up.mutable_recorded_at() = now;
      RETURN_IF_ERROR(InsertComparisonFollowUp(tx, follow_up, office));
      ComparisonHitRecord clean_record;
      clean_record.month = month;
      clean_record.registration_id = row->registration_id;
      clean_record.hit_kind = kCleanKind;
      clean_record.run_id = run_id_;
      clean_record.follow_up_id = follow_up.follow_up_id();
      RETURN_IF_ERROR(tx.InsertComparisonHit(clean_record));
      ++progress.new_follow_ups;
    }
    return absl::OkStatus();
  }

  // The stream is over and every answer settled: close the run's record, then answer.
  void Close(absl::Status stream_status) {
    auto self = shared_from_this();
    const bool ok = stream_status.ok();
    const std::string error = ok ? std::string() : stream_status.ToString();
    owner_.store_.Write(
        [self, ok, error](FollowupTransaction& tx) {
          return tx.FinishComparisonRun(self->run_id_, ok ? kCompleted : kFailed,
                                        ToTimestamp(self->owner_.clock_.Now()), error);
        },
        [self, stream_status](absl::Status status) {
          if (!stream_status.ok()) {
            self->owner_.logger_.Warning("comparison_failed",
                                         {{"run_id", self->run_id_}, {"status", stream_status}});
            return self->Answer(FromStream(stream_status));
          }
          if (!status.ok()) return self->Answer(status);
          absl::StatusOr<std::optional<ComparisonRunRecord>> record =
              self->owner_.store_.GetComparisonRun(self->run_id_);
          if (!record.ok()) return self->Answer(record.status());
          if (!record->has_value()) {
            return self->Answer(absl::InternalError("the comparison run's record is missing"));
          }
          const v1::ComparisonRun& run = (*record)->run;
          self->owner_.logger_.Info("comparison_finished",
                                    {{"run_id", run.run_id()},
                                     {"compared", run.compared_count()},
                                     {"hits", run.hit_count()},
                                     {"new_follow_ups", run.new_follow_up_count()},
                                     {"new_candidates", run.new_candidate_count()},
                                     {"clean", run.clean_count()},
                                     {"unchecked", run.unchecked_count()}});
          v1::RunMonthlyComparisonResponse response;
          *response.mutable_run() = run;
          self->Answer(std::move(response));
        });
  }

  // Frees (month, region) for the next run, then answers the caller.
  void Answer(absl::StatusOr<v1::RunMonthlyComparisonResponse> result) {
    // Released before answering, so that a caller who repeats the run at once is not refused.
    owner_.Release(key_);
    done_(std::move(result));
    owner_.Finished();
  }

  MonthlyComparison& owner_;
  const v1::RunMonthlyComparisonRequest request_;
  const OfficeRange offices_;
  const std::string as_of_;
  const std::string key_;
  const absl::Time deadline_;
  Callback<v1::RunMonthlyComparisonResponse> done_;
  // Set by Start's transaction before the stream opens.
  std::string run_id_;
  // The paging position of NextBatch.
  std::string after_id_;
  bool exhausted_ = false;
  // The rows of the batches sent and not yet answered, oldest first.
  absl::Mutex sent_mu_;
  std::deque<std::vector<ComparisonSubjectRow>> sent_ ABSL_GUARDED_BY(sent_mu_);
  std::atomic<bool> warned_unreported_{false};
};

MonthlyComparison::MonthlyComparison(FollowupStore& store, VerificationClient* verification,
                                     const validation::RegionDirectory& regions,
                                     const time::Clock& clock, Options options, log::Logger logger)
    : store_(store),
      verification_(verification),
      regions_(regions),
      clock_(clock),
      options_(options),
      logger_(std::move(logger)) {}

bool MonthlyComparison::Claim(const std::string& key) {
  absl::MutexLock lock(&mu_);
  if (!running_.insert(key).second) return false;
  ++active_;
  return true;
}

void MonthlyComparison::Release(const std::string& key) {
  absl::MutexLock lock(&mu_);
  running_.erase(key);
}

void MonthlyComparison::Finished() {
  absl::MutexLock lock(&mu_);
  --active_;
}

bool MonthlyComparison::stopping() const {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

void MonthlyComparison::Stop(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return active_ == 0; };
  if (!mu_.AwaitWithTimeout(absl::Condition(&idle), timeout) && timeout > absl::ZeroDuration()) {
    logger_.Warning("comparison_stop_timeout", {{"active", active_}});
  }
}

void MonthlyComparison::Run(const v1::RunMonthlyComparisonRequest& request, absl::Time deadline,
                            Callback<v1::RunMonthlyComparisonResponse> done) {
  if (verification_ == nullptr) {
    return done(
        status::WithErrorInfo(absl::FailedPreconditionError(
                                  "no verification service is configured (--verification_addr)"),
                              reason::kVerificationNotConfigured));
  }
  OfficeRange offices = AllOffices();
  if (!request.region_code().empty()) {
    std::optional<OfficeRange> range = RegionRange(regions_, request.region_code());
    if (!range.has_value()) return done(RegionNotFound(request.region_code()));
    offices = *range;
  }
  absl::StatusOr<absl::CivilMonth> month = time::ParseMonth(request.month());
  if (!month.ok()) return done(month.status());
  std::optional<absl::CivilDay> as_of;
  if (!request.as_of().empty()) {
    absl::StatusOr<absl::CivilDay> parsed = time::ParseDate(request.as_of());
    if (!parsed.ok()) return done(parsed.status());
    as_of = *parsed;
  }
  const std::string day = time::FormatDate(EvaluationDay(*month, as_of, clock_.Today()));
  std::string key = absl::StrCat(request.month(), "|", request.region_code());
  if (stopping()) {
    return done(
        status::WithErrorInfo(absl::UnavailableError("the follow-up service is shutting down"),
                              reason::kServiceStopping));
  }
  if (!Claim(key)) {
    return done(status::WithErrorInfo(
        absl::AbortedError("a comparison run for this month and region is in progress"),
        reason::kComparisonRunning,
        {{"month", request.month()}, {"region_code", request.region_code()}}));
  }
  std::make_shared<Execution>(*this, request, std::move(offices), day, std::move(key), deadline,
                              std::move(done))
      ->Start();
}

}  // namespace unemployment::followup
