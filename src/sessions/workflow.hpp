#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sessions/status.hpp"
#include "store/batched_calls.hpp"
#include "store/outbox.hpp"
#include "store/persistence.hpp"
#include "store/records.hpp"
#include "store/store.hpp"

// The session workflow: what happens to a session, written once above the stores. Each
// method is one write transaction (store::WriteTransaction) that reads the rows it
// needs, applies the rules of sessions/status.hpp, writes the change and queues the
// webhooks the change causes (the OutboxComposer's drafts for the URLs the integration
// has) before it commits: a change and its webhooks commit, or vanish, together. No
// HTTP, no SQL. Thread-safe (the Store is); each method blocks on the database.
namespace inereg::sessions {

using store::TimeMs;

// What PATCH status=submitted queues with the transition (submit_plan).
struct SubmitPlan {
  // INE check: read the credential from readable document images first, if there are any.
  bool read_documents = false;
  // INE check: else look the typed credential up in the registry.
  bool lookup = false;
  // CURP check: the session has a CURP to look up.
  bool curp = false;
};
// The checks a session gets (Session::registry_checks) decide what can run. INE: an INE
// session's uploaded document images may carry its credential, typed lookup data is
// looked up. CURP: the session's CURP (person.idNumber) is looked up. When a check the
// session gets cannot run, the session is decided resubmission_requested at once (no
// job): it could never pass.
SubmitPlan submit_plan(const store::Session& session);

// `session` after `event` at `now` (status, and submitted_at or decided_at as the new
// status says), or nullopt when the transition table has no such step.
std::optional<store::Session> apply_event(const store::Session& session, Event event, TimeMs now);

enum class StartOutcome { kStarted, kNotFound, kNotAllowed };

struct SubmitResult {
  enum class Outcome { kSubmitted, kNotFound, kNotAllowed };
  Outcome outcome = Outcome::kNotFound;
  std::optional<store::Session> session;  // kSubmitted: the session as submitted
};

enum class MediaOutcome { kStored, kSessionNotFound, kSessionNotUploadable, kLimitReached };

// A verification page step on a session that must still take media (created, started).
enum class CaptureOutcome { kDone, kSessionNotFound, kSessionNotUploadable };

struct UnreadablePhotoCount {
  CaptureOutcome outcome = CaptureOutcome::kSessionNotFound;
  int count = 0;  // kDone: the session's unreadable photos so far, this one included
};

struct DeleteResult {
  enum class Outcome { kDeleted, kNotFound, kNotDeletable, kRateLimited };
  Outcome outcome = Outcome::kNotFound;
  TimeMs retry_at = 0;  // kRateLimited: when the next deletion would be admitted
};

// What a claimed job's lookups gave: the result of each check that answered, to record.
struct CheckVerdict {
  store::CheckClaim claim;
  std::optional<store::IneResult> result;                // the INE check's, when it answered
  std::optional<store::CurpResult> curp = std::nullopt;  // the CURP check's, when it answered
  std::string sealed_answer = {};  // the INE registry's answer, sealed (auth::AnswerBox); "" = none kept
  // Set when a check the session gets is still without a result: the job is retried at
  // this time (for that check only) instead of finished, and nothing is decided yet.
  std::optional<TimeMs> retry_at = std::nullopt;
};

// What reading a claimed job's document images gave.
struct DocumentReading {
  store::CheckClaim claim;
  // The credential to look up (typed fields merged with the MRZ read): stored on the
  // session, and the job released for an immediate lookup that reads nothing again.
  std::optional<ine::Credential> credential;
  // Without a credential: the session is decided resubmission_requested for this
  // store::decision_reason value, and the job is done.
  std::string decision_reason;
};

// A claimed re-check's outcome (checks/check_runner.cpp).
struct RecheckAnswer {
  store::RecheckClaim claim;
  std::string session_id;
  // nullopt: no verdict after every attempt. Recorded as no answer, never as a change.
  std::optional<store::IneResult> verdict;
  std::string source;  // the registry source that answered, when known
};

// What recording a re-check's answer came to.
enum class RecheckRecorded {
  kClaimLost,  // not recorded: the claim expired and was taken over, or the session deleted
  kNoAnswer,
  kSameVerdict,
  kVerdictChanged,  // the INE webhook was queued with it
};

// Whether a re-check's verdict tells the client something else than `before` did: what
// GET ine-registry shows (active, documentState), not the catalog id behind it.
bool verdict_changed(const store::IneResult& before, const store::IneResult& after);

struct RedeliverResult {
  enum class Outcome { kQueued, kNotFound, kBodyErased, kNoUrl };
  Outcome outcome = Outcome::kNotFound;
  std::int64_t delivery_id = 0;  // the new delivery when kQueued
};

// A new media record of `bytes` for `session_id`, made at `now`: its id (time-ordered,
// auth::time_ordered_uuid_v4, as a session's), size and SHA-256. What both upload routes
// (the API's and the verification page's) store.
store::Media new_media(std::string_view session_id, std::string_view context, std::string_view mimetype,
                       std::string_view bytes, TimeMs now);

// The check pipeline as a submit sees it (checks::CheckRunner is one). A submit asks
// it for a lease before its transaction; with one, the job is written already claimed
// under it (store::CheckLease) and handed over after the commit: no claim transaction,
// no wait for the dispatcher. Without one (the pipeline full or stopped) the job is
// written due and the pipeline woken, to be claimed as any job. Thread-safe.
class CheckIntake {
 public:
  virtual ~CheckIntake() = default;
  // Room for one job, under the returned lease, or nullopt. Every lease returned is
  // then either taken or released, once.
  virtual std::optional<store::CheckLease> reserve() = 0;
  // The job committed under a reserved lease: the pipeline starts it.
  virtual void take(store::ClaimedCheck job) = 0;
  // A reserved lease no job was committed under.
  virtual void release() = 0;
  // A job was queued due, unclaimed: the pipeline looks now instead of at its next poll.
  virtual void wake() = 0;
};

class SessionWorkflow {
 public:
  // `composer` builds the webhook bodies of each change; without one nothing is queued.
  SessionWorkflow(store::Store& store, std::shared_ptr<const store::OutboxComposer> composer);

  // Where submits hand their check jobs (the service's pipeline); without one (nullptr,
  // the default) a job is only queued. Set before the workflow is shared by threads.
  void set_check_intake(CheckIntake* intake) { intake_ = intake; }

  // Stores a new session as `created` (the caller fills everything else, its id too:
  // auth::time_ordered_uuid_v4 of its created_at for a new one); returns it as stored.
  store::Session create(store::Session session);

  // The workflow calls that concurrent callers share a transaction for, where the store
  // batches (Store::workflow_batch_limit: PostgreSQL): submit, start, add_media and
  // delete_session. Each call gets the outcome it would have had alone.
  enum class Batched { kSubmit, kStart, kMedia, kDelete };
  // The calls of `kind` batched so far, and how many wait for the next batch now (tests,
  // the metrics page); all zero where the store does not batch.
  struct Batching {
    store::BatchedCallsStats done;
    std::size_t queued = 0;
  };
  Batching batching(Batched kind) const;

  // created -> started (the end user opened the verification URL), with its attempt id;
  // queues the `started` event.
  StartOutcome start(std::string_view session_id, std::string_view attempt_id, TimeMs now);

  // Stores the file if the session exists, may still take media, and stays within
  // `limits`. Holds the session's lock: an upload racing a submit is stored before it
  // (and seen by it) or refused after it, never stored after it.
  MediaOutcome add_media(const store::Media& media, std::string_view bytes, const store::MediaLimits& limits);

  // The verification page (api/verification_page.hpp) counts an unreadable card-back
  // photo of the session, in the database, so that every node serving the page counts
  // the same tries. Only while the session may take media.
  UnreadablePhotoCount count_unreadable_photo(std::string_view session_id);
  // The person canceled the verification page: the session's photos of `contexts` (the
  // page's) are withdrawn and its count of unreadable photos starts over. The status
  // does not change (Veriff has no canceled status; its CANCELED is the browser's):
  // the same url resumes the session until the expiry sweep abandons it. Only while
  // the session may take media, under its lock (as add_media).
  CaptureOutcome cancel_capture(std::string_view session_id, std::span<const std::string_view> contexts);

  // -> submitted, with `attempt_id` unless start gave one, then what submit_plan says:
  // a reading job, a check job, or the decision resubmission_requested. A job goes to
  // the check intake, claimed, when it has room, else it is queued due (CheckIntake). Queues the
  // `submitted` event (and the decision webhook when decided). With `owner`, kNotFound
  // also when the session is another integration's: checked under the session's lock, so
  // the API's PATCH needs no read of its own before this write.
  SubmitResult submit(std::string_view session_id, std::string_view attempt_id, TimeMs now,
                      std::optional<std::string_view> owner = std::nullopt);

  // Records each verdict (results, then — once every check the session gets has its
  // result — decision approved/declined and job done, else the job's retry) only if
  // the job is still pending under that very claim of `owner`; per entry, whether it
  // was recorded. False means the lease was lost (expired and taken over) or the session
  // deleted: a check completes exactly once. Approved when every check passed (an active
  // credential, an active CURP), else declined. Queues the INE and CURP webhooks of the
  // results, the INE+CURP webhook when both checks are done, the decision webhook. One
  // transaction for the whole batch.
  std::vector<bool> complete_checks(std::string_view owner, std::span<const CheckVerdict> verdicts, TimeMs now);
  // Releases each lease and schedules the next attempt, under the same guard.
  std::vector<bool> retry_checks(std::string_view owner, std::span<const store::CheckRetry> retries);
  // Records a document reading under the claim's guard; false when the claim was lost.
  bool record_reading(std::string_view owner, const DocumentReading& reading, TimeMs now);

  // Queues a re-check, due at `now`, of every session with a registry result that
  // `which` selects (its limit is the page size: one transaction per page); a session
  // with one pending keeps it, due at the earlier time. Returns how many were selected.
  std::int64_t request_rechecks(store::RecheckSelection which, std::string_view requested_by, TimeMs now);
  // Records each answer in its session's re-check history, only under its claim (per
  // entry, what it came to). The session, its result and its decision never
  // change: they are what was true at verification. A verdict that differs from the
  // latest one (the newest re-check verdict, else the session's result) queues the
  // integration's INE webhook of kind SessionChange::kVerdictChanged, in the same
  // transaction; an unchanged verdict or no answer queues nothing.
  std::vector<RecheckRecorded> complete_rechecks(std::string_view owner, std::span<const RecheckAnswer> answers,
                                                 TimeMs now);
  // Releases each re-check's lease and schedules its next attempt, under the same guard.
  std::vector<bool> retry_rechecks(std::string_view owner, std::span<const store::RecheckRetry> retries);

  // Decides up to `limit` sessions still open (kExpirableStatuses) created at or before
  // `created_before` (created -> expired, started -> abandoned) with their decision
  // webhooks; safe with every node sweeping at once. Returns how many it decided.
  int expire(TimeMs created_before, TimeMs now, int limit);

  // DELETE /v1/sessions/{id}: removes the integration's session with its personal data,
  // result, job and media, only while the integration's deletions in the last hour and
  // the last 24 hours stay under `limit`, and counts it; a session without a
  // conclusive decision sends its decision webhook (Event::kDelete). Serialized per
  // integration, so the limit holds across nodes sharing the database. The session's
  // finished deliveries lose their bodies. Deletions older than 24 hours are forgotten.
  DeleteResult delete_session(std::string_view session_id, std::string_view integration_id,
                              const store::DeleteRateLimit& limit, TimeMs now);

  // Retention (sessions/retention.cpp, run by RetentionSweeper). Erases the personal
  // data of up to `limit` of the integration's sessions decided (or expired) at or
  // before `decided_before` — store::WriteTransaction::purge_personal_data: the one
  // primitive that does — and counts them, in one transaction; the status, decision,
  // results and timestamps stay, with the time of the purge. Sessions another node is
  // purging are skipped. Returns how many it purged.
  int purge_personal_data(std::string_view integration_id, TimeMs decided_before, TimeMs now, int limit);
  // Removes up to `limit` of the integration's delivered webhook rows delivered at or
  // before `delivered_before`, and counts them, in one transaction. Returns how many.
  int prune_delivered_webhooks(std::string_view integration_id, TimeMs delivered_before, TimeMs now, int limit);

  // Queues a copy of the delivery (same body, the integration's current URL for its
  // kind, a fresh retry window); the original keeps its history.
  RedeliverResult redeliver(std::int64_t delivery_id, TimeMs now);

 private:
  struct Change {
    store::SessionChange::Kind kind;
    const store::Session* session;  // as it is after the change
    const store::IneResult* result = nullptr;
    const store::IneResult* previous = nullptr;
    const store::CurpResult* curp = nullptr;
    const store::SessionCheckResults* combined = nullptr;  // completes the INE+CURP result
  };
  // Queues, inside `tx`, the webhooks of `changes` in order (see the class comment).
  void queue_webhooks(store::WriteTransaction& tx, std::span<const Change> changes, TimeMs now) const;

  // The calls whose rule is written for a batch: their arguments, then what each came to.
  // submit() (submit.cpp):
  struct SubmitCall {
    std::string_view session_id;
    std::string_view attempt_id;
    TimeMs now = 0;
    std::optional<std::string_view> owner;
    const store::CheckLease* lease = nullptr;  // reserved from the check intake, if any
    SubmitResult result = {};
    std::optional<store::ClaimedCheck> claimed = std::nullopt;  // its job, claimed under `lease`
    bool queued = false;                                        // its job, queued due
  };
  // start() (start.cpp):
  struct StartCall {
    std::string_view session_id;
    std::string_view attempt_id;
    TimeMs now = 0;
    StartOutcome outcome = StartOutcome::kNotFound;
  };
  // add_media() (media_upload.cpp):
  struct MediaCall {
    std::string_view session_id;  // media's
    const store::Media* media = nullptr;
    std::string_view bytes;
    const store::MediaLimits* limits = nullptr;
    MediaOutcome outcome = MediaOutcome::kSessionNotFound;
  };
  // delete_session() (deletion.cpp):
  struct DeleteCall {
    std::string_view session_id;
    std::string_view integration_id;
    const store::DeleteRateLimit* limit = nullptr;
    TimeMs now = 0;
    DeleteResult result = {};
  };
  // Each rule runs every call of its batch in `tx` and commits; it sets every call's
  // outcome afresh (a failed batch's calls run again, alone).
  void submit_in(store::WriteTransaction& tx, std::span<SubmitCall* const> calls) const;
  void start_in(store::WriteTransaction& tx, std::span<StartCall* const> calls) const;
  void add_media_in(store::WriteTransaction& tx, std::span<MediaCall* const> calls) const;
  void delete_in(store::WriteTransaction& tx, std::span<DeleteCall* const> calls) const;

  template <typename Call>
  using BatchRule = void (SessionWorkflow::*)(store::WriteTransaction&, std::span<Call* const>) const;
  // Where the calls of one kind queue to share a transaction: only where the store
  // batches (Store::workflow_batch_limit).
  template <typename Call>
  using Batches = std::optional<store::BatchedCalls<Call>>;
  template <typename Call>
  void batch_where_the_store_does(Batches<Call>& batches, BatchRule<Call> rule) {
    if (const std::size_t limit = store_.workflow_batch_limit(); limit > 0) {
      batches.emplace(limit, [this, rule](std::span<Call* const> calls) {
        store_.write([&](store::WriteTransaction& tx) { (this->*rule)(tx, calls); });
      });
    }
  }
  // Runs `call` by `rule`, through `batches` when there are (concurrent calls share one
  // transaction), else alone in a write of its own. Returns once its transaction has
  // committed; throws what running it threw.
  template <typename Call>
  void run(Batches<Call>& batches, BatchRule<Call> rule, Call& call) {
    if (batches) {
      batches->call(call);
      return;
    }
    Call* const calls[] = {&call};
    const std::span<Call* const> alone(calls);
    store_.write([&](store::WriteTransaction& tx) { (this->*rule)(tx, alone); });
  }

  store::Store& store_;
  const std::shared_ptr<const store::OutboxComposer> composer_;
  CheckIntake* intake_ = nullptr;
  Batches<SubmitCall> submits_;
  Batches<StartCall> starts_;
  Batches<MediaCall> uploads_;
  Batches<DeleteCall> deletes_;
};

}  // namespace inereg::sessions
