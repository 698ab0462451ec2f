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
};

// The schema version this build needs: its newest migration.
inline constexpr int kSchemaVersion = kMigrations.back().version;

inline constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)";
inline constexpr std::string_view kSelectAppliedVersion = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
inline constexpr std::string_view kMigrationsTableExists =
    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";
inline constexpr std::string_view kInsertMigration = "INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)";

inline constexpr std::string_view kInsertIntegration =
    "INSERT INTO integrations(id, name, api_key, active, created_at) VALUES (?, ?, ?, ?, ?)";
inline constexpr std::string_view kInsertSecret =
    "INSERT INTO integration_secrets(integration_id, sealed_secret, created_at) VALUES (?, ?, ?)";
inline constexpr std::string_view kSelectIntegrationByApiKey =
    "SELECT id, name, api_key, active, created_at FROM integrations WHERE api_key = ?";
inline constexpr std::string_view kSelectIntegrationById =
    "SELECT id, name, api_key, active, created_at FROM integrations WHERE id = ?";
inline constexpr std::string_view kSelectIntegrations =
    "SELECT id, name, api_key, active, created_at FROM integrations ORDER BY created_at, id";
inline constexpr std::string_view kSelectActiveSecrets =
    "SELECT id, sealed_secret, created_at FROM integration_secrets "
    "WHERE integration_id = ? AND revoked_at IS NULL ORDER BY id DESC";
inline constexpr std::string_view kRevokeOlderSecrets =
    "UPDATE integration_secrets SET revoked_at = ? WHERE integration_id = ? AND revoked_at IS NULL "
    "AND id < (SELECT MAX(id) FROM integration_secrets WHERE integration_id = ? AND revoked_at IS NULL)";
inline constexpr std::string_view kSetIntegrationActive = "UPDATE integrations SET active = ? WHERE id = ?";

inline constexpr std::string_view kInsertSession =
    "INSERT INTO sessions(id, integration_id, status, attempt_id, vendor_data, end_user_id, callback, person_json, "
    "document_json, ine_document, cic, citizen_id, ocr, elector_key, emission_number, curp, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
inline constexpr std::string_view kSelectSession =
    "SELECT id, integration_id, status, attempt_id, vendor_data, end_user_id, callback, person_json, document_json, "
    "ine_document, cic, citizen_id, ocr, elector_key, emission_number, curp, created_at, submitted_at, decided_at "
    "FROM sessions WHERE id = ?";
inline constexpr std::string_view kSubmitSession =
    "UPDATE sessions SET status = 'submitted', attempt_id = ?, submitted_at = ? "
    "WHERE id = ? AND status IN ('created', 'started')";
inline constexpr std::string_view kDecideSession = "UPDATE sessions SET status = ?, decided_at = ? WHERE id = ?";
inline constexpr std::string_view kSessionExists = "SELECT 1 FROM sessions WHERE id = ?";
inline constexpr std::string_view kDeleteSession = "DELETE FROM sessions WHERE id = ?";

inline constexpr std::string_view kSelectIneAnswer =
    "SELECT s.integration_id, s.status, r.active, r.document_state, r.situation, r.checked_at "
    "FROM sessions s LEFT JOIN ine_results r ON r.session_id = s.id WHERE s.id = ?";
inline constexpr std::string_view kInsertIneResult =
    "INSERT INTO ine_results(session_id, active, document_state, situation, checked_at) VALUES (?, ?, ?, ?, ?)";

inline constexpr std::string_view kInsertCheckJob =
    "INSERT INTO check_jobs(session_id, state, next_run_at) VALUES (?, 'pending', ?)";
inline constexpr std::string_view kClaimCheck =
    "UPDATE check_jobs SET lease_owner = ?, lease_until = ?, attempts = attempts + 1 "
    "WHERE session_id = (SELECT session_id FROM check_jobs WHERE state = 'pending' AND next_run_at <= ? "
    "AND lease_until <= ? ORDER BY next_run_at LIMIT 1) RETURNING session_id, attempts";
inline constexpr std::string_view kSelectCheckCredential =
    "SELECT cic, citizen_id, ocr, elector_key, emission_number, curp FROM sessions WHERE id = ?";
inline constexpr std::string_view kFinishCheck =
    "UPDATE check_jobs SET state = 'done', lease_owner = NULL, lease_until = 0 "
    "WHERE session_id = ? AND state = 'pending' AND lease_owner = ?";
inline constexpr std::string_view kRetryCheck =
    "UPDATE check_jobs SET next_run_at = ?, lease_owner = NULL, lease_until = 0 "
    "WHERE session_id = ? AND state = 'pending' AND lease_owner = ?";
inline constexpr std::string_view kCountPendingChecks = "SELECT COUNT(*) FROM check_jobs WHERE state = 'pending'";

inline constexpr std::string_view kUpsertRegistryEntry =
    "INSERT INTO registry_entries(lookup_key, model, situation) VALUES (?, ?, ?) "
    "ON CONFLICT(lookup_key) DO UPDATE SET model = excluded.model, situation = excluded.situation";
inline constexpr std::string_view kSelectRegistrySituation =
    "SELECT situation FROM registry_entries WHERE lookup_key = ?";
inline constexpr std::string_view kCountRegistryEntries = "SELECT COUNT(*) FROM registry_entries";

// Inside insert_media's BEGIN IMMEDIATE transaction, which already excludes every
// other writer (a concurrent submit included).
inline constexpr std::string_view kSelectSessionStatusForUpload = "SELECT status FROM sessions WHERE id = ?";
inline constexpr std::string_view kSelectSessionMediaUsage =
    "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM media WHERE session_id = ?";
inline constexpr std::string_view kInsertMedia =
    "INSERT INTO media(id, session_id, context, mimetype, size, sha256, created_at, bytes) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
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

}  // namespace inereg::store::sqlite::sql
