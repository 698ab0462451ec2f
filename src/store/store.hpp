#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/connection_pool.hpp"
#include "store/outbox.hpp"
#include "store/persistence.hpp"
#include "store/records.hpp"

namespace inereg::store {

// The storage interface. Every backend (store/sqlite, store/postgres) implements it
// with its own SQL and decides nothing about sessions: the session workflow
// (sessions/workflow.hpp) runs its changes through begin_write() and the primitives of
// store/persistence.hpp; the methods below are persistence that is not session
// workflow (integrations, the registry snapshot, reads, claims and webhook attempts).
// All methods are thread-safe and blocking; each call is atomic (its own transaction).
// Errors other than "not found" throw StoreError.
class Store {
 public:
  virtual ~Store() = default;

  // A write transaction on the caller's thread (store/persistence.hpp): commit() returns
  // once it is durable. The session workflow's writes on the API's path use write()
  // below; the rest of the workflow, the CLI and tests use this. Blocks while every pooled
  // connection is in use.
  virtual std::unique_ptr<WriteTransaction> begin_write() = 0;
  // One write transaction run as body(tx): what the body committed (tx.commit()) is
  // durable when write() returns; without a commit nothing is kept. Unlike begin_write(),
  // the body may run on another thread while the caller waits: the SQLite store runs
  // concurrent bodies back to back on one thread (store/sqlite/group_commit.hpp), and a
  // caller that can suspend (util::current_suspension) is suspended meanwhile instead of
  // blocking its thread. So the body only uses `tx` and what its caller lends it, and
  // waits on nothing else. Throws
  // what the body threw (nothing of it kept), or StoreError. This default runs the body
  // on the caller's thread over begin_write().
  virtual void write(const std::function<void(WriteTransaction&)>& body) {
    const auto tx = begin_write();
    body(*tx);
  }

  // How many concurrent calls of one kind (submits, starts, uploads, deletes) the workflow
  // combines into one transaction of batch statements (BatchedCalls); 0: each call runs
  // alone. For PostgreSQL, where every statement is a network round trip and every
  // commit a WAL flush, a batch of submits costs about what one submit does. SQLite's is
  // 0: its statements run in-process, and write() already groups concurrent commits.
  virtual std::size_t workflow_batch_limit() const { return 0; }

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
  virtual bool set_integration_webhooks(std::string_view integration_id, const WebhookUrls& urls) = 0;
  virtual std::optional<WebhookUrls> find_integration_webhooks(std::string_view integration_id) = 0;
  // Sets Integration::recheck_interval_ms (0 = off); false for an unknown integration.
  virtual bool set_integration_recheck_interval(std::string_view integration_id, TimeMs interval_ms) = 0;
  // Sets Integration::retention_ms and delivered_webhook_retention_ms (0 = kept); false
  // for an unknown integration.
  virtual bool set_integration_retention(std::string_view integration_id, TimeMs retention_ms,
                                         TimeMs delivered_webhook_retention_ms) = 0;
  // What retention has purged, per integration, and the last sweep (any node's).
  virtual RetentionReport retention_report() = 0;
  // Records a finished retention sweep (the cluster's last run).
  virtual void record_retention_run(const RetentionRun& run) = 0;

  // Sessions ---------------------------------------------------------------------
  virtual void insert_session(const Session& session) = 0;
  virtual std::optional<Session> find_session(std::string_view session_id) = 0;
  // The session and its data key, in one transaction (the sealing layer's insert_session).
  virtual void insert_session_with_key(const Session& session, const SessionKey& key) = 0;
  // The data keys of those among `ids` that have one.
  virtual std::vector<SessionKey> find_session_keys(std::span<const std::string> ids) = 0;
  // Up to `limit` data keys not sealed under `key_id`, by session id after
  // `after_session_id` (`inereg keys rotate`, a page at a time).
  virtual std::vector<SessionKey> list_session_keys_not_under(std::string_view key_id,
                                                              std::string_view after_session_id, int limit) = 0;
  // Every integration secret, revoked ones included (`inereg keys rotate`).
  virtual std::vector<IntegrationSecret> list_all_integration_secrets() = 0;
  // The session's owner, status and result (if any) in one read: the hot path.
  virtual std::optional<IneAnswer> find_ine_answer(std::string_view session_id) = 0;
  // The sessions deleted at or after `since` (the deleting node's clock), for the result
  // caches of every node (api::ResultCache).
  virtual std::vector<std::string> sessions_deleted_since(TimeMs since) = 0;
  // The source and sealed answer recorded with the session's result; nullopt when the
  // session has no result (or does not exist).
  virtual std::optional<RegistryAnswer> find_registry_answer(std::string_view session_id) = 0;
  // The session's owner, status, checks, CURP and results, in one read (GET
  // curp-registry, combined-ine-curp-registry, the decision's registry detail).
  virtual std::optional<CheckAnswer> find_check_answer(std::string_view session_id) = 0;
  // Sets which registry checks the integration's new sessions get; false for an unknown
  // integration.
  virtual bool set_integration_registry_checks(std::string_view integration_id, RegistryChecks checks) = 0;

  // Check jobs -------------------------------------------------------------------
  virtual std::int64_t pending_check_count() = 0;
  // Claims up to `limit` due jobs whose lease is free or expired, oldest first, leasing
  // them to `owner` until now + lease_ms; concurrent claimers never get the same job.
  // One transaction however many jobs it claims.
  virtual std::vector<ClaimedCheck> claim_checks(std::string_view owner, TimeMs now, TimeMs lease_ms, int limit) = 0;

  // (Re-checks are claimed in a write transaction, at the cluster's pace: checks::RecheckPace.)
  // The session's re-checks, oldest first, pending ones included.
  virtual std::vector<Recheck> list_rechecks(std::string_view session_id) = 0;

  // Local registry snapshot ----------------------------------------------------------
  // Inserts or replaces the entries in one transaction.
  virtual void upsert_registry_entries(std::span<const RegistryEntry> entries) = 0;
  virtual std::optional<int> find_registry_situation(std::string_view lookup_key) = 0;
  virtual std::int64_t registry_entry_count() = 0;
  // When a local snapshot (kIneSnapshot, kCurpSnapshot) was last imported; nullopt when
  // it never was. The date each local verdict reports (LookupOutcome::snapshot_at_ms).
  virtual void set_snapshot_date(std::string_view snapshot, TimeMs imported_at) = 0;
  virtual std::optional<TimeMs> find_snapshot_date(std::string_view snapshot) = 0;
  // Which key a local snapshot's keyed hashes were made under (an id naming the key
  // without revealing it), recorded after its date; nullopt when never recorded
  // (imported before migration 16, or never imported).
  virtual void set_snapshot_key_id(std::string_view snapshot, std::string_view key_id) = 0;
  virtual std::optional<std::string> find_snapshot_key_id(std::string_view snapshot) = 0;
  // The INE snapshot files (issue 14). activate_registry_snapshot makes `record` the
  // active file of `snapshot` and keeps the one it replaces as previous, in one
  // statement (every node sees the old or the new, never a mix), and sets its date
  // (find_snapshot_date). rollback_registry_snapshot swaps active and previous; false
  // when there is no previous file.
  virtual RegistrySnapshotState find_registry_snapshot(std::string_view snapshot) = 0;
  virtual void activate_registry_snapshot(std::string_view snapshot, const SnapshotFileRecord& record) = 0;
  virtual bool rollback_registry_snapshot(std::string_view snapshot) = 0;
  // Empties the legacy snapshot table, whose keys were identifiers in clear (before
  // migration 15); done once a snapshot file is active.
  virtual void clear_registry_entries() = 0;
  // The local RENAPO snapshot, keyed by the CURP's keyed hash (CurpRegistryEntry).
  virtual void upsert_curp_registry_entries(std::span<const CurpRegistryEntry> entries) = 0;
  virtual std::optional<int> find_curp_registry_status(std::string_view curp_hash) = 0;
  virtual std::int64_t curp_registry_entry_count() = 0;

  // Media ------------------------------------------------------------------------------
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

  // Webhook deliveries -----------------------------------------------------------------
  // (Queued by the session workflow in the transaction of the change that causes them.)
  // Leases up to `limit` due pending deliveries (lease free or expired) to `owner`.
  virtual std::vector<ClaimedDelivery> claim_webhook_deliveries(std::string_view owner, TimeMs now, TimeMs lease_ms,
                                                                int limit) = 0;
  // Records the attempt and moves the delivery to `next_state` (kPending: try again at
  // `next_attempt_at`), only if `owner` still holds the lease. A delivered or failed
  // delivery of a deleted session loses its body. False if the lease was lost.
  virtual bool record_webhook_attempt(std::int64_t delivery_id, std::string_view owner, const WebhookAttempt& attempt,
                                      DeliveryState next_state, TimeMs next_attempt_at) = 0;
  virtual std::vector<WebhookDelivery> list_webhook_deliveries(const DeliveryFilter& filter) = 0;
  virtual std::int64_t pending_webhook_count() = 0;
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

// Throws StoreError naming `inereg migrate` when the `applied` schema version is behind
// the version this build `needs`; every backend's kRequireCurrent check.
void require_schema_version(std::int64_t applied, int needs);

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
