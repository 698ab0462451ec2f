#include "store/sqlite/sqlite_store.hpp"

#include <sqlite3.h>

#include <algorithm>
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

std::optional<Session> select_session(Connection& c, std::string_view session_id) {
  Statement select(c, sql::kSelectSession);
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
  s.decision_reason = select.text(19);
  return s;
}

WebhookUrls select_webhook_urls(Connection& c, std::string_view integration_id) {
  Statement select(c, sql::kSelectIntegrationWebhooks);
  select.bind(integration_id);
  if (!select.step()) {
    return {};
  }
  return WebhookUrls{select.text(0), select.text(1), select.text(2)};
}

std::int64_t insert_delivery(Connection& c, std::string_view integration_id, std::string_view session_id,
                             WebhookKind kind, std::string_view url, std::string_view body, TimeMs now,
                             std::optional<std::int64_t> redelivery_of) {
  Statement insert(c, sql::kInsertDelivery);
  insert.bind(integration_id)
      .bind(session_id)
      .bind(webhook_kind_name(kind))
      .bind(url)
      .bind(body)
      .bind(now)
      .bind(now)
      .bind(redelivery_of);
  if (!insert.step()) {
    throw StoreError("SQLite: webhook delivery insert returned no id");
  }
  const std::int64_t id = insert.integer(0);
  insert.run();
  return id;
}

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

SqliteStore::SqliteStore(const std::string& path, const PoolOptions& pool, Migrations migrations) : pool_(pool) {
  // SQLite's memory statistics take a global mutex on every allocation; nothing reads
  // them. Must precede SQLite's initialization; later calls fail harmlessly.
  static std::once_flag configured;
  std::call_once(configured, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  for (int i = 0; i < pool_size(pool_); ++i) {
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
  wait_for_connection(lock, idle_available_, pool_, [this] { return !idle_.empty(); });
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

void SqliteStore::load_cors_origins(Connection& connection, Integration& integration) {
  Statement origins(connection, sql::kSelectCorsOrigins);
  origins.bind(integration.id);
  while (origins.step()) {
    integration.cors_origins.push_back(origins.text(0));
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
  for (const auto& origin : integration.cors_origins) {
    Statement insert_origin(c, sql::kInsertCorsOrigin);
    insert_origin.bind(integration.id).bind(origin).run();
  }
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
    load_cors_origins(*lease, *found);
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
    load_cors_origins(*lease, integration);
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

bool SqliteStore::set_integration_cors_origins(std::string_view integration_id, std::span<const std::string> origins) {
  auto lease = acquire();
  Connection& c = *lease;
  WriteTransaction tx(c);
  {
    Statement exists(c, sql::kIntegrationExists);
    exists.bind(integration_id);
    if (!exists.step()) {
      return false;
    }
  }
  {
    Statement clear(c, sql::kDeleteCorsOrigins);
    clear.bind(integration_id).run();
  }
  for (const auto& origin : origins) {
    Statement insert(c, sql::kInsertCorsOrigin);
    insert.bind(integration_id).bind(origin).run();
  }
  tx.commit();
  return true;
}

std::vector<std::string> SqliteStore::list_allowed_cors_origins() {
  auto lease = acquire();
  Statement select(*lease, sql::kSelectAllowedCorsOrigins);
  std::vector<std::string> origins;
  while (select.step()) {
    origins.push_back(select.text(0));
  }
  return origins;
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
  return select_session(*lease, session_id);
}

SubmitOutcome SqliteStore::submit_session(std::string_view session_id, std::string_view attempt_id,
                                          const SubmitPlan& plan, std::string_view decision_status_without_check,
                                          TimeMs now) {
  auto lease = acquire();
  Connection& c = *lease;
  // BEGIN IMMEDIATE excludes insert_media's transaction: every upload is either
  // committed before this looks for document images or refused after the submit.
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
  queue_webhooks(c, session_id, SessionChange::Kind::kSubmitted, nullptr, now);
  bool has_document = false;
  if (plan.read_documents) {
    Statement document(c, sql::kSessionHasReadableDocument);
    document.bind(session_id);
    has_document = document.step();
  }
  if (has_document) {
    Statement job(c, sql::kInsertReadingCheckJob);
    job.bind(session_id).bind(now).run();
  } else if (plan.lookup) {
    Statement job(c, sql::kInsertCheckJob);
    job.bind(session_id).bind(now).run();
  } else {
    {
      Statement decide(c, sql::kDecideSession);
      decide.bind(decision_status_without_check).bind(now).bind(session_id).run();
    }
    queue_webhooks(c, session_id, SessionChange::Kind::kDecided, nullptr, now);
  }
  tx.commit();
  return SubmitOutcome::kSubmitted;
}

DeleteOutcome SqliteStore::delete_session_rate_limited(std::string_view session_id, std::string_view integration_id,
                                                       const DeleteRateLimit& limit, TimeMs now) {
  auto lease = acquire();
  Connection& c = *lease;
  // BEGIN IMMEDIATE takes the database's write lock first: the count and the delete
  // cannot interleave with another connection's or process's.
  WriteTransaction tx(c);
  {
    Statement prune(c, sql::kPruneSessionDeletions);
    prune.bind(integration_id).bind(now - DeleteRateLimit::kDayMs).run();
  }
  DeleteOutcome outcome;
  for (const auto& [window, allowed] :
       {std::pair{DeleteRateLimit::kHourMs, limit.per_hour}, std::pair{DeleteRateLimit::kDayMs, limit.per_day}}) {
    if (allowed <= 0) {
      continue;
    }
    Statement nth(c, sql::kSelectNthRecentDeletion);
    nth.bind(integration_id).bind(now - window).bind(allowed - 1);
    if (nth.step()) {
      outcome.kind = DeleteOutcome::Kind::kRateLimited;
      outcome.retry_at = std::max(outcome.retry_at, nth.integer(0) + window);
    }
  }
  if (outcome.kind == DeleteOutcome::Kind::kRateLimited) {
    tx.commit();  // keeps the pruning
    return outcome;
  }
  // The deletion's decision webhook (decide_as_deleted), then the session's finished
  // deliveries lose their bodies: the personal data goes with the session.
  queue_webhooks(c, session_id, SessionChange::Kind::kDecided, nullptr, now, decide_as_deleted);
  {
    Statement erase(c, sql::kEraseFinishedDeliveryBodies);
    erase.bind(session_id).run();
  }
  {
    Statement remove(c, sql::kDeleteOwnedSession);
    remove.bind(session_id).bind(integration_id).run();
  }
  if (c.changes() != 1) {
    return DeleteOutcome{DeleteOutcome::Kind::kNotFound, 0};
  }
  {
    Statement count(c, sql::kInsertSessionDeletion);
    count.bind(integration_id).bind(now).run();
  }
  tx.commit();
  return DeleteOutcome{DeleteOutcome::Kind::kDeleted, 0};
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

std::int64_t SqliteStore::pending_check_count() {
  auto lease = acquire();
  Statement count(*lease, sql::kCountPendingChecks);
  return count.step() ? count.integer(0) : 0;
}

std::vector<ClaimedCheck> SqliteStore::claim_checks(std::string_view owner, TimeMs now, TimeMs lease_ms, int limit) {
  std::vector<ClaimedCheck> claimed;
  if (limit <= 0) {
    return claimed;
  }
  auto lease = acquire();
  Connection& c = *lease;
  // BEGIN IMMEDIATE takes the write lock first: no other claimer (thread or process)
  // can pick the same rows between the SELECT and the UPDATE.
  WriteTransaction tx(c);
  {
    Statement claim(c, sql::kClaimChecks);
    claim.bind(owner).bind(now + lease_ms).bind(now).bind(now).bind(limit);
    while (claim.step()) {
      ClaimedCheck check;
      check.session_id = claim.text(0);
      check.attempts = static_cast<int>(claim.integer(1));
      check.read_document = claim.integer(2) != 0;
      claimed.push_back(std::move(check));
    }
  }
  for (auto& check : claimed) {
    Statement credential(c, sql::kSelectCheckCredential);
    credential.bind(check.session_id);
    if (credential.step()) {
      check.credential.cic = credential.text(0);
      check.credential.citizen_id = credential.text(1);
      check.credential.ocr = credential.text(2);
      check.credential.elector_key = credential.text(3);
      check.credential.emission_number = credential.text(4);
      check.credential.curp = credential.text(5);
    }
  }
  tx.commit();
  return claimed;
}

std::vector<bool> SqliteStore::complete_checks(std::string_view owner, std::span<const CheckCompletion> batch,
                                               TimeMs now) {
  std::vector<bool> recorded(batch.size(), false);
  if (batch.empty()) {
    return recorded;
  }
  auto lease = acquire();
  Connection& c = *lease;
  WriteTransaction tx(c);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& done = batch[i];
    {
      Statement finish(c, sql::kFinishClaimedCheck);
      finish.bind(done.session_id).bind(owner).bind(done.attempts).run();
    }
    if (c.changes() != 1) {
      continue;  // the lease was lost (expired and taken over) or the session deleted
    }
    {
      Statement insert(c, sql::kInsertIneResult);
      insert.bind(done.session_id)
          .bind(done.result.active)
          .bind(done.result.document_state)
          .bind(done.result.situation)
          .bind(now)
          .run();
    }
    {
      Statement decide(c, sql::kDecideSession);
      decide.bind(done.decision_status).bind(now).bind(done.session_id).run();
    }
    IneResult result = done.result;
    result.checked_at = now;
    queue_webhooks(c, done.session_id, SessionChange::Kind::kDecided, &result, now);
    recorded[i] = true;
  }
  tx.commit();
  return recorded;
}

std::vector<bool> SqliteStore::retry_checks(std::string_view owner, std::span<const CheckRetry> batch) {
  std::vector<bool> applied(batch.size(), false);
  if (batch.empty()) {
    return applied;
  }
  auto lease = acquire();
  Connection& c = *lease;
  WriteTransaction tx(c);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Statement retry(c, sql::kRetryClaimedCheck);
    retry.bind(batch[i].next_run_at).bind(batch[i].session_id).bind(owner).bind(batch[i].attempts).run();
    applied[i] = c.changes() == 1;
  }
  tx.commit();
  return applied;
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

void SqliteStore::queue_webhooks(Connection& c, std::string_view session_id, SessionChange::Kind kind,
                                 const IneResult* result, TimeMs now, bool (*adjust)(Session&, TimeMs)) {
  if (!composer_) {
    return;
  }
  auto session = select_session(c, session_id);
  if (!session) {
    return;
  }
  if (adjust != nullptr && !adjust(*session, now)) {
    return;
  }
  const WebhookUrls urls = select_webhook_urls(c, session->integration_id);
  for (const auto& queued : webhooks_to_queue(composer_.get(), SessionChange{kind, *session, result}, urls)) {
    insert_delivery(c, session->integration_id, session->id, queued.kind, queued.url, queued.body, now, std::nullopt);
  }
}

bool SqliteStore::set_integration_webhooks(std::string_view integration_id, const WebhookUrls& urls) {
  auto lease = acquire();
  Statement update(*lease, sql::kSetIntegrationWebhooks);
  update.bind(urls.decision).bind(urls.event).bind(urls.ine).bind(integration_id).run();
  return (*lease).changes() == 1;
}

std::optional<WebhookUrls> SqliteStore::find_integration_webhooks(std::string_view integration_id) {
  auto lease = acquire();
  Statement select(*lease, sql::kSelectIntegrationWebhooks);
  select.bind(integration_id);
  if (!select.step()) {
    return std::nullopt;
  }
  return WebhookUrls{select.text(0), select.text(1), select.text(2)};
}

StartOutcome SqliteStore::start_session(std::string_view session_id, std::string_view attempt_id, TimeMs now) {
  auto lease = acquire();
  Connection& c = *lease;
  WriteTransaction tx(c);
  {
    Statement start(c, sql::kStartSession);
    start.bind(attempt_id).bind(session_id).run();
  }
  if (c.changes() == 0) {
    Statement exists(c, sql::kSessionExists);
    exists.bind(session_id);
    return exists.step() ? StartOutcome::kNotAllowed : StartOutcome::kNotFound;
  }
  queue_webhooks(c, session_id, SessionChange::Kind::kStarted, nullptr, now);
  tx.commit();
  return StartOutcome::kStarted;
}

int SqliteStore::expire_sessions(TimeMs created_before, TimeMs now, int limit) {
  auto lease = acquire();
  Connection& c = *lease;
  WriteTransaction tx(c);
  std::vector<std::string> decided;
  {
    Statement expire(c, sql::kExpireSessions);
    expire.bind(now).bind(created_before).bind(limit);
    while (expire.step()) {
      decided.push_back(expire.text(0));
    }
  }
  for (const auto& session_id : decided) {
    queue_webhooks(c, session_id, SessionChange::Kind::kDecided, nullptr, now);
  }
  tx.commit();
  return static_cast<int>(decided.size());
}

std::vector<ClaimedDelivery> SqliteStore::claim_webhook_deliveries(std::string_view owner, TimeMs now, TimeMs lease_ms,
                                                                   int limit) {
  auto lease = acquire();
  Connection& c = *lease;
  WriteTransaction tx(c);
  std::vector<std::int64_t> ids;
  {
    Statement claim(c, sql::kClaimDeliveries);
    claim.bind(owner).bind(now + lease_ms).bind(now).bind(now).bind(limit);
    while (claim.step()) {
      ids.push_back(claim.integer(0));
    }
  }
  std::vector<ClaimedDelivery> claimed;
  for (const auto id : ids) {
    Statement select(c, sql::kSelectClaimedDelivery);
    select.bind(id);
    if (!select.step()) {
      continue;
    }
    ClaimedDelivery d;
    d.id = select.integer(0);
    d.integration_id = select.text(1);
    d.api_key = select.text(2);
    d.session_id = select.text(3);
    d.kind = webhook_kind_from_name(select.text(4)).value_or(WebhookKind::kDecision);
    d.url = select.text(5);
    d.body = select.text(6);
    d.attempts = static_cast<int>(select.integer(7));
    d.created_at = select.integer(8);
    claimed.push_back(std::move(d));
  }
  tx.commit();
  return claimed;
}

bool SqliteStore::record_webhook_attempt(std::int64_t delivery_id, std::string_view owner,
                                         const WebhookAttempt& attempt, DeliveryState next_state,
                                         TimeMs next_attempt_at) {
  auto lease = acquire();
  Connection& c = *lease;
  WriteTransaction tx(c);
  {
    Statement finish(c, sql::kFinishDeliveryAttempt);
    finish.bind(delivery_state_name(next_state))
        .bind(next_attempt_at)
        .bind(attempt.http_status)
        .bind(attempt.error.empty() ? std::nullopt : std::optional<std::string>(attempt.error))
        .bind(next_state == DeliveryState::kDelivered ? std::optional<TimeMs>(attempt.attempted_at) : std::nullopt)
        .bind(delivery_id)
        .bind(owner)
        .run();
  }
  if (c.changes() != 1) {
    return false;  // the lease expired and another worker took the delivery over
  }
  {
    Statement history(c, sql::kInsertDeliveryAttempt);
    history.bind(delivery_id)
        .bind(attempt.attempted_at)
        .bind(attempt.http_status)
        .bind(attempt.error.empty() ? std::nullopt : std::optional<std::string>(attempt.error))
        .bind(attempt.duration_ms)
        .run();
  }
  tx.commit();
  return true;
}

std::vector<WebhookDelivery> SqliteStore::list_webhook_deliveries(const DeliveryFilter& filter) {
  auto lease = acquire();
  Connection& c = *lease;
  std::vector<WebhookDelivery> all;
  {
    Statement list(c, sql::kListDeliveries);
    list.bind(filter.session_id)
        .bind(filter.state ? std::optional<std::string>(std::string(delivery_state_name(*filter.state))) : std::nullopt)
        .bind(filter.limit);
    while (list.step()) {
      WebhookDelivery d;
      d.id = list.integer(0);
      d.integration_id = list.text(1);
      d.session_id = list.text(2);
      d.kind = webhook_kind_from_name(list.text(3)).value_or(WebhookKind::kDecision);
      d.url = list.text(4);
      d.state = delivery_state_from_name(list.text(5)).value_or(DeliveryState::kPending);
      d.attempts = static_cast<int>(list.integer(6));
      d.next_attempt_at = list.integer(7);
      if (const auto status = list.optional_integer(8)) {
        d.last_status = static_cast<int>(*status);
      }
      d.last_error = list.optional_text(9);
      d.created_at = list.integer(10);
      d.delivered_at = list.optional_integer(11);
      d.redelivery_of = list.optional_integer(12);
      d.body_bytes = list.integer(13);
      all.push_back(std::move(d));
    }
  }
  for (auto& d : all) {
    Statement history(c, sql::kSelectDeliveryAttempts);
    history.bind(d.id);
    while (history.step()) {
      WebhookAttempt attempt;
      attempt.attempted_at = history.integer(0);
      if (const auto status = history.optional_integer(1)) {
        attempt.http_status = static_cast<int>(*status);
      }
      attempt.error = history.optional_text(2).value_or("");
      attempt.duration_ms = history.integer(3);
      d.history.push_back(std::move(attempt));
    }
  }
  return all;
}

RedeliverResult SqliteStore::redeliver_webhook(std::int64_t delivery_id, TimeMs now) {
  auto lease = acquire();
  Connection& c = *lease;
  WriteTransaction tx(c);
  std::string integration_id;
  std::string session_id;
  std::optional<WebhookKind> kind;
  std::string body;
  WebhookUrls urls;
  {
    Statement select(c, sql::kSelectDeliveryForRedelivery);
    select.bind(delivery_id);
    if (!select.step()) {
      return {RedeliverResult::Status::kNotFound, 0};
    }
    integration_id = select.text(0);
    session_id = select.text(1);
    kind = webhook_kind_from_name(select.text(2));
    body = select.text(3);
    urls = WebhookUrls{select.text(4), select.text(5), select.text(6)};
  }
  if (body.empty()) {
    return {RedeliverResult::Status::kBodyErased, 0};
  }
  if (!kind || url_for(urls, *kind).empty()) {
    return {RedeliverResult::Status::kNoUrl, 0};
  }
  const auto id = insert_delivery(c, integration_id, session_id, *kind, url_for(urls, *kind), body, now, delivery_id);
  tx.commit();
  return {RedeliverResult::Status::kQueued, id};
}

std::int64_t SqliteStore::pending_webhook_count() {
  auto lease = acquire();
  Statement count(*lease, sql::kCountPendingDeliveries);
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

bool SqliteStore::record_document_reading(std::string_view owner, const DocumentReadingRecord& record, TimeMs now) {
  auto lease = acquire();
  Connection& c = *lease;
  WriteTransaction tx(c);
  if (record.credential) {
    {
      Statement release(c, sql::kReleaseReadCheck);
      release.bind(now).bind(record.session_id).bind(owner).bind(record.attempts).run();
    }
    if (c.changes() != 1) {
      return false;  // the claim was lost (expired and taken over) or the session deleted
    }
    const ine::Credential& read = *record.credential;
    Statement update(c, sql::kSetSessionCredential);
    update.bind(read.cic)
        .bind(read.citizen_id)
        .bind(read.ocr)
        .bind(read.elector_key)
        .bind(read.emission_number)
        .bind(read.curp)
        .bind(record.session_id)
        .run();
  } else {
    {
      Statement finish(c, sql::kFinishClaimedCheck);
      finish.bind(record.session_id).bind(owner).bind(record.attempts).run();
    }
    if (c.changes() != 1) {
      return false;
    }
    {
      Statement decide(c, sql::kDecideSessionWithReason);
      decide.bind(session_status::kResubmissionRequested)
          .bind(now)
          .bind(record.decision_reason)
          .bind(record.session_id)
          .run();
    }
    queue_webhooks(c, record.session_id, SessionChange::Kind::kDecided, nullptr, now);
  }
  tx.commit();
  return true;
}

}  // namespace inereg::store::sqlite
