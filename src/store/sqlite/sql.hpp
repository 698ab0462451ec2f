#pragma once

#include <array>
#include <string_view>

#include "store/migration.hpp"

// Every SQL statement of the SQLite backend, as named constants. Times are integer
// milliseconds since the Unix epoch (UTC).
namespace inereg::store::sqlite::sql {

using store::Migration;

// Append-only: a released migration is never edited, a change is a new version.
inline constexpr std::array kMigrations = {
    Migration{1, R"sql(
CREATE TABLE integrations (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  api_key     TEXT NOT NULL UNIQUE,
  active      INTEGER NOT NULL DEFAULT 1,
  created_at  INTEGER NOT NULL
);
CREATE TABLE integration_secrets (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  integration_id  TEXT NOT NULL REFERENCES integrations(id),
  sealed_secret   TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  revoked_at      INTEGER
);
CREATE INDEX integration_secrets_by_integration ON integration_secrets(integration_id);
CREATE TABLE sessions (
  id               TEXT PRIMARY KEY,
  integration_id   TEXT NOT NULL REFERENCES integrations(id),
  status           TEXT NOT NULL,
  attempt_id       TEXT NOT NULL DEFAULT '',
  vendor_data      TEXT,
  end_user_id      TEXT,
  callback         TEXT,
  person_json      TEXT NOT NULL,
  document_json    TEXT NOT NULL,
  ine_document     INTEGER NOT NULL,
  cic              TEXT NOT NULL DEFAULT '',
  citizen_id       TEXT NOT NULL DEFAULT '',
  ocr              TEXT NOT NULL DEFAULT '',
  elector_key      TEXT NOT NULL DEFAULT '',
  emission_number  TEXT NOT NULL DEFAULT '',
  curp             TEXT NOT NULL DEFAULT '',
  created_at       INTEGER NOT NULL,
  submitted_at     INTEGER,
  decided_at       INTEGER
);
CREATE TABLE ine_results (
  session_id      TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
  active          INTEGER NOT NULL,
  document_state  TEXT NOT NULL,
  situation       INTEGER NOT NULL,
  checked_at      INTEGER NOT NULL
);
CREATE TABLE check_jobs (
  session_id   TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
  state        TEXT NOT NULL,            -- 'pending' or 'done'
  attempts     INTEGER NOT NULL DEFAULT 0,
  next_run_at  INTEGER NOT NULL,
  lease_owner  TEXT,
  lease_until  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX check_jobs_due ON check_jobs(state, next_run_at);
CREATE TABLE registry_entries (
  lookup_key  TEXT PRIMARY KEY,
  model       TEXT NOT NULL,
  situation   INTEGER NOT NULL
) WITHOUT ROWID;
)sql"},
    Migration{2, R"sql(
ALTER TABLE integrations ADD COLUMN decision_webhook_url TEXT NOT NULL DEFAULT '';
ALTER TABLE integrations ADD COLUMN event_webhook_url TEXT NOT NULL DEFAULT '';
ALTER TABLE integrations ADD COLUMN ine_webhook_url TEXT NOT NULL DEFAULT '';
-- The expiry sweep scans only sessions still waiting for the end user.
CREATE INDEX sessions_open_by_created ON sessions(created_at) WHERE status IN ('created', 'started');
CREATE TABLE webhook_deliveries (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  integration_id   TEXT NOT NULL REFERENCES integrations(id),
  session_id       TEXT NOT NULL,      -- no foreign key: a deleted session's webhook is still sent
  kind             TEXT NOT NULL,      -- 'decision', 'event' or 'ine'
  url              TEXT NOT NULL,      -- the integration's URL when the delivery was queued
  body             TEXT NOT NULL,      -- the exact bytes sent and signed; '' once erased
  state            TEXT NOT NULL,      -- 'pending', 'delivered' or 'failed' (gave up)
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER NOT NULL,
  lease_owner      TEXT,
  lease_until      INTEGER NOT NULL DEFAULT 0,
  last_status      INTEGER,
  last_error       TEXT,
  created_at       INTEGER NOT NULL,
  delivered_at     INTEGER,
  redelivery_of    INTEGER REFERENCES webhook_deliveries(id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_by_session ON webhook_deliveries(session_id);
CREATE TABLE webhook_attempts (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  delivery_id   INTEGER NOT NULL REFERENCES webhook_deliveries(id),
  attempted_at  INTEGER NOT NULL,
  http_status   INTEGER,                -- NULL when the attempt failed before a response
  error         TEXT,
  duration_ms   INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts(delivery_id);
)sql"},
    Migration{3, R"sql(
-- Browser origins allowed to create sessions through CORS (@veriff/js-sdk), per integration.
CREATE TABLE integration_cors_origins (
  integration_id  TEXT NOT NULL REFERENCES integrations(id),
  origin          TEXT NOT NULL,
  PRIMARY KEY (integration_id, origin)
) WITHOUT ROWID;
-- One row per DELETE /v1/sessions/{id} that deleted, for the per-integration rate limit;
-- rows older than the longest window are pruned as deletions are admitted.
CREATE TABLE session_deletions (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  integration_id  TEXT NOT NULL REFERENCES integrations(id),
  deleted_at      INTEGER NOT NULL
);
CREATE INDEX session_deletions_by_integration ON session_deletions(integration_id, deleted_at);
)sql"},
    // Media uploaded to a session (POST /v1/sessions/{id}/media). `seq` orders the
    // uploads; `bytes` is the last column, so listing the metadata never reads a
    // file's overflow pages.
    Migration{4, R"sql(
CREATE TABLE media (
  seq         INTEGER PRIMARY KEY,
  id          TEXT NOT NULL UNIQUE,
  session_id  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  context     TEXT NOT NULL,
  mimetype    TEXT NOT NULL,
  size        INTEGER NOT NULL,
  sha256      TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  bytes       BLOB NOT NULL
);
CREATE INDEX media_by_session ON media(session_id, seq);
)sql"},
    // Reading the credential from the card (issue 3): a check job may first read the
    // session's document images; a session decided without a registry answer keeps why.
    Migration{5, R"sql(
ALTER TABLE check_jobs ADD COLUMN read_document INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN decision_reason TEXT NOT NULL DEFAULT '';
)sql"},
    // The expiry sweep's index says "neither submitted nor decided" in columns, not in
    // status names: the sweep binds the statuses it decides (sessions/status.hpp) as
    // parameters, and a partial index on status literals is not used for bound values.
    Migration{6, R"sql(
DROP INDEX sessions_open_by_created;
CREATE INDEX sessions_undecided_by_created ON sessions(created_at) WHERE submitted_at IS NULL AND decided_at IS NULL;
)sql"},
    // Registry sources (issue 17): which source answered, and its answer sealed under a
    // key derived from the master key (auth::AnswerBox), for the operator.
    Migration{8, R"sql(
ALTER TABLE ine_results ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE ine_results ADD COLUMN sealed_answer TEXT NOT NULL DEFAULT '';
)sql"},
    // Re-checks of decided sessions (issue 17): the integration's interval, and one row
    // per re-check, a pipeline job while pending (leased and guarded like check_jobs),
    // then an entry of the session's history. At most one pending per session.
    Migration{9, R"sql(
ALTER TABLE integrations ADD COLUMN recheck_interval_ms INTEGER NOT NULL DEFAULT 0;
CREATE TABLE ine_rechecks (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id      TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  requested_by    TEXT NOT NULL,          -- 'schedule' or 'operator'
  requested_at    INTEGER NOT NULL,
  state           TEXT NOT NULL,          -- 'pending' or 'done'
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_run_at     INTEGER NOT NULL,
  lease_owner     TEXT,
  lease_until     INTEGER NOT NULL DEFAULT 0,
  checked_at      INTEGER,
  outcome         TEXT NOT NULL DEFAULT '',  -- 'verdict' or 'no_answer' once done
  active          INTEGER,                -- the verdict, with outcome 'verdict'
  document_state  TEXT,
  situation       INTEGER,
  changed         INTEGER NOT NULL DEFAULT 0,
  source          TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX ine_rechecks_one_pending ON ine_rechecks(session_id) WHERE state = 'pending';
CREATE INDEX ine_rechecks_due ON ine_rechecks(next_run_at) WHERE state = 'pending';
CREATE INDEX ine_rechecks_by_session ON ine_rechecks(session_id, requested_at);
)sql"},
    // The verification page's unreadable card-back photos per session (page.max_tries),
    // counted in the database so that every node serving the page counts the same tries.
    Migration{10, R"sql(
CREATE TABLE page_tries (
  session_id         TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
  unreadable_photos  INTEGER NOT NULL
) WITHOUT ROWID;
)sql"},
    // CURP checks (issue 16): which checks an integration's sessions get, the CURP and
    // INE+CURP webhook URLs, CURP results, and the local RENAPO snapshot, keyed by the
    // CURP's keyed hash (HMAC-SHA256 under a key derived from the master key), never the
    // CURP itself. With each result, what the decision payload reports of its answer
    // (the vendor's message code, the upstream's answer time or the snapshot's date), and
    // each local snapshot's import date.
    Migration{11, R"sql(
ALTER TABLE integrations ADD COLUMN registry_checks TEXT NOT NULL DEFAULT 'ine';
ALTER TABLE integrations ADD COLUMN curp_webhook_url TEXT NOT NULL DEFAULT '';
ALTER TABLE integrations ADD COLUMN ine_curp_webhook_url TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN registry_checks TEXT NOT NULL DEFAULT 'ine';
CREATE TABLE curp_results (
  session_id  TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
  status        INTEGER NOT NULL,          -- ine::CurpStatus id; 0 = not found (statusCurp null)
  checked_at    INTEGER NOT NULL,
  source        TEXT NOT NULL DEFAULT '',
  message_code  INTEGER,
  answered_at   INTEGER,
  snapshot_at   INTEGER
);
ALTER TABLE ine_results ADD COLUMN message_code INTEGER;
ALTER TABLE ine_results ADD COLUMN answered_at INTEGER;
ALTER TABLE ine_results ADD COLUMN snapshot_at INTEGER;
CREATE TABLE registry_snapshots (
  name         TEXT PRIMARY KEY,          -- store::kIneSnapshot, kCurpSnapshot
  imported_at  INTEGER NOT NULL
);
CREATE TABLE curp_registry_entries (
  curp_hash  TEXT PRIMARY KEY,
  status     INTEGER NOT NULL
) WITHOUT ROWID;
)sql"},
    // The cluster's re-check pace (checks::RecheckPace): one row holding the token
    // bucket's state, taken in the transaction that claims re-checks, so that every node
    // on the database starts re-checks from the same bucket.
    Migration{12, R"sql(
CREATE TABLE recheck_pace (
  id               INTEGER PRIMARY KEY CHECK (id = 1),
  allowed_from_us  INTEGER NOT NULL      -- checks::LookupPace's state, microseconds since the epoch
);
INSERT INTO recheck_pace(id, allowed_from_us) VALUES (1, 0);
)sql"},
    // Personal data sealed at rest (issue 15): each session's data key, sealed under a
    // key derived from the master key named by key_id (auth::KeyRing). The session's
    // personal columns, media bytes, queued webhook bodies and registry answers are sealed
    // under it; deleting this row (DELETE, retention) shreds them all.
    Migration{13, R"sql(
CREATE TABLE session_keys (
  session_id  TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
  key_id      TEXT NOT NULL,              -- auth::master_key_id of the master key that sealed it
  sealed_key  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX session_keys_by_key_id ON session_keys(key_id, session_id);
)sql"},
    // Retention (issue 15, item 3): per integration, how long personal data is kept after
    // the decision and delivered webhook rows after delivery (0 = kept); when a session's
    // personal data was purged (its audit line; the decision stays); what was purged
    // per integration, and the cluster's last sweep.
    Migration{14, R"sql(
ALTER TABLE integrations ADD COLUMN retention_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE integrations ADD COLUMN delivered_webhook_retention_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN purged_at INTEGER;
CREATE INDEX sessions_unpurged_by_decided ON sessions(integration_id, decided_at)
  WHERE purged_at IS NULL AND decided_at IS NOT NULL;
CREATE INDEX webhook_deliveries_delivered ON webhook_deliveries(integration_id, delivered_at)
  WHERE state = 'delivered';
CREATE TABLE retention_counts (
  integration_id   TEXT PRIMARY KEY REFERENCES integrations(id),
  sessions_purged  INTEGER NOT NULL DEFAULT 0,
  webhooks_pruned  INTEGER NOT NULL DEFAULT 0,
  last_purged_at   INTEGER,
  last_pruned_at   INTEGER
);
CREATE TABLE retention_runs (
  id               INTEGER PRIMARY KEY CHECK (id = 1),
  ran_at           INTEGER NOT NULL,
  sessions_purged  INTEGER NOT NULL,
  webhooks_pruned  INTEGER NOT NULL
);
)sql"},
    // The INE registry as snapshot files (issue 14): the active file of a local snapshot
    // and the one it replaced, for a rollback. The files hold keyed hashes only; the
    // legacy registry_entries table (identifiers in clear) is emptied by the first
    // import of a file.
    Migration{15, R"sql(
ALTER TABLE registry_snapshots ADD COLUMN file TEXT;
ALTER TABLE registry_snapshots ADD COLUMN row_count INTEGER;
ALTER TABLE registry_snapshots ADD COLUMN source_sha256 TEXT;
ALTER TABLE registry_snapshots ADD COLUMN previous_file TEXT;
ALTER TABLE registry_snapshots ADD COLUMN previous_row_count INTEGER;
ALTER TABLE registry_snapshots ADD COLUMN previous_imported_at INTEGER;
ALTER TABLE registry_snapshots ADD COLUMN previous_sha256 TEXT;
)sql"},
    // The key a local snapshot was made under (its keyed hashes'), so that after a
    // master key rotation a snapshot of the old key answers unavailable, never "not found".
    Migration{16, R"sql(
ALTER TABLE registry_snapshots ADD COLUMN key_id TEXT;
)sql"},
    // Which session each deletion removed: every node's result cache reads the recent
    // ones (Store::sessions_deleted_since), so another node's DELETE is seen in about a
    // second without re-reading every cached result from the store.
    Migration{17, R"sql(
ALTER TABLE session_deletions ADD COLUMN session_id TEXT;
CREATE INDEX session_deletions_by_time ON session_deletions(deleted_at);
)sql"},
    // Creates wrote three B-trees in random places (session ids are random): the
    // sessions' id index and session_keys twice. No query used session_keys_by_key_id
    // (`keys rotate` pages through the primary key and skips the keys already under the
    // current master key). And session_keys, WITHOUT ROWID, kept its ~250-byte rows in
    // session-id order, ~16 to a page: as a rowid table its rows are appended and only
    // its id index (~45 bytes an entry) takes a random place, so a create dirties fewer
    // and more cacheable pages, and each checkpoint copies fewer (bench/README.md,
    // "Writes: CPU per write").
    Migration{18, R"sql(
DROP INDEX session_keys_by_key_id;
CREATE TABLE session_keys_appended (
  session_id  TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
  key_id      TEXT NOT NULL,              -- auth::master_key_id of the master key that sealed it
  sealed_key  TEXT NOT NULL
);
INSERT INTO session_keys_appended(session_id, key_id, sealed_key)
  SELECT session_id, key_id, sealed_key FROM session_keys;
DROP TABLE session_keys;
ALTER TABLE session_keys_appended RENAME TO session_keys;
)sql"},
};

// The schema version this build needs: its newest migration.
inline constexpr int kSchemaVersion = kMigrations.back().version;

inline constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)";
inline constexpr std::string_view kSelectAppliedVersion = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
inline constexpr std::string_view kMigrationsTableExists =
    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";
inline constexpr std::string_view kInsertMigration = "INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)";

// Every write transaction. IMMEDIATE takes the database's write lock at BEGIN: the
// transaction excludes every other writer (thread or process) from its first read, and
// never fails to upgrade a read lock later.
inline constexpr std::string_view kBeginImmediate = "BEGIN IMMEDIATE";

inline constexpr std::string_view kInsertIntegration =
    "INSERT INTO integrations(id, name, api_key, active, created_at) VALUES (?, ?, ?, ?, ?)";
inline constexpr std::string_view kInsertSecret =
    "INSERT INTO integration_secrets(integration_id, sealed_secret, created_at) VALUES (?, ?, ?)";
inline constexpr std::string_view kSelectIntegrationByApiKey =
    "SELECT id, name, api_key, active, created_at, recheck_interval_ms, registry_checks, retention_ms, "
    "delivered_webhook_retention_ms FROM integrations WHERE api_key = ?";
inline constexpr std::string_view kSelectIntegrationById =
    "SELECT id, name, api_key, active, created_at, recheck_interval_ms, registry_checks, retention_ms, "
    "delivered_webhook_retention_ms FROM integrations WHERE id = ?";
inline constexpr std::string_view kSelectIntegrations =
    "SELECT id, name, api_key, active, created_at, recheck_interval_ms, registry_checks, retention_ms, "
    "delivered_webhook_retention_ms FROM integrations ORDER BY created_at, id";
inline constexpr std::string_view kSelectActiveSecrets =
    "SELECT id, sealed_secret, created_at FROM integration_secrets "
    "WHERE integration_id = ? AND revoked_at IS NULL ORDER BY id DESC";
inline constexpr std::string_view kRevokeOlderSecrets =
    "UPDATE integration_secrets SET revoked_at = ? WHERE integration_id = ? AND revoked_at IS NULL "
    "AND id < (SELECT MAX(id) FROM integration_secrets WHERE integration_id = ? AND revoked_at IS NULL)";
inline constexpr std::string_view kSetIntegrationActive = "UPDATE integrations SET active = ? WHERE id = ?";
inline constexpr std::string_view kSetIntegrationRegistryChecks =
    "UPDATE integrations SET registry_checks = ? WHERE id = ?";
inline constexpr std::string_view kSelectCorsOrigins =
    "SELECT origin FROM integration_cors_origins WHERE integration_id = ? ORDER BY origin";
inline constexpr std::string_view kDeleteCorsOrigins = "DELETE FROM integration_cors_origins WHERE integration_id = ?";
inline constexpr std::string_view kInsertCorsOrigin =
    "INSERT OR IGNORE INTO integration_cors_origins(integration_id, origin) VALUES (?, ?)";
inline constexpr std::string_view kSelectAllowedCorsOrigins =
    "SELECT DISTINCT o.origin FROM integration_cors_origins o JOIN integrations i ON i.id = o.integration_id "
    "WHERE i.active = 1 ORDER BY o.origin";
inline constexpr std::string_view kIntegrationExists = "SELECT 1 FROM integrations WHERE id = ?";

inline constexpr std::string_view kInsertSession =
    "INSERT INTO sessions(id, integration_id, status, attempt_id, vendor_data, end_user_id, callback, person_json, "
    "document_json, ine_document, cic, citizen_id, ocr, elector_key, emission_number, curp, created_at, "
    "registry_checks) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
inline constexpr std::string_view kSelectSession =
    "SELECT id, integration_id, status, attempt_id, vendor_data, end_user_id, callback, person_json, document_json, "
    "ine_document, cic, citizen_id, ocr, elector_key, emission_number, curp, created_at, submitted_at, decided_at, "
    "decision_reason, registry_checks FROM sessions WHERE id = ?";
// The session workflow's compare-and-set: the lifecycle columns, only while the status
// is still the expected one (the last parameter).
inline constexpr std::string_view kUpdateSessionLifecycle =
    "UPDATE sessions SET status = ?, attempt_id = ?, submitted_at = ?, decided_at = ?, decision_reason = ? "
    "WHERE id = ? AND status = ?";
// The expiry sweep's candidates, through the partial index sessions_undecided_by_created.
inline constexpr std::string_view kSelectSessionsCreatedBefore =
    "SELECT id, integration_id, status, attempt_id, vendor_data, end_user_id, callback, person_json, document_json, "
    "ine_document, cic, citizen_id, ocr, elector_key, emission_number, curp, created_at, submitted_at, decided_at, "
    "decision_reason, registry_checks FROM sessions WHERE submitted_at IS NULL AND decided_at IS NULL AND status IN "
    "(?, ?) "
    "AND created_at <= ? ORDER BY created_at LIMIT ?";
inline constexpr std::string_view kDeleteOwnedSession = "DELETE FROM sessions WHERE id = ? AND integration_id = ?";
inline constexpr std::string_view kPruneSessionDeletions =
    "DELETE FROM session_deletions WHERE integration_id = ? AND deleted_at <= ?";
// The most recent deletions inside a window (parameters: integration, window start,
// how many): when there are as many as the limit, the window is full until the oldest
// of them leaves it.
inline constexpr std::string_view kSelectRecentDeletions =
    "SELECT deleted_at FROM session_deletions WHERE integration_id = ? AND deleted_at > ? "
    "ORDER BY deleted_at DESC LIMIT ?";
inline constexpr std::string_view kInsertSessionDeletion =
    "INSERT INTO session_deletions(integration_id, session_id, deleted_at) VALUES (?, ?, ?)";
inline constexpr std::string_view kSelectSessionsDeletedSince =
    "SELECT session_id FROM session_deletions WHERE deleted_at >= ? AND session_id IS NOT NULL";

inline constexpr std::string_view kSelectIneAnswer =
    "SELECT s.integration_id, s.status, r.active, r.document_state, r.situation, r.checked_at, r.source, "
    "s.registry_checks "
    "FROM sessions s LEFT JOIN ine_results r ON r.session_id = s.id WHERE s.id = ?";
inline constexpr std::string_view kInsertIneResult =
    "INSERT INTO ine_results(session_id, active, document_state, situation, checked_at, source, sealed_answer, "
    "message_code, answered_at, snapshot_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
inline constexpr std::string_view kSelectRegistryAnswer =
    "SELECT source, sealed_answer, checked_at FROM ine_results WHERE session_id = ?";

// CURP checks (migration 11). The results' columns as rows::check_results reads them.
inline constexpr std::string_view kSelectCheckAnswer =
    "SELECT s.integration_id, s.status, s.registry_checks, s.curp, "
    "r.active, r.document_state, r.situation, r.checked_at, r.source, r.message_code, r.answered_at, r.snapshot_at, "
    "c.status, c.checked_at, c.source, c.message_code, c.answered_at, c.snapshot_at FROM sessions s LEFT JOIN "
    "ine_results r ON r.session_id = s.id "
    "LEFT JOIN curp_results c ON c.session_id = s.id WHERE s.id = ?";
inline constexpr std::string_view kSelectCheckResults =
    "SELECT s.id, "
    "r.active, r.document_state, r.situation, r.checked_at, r.source, r.message_code, r.answered_at, r.snapshot_at, "
    "c.status, c.checked_at, c.source, c.message_code, c.answered_at, c.snapshot_at FROM sessions s "
    "LEFT JOIN ine_results r ON r.session_id = s.id LEFT JOIN curp_results c ON c.session_id = s.id WHERE s.id = ?";
inline constexpr std::string_view kInsertCurpResult =
    "INSERT INTO curp_results(session_id, status, checked_at, source, message_code, answered_at, snapshot_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)";
inline constexpr std::string_view kUpsertSnapshotDate =
    "INSERT INTO registry_snapshots(name, imported_at) VALUES (?, ?) "
    "ON CONFLICT(name) DO UPDATE SET imported_at = excluded.imported_at";
inline constexpr std::string_view kSelectSnapshotDate = "SELECT imported_at FROM registry_snapshots WHERE name = ?";
inline constexpr std::string_view kUpdateSnapshotKeyId = "UPDATE registry_snapshots SET key_id = ? WHERE name = ?";
inline constexpr std::string_view kSelectSnapshotKeyId = "SELECT key_id FROM registry_snapshots WHERE name = ?";
// Snapshot files (migration 15). Activation keeps the replaced file as previous; a
// rollback swaps the two. The right-hand sides read the row as it was before the update.
inline constexpr std::string_view kSelectRegistrySnapshot =
    "SELECT file, row_count, imported_at, source_sha256, previous_file, previous_row_count, previous_imported_at, "
    "previous_sha256 FROM registry_snapshots WHERE name = ?";
inline constexpr std::string_view kActivateRegistrySnapshot =
    "INSERT INTO registry_snapshots(name, imported_at, file, row_count, source_sha256) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (name) DO UPDATE SET previous_file = registry_snapshots.file, "
    "previous_row_count = registry_snapshots.row_count, previous_imported_at = registry_snapshots.imported_at, "
    "previous_sha256 = registry_snapshots.source_sha256, imported_at = excluded.imported_at, file = excluded.file, "
    "row_count = excluded.row_count, source_sha256 = excluded.source_sha256";
inline constexpr std::string_view kRollbackRegistrySnapshot =
    "UPDATE registry_snapshots SET file = previous_file, row_count = previous_row_count, "
    "imported_at = previous_imported_at, source_sha256 = previous_sha256, previous_file = file, "
    "previous_row_count = row_count, previous_imported_at = imported_at, previous_sha256 = source_sha256 "
    "WHERE name = ? AND previous_file IS NOT NULL";
inline constexpr std::string_view kDeleteRegistryEntries = "DELETE FROM registry_entries";
inline constexpr std::string_view kUpsertCurpRegistryEntry =
    "INSERT INTO curp_registry_entries(curp_hash, status) VALUES (?, ?) "
    "ON CONFLICT(curp_hash) DO UPDATE SET status = excluded.status";
inline constexpr std::string_view kSelectCurpRegistryStatus =
    "SELECT status FROM curp_registry_entries WHERE curp_hash = ?";
inline constexpr std::string_view kCountCurpRegistryEntries = "SELECT COUNT(*) FROM curp_registry_entries";

// Unclaimed: lease_owner NULL, lease_until 0, attempts 0. Claimed: the claim's values.
inline constexpr std::string_view kInsertCheckJob =
    "INSERT INTO check_jobs(session_id, state, next_run_at, read_document, lease_owner, lease_until, attempts) "
    "VALUES (?, 'pending', ?, ?, ?, ?, ?)";
// A claimed job's credential, the checks its session gets, and whether each already has
// a result (a job retried after one of two checks answered asks only the other). Only a
// session getting both checks can have one (the other kinds finish their job with their
// one result: SessionWorkflow::complete_checks), so only those are looked for, as in
// PostgreSQL's claim.
inline constexpr std::string_view kSelectCheckCredential =
    "SELECT cic, citizen_id, ocr, elector_key, emission_number, curp, registry_checks, "
    "CASE WHEN registry_checks = 'both' "
    "THEN EXISTS (SELECT 1 FROM ine_results r WHERE r.session_id = sessions.id) ELSE 0 END, "
    "CASE WHEN registry_checks = 'both' "
    "THEN EXISTS (SELECT 1 FROM curp_results c WHERE c.session_id = sessions.id) ELSE 0 END "
    "FROM sessions WHERE id = ?";
inline constexpr std::string_view kCountPendingChecks = "SELECT COUNT(*) FROM check_jobs WHERE state = 'pending'";

// The check pipeline's batch forms. A claim is named by its owner and attempt count:
// the guard of the finishing statements, so that only the current claim of a job can
// finish it (not an older claim by the same owner whose lease expired and was retaken).
// A claim also moves the job's next run to the end of its lease: claims then find due
// jobs by next_run_at alone instead of passing over every job in flight (25,000 at a real
// registry's latency, each a row to visit per claim), and a job whose claimer died is due
// again when its lease ends, as before. Numbered parameters: ?2 is the lease's end.
inline constexpr std::string_view kClaimChecks =
    "UPDATE check_jobs SET lease_owner = ?1, lease_until = ?2, next_run_at = ?2, attempts = attempts + 1 "
    "WHERE session_id IN (SELECT session_id FROM check_jobs WHERE state = 'pending' AND next_run_at <= ?3 "
    "AND lease_until <= ?3 ORDER BY next_run_at LIMIT ?4) RETURNING session_id, attempts, read_document";
inline constexpr std::string_view kFinishClaimedCheck =
    "UPDATE check_jobs SET state = 'done', lease_owner = NULL, lease_until = 0 "
    "WHERE session_id = ? AND state = 'pending' AND lease_owner = ? AND attempts = ?";
inline constexpr std::string_view kRetryClaimedCheck =
    "UPDATE check_jobs SET next_run_at = ?, lease_owner = NULL, lease_until = 0 "
    "WHERE session_id = ? AND state = 'pending' AND lease_owner = ? AND attempts = ?";

inline constexpr std::string_view kUpsertRegistryEntry =
    "INSERT INTO registry_entries(lookup_key, model, situation) VALUES (?, ?, ?) "
    "ON CONFLICT(lookup_key) DO UPDATE SET model = excluded.model, situation = excluded.situation";
inline constexpr std::string_view kSelectRegistrySituation =
    "SELECT situation FROM registry_entries WHERE lookup_key = ?";
inline constexpr std::string_view kCountRegistryEntries = "SELECT COUNT(*) FROM registry_entries";

// Session lifecycle and the webhook outbox (migration 2).
inline constexpr std::string_view kSetIntegrationWebhooks =
    "UPDATE integrations SET decision_webhook_url = ?, event_webhook_url = ?, ine_webhook_url = ?, "
    "curp_webhook_url = ?, ine_curp_webhook_url = ? WHERE id = ?";
inline constexpr std::string_view kSelectIntegrationWebhooks =
    "SELECT decision_webhook_url, event_webhook_url, ine_webhook_url, curp_webhook_url, ine_curp_webhook_url "
    "FROM integrations WHERE id = ?";
inline constexpr std::string_view kInsertDelivery =
    "INSERT INTO webhook_deliveries(integration_id, session_id, kind, url, body, state, next_attempt_at, created_at, "
    "redelivery_of) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?) RETURNING id";
inline constexpr std::string_view kEraseFinishedDeliveryBodies =
    "UPDATE webhook_deliveries SET body = '' WHERE session_id = ? AND state <> 'pending'";
inline constexpr std::string_view kClaimDeliveries =
    "UPDATE webhook_deliveries SET lease_owner = ?, lease_until = ?, attempts = attempts + 1 "
    "WHERE id IN (SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= ? "
    "AND lease_until <= ? ORDER BY next_attempt_at LIMIT ?) RETURNING id";
inline constexpr std::string_view kSelectClaimedDelivery =
    "SELECT d.id, d.integration_id, i.api_key, d.session_id, d.kind, d.url, d.body, d.attempts, d.created_at "
    "FROM webhook_deliveries d JOIN integrations i ON i.id = d.integration_id WHERE d.id = ?";
inline constexpr std::string_view kFinishDeliveryAttempt =
    "UPDATE webhook_deliveries SET state = ?1, next_attempt_at = ?2, last_status = ?3, last_error = ?4, "
    "delivered_at = COALESCE(?5, delivered_at), lease_owner = NULL, lease_until = 0, "
    "body = CASE WHEN ?1 <> 'pending' AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = "
    "webhook_deliveries.session_id AND s.purged_at IS NULL) THEN '' ELSE body END "
    "WHERE id = ?6 AND state = 'pending' AND lease_owner = ?7";
inline constexpr std::string_view kInsertDeliveryAttempt =
    "INSERT INTO webhook_attempts(delivery_id, attempted_at, http_status, error, duration_ms) VALUES (?, ?, ?, ?, ?)";
inline constexpr std::string_view kListDeliveries =
    "SELECT id, integration_id, session_id, kind, url, state, attempts, next_attempt_at, last_status, last_error, "
    "created_at, delivered_at, redelivery_of, length(CAST(body AS BLOB)) FROM webhook_deliveries "
    "WHERE (?1 IS NULL OR session_id = ?1) AND (?2 IS NULL OR state = ?2) ORDER BY id DESC LIMIT ?3";
inline constexpr std::string_view kSelectDeliveryAttempts =
    "SELECT attempted_at, http_status, error, duration_ms FROM webhook_attempts WHERE delivery_id = ? ORDER BY id";
inline constexpr std::string_view kSelectDelivery =
    "SELECT integration_id, session_id, kind, body FROM webhook_deliveries WHERE id = ?";
inline constexpr std::string_view kCountPendingDeliveries =
    "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending'";

inline constexpr std::string_view kSelectSessionMediaUsage =
    "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM media WHERE session_id = ?";
inline constexpr std::string_view kInsertMedia =
    "INSERT INTO media(id, session_id, context, mimetype, size, sha256, created_at, bytes) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
inline constexpr std::string_view kDeleteSessionMediaOfContext =
    "DELETE FROM media WHERE session_id = ? AND context = ?";
inline constexpr std::string_view kSelectSessionMedia =
    "SELECT id, session_id, context, mimetype, size, sha256, created_at FROM media WHERE session_id = ? ORDER BY seq";
inline constexpr std::string_view kSelectMediaFile =
    "SELECT m.id, m.session_id, m.context, m.mimetype, m.size, m.sha256, m.created_at, s.integration_id, m.bytes "
    "FROM media m JOIN sessions s ON s.id = m.session_id WHERE m.id = ?";
inline constexpr std::string_view kSelectMediaForReading =
    "SELECT m.id, m.session_id, m.context, m.mimetype, m.size, m.sha256, m.created_at, s.integration_id, m.bytes "
    "FROM media m JOIN sessions s ON s.id = m.session_id "
    "WHERE m.session_id = ? AND m.context LIKE 'document-%' AND m.context <> 'document-front-face-cropped' "
    "AND m.mimetype IN ('image/jpeg', 'image/png', 'image/webp') "
    "ORDER BY CASE WHEN m.context LIKE 'document-back%' THEN 0 ELSE 1 END, m.seq DESC";

// The verification page's tries (migration 10).
inline constexpr std::string_view kCountUnreadablePhoto =
    "INSERT INTO page_tries(session_id, unreadable_photos) VALUES (?, 1) ON CONFLICT(session_id) "
    "DO UPDATE SET unreadable_photos = unreadable_photos + 1 RETURNING unreadable_photos";
inline constexpr std::string_view kDeleteUnreadablePhotos = "DELETE FROM page_tries WHERE session_id = ?";

// Reading the credential from the card (migration 5). The media filter is
// kSelectMediaForReading's.
inline constexpr std::string_view kSessionHasReadableDocument =
    "SELECT 1 FROM media WHERE session_id = ? AND context LIKE 'document-%' "
    "AND context <> 'document-front-face-cropped' AND mimetype IN ('image/jpeg', 'image/png', 'image/webp') LIMIT 1";
// Under the claim's guard: nothing left to read, lease released, due at once.
inline constexpr std::string_view kReleaseReadCheck =
    "UPDATE check_jobs SET read_document = 0, next_run_at = ?, lease_owner = NULL, lease_until = 0 "
    "WHERE session_id = ? AND state = 'pending' AND lease_owner = ? AND attempts = ?";
inline constexpr std::string_view kSetSessionCredential =
    "UPDATE sessions SET cic = ?, citizen_id = ?, ocr = ?, elector_key = ?, emission_number = ?, curp = ? "
    "WHERE id = ?";

// Re-checks (migration 9).
inline constexpr std::string_view kSetIntegrationRecheckInterval =
    "UPDATE integrations SET recheck_interval_ms = ? WHERE id = ?";
// ?1 session, ?2 integration, ?3 decided before, ?4 checked at or before (each NULL = any),
// ?5 after this session id, ?6 limit.
inline constexpr std::string_view kSelectRecheckCandidates =
    "SELECT r.session_id FROM ine_results r JOIN sessions s ON s.id = r.session_id "
    "WHERE (?1 IS NULL OR r.session_id = ?1) AND (?2 IS NULL OR s.integration_id = ?2) "
    "AND (?3 IS NULL OR s.decided_at < ?3) "
    "AND (?4 IS NULL OR (r.checked_at <= ?4 AND NOT EXISTS (SELECT 1 FROM ine_rechecks h "
    "WHERE h.session_id = r.session_id AND (h.state = 'pending' OR h.requested_at > ?4)))) "
    "AND s.purged_at IS NULL AND r.session_id > ?5 ORDER BY r.session_id LIMIT ?6";
inline constexpr std::string_view kInsertRecheck =
    "INSERT INTO ine_rechecks(session_id, requested_by, requested_at, state, next_run_at) "
    "VALUES (?1, ?2, ?3, 'pending', ?3) ON CONFLICT(session_id) WHERE state = 'pending' "
    "DO UPDATE SET next_run_at = MIN(next_run_at, excluded.next_run_at)";
inline constexpr std::string_view kSelectRecheckBaseline =
    "SELECT r.session_id, r.active, r.document_state, r.situation, r.checked_at, "
    "h.active, h.document_state, h.situation, h.checked_at FROM ine_results r "
    "LEFT JOIN ine_rechecks h ON h.id = (SELECT MAX(id) FROM ine_rechecks WHERE session_id = r.session_id "
    "AND outcome = 'verdict') WHERE r.session_id = ?";
// As kClaimChecks (the next run moved to the lease's end).
inline constexpr std::string_view kClaimRechecks =
    "UPDATE ine_rechecks SET lease_owner = ?1, lease_until = ?2, next_run_at = ?2, attempts = attempts + 1 "
    "WHERE id IN (SELECT id FROM ine_rechecks WHERE state = 'pending' AND next_run_at <= ?3 "
    "AND lease_until <= ?3 ORDER BY next_run_at LIMIT ?4) RETURNING id, session_id, attempts";
// Inside the claim's write transaction, which already excludes every other writer.
inline constexpr std::string_view kSelectRecheckPace = "SELECT allowed_from_us FROM recheck_pace WHERE id = 1";
inline constexpr std::string_view kUpdateRecheckPace = "UPDATE recheck_pace SET allowed_from_us = ? WHERE id = 1";
inline constexpr std::string_view kFinishClaimedRecheck =
    "UPDATE ine_rechecks SET state = 'done', lease_owner = NULL, lease_until = 0, checked_at = ?, outcome = ?, "
    "active = ?, document_state = ?, situation = ?, changed = ?, source = ? "
    "WHERE id = ? AND state = 'pending' AND lease_owner = ? AND attempts = ?";
inline constexpr std::string_view kRetryClaimedRecheck =
    "UPDATE ine_rechecks SET next_run_at = ?, lease_owner = NULL, lease_until = 0 "
    "WHERE id = ? AND state = 'pending' AND lease_owner = ? AND attempts = ?";
inline constexpr std::string_view kSelectSessionRechecks =
    "SELECT id, session_id, requested_by, requested_at, checked_at, outcome, active, document_state, situation, "
    "changed, source FROM ine_rechecks WHERE session_id = ? ORDER BY requested_at, id";

// Data keys (migration 13).
inline constexpr std::string_view kInsertSessionKey =
    "INSERT INTO session_keys(session_id, key_id, sealed_key) VALUES (?, ?, ?)";
inline constexpr std::string_view kSelectSessionKey =
    "SELECT session_id, key_id, sealed_key FROM session_keys WHERE session_id = ?";
inline constexpr std::string_view kDeleteSessionKey = "DELETE FROM session_keys WHERE session_id = ?";
inline constexpr std::string_view kResealSessionKey =
    "UPDATE session_keys SET key_id = ?, sealed_key = ? WHERE session_id = ? AND key_id = ?";
inline constexpr std::string_view kListSessionKeysNotUnder =
    "SELECT session_id, key_id, sealed_key FROM session_keys WHERE key_id <> ? AND session_id > ? "
    "ORDER BY session_id LIMIT ?";
inline constexpr std::string_view kSelectAllSecrets =
    "SELECT id, sealed_secret, created_at FROM integration_secrets ORDER BY id";
inline constexpr std::string_view kResealSecret =
    "UPDATE integration_secrets SET sealed_secret = ? WHERE id = ? AND sealed_secret = ?";
// Retention (migration 14). Inside a write transaction (BEGIN IMMEDIATE), which already
// excludes every other writer: nodes on one SQLite file take turns.
inline constexpr std::string_view kSetIntegrationRetention =
    "UPDATE integrations SET retention_ms = ?, delivered_webhook_retention_ms = ? WHERE id = ?";
inline constexpr std::string_view kSelectSessionsToPurge =
    "SELECT id FROM sessions WHERE integration_id = ? AND purged_at IS NULL AND decided_at IS NOT NULL "
    "AND decided_at <= ? ORDER BY decided_at LIMIT ?";
// The personal data of a session, each statement of purge_personal_data in turn; the
// first marks it purged (and says whether there was anything to purge).
inline constexpr std::string_view kPurgeSessionColumns =
    "UPDATE sessions SET vendor_data = NULL, end_user_id = NULL, person_json = '{}', document_json = '{}', cic = '', "
    "citizen_id = '', ocr = '', elector_key = '', emission_number = '', curp = '', purged_at = ? "
    "WHERE id = ? AND purged_at IS NULL";
inline constexpr std::string_view kPurgeSessionMedia = "DELETE FROM media WHERE session_id = ?";
inline constexpr std::string_view kPurgeSessionAnswers =
    "UPDATE ine_results SET sealed_answer = '' WHERE session_id = ? AND sealed_answer <> ''";
inline constexpr std::string_view kPurgePendingRechecks =
    "DELETE FROM ine_rechecks WHERE session_id = ? AND state = 'pending'";
inline constexpr std::string_view kSelectDeliveredToPrune =
    "SELECT id FROM webhook_deliveries WHERE integration_id = ? AND state = 'delivered' AND delivered_at <= ? "
    "ORDER BY delivered_at LIMIT ?";
inline constexpr std::string_view kDeleteDeliveryAttempts = "DELETE FROM webhook_attempts WHERE delivery_id = ?";
inline constexpr std::string_view kForgetRedeliveryOf =
    "UPDATE webhook_deliveries SET redelivery_of = NULL WHERE redelivery_of = ?";
inline constexpr std::string_view kDeleteDelivery = "DELETE FROM webhook_deliveries WHERE id = ?";
inline constexpr std::string_view kCountRetention =
    "INSERT INTO retention_counts(integration_id, sessions_purged, webhooks_pruned, last_purged_at, last_pruned_at) "
    "VALUES (?1, ?2, ?3, CASE WHEN ?2 > 0 THEN ?4 END, CASE WHEN ?3 > 0 THEN ?4 END) "
    "ON CONFLICT(integration_id) DO UPDATE SET sessions_purged = sessions_purged + excluded.sessions_purged, "
    "webhooks_pruned = webhooks_pruned + excluded.webhooks_pruned, "
    "last_purged_at = COALESCE(excluded.last_purged_at, last_purged_at), "
    "last_pruned_at = COALESCE(excluded.last_pruned_at, last_pruned_at)";
inline constexpr std::string_view kSelectRetentionCounts =
    "SELECT integration_id, sessions_purged, webhooks_pruned, last_purged_at, last_pruned_at FROM retention_counts "
    "ORDER BY integration_id";
inline constexpr std::string_view kSelectRetentionRun =
    "SELECT ran_at, sessions_purged, webhooks_pruned FROM retention_runs WHERE id = 1";
inline constexpr std::string_view kUpsertRetentionRun =
    "INSERT INTO retention_runs(id, ran_at, sessions_purged, webhooks_pruned) VALUES (1, ?, ?, ?) "
    "ON CONFLICT(id) DO UPDATE SET ran_at = excluded.ran_at, sessions_purged = excluded.sessions_purged, "
    "webhooks_pruned = excluded.webhooks_pruned";

}  // namespace inereg::store::sqlite::sql
