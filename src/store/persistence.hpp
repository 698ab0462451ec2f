#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/outbox.hpp"
#include "store/records.hpp"

// The narrow transactional interface the session workflow (sessions/) runs over. Each
// primitive reads or writes rows and decides nothing: which status follows which, what
// a submit queues, when a webhook is due, all live in sessions/. A guard that must hold
// at the moment of the write ("only while the job is pending under this claim", "only
// while the status is still X") is a compare-and-set that reports whether it applied.
namespace inereg::store {

// A claim of a check job: its owner (the lease holder) and the claim's attempt count,
// which together name exactly one claim (ClaimedCheck::attempts).
struct CheckClaim {
  std::string session_id;
  int attempts = 0;
};

// The lifecycle columns of one session to write, only while its stored status is still
// `expected_status` (compare-and-set). The other columns of `after` are not written.
struct SessionUpdate {
  const Session* after = nullptr;  // status, attempt_id, submitted_at, decided_at, decision_reason
  std::string_view expected_status;
};

// A webhook delivery to queue: due at `created_at`, pending.
struct NewDelivery {
  std::string integration_id;
  std::string session_id;
  WebhookKind kind = WebhookKind::kDecision;
  std::string url;
  std::string body;
  TimeMs created_at = 0;
  std::optional<std::int64_t> redelivery_of;
};

// A check job to queue for a session: due at `now`, or with `claimed_by` already claimed
// under that lease (attempt 1, due again when the lease ends, as a claim leaves a job).
// `read_document`: its document images are read first.
struct NewCheckJob {
  std::string session_id;
  TimeMs now = 0;
  bool read_document = false;
  const CheckLease* claimed_by = nullptr;
};

// A registry result recorded for a session.
struct SessionResult {
  std::string session_id;
  IneResult result;
  std::string sealed_answer = {};  // the registry's answer, sealed (auth::AnswerBox); "" = none kept
};

// A CURP result recorded for a session.
struct SessionCurpResult {
  std::string session_id;
  CurpResult result;
};

// What redelivering a delivery needs of it.
struct StoredDelivery {
  std::string integration_id;
  std::string session_id;
  std::optional<WebhookKind> kind;
  std::string body;  // "" once erased
};

// One write transaction, opened by Store::begin_write(). It holds a pooled connection
// until it is destroyed, and rolls back unless commit() was called. Used by one thread.
// Isolation facts the workflows rely on:
//   - SQLite: BEGIN IMMEDIATE, so the transaction excludes every other writer (thread
//     or process) from its first statement to its end.
//   - PostgreSQL: READ COMMITTED; lock_session and lock_integration take row locks held
//     to the end, and each statement sees what committed before it started.
// Batch primitives are one statement on PostgreSQL (a batch costs one round trip) and
// take each session at most once per batch.
class WriteTransaction {
 public:
  virtual ~WriteTransaction() = default;
  virtual void commit() = 0;

  // Sessions ------------------------------------------------------------------------
  // The sessions among `ids` that exist, in no particular order, each locked against a
  // concurrent lock of it (an upload, a submit, a start on another connection or node
  // waits for this transaction to end). Locked in id order, so that two transactions
  // locking overlapping batches take turns instead of deadlocking.
  virtual std::vector<Session> lock_sessions(std::span<const std::string> ids) = 0;
  // One session (lock_sessions of one id).
  std::optional<Session> lock_session(std::string_view session_id) {
    const std::string id(session_id);
    auto locked = lock_sessions(std::span(&id, 1));
    return locked.empty() ? std::nullopt : std::optional<Session>(std::move(locked.front()));
  }
  // The sessions among `ids` that exist, in no particular order.
  virtual std::vector<Session> find_sessions(std::span<const std::string> ids) = 0;
  // Up to `limit` sessions whose status is one of `statuses`, created at or before
  // `created_before`, oldest first, locked; rows another transaction holds are skipped
  // (so nodes sweeping at once split the work).
  virtual std::vector<Session> lock_sessions_created_before(std::span<const std::string_view, 2> statuses,
                                                            TimeMs created_before, int limit) = 0;
  // Writes each update whose session's status is still its expected one; per entry,
  // whether it applied.
  virtual std::vector<bool> update_sessions(std::span<const SessionUpdate> updates) = 0;
  // One update (update_sessions of one entry).
  bool update_session(const Session& after, std::string_view expected_status) {
    const SessionUpdate update{&after, expected_status};
    return update_sessions(std::span(&update, 1)).front();
  }
  // Replaces the session's credential columns.
  virtual void set_session_credential(std::string_view session_id, const ine::Credential& credential) = 0;
  // Removes the session of `integration_id` with its result, job and media; false when
  // it has no such session.
  virtual bool delete_session(std::string_view session_id, std::string_view integration_id) = 0;

  // Data keys (session_keys) -----------------------------------------------------------
  // The keys of those among `ids` that have one (sessions created before migration 13
  // have none), in no particular order.
  virtual std::vector<SessionKey> find_session_keys(std::span<const std::string> ids) = 0;
  // Destroys the session's data key (crypto-shredding): once committed, every sealed
  // value of the session, wherever a copy of it lies, is unreadable. DELETE calls it;
  // so does any purge of a session's personal data (retention).
  virtual void destroy_session_key(std::string_view session_id) = 0;
  // Replaces the stored key only while it is still sealed under `expected_key_id`
  // (`inereg keys rotate`); whether it applied.
  virtual bool reseal_session_key(const SessionKey& key, std::string_view expected_key_id) = 0;
  // Replaces an integration secret's sealed text only while it is still
  // `expected_sealed`; whether it applied.
  virtual bool reseal_integration_secret(std::int64_t secret_id, std::string_view expected_sealed,
                                         std::string_view sealed) = 0;
  // Retention ---------------------------------------------------------------------------
  // Up to `limit` ids of the integration's decided sessions not yet purged whose
  // decided_at is at or before `decided_before`, oldest decision first, locked; rows
  // another transaction holds are skipped (so nodes sweeping at once split the work).
  virtual std::vector<std::string> lock_sessions_to_purge(std::string_view integration_id, TimeMs decided_before,
                                                          int limit) = 0;
  // Erases the session's personal data and marks it purged at `now`, all in this
  // transaction: the person and document objects, vendorData and endUserId, the
  // identifier columns (CIC, identificador, OCR, clave de elector, emission, CURP), its
  // media (rows and bytes), the raw registry answers kept with its result, the bodies of
  // its finished webhook deliveries, and its pending re-checks (nothing left to look up).
  // The status, decision reason, timestamps, the results (active, documentState,
  // situation, source) and the re-check history stay. The one place a session's
  // personal data is erased short of deleting the session. False when the session does
  // not exist or was purged already.
  virtual bool purge_personal_data(std::string_view session_id, TimeMs now) = 0;
  // Removes up to `limit` of the integration's delivered webhook rows delivered at or
  // before `delivered_before`, with their attempts (a redelivery of one forgets what it
  // copied); rows another transaction holds are skipped. Returns how many.
  virtual int prune_delivered_webhooks(std::string_view integration_id, TimeMs delivered_before, int limit) = 0;
  // Adds to the integration's retention counts (RetentionCounts), at `now`.
  virtual void count_retention(std::string_view integration_id, std::int64_t sessions_purged,
                               std::int64_t webhooks_pruned, TimeMs now) = 0;

  // Media ---------------------------------------------------------------------------
  struct MediaUsage {
    std::int64_t files = 0;
    std::int64_t bytes = 0;
  };
  // The media of each session of `ids`, in the same order (none: zeros).
  virtual std::vector<MediaUsage> media_usages(std::span<const std::string> ids) = 0;
  virtual void insert_media(const Media& media, std::string_view bytes) = 0;
  // Those among `ids` whose session has an image Store::media_for_reading would return,
  // in no particular order.
  virtual std::vector<std::string> sessions_with_readable_document(std::span<const std::string> ids) = 0;
  // Removes the session's media of `context`.
  virtual void delete_media(std::string_view session_id, std::string_view context) = 0;

  // The verification page's tries ---------------------------------------------------
  // Counts one more unreadable photo of the session; returns its count so far.
  virtual int count_unreadable_photo(std::string_view session_id) = 0;
  // The session's count starts over.
  virtual void clear_unreadable_photos(std::string_view session_id) = 0;

  // Check jobs ----------------------------------------------------------------------
  // Queues each job, pending (NewCheckJob).
  virtual void insert_check_jobs(std::span<const NewCheckJob> jobs) = 0;
  // Marks each job done, only while it is pending under that claim of `owner`.
  virtual std::vector<bool> finish_claimed_checks(std::string_view owner, std::span<const CheckClaim> claims) = 0;
  // Releases each lease and makes the job due at its next_run_at, under the same guard.
  virtual std::vector<bool> retry_claimed_checks(std::string_view owner, std::span<const CheckRetry> retries) = 0;
  // Under the same guard: nothing left to read, lease released, due at `now`.
  virtual bool release_read_check(std::string_view owner, const CheckClaim& claim, TimeMs now) = 0;
  virtual void insert_ine_results(std::span<const SessionResult> results) = 0;
  virtual void insert_curp_results(std::span<const SessionCurpResult> results) = 0;
  // The results recorded so far for each of the sessions among `ids` that exist.
  virtual std::vector<SessionCheckResults> find_check_results(std::span<const std::string> ids) = 0;

  // Re-checks (records.hpp) ---------------------------------------------------------
  // Up to `which.limit` sessions with a registry result that match `which`, by id.
  virtual std::vector<std::string> find_recheck_candidates(const RecheckSelection& which) = 0;
  // Queues each re-check, pending and due at its requested_at; a session that already
  // has one pending keeps it, due at the earlier of the two times.
  virtual void insert_rechecks(std::span<const NewRecheck> rechecks) = 0;
  // The baselines of those among `session_ids` that have a result.
  virtual std::vector<RecheckBaseline> recheck_baselines(std::span<const std::string> session_ids) = 0;
  // Records each re-check's outcome (done), only while it is pending under that claim
  // of `owner`; per entry, whether it applied.
  virtual std::vector<bool> finish_claimed_rechecks(std::string_view owner, std::span<const RecheckRecord> records) = 0;
  // Releases each lease and makes the re-check due at its next_run_at, under the same guard.
  virtual std::vector<bool> retry_claimed_rechecks(std::string_view owner, std::span<const RecheckRetry> retries) = 0;
  // Claims up to `limit` due re-checks whose lease is free or expired, oldest due first,
  // leasing them to `owner` until now + lease_ms (ClaimedCheck::recheck_id set);
  // concurrent claimers never get the same re-check.
  virtual std::vector<ClaimedCheck> claim_rechecks(std::string_view owner, TimeMs now, TimeMs lease_ms, int limit) = 0;
  // The state of the cluster's re-check pace (checks::LookupPace, microseconds), locked
  // until the transaction ends: a concurrent lock_recheck_pace waits for it.
  virtual std::int64_t lock_recheck_pace() = 0;
  virtual void set_recheck_pace(std::int64_t state_us) = 0;

  // Integrations ------------------------------------------------------------------
  // Locks the integration's row, so that its deletions (on any node) take turns; false
  // for an unknown integration.
  virtual bool lock_integration(std::string_view integration_id) = 0;
  virtual WebhookUrls webhook_urls(std::string_view integration_id) = 0;

  // Deletion counts (the DELETE rate limit) -------------------------------------------
  virtual void prune_session_deletions(std::string_view integration_id, TimeMs at_or_before) = 0;
  // The times of the integration's `limit` most recent deletions after `after`, newest
  // first.
  virtual std::vector<TimeMs> recent_deletions(std::string_view integration_id, TimeMs after, int limit) = 0;
  virtual void record_session_deletion(std::string_view integration_id, std::string_view session_id, TimeMs at) = 0;

  // Webhook outbox ------------------------------------------------------------------
  // Queues the deliveries in order; their ids, in the same order.
  virtual std::vector<std::int64_t> insert_deliveries(std::span<const NewDelivery> deliveries) = 0;
  // Empties the bodies of the session's delivered and failed deliveries.
  virtual void erase_finished_delivery_bodies(std::string_view session_id) = 0;
  virtual std::optional<StoredDelivery> find_delivery(std::int64_t delivery_id) = 0;
};

}  // namespace inereg::store
