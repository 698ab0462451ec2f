#include "store/sqlite/sqlite_store.hpp"

#include <sqlite3.h>

#include <chrono>
#include <mutex>
#include <unordered_map>

#include "store/sqlite/sql.hpp"

namespace inereg::store::sqlite {
namespace {

TimeMs wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// One sqlite3 handle and its prepared-statement cache. Used by one thread at a time.
class Connection {
 public:
  explicit Connection(const std::string& path) {
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw StoreError("cannot open SQLite database: " + message);
    }
    sqlite3_busy_timeout(db_, 10'000);
    // WAL lets readers run beside the single writer. synchronous=FULL: a commit that
    // was acknowledged survives power loss, not only a process crash.
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=FULL");
    exec("PRAGMA foreign_keys=ON");
    // DELETE /v1/sessions removes personal data: overwrite freed pages instead of
    // leaving the bytes in the file.
    exec("PRAGMA secure_delete=ON");
  }
  ~Connection() {
    for (auto& [sql, stmt] : statements_) {
      sqlite3_finalize(stmt);
    }
    sqlite3_close(db_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void exec(std::string_view sql) {
    char* error = nullptr;
    const std::string text(sql);
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      std::string message = error ? error : "unknown error";
      sqlite3_free(error);
      throw StoreError("SQLite: " + message);
    }
  }

  sqlite3_stmt* prepared(std::string_view sql) {
    const auto it = statements_.find(sql.data());
    if (it != statements_.end()) {
      return it->second;
    }
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) !=
        SQLITE_OK) {
      throw StoreError(std::string("SQLite prepare: ") + sqlite3_errmsg(db_));
    }
    statements_.emplace(sql.data(), stmt);
    return stmt;
  }

  int changes() const { return sqlite3_changes(db_); }
  std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  const char* error_message() const { return sqlite3_errmsg(db_); }

 private:
  sqlite3* db_ = nullptr;
  // Keyed by the address of the sql:: constant: each statement text is one object.
  std::unordered_map<const char*, sqlite3_stmt*> statements_;
};

namespace {

// A bound, executing statement; resets itself when it goes out of scope.
class Statement {
 public:
  Statement(Connection& connection, std::string_view sql) : connection_(connection), stmt_(connection.prepared(sql)) {}
  ~Statement() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(std::string_view value) {
    check(sqlite3_bind_text(stmt_, ++index_, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Statement& bind(const char* value) { return bind(std::string_view(value)); }
  Statement& bind(const std::string& value) { return bind(std::string_view(value)); }
  Statement& bind(std::int64_t value) {
    check(sqlite3_bind_int64(stmt_, ++index_, value));
    return *this;
  }
  Statement& bind(int value) { return bind(static_cast<std::int64_t>(value)); }
  // Bound without a copy: `bytes` must outlive the statement's steps (the destructor
  // clears the binding).
  Statement& bind_blob(std::string_view bytes) {
    check(sqlite3_bind_blob64(stmt_, ++index_, bytes.data(), bytes.size(), SQLITE_STATIC));
    return *this;
  }
  Statement& bind(bool value) { return bind(static_cast<std::int64_t>(value ? 1 : 0)); }
  template <typename T>
  Statement& bind(const std::optional<T>& value) {
    if (!value) {
      check(sqlite3_bind_null(stmt_, ++index_));
      return *this;
    }
    return bind(*value);
  }

  // True while a row is available.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
      return true;
    }
    if (rc == SQLITE_DONE) {
      return false;
    }
    throw StoreError(std::string("SQLite step: ") + connection_.error_message());
  }
  void run() {
    while (step()) {
    }
  }

  std::string text(int column) const {
    const auto* p = sqlite3_column_text(stmt_, column);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, column)) : std::string();
  }
  std::optional<std::string> optional_text(int column) const {
    if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) {
      return std::nullopt;
    }
    return text(column);
  }
  std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
  std::string blob(int column) const {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))) : std::string();
  }
  std::optional<std::int64_t> optional_integer(int column) const {
    if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) {
      return std::nullopt;
    }
    return integer(column);
  }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) {
      throw StoreError(std::string("SQLite bind: ") + connection_.error_message());
    }
  }
  Connection& connection_;
  sqlite3_stmt* stmt_;
  int index_ = 0;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back unless committed.
class WriteTransaction {
 public:
  explicit WriteTransaction(Connection& connection) : connection_(connection) { connection_.exec("BEGIN IMMEDIATE"); }
  ~WriteTransaction() {
    if (!committed_) {
      try {
        connection_.exec("ROLLBACK");
      } catch (const StoreError&) {
        // The transaction is already gone (SQLite rolled it back itself).
      }
    }
  }
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  void commit() {
    connection_.exec("COMMIT");
    committed_ = true;
  }

 private:
  Connection& connection_;
  bool committed_ = false;
};

Integration read_integration(const Statement& row) {
  Integration integration;
  integration.id = row.text(0);
  integration.name = row.text(1);
  integration.api_key = row.text(2);
  integration.active = row.integer(3) != 0;
  integration.created_at = row.integer(4);
  return integration;
}

// Columns id, session_id, context, mimetype, size, sha256, created_at from `first`.
Media read_media(const Statement& row, int first = 0) {
  Media media;
  media.id = row.text(first);
  media.session_id = row.text(first + 1);
  media.context = row.text(first + 2);
  media.mimetype = row.text(first + 3);
  media.size = row.integer(first + 4);
  media.sha256 = row.text(first + 5);
  media.created_at = row.integer(first + 6);
  return media;
}

// read_media's columns, then integration_id and bytes.
MediaFile read_media_file(const Statement& row) {
  return MediaFile{read_media(row), row.text(7), row.blob(8)};
}

}  // namespace

// Returns a pooled connection on destruction.
class SqliteStore::Lease {
 public:
  Lease(SqliteStore& store, Connection* connection) : store_(store), connection_(connection) {}
  ~Lease() { store_.release(connection_); }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  Connection& operator*() { return *connection_; }

 private:
  SqliteStore& store_;
  Connection* connection_;
};

SqliteStore::SqliteStore(const std::string& path, int pool_size, Migrations migrations) {
  // SQLite's memory statistics take a global mutex on every allocation; nothing reads
  // them. Must precede SQLite's initialization; later calls fail harmlessly.
  static std::once_flag configured;
  std::call_once(configured, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  for (int i = 0; i < std::max(1, pool_size); ++i) {
    connections_.push_back(std::make_unique<Connection>(path));
    if (i == 0 && migrations == Migrations::kApply) {
      migrate(*connections_.front());
    } else if (i == 0) {
      require_current(*connections_.front());
    }
    idle_.push_back(connections_.back().get());
  }
}

SqliteStore::~SqliteStore() = default;

SqliteStore::Lease SqliteStore::acquire() {
  std::unique_lock lock(mutex_);
  idle_available_.wait(lock, [this] { return !idle_.empty(); });
  Connection* connection = idle_.back();
  idle_.pop_back();
  return Lease(*this, connection);
}

void SqliteStore::release(Connection* connection) {
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(connection);
  }
  idle_available_.notify_one();
}

void SqliteStore::migrate(Connection& connection) {
  connection.exec(sql::kCreateMigrationsTable);
  WriteTransaction tx(connection);
  std::int64_t applied = 0;
  {
    Statement version(connection, sql::kSelectAppliedVersion);
    if (version.step()) {
      applied = version.integer(0);
    }
  }
  for (const auto& migration : sql::kMigrations) {
    if (migration.version <= applied) {
      continue;
    }
    connection.exec(migration.statements);
    Statement record(connection, sql::kInsertMigration);
    record.bind(migration.version).bind(wall_clock_ms()).run();
  }
  tx.commit();
}

void SqliteStore::require_current(Connection& connection) {
  std::int64_t applied = 0;
  Statement exists(connection, sql::kMigrationsTableExists);
  if (exists.step() && exists.integer(0) > 0) {
    Statement version(connection, sql::kSelectAppliedVersion);
    if (version.step()) {
      applied = version.integer(0);
    }
  }
  if (applied < sql::kSchemaVersion) {
    throw StoreError("database schema is at version " + std::to_string(applied) + ", this inereg needs " +
                     std::to_string(sql::kSchemaVersion) + ": run `inereg migrate`");
  }
}

int SqliteStore::schema_version() {
  auto lease = acquire();
  Statement version(*lease, sql::kSelectAppliedVersion);
  return version.step() ? static_cast<int>(version.integer(0)) : 0;
}

void SqliteStore::load_secrets(Connection& connection, Integration& integration) {
  Statement secrets(connection, sql::kSelectActiveSecrets);
  secrets.bind(integration.id);
  while (secrets.step()) {
    integration.secrets.push_back(IntegrationSecret{secrets.integer(0), secrets.text(1), secrets.integer(2)});
  }
}

void SqliteStore::create_integration(const Integration& integration, std::string_view sealed_secret) {
  auto lease = acquire();
  Connection& c = *lease;
  WriteTransaction tx(c);
  Statement insert(c, sql::kInsertIntegration);
  insert.bind(integration.id)
      .bind(integration.name)
      .bind(integration.api_key)
      .bind(integration.active)
      .bind(integration.created_at)
      .run();
  Statement secret(c, sql::kInsertSecret);
  secret.bind(integration.id).bind(sealed_secret).bind(integration.created_at).run();
  tx.commit();
}

std::optional<Integration> SqliteStore::find_integration_where(std::string_view sql, std::string_view value) {
  auto lease = acquire();
  std::optional<Integration> found;
  {
    Statement select(*lease, sql);
    select.bind(value);
    if (select.step()) {
      found = read_integration(select);
    }
  }
  if (found) {
    load_secrets(*lease, *found);
  }
  return found;
}

std::optional<Integration> SqliteStore::find_integration_by_api_key(std::string_view api_key) {
  return find_integration_where(sql::kSelectIntegrationByApiKey, api_key);
}

std::optional<Integration> SqliteStore::find_integration(std::string_view id) {
  return find_integration_where(sql::kSelectIntegrationById, id);
}

std::vector<Integration> SqliteStore::list_integrations() {
  auto lease = acquire();
  std::vector<Integration> all;
  {
    Statement select(*lease, sql::kSelectIntegrations);
    while (select.step()) {
      all.push_back(read_integration(select));
    }
  }
  for (auto& integration : all) {
    load_secrets(*lease, integration);
  }
  return all;
}

std::int64_t SqliteStore::add_integration_secret(std::string_view integration_id, std::string_view sealed_secret,
                                                 TimeMs now) {
  auto lease = acquire();
  Statement insert(*lease, sql::kInsertSecret);
  insert.bind(integration_id).bind(sealed_secret).bind(now).run();
  return (*lease).last_insert_rowid();
}

int SqliteStore::revoke_older_integration_secrets(std::string_view integration_id, TimeMs now) {
  auto lease = acquire();
  Statement revoke(*lease, sql::kRevokeOlderSecrets);
  revoke.bind(now).bind(integration_id).bind(integration_id).run();
  return (*lease).changes();
}

bool SqliteStore::set_integration_active(std::string_view integration_id, bool active) {
  auto lease = acquire();
  Statement update(*lease, sql::kSetIntegrationActive);
  update.bind(active).bind(integration_id).run();
  return (*lease).changes() == 1;
}

void SqliteStore::insert_session(const Session& s) {
  auto lease = acquire();
  Statement insert(*lease, sql::kInsertSession);
  insert.bind(s.id)
      .bind(s.integration_id)
      .bind(s.status)
      .bind(s.attempt_id)
      .bind(s.vendor_data)
      .bind(s.end_user_id)
      .bind(s.callback)
      .bind(s.person_json)
      .bind(s.document_json)
      .bind(s.ine_document)
      .bind(s.credential.cic)
      .bind(s.credential.citizen_id)
      .bind(s.credential.ocr)
      .bind(s.credential.elector_key)
      .bind(s.credential.emission_number)
      .bind(s.credential.curp)
      .bind(s.created_at)
      .run();
}

std::optional<Session> SqliteStore::find_session(std::string_view session_id) {
  auto lease = acquire();
  Statement select(*lease, sql::kSelectSession);
  select.bind(session_id);
  if (!select.step()) {
    return std::nullopt;
  }
  Session s;
  s.id = select.text(0);
  s.integration_id = select.text(1);
  s.status = select.text(2);
  s.attempt_id = select.text(3);
  s.vendor_data = select.optional_text(4);
  s.end_user_id = select.optional_text(5);
  s.callback = select.optional_text(6);
  s.person_json = select.text(7);
  s.document_json = select.text(8);
  s.ine_document = select.integer(9) != 0;
  s.credential.cic = select.text(10);
  s.credential.citizen_id = select.text(11);
  s.credential.ocr = select.text(12);
  s.credential.elector_key = select.text(13);
  s.credential.emission_number = select.text(14);
  s.credential.curp = select.text(15);
  s.created_at = select.integer(16);
  s.submitted_at = select.optional_integer(17);
  s.decided_at = select.optional_integer(18);
  return s;
}

SubmitOutcome SqliteStore::submit_session(std::string_view session_id, std::string_view attempt_id, bool enqueue_check,
                                          std::string_view decision_status_without_check, TimeMs now) {
  auto lease = acquire();
  Connection& c = *lease;
  WriteTransaction tx(c);
  {
    Statement submit(c, sql::kSubmitSession);
    submit.bind(attempt_id).bind(now).bind(session_id).run();
  }
  if (c.changes() == 0) {
    Statement exists(c, sql::kSessionExists);
    exists.bind(session_id);
    return exists.step() ? SubmitOutcome::kNotAllowed : SubmitOutcome::kNotFound;
  }
  if (enqueue_check) {
    Statement job(c, sql::kInsertCheckJob);
    job.bind(session_id).bind(now).run();
  } else {
    Statement decide(c, sql::kDecideSession);
    decide.bind(decision_status_without_check).bind(now).bind(session_id).run();
  }
  tx.commit();
  return SubmitOutcome::kSubmitted;
}

bool SqliteStore::delete_session(std::string_view session_id) {
  auto lease = acquire();
  Statement remove(*lease, sql::kDeleteSession);
  remove.bind(session_id).run();
  return (*lease).changes() == 1;
}

std::optional<IneAnswer> SqliteStore::find_ine_answer(std::string_view session_id) {
  auto lease = acquire();
  Statement select(*lease, sql::kSelectIneAnswer);
  select.bind(session_id);
  if (!select.step()) {
    return std::nullopt;
  }
  IneAnswer answer{select.text(0), select.text(1), std::nullopt};
  if (select.optional_integer(2)) {
    answer.result =
        IneResult{select.integer(2) != 0, select.text(3), static_cast<int>(select.integer(4)), select.integer(5)};
  }
  return answer;
}

std::optional<ClaimedCheck> SqliteStore::claim_check(std::string_view owner, TimeMs now, TimeMs lease_ms) {
  auto lease = acquire();
  Connection& c = *lease;
  WriteTransaction tx(c);
  ClaimedCheck claimed;
  {
    Statement claim(c, sql::kClaimCheck);
    claim.bind(owner).bind(now + lease_ms).bind(now).bind(now);
    if (!claim.step()) {
      return std::nullopt;
    }
    claimed.session_id = claim.text(0);
    claimed.attempts = static_cast<int>(claim.integer(1));
    claim.run();
  }
  {
    Statement credential(c, sql::kSelectCheckCredential);
    credential.bind(claimed.session_id);
    if (credential.step()) {
      claimed.credential.cic = credential.text(0);
      claimed.credential.citizen_id = credential.text(1);
      claimed.credential.ocr = credential.text(2);
      claimed.credential.elector_key = credential.text(3);
      claimed.credential.emission_number = credential.text(4);
      claimed.credential.curp = credential.text(5);
    }
  }
  tx.commit();
  return claimed;
}

bool SqliteStore::complete_check(std::string_view session_id, std::string_view owner, const IneResult& result,
                                 std::string_view decision_status, TimeMs now) {
  auto lease = acquire();
  Connection& c = *lease;
  WriteTransaction tx(c);
  {
    Statement finish(c, sql::kFinishCheck);
    finish.bind(session_id).bind(owner).run();
  }
  if (c.changes() != 1) {
    return false;  // the lease was lost (expired and taken over) or the session deleted
  }
  {
    Statement insert(c, sql::kInsertIneResult);
    insert.bind(session_id).bind(result.active).bind(result.document_state).bind(result.situation).bind(now).run();
  }
  {
    Statement decide(c, sql::kDecideSession);
    decide.bind(decision_status).bind(now).bind(session_id).run();
  }
  tx.commit();
  return true;
}

void SqliteStore::retry_check(std::string_view session_id, std::string_view owner, TimeMs next_run_at) {
  auto lease = acquire();
  Statement retry(*lease, sql::kRetryCheck);
  retry.bind(next_run_at).bind(session_id).bind(owner).run();
}

std::int64_t SqliteStore::pending_check_count() {
  auto lease = acquire();
  Statement count(*lease, sql::kCountPendingChecks);
  return count.step() ? count.integer(0) : 0;
}

void SqliteStore::upsert_registry_entries(std::span<const RegistryEntry> entries) {
  auto lease = acquire();
  Connection& c = *lease;
  WriteTransaction tx(c);
  for (const auto& entry : entries) {
    Statement upsert(c, sql::kUpsertRegistryEntry);
    upsert.bind(entry.lookup_key).bind(entry.model).bind(entry.situation).run();
  }
  tx.commit();
}

std::optional<int> SqliteStore::find_registry_situation(std::string_view lookup_key) {
  auto lease = acquire();
  Statement select(*lease, sql::kSelectRegistrySituation);
  select.bind(lookup_key);
  if (!select.step()) {
    return std::nullopt;
  }
  return static_cast<int>(select.integer(0));
}

std::int64_t SqliteStore::registry_entry_count() {
  auto lease = acquire();
  Statement count(*lease, sql::kCountRegistryEntries);
  return count.step() ? count.integer(0) : 0;
}

MediaInsertOutcome SqliteStore::insert_media(const Media& media, std::string_view bytes, const MediaLimits& limits) {
  auto lease = acquire();
  Connection& c = *lease;
  WriteTransaction tx(c);
  {
    Statement status(c, sql::kSelectSessionStatusForUpload);
    status.bind(media.session_id);
    if (!status.step()) {
      return MediaInsertOutcome::kSessionNotFound;
    }
    const std::string current = status.text(0);
    if (current != session_status::kCreated && current != session_status::kStarted) {
      return MediaInsertOutcome::kSessionNotUploadable;
    }
  }
  {
    Statement usage(c, sql::kSelectSessionMediaUsage);
    usage.bind(media.session_id);
    usage.step();
    if (usage.integer(0) + 1 > limits.max_files_per_session ||
        usage.integer(1) + media.size > limits.max_bytes_per_session) {
      return MediaInsertOutcome::kLimitReached;
    }
  }
  {
    Statement insert(c, sql::kInsertMedia);
    insert.bind(media.id)
        .bind(media.session_id)
        .bind(media.context)
        .bind(media.mimetype)
        .bind(media.size)
        .bind(media.sha256)
        .bind(media.created_at)
        .bind_blob(bytes)
        .run();
  }
  tx.commit();
  return MediaInsertOutcome::kStored;
}

std::vector<Media> SqliteStore::list_media(std::string_view session_id) {
  auto lease = acquire();
  Statement select(*lease, sql::kSelectSessionMedia);
  select.bind(session_id);
  std::vector<Media> all;
  while (select.step()) {
    all.push_back(read_media(select));
  }
  return all;
}

std::optional<MediaFile> SqliteStore::find_media(std::string_view media_id) {
  auto lease = acquire();
  Statement select(*lease, sql::kSelectMediaFile);
  select.bind(media_id);
  if (!select.step()) {
    return std::nullopt;
  }
  return read_media_file(select);
}

std::vector<MediaFile> SqliteStore::media_for_reading(std::string_view session_id) {
  auto lease = acquire();
  Statement select(*lease, sql::kSelectMediaForReading);
  select.bind(session_id);
  std::vector<MediaFile> all;
  while (select.step()) {
    all.push_back(read_media_file(select));
  }
  return all;
}

}  // namespace inereg::store::sqlite
