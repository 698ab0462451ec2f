#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

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

  // Sessions ---------------------------------------------------------------------
  virtual void insert_session(const Session& session) = 0;
  virtual std::optional<Session> find_session(std::string_view session_id) = 0;
  // created/started -> submitted. With `enqueue_check` a registry check job is queued
  // in the same transaction; without it the session is decided at once as
  // `decision_status_without_check`.
  virtual SubmitOutcome submit_session(std::string_view session_id, std::string_view attempt_id, bool enqueue_check,
                                       std::string_view decision_status_without_check, TimeMs now) = 0;
  // Removes the session with its personal data, result and job. False if unknown.
  virtual bool delete_session(std::string_view session_id) = 0;
  // The session's owner, status and result (if any) in one read: the hot path.
  virtual std::optional<IneAnswer> find_ine_answer(std::string_view session_id) = 0;

  // Check jobs -------------------------------------------------------------------
  // Claims one due job whose lease is free or expired, leasing it to `owner`.
  virtual std::optional<ClaimedCheck> claim_check(std::string_view owner, TimeMs now, TimeMs lease_ms) = 0;
  // Records the result and decides the session, only if `owner` still holds the lease
  // and the job is pending: this is what makes a check complete exactly once.
  virtual bool complete_check(std::string_view session_id, std::string_view owner, const IneResult& result,
                              std::string_view decision_status, TimeMs now) = 0;
  // Releases the lease and schedules another attempt at `next_run_at`.
  virtual void retry_check(std::string_view session_id, std::string_view owner, TimeMs next_run_at) = 0;
  virtual std::int64_t pending_check_count() = 0;

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
// with the given migration policy. Throws StoreError for an unknown scheme, a failed
// migration, or (kRequireCurrent) a schema that is behind.
std::unique_ptr<Store> open_store(std::string_view url, Migrations migrations = Migrations::kApply);

// The policy of `serve` and the admin commands for `url`. The embedded SQLite file has
// one owner, which migrates it at open: a single-process default just works. A shared
// PostgreSQL database is migrated only by `inereg migrate`, run once before a rollout,
// so that no node (or an operator's newer binary) changes the schema under the others.
Migrations startup_migrations(std::string_view url);

}  // namespace inereg::store
