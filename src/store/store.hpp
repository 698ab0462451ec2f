#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/connection_pool.hpp"
#include "store/outbox.hpp"
#include "store/records.hpp"

namespace inereg::store {

// The one narrow storage interface. Every backend (store/sqlite, later store/postgres)
// implements it with its own SQL. All methods are thread-safe and blocking; each call
// is atomic (its own transaction). Errors other than "not found" throw StoreError.
class Store {
 public:
  virtual ~Store() = default;

  // Integrations -----------------------------------------------------------------
  virtual void create_integration(const Integration& integration, std::string_view sealed_secret) = 0;
  virtual std::optional<Integration> find_integration_by_api_key(std::string_view api_key) = 0;
  virtual std::optional<Integration> find_integration(std::string_view id) = 0;
  virtual std::vector<Integration> list_integrations() = 0;
  // Adds a secret beside the existing ones; returns its id.
  virtual std::int64_t add_integration_secret(std::string_view integration_id, std::string_view sealed_secret,
                                              TimeMs now) = 0;
  // Revokes every secret of the integration except the newest; returns how many.
  virtual int revoke_older_integration_secrets(std::string_view integration_id, TimeMs now) = 0;
  virtual bool set_integration_active(std::string_view integration_id, bool active) = 0;
  // Replaces the integration's allowed browser origins (already normalized); false for
  // an unknown integration.
  virtual bool set_integration_cors_origins(std::string_view integration_id, std::span<const std::string> origins) = 0;
  // Every origin that some active integration allows, sorted: a CORS preflight carries
  // no API key, so it can only be answered against all of them.
  virtual std::vector<std::string> list_allowed_cors_origins() = 0;

  // Sessions ---------------------------------------------------------------------
  virtual void insert_session(const Session& session) = 0;
  virtual std::optional<Session> find_session(std::string_view session_id) = 0;
  // created/started -> submitted, and in the same transaction what `plan` says: a
  // reading job, a check job, or the decision `decision_status_without_check`. An upload
  // racing the submit is either seen by it or refused after it (never missed).
  virtual SubmitOutcome submit_session(std::string_view session_id, std::string_view attempt_id, const SubmitPlan& plan,
                                       std::string_view decision_status_without_check, TimeMs now) = 0;
  // DELETE /v1/sessions/{id}: removes the integration's session with its personal data,
  // result, job and media (kNotFound if unknown or another integration's), only while
  // the integration's deletions in the last hour and the last 24 hours stay under
  // `limit`, and counts it, in one transaction serialized per integration, so the limit
  // holds across nodes sharing the database. Deletions older than 24 hours are forgotten.
  virtual DeleteOutcome delete_session_rate_limited(std::string_view session_id, std::string_view integration_id,
                                                    const DeleteRateLimit& limit, TimeMs now) = 0;
  // The session's owner, status and result (if any) in one read: the hot path.
  virtual std::optional<IneAnswer> find_ine_answer(std::string_view session_id) = 0;

  // Check jobs -------------------------------------------------------------------
  virtual std::int64_t pending_check_count() = 0;

  // The check pipeline works in batches, each call one transaction (one commit, one
  // fsync on SQLite) however many jobs it carries.
  // Claims up to `limit` due jobs whose lease is free or expired, oldest first, leasing
  // them to `owner` until now + lease_ms; concurrent claimers never get the same job.
  virtual std::vector<ClaimedCheck> claim_checks(std::string_view owner, TimeMs now, TimeMs lease_ms, int limit) = 0;
  // Records each verdict (result row + session decided + job done) only if the job is
  // still pending under this very claim (`owner` and the claim's attempt count); returns,
  // per entry, whether it was recorded. False means the lease was lost (expired and
  // taken over) or the session deleted: the check completes exactly once.
  virtual std::vector<bool> complete_checks(std::string_view owner, std::span<const CheckCompletion> batch,
                                            TimeMs now) = 0;
  // Releases each lease and schedules the next attempt, under the same guard as
  // complete_checks; returns per entry whether it applied.
  virtual std::vector<bool> retry_checks(std::string_view owner, std::span<const CheckRetry> batch) = 0;

  // Records what reading a claimed job's document images gave (DocumentReadingRecord),
  // only if the job is still pending under this very claim (`owner`, record.attempts):
  // a credential is stored on the session and the job released (lease cleared, due now,
  // nothing left to read); a decision_reason decides the session resubmission_requested
  // with its decision webhook and finishes the job. False when the claim was lost.
  virtual bool record_document_reading(std::string_view owner, const DocumentReadingRecord& record, TimeMs now) = 0;

  // Local registry snapshot ----------------------------------------------------------
  // Inserts or replaces the entries in one transaction.
  virtual void upsert_registry_entries(std::span<const RegistryEntry> entries) = 0;
  virtual std::optional<int> find_registry_situation(std::string_view lookup_key) = 0;
  virtual std::int64_t registry_entry_count() = 0;

  // Media ------------------------------------------------------------------------------
  // Stores the file if its session exists, is still uploadable (created or started) and
  // stays within `limits`. One transaction that excludes a concurrent submit_session of
  // the same session: an upload racing the submit is stored before it or refused
  // (kSessionNotUploadable), never stored after it.
  virtual MediaInsertOutcome insert_media(const Media& media, std::string_view bytes, const MediaLimits& limits) = 0;
  // The session's media in upload order, without bytes.
  virtual std::vector<Media> list_media(std::string_view session_id) = 0;
  // The file with its bytes and owner; nullopt if unknown (or its session deleted).
  virtual std::optional<MediaFile> find_media(std::string_view media_id) = 0;
  // The session's document images that a reader (the MRZ on the back of an INE) can
  // decode: JPEG, PNG and WebP of the document-* contexts except the cropped face;
  // document-back contexts first, then the others, newest upload first within each.
  virtual std::vector<MediaFile> media_for_reading(std::string_view session_id) = 0;

  // Schema ----------------------------------------------------------------------------
  // The highest migration version applied to the database.
  virtual int schema_version() = 0;

  // Session lifecycle and the webhook outbox ---------------------------------------------
  // The composer of the webhooks that session changes queue (store/outbox.hpp). Set once,
  // before the store is shared between threads; without one nothing is queued.
  // Every change below, and submit_session, complete_checks and delete_session_rate_limited, queue
  // their webhooks in the transaction that makes the change.
  void set_outbox_composer(std::shared_ptr<const OutboxComposer> composer) { composer_ = std::move(composer); }

  virtual bool set_integration_webhooks(std::string_view integration_id, const WebhookUrls& urls) = 0;
  virtual std::optional<WebhookUrls> find_integration_webhooks(std::string_view integration_id) = 0;
  // created -> started (the end user opened the verification URL), with its attempt id;
  // queues the `started` event. kNotAllowed when the session is past `created`.
  virtual StartOutcome start_session(std::string_view session_id, std::string_view attempt_id, TimeMs now) = 0;
  // Decides up to `limit` sessions still created/started that were created at or before
  // `created_before`: created -> expired, started -> abandoned, each with its decision
  // webhook. One conditional UPDATE, so nodes sweeping at once never decide a session
  // twice. Returns how many it decided.
  virtual int expire_sessions(TimeMs created_before, TimeMs now, int limit) = 0;

  // Leases up to `limit` due pending deliveries (lease free or expired) to `owner`.
  virtual std::vector<ClaimedDelivery> claim_webhook_deliveries(std::string_view owner, TimeMs now, TimeMs lease_ms,
                                                                int limit) = 0;
  // Records the attempt and moves the delivery to `next_state` (kPending: try again at
  // `next_attempt_at`), only if `owner` still holds the lease. A delivered or failed
  // delivery of a deleted session loses its body. False if the lease was lost.
  virtual bool record_webhook_attempt(std::int64_t delivery_id, std::string_view owner, const WebhookAttempt& attempt,
                                      DeliveryState next_state, TimeMs next_attempt_at) = 0;
  virtual std::vector<WebhookDelivery> list_webhook_deliveries(const DeliveryFilter& filter) = 0;
  // Queues a copy of the delivery (same body, the integration's current URL for its
  // kind, a fresh retry window); the original keeps its history.
  virtual RedeliverResult redeliver_webhook(std::int64_t delivery_id, TimeMs now) = 0;
  virtual std::int64_t pending_webhook_count() = 0;

 protected:
  std::shared_ptr<const OutboxComposer> composer_;
};

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What opening a store does about the database schema.
enum class Migrations {
  // Apply pending migrations (serialized between processes that open at once).
  kApply,
  // Apply nothing; throw StoreError naming `inereg migrate` when the schema is behind
  // this build. A schema ahead of this build is accepted: during a rolling upgrade the
  // new release migrates first (migrations only add) while old nodes still serve.
  kRequireCurrent,
};

// Opens the backend named by the URL ("sqlite:path/to/file.db" or "postgresql://...")
// with the given migration policy and connection pool. Throws StoreError for an unknown
// scheme, a failed migration, or (kRequireCurrent) a schema that is behind.
std::unique_ptr<Store> open_store(std::string_view url, Migrations migrations = Migrations::kApply,
                                  const PoolOptions& pool = {});

// The policy of `serve` and the admin commands for `url`. The embedded SQLite file has
// one owner, which migrates it at open: a single-process default just works. A shared
// PostgreSQL database is migrated only by `inereg migrate`, run once before a rollout,
// so that no node (or an operator's newer binary) changes the schema under the others.
Migrations startup_migrations(std::string_view url);

}  // namespace inereg::store
