#include "store/postgres/postgres_store.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <unordered_map>
#include <unordered_set>

#include "store/postgres/sql.hpp"

namespace inereg::store::postgres {
namespace {

// Rows per INSERT of upsert_registry_entries: large enough that a million-row import
// is a few hundred round trips, small enough to keep each statement's arrays modest.
constexpr std::size_t kRegistryBatchRows = 5000;

TimeMs wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The password of a libpq URI (userinfo or `password` query parameter), or "".
std::string url_password(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end != std::string_view::npos) {
    const std::string_view rest = url.substr(scheme_end + 3);
    const std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
    const auto at = authority.rfind('@');
    if (at != std::string_view::npos) {
      const std::string_view userinfo = authority.substr(0, at);
      const auto colon = userinfo.find(':');
      if (colon != std::string_view::npos) {
        return std::string(userinfo.substr(colon + 1));
      }
    }
  }
  const auto query = url.find('?');
  if (query != std::string_view::npos) {
    std::string_view params = url.substr(query + 1);
    while (!params.empty()) {
      const std::string_view param = params.substr(0, params.find('&'));
      if (param.starts_with("password=")) {
        return std::string(param.substr(9));
      }
      params.remove_prefix(std::min(params.size(), param.size() + 1));
    }
  }
  return {};
}

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  if (from.empty()) {
    return;
  }
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// libpq messages end with a newline; ours should not.
std::string trimmed(const char* message) {
  std::string text = message ? message : "unknown error";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

// Statement parameters in libpq's text format (or binary, for bytea); nullopt is SQL NULL.
class Params {
 public:
  Params& add(std::string_view value) {
    values_.emplace_back(std::string(value));
    formats_.push_back(0);
    return *this;
  }
  // A bytea parameter, sent as its raw bytes (binary format) instead of escaped text.
  Params& add_binary(std::string_view bytes) {
    values_.emplace_back(std::string(bytes));
    formats_.push_back(1);
    return *this;
  }
  Params& add(const char* value) { return add(std::string_view(value)); }
  Params& add(const std::string& value) { return add(std::string_view(value)); }
  Params& add(std::int64_t value) {
    values_.emplace_back(std::to_string(value));
    formats_.push_back(0);
    return *this;
  }
  Params& add(int value) { return add(static_cast<std::int64_t>(value)); }
  Params& add(bool value) {
    values_.emplace_back(value ? "true" : "false");
    formats_.push_back(0);
    return *this;
  }
  template <typename T>
  Params& add(const std::optional<T>& value) {
    if (!value) {
      values_.emplace_back(std::nullopt);
      formats_.push_back(0);
      return *this;
    }
    return add(*value);
  }

  std::vector<const char*> pointers() const {
    std::vector<const char*> out;
    out.reserve(values_.size());
    for (const auto& value : values_) {
      out.push_back(value ? value->c_str() : nullptr);
    }
    return out;
  }
  // Byte lengths: libpq needs them for binary parameters and ignores them for text.
  std::vector<int> lengths() const {
    std::vector<int> out;
    out.reserve(values_.size());
    for (const auto& value : values_) {
      out.push_back(value ? static_cast<int>(value->size()) : 0);
    }
    return out;
  }
  const std::vector<int>& formats() const { return formats_; }
  int size() const { return static_cast<int>(values_.size()); }

 private:
  std::vector<std::optional<std::string>> values_;
  std::vector<int> formats_;  // 0 text, 1 binary; one per value
};

// An owned PGresult with typed accessors (text format).
class Result {
 public:
  explicit Result(PGresult* result) : result_(result, &PQclear) {}

  PGresult* get() const { return result_.get(); }
  int rows() const { return PQntuples(result_.get()); }
  // Rows touched by an INSERT/UPDATE/DELETE.
  int affected() const {
    const char* text = PQcmdTuples(result_.get());
    int count = 0;
    std::from_chars(text, text + std::char_traits<char>::length(text), count);
    return count;
  }
  bool is_null(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  std::string text(int row, int column) const {
    return std::string(PQgetvalue(result_.get(), row, column),
                       static_cast<std::size_t>(PQgetlength(result_.get(), row, column)));
  }
  std::optional<std::string> optional_text(int row, int column) const {
    if (is_null(row, column)) {
      return std::nullopt;
    }
    return text(row, column);
  }
  std::int64_t integer(int row, int column) const {
    const char* value = PQgetvalue(result_.get(), row, column);
    std::int64_t number = 0;
    const auto [end, error] = std::from_chars(value, value + PQgetlength(result_.get(), row, column), number);
    if (error != std::errc()) {
      throw StoreError("PostgreSQL: column is not an integer");
    }
    return number;
  }
  std::optional<std::int64_t> optional_integer(int row, int column) const {
    if (is_null(row, column)) {
      return std::nullopt;
    }
    return integer(row, column);
  }
  bool boolean(int row, int column) const { return PQgetvalue(result_.get(), row, column)[0] == 't'; }

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

// A PostgreSQL array literal of text elements, every element quoted and escaped.
std::string text_array(std::span<const RegistryEntry> entries, std::string RegistryEntry::*field) {
  std::string out = "{";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    out += '"';
    for (const char c : entries[i].*field) {
      if (c == '"' || c == '\\') {
        out += '\\';
      }
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::string situation_array(std::span<const RegistryEntry> entries) {
  std::string out = "{";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    out += std::to_string(entries[i].situation);
  }
  out += '}';
  return out;
}

// A PostgreSQL array literal of `values`, every element quoted and escaped.
std::string array_literal(const std::vector<std::string>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    out += '"';
    for (const char c : values[i]) {
      if (c == '"' || c == '\\') {
        out += '\\';
      }
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

// Sets flags[i] for every ids[i] that `rows` returned in its first column.
void mark_returned(const Result& rows, const std::vector<std::string>& ids, std::vector<bool>& flags) {
  std::unordered_set<std::string> returned;
  for (int row = 0; row < rows.rows(); ++row) {
    returned.insert(rows.text(row, 0));
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    flags[i] = returned.count(ids[i]) != 0;
  }
}

}  // namespace

// One libpq connection and its prepared-statement names. Used by one thread at a time.
class Connection {
 public:
  Connection(const std::string& url, std::string password) : password_(std::move(password)) {
    conn_ = PQconnectdb(url.c_str());
    if (conn_ == nullptr) {
      throw StoreError("cannot connect to PostgreSQL: out of memory");
    }
    if (PQstatus(conn_) != CONNECTION_OK) {
      const std::string message = scrub(trimmed(PQerrorMessage(conn_)));
      PQfinish(conn_);
      throw StoreError("cannot connect to PostgreSQL at " + redact_url(url) + ": " + message);
    }
    // Server NOTICEs ("relation already exists, skipping") are not errors; libpq would
    // print them on stderr.
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
  }
  ~Connection() { PQfinish(conn_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Resets a connection that broke (server restart, network) or was left inside a
  // transaction, so that no caller ever gets it in that state.
  void ensure_usable() {
    if (PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE) {
      return;
    }
    PQreset(conn_);
    prepared_.clear();  // a new server session has no prepared statements
    if (PQstatus(conn_) != CONNECTION_OK) {
      throw StoreError("cannot reconnect to PostgreSQL: " + scrub(trimmed(PQerrorMessage(conn_))));
    }
  }

  // Runs a parameterless command in the simple protocol (BEGIN, migrations).
  void exec(std::string_view sql) {
    const std::string text(sql);
    check(Result(PQexec(conn_, text.c_str())));
  }

  // Runs `sql` (an sql:: constant, prepared on first use) with `params`.
  Result run(std::string_view sql, const Params& params = {}) { return execute(sql, params, kTextResults); }

  // Like run(), with every result column in binary form: bytea as its raw bytes, text
  // as its text; numbers must be cast to text by the statement.
  Result run_binary(std::string_view sql, const Params& params) { return execute(sql, params, kBinaryResults); }

 private:
  static constexpr int kTextResults = 0;
  static constexpr int kBinaryResults = 1;

  Result execute(std::string_view sql, const Params& params, int result_format) {
    const std::string& name = prepare(sql);
    const auto values = params.pointers();
    const auto lengths = params.lengths();
    return check(Result(PQexecPrepared(conn_, name.c_str(), params.size(), values.data(), lengths.data(),
                                       params.formats().data(), result_format)));
  }

  const std::string& prepare(std::string_view sql) {
    const auto it = prepared_.find(sql.data());
    if (it != prepared_.end()) {
      return it->second;
    }
    std::string name = "inereg_" + std::to_string(prepared_.size() + 1);
    const std::string text(sql);
    check(Result(PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr)));
    return prepared_.emplace(sql.data(), std::move(name)).first->second;
  }

  Result check(Result result) {
    // A null result (out of memory, lost connection) has status PGRES_FATAL_ERROR.
    const ExecStatusType status = PQresultStatus(result.get());
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
      return result;
    }
    const std::string message =
        result.get() != nullptr ? trimmed(PQresultErrorMessage(result.get())) : trimmed(PQerrorMessage(conn_));
    throw StoreError("PostgreSQL: " + scrub(message));
  }

  std::string scrub(std::string message) const {
    replace_all(message, password_, "***");
    return message;
  }

  PGconn* conn_ = nullptr;
  std::string password_;  // only to mask it in messages
  // Keyed by the address of the sql:: constant: each statement text is one object.
  std::unordered_map<const char*, std::string> prepared_;
};

namespace {

// BEGIN ... COMMIT; rolls back unless committed.
class Transaction {
 public:
  explicit Transaction(Connection& connection) : connection_(connection) { connection_.exec(sql::kBegin); }
  ~Transaction() {
    if (!committed_) {
      try {
        connection_.exec(sql::kRollback);
      } catch (const StoreError&) {
        // The connection broke; ensure_usable() resets it before its next use.
      }
    }
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    connection_.exec(sql::kCommit);
    committed_ = true;
  }

 private:
  Connection& connection_;
  bool committed_ = false;
};

std::optional<Session> select_session(Connection& c, std::string_view session_id) {
  const Result row = c.run(sql::kSelectSession, Params().add(session_id));
  if (row.rows() == 0) {
    return std::nullopt;
  }
  Session s;
  s.id = row.text(0, 0);
  s.integration_id = row.text(0, 1);
  s.status = row.text(0, 2);
  s.attempt_id = row.text(0, 3);
  s.vendor_data = row.optional_text(0, 4);
  s.end_user_id = row.optional_text(0, 5);
  s.callback = row.optional_text(0, 6);
  s.person_json = row.text(0, 7);
  s.document_json = row.text(0, 8);
  s.ine_document = row.boolean(0, 9);
  s.credential.cic = row.text(0, 10);
  s.credential.citizen_id = row.text(0, 11);
  s.credential.ocr = row.text(0, 12);
  s.credential.elector_key = row.text(0, 13);
  s.credential.emission_number = row.text(0, 14);
  s.credential.curp = row.text(0, 15);
  s.created_at = row.integer(0, 16);
  s.submitted_at = row.optional_integer(0, 17);
  s.decided_at = row.optional_integer(0, 18);
  s.decision_reason = row.text(0, 19);
  return s;
}

std::optional<WebhookUrls> select_webhook_urls(Connection& c, std::string_view integration_id) {
  const Result row = c.run(sql::kSelectIntegrationWebhooks, Params().add(integration_id));
  if (row.rows() == 0) {
    return std::nullopt;
  }
  return WebhookUrls{row.text(0, 0), row.text(0, 1), row.text(0, 2)};
}

std::int64_t insert_delivery(Connection& c, std::string_view integration_id, std::string_view session_id,
                             WebhookKind kind, std::string_view url, std::string_view body, TimeMs now,
                             std::optional<std::int64_t> redelivery_of) {
  return c
      .run(sql::kInsertDelivery, Params()
                                     .add(integration_id)
                                     .add(session_id)
                                     .add(webhook_kind_name(kind))
                                     .add(url)
                                     .add(body)
                                     .add(now)
                                     .add(now)
                                     .add(redelivery_of))
      .integer(0, 0);
}

std::optional<std::string> text_or_null(const std::string& text) {
  return text.empty() ? std::nullopt : std::optional<std::string>(text);
}

Integration read_integration(const Result& rows, int row) {
  Integration integration;
  integration.id = rows.text(row, 0);
  integration.name = rows.text(row, 1);
  integration.api_key = rows.text(row, 2);
  integration.active = rows.boolean(row, 3);
  integration.created_at = rows.integer(row, 4);
  return integration;
}

// Columns id, session_id, context, mimetype, size, sha256, created_at (numbers as text).
Media read_media(const Result& rows, int row) {
  Media media;
  media.id = rows.text(row, 0);
  media.session_id = rows.text(row, 1);
  media.context = rows.text(row, 2);
  media.mimetype = rows.text(row, 3);
  media.size = rows.integer(row, 4);
  media.sha256 = rows.text(row, 5);
  media.created_at = rows.integer(row, 6);
  return media;
}

// read_media's columns, then integration_id and the bytes, from a binary-format result.
MediaFile read_media_file(const Result& rows, int row) {
  return MediaFile{read_media(rows, row), rows.text(row, 7), rows.text(row, 8)};
}

}  // namespace

std::string redact_url(std::string_view url) {
  std::string redacted(url);
  const std::string password = url_password(url);
  if (!password.empty()) {
    replace_all(redacted, ":" + password + "@", ":***@");
    replace_all(redacted, "password=" + password, "password=***");
  }
  return redacted;
}

// Returns a pooled connection on destruction.
class PostgresStore::Lease {
 public:
  Lease(PostgresStore& store, Connection* connection) : store_(store), connection_(connection) {}
  ~Lease() { store_.release(connection_); }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  Connection& operator*() { return *connection_; }

 private:
  PostgresStore& store_;
  Connection* connection_;
};

PostgresStore::PostgresStore(std::string url, const PoolOptions& pool, Migrations migrations)
    : url_(std::move(url)), pool_(pool), pool_size_(static_cast<std::size_t>(pool_size(pool))) {
  connections_.push_back(std::make_unique<Connection>(url_, url_password(url_)));
  if (migrations == Migrations::kApply) {
    migrate(*connections_.front());
  } else {
    require_current(*connections_.front());
  }
  idle_.push_back(connections_.front().get());
}

PostgresStore::~PostgresStore() = default;

PostgresStore::Lease PostgresStore::acquire() {
  Connection* connection = nullptr;
  {
    std::unique_lock lock(mutex_);
    wait_for_connection(lock, idle_available_, pool_,
                        [this] { return !idle_.empty() || connections_.size() < pool_size_; });
    if (!idle_.empty()) {
      connection = idle_.back();
      idle_.pop_back();
    } else {
      // Open the next connection under the lock: rare (at most pool_size times), and
      // it keeps the count of connections exact.
      connections_.push_back(std::make_unique<Connection>(url_, url_password(url_)));
      connection = connections_.back().get();
    }
  }
  try {
    connection->ensure_usable();
  } catch (const StoreError&) {
    release(connection);  // kept: the next caller tries to reconnect it again
    throw;
  }
  return Lease(*this, connection);
}

void PostgresStore::release(Connection* connection) {
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(connection);
  }
  idle_available_.notify_one();
}

void PostgresStore::migrate(Connection& connection) {
  // The advisory lock is taken first and held to COMMIT: a second node starting at
  // the same moment waits here, then sees the migrations already applied.
  Transaction tx(connection);
  connection.exec(sql::kLockMigrations);
  connection.exec(sql::kCreateMigrationsTable);
  const std::int64_t applied = connection.run(sql::kSelectAppliedVersion).integer(0, 0);
  for (const auto& migration : sql::kMigrations) {
    if (migration.version <= applied) {
      continue;
    }
    connection.exec(migration.statements);
    connection.run(sql::kInsertMigration, Params().add(migration.version).add(wall_clock_ms()));
  }
  tx.commit();
}

void PostgresStore::require_current(Connection& connection) {
  // No lock and no DDL: a node that only checks never blocks behind, or takes part
  // in, a migration another process is running.
  std::int64_t applied = 0;
  if (connection.run(sql::kMigrationsTableExists).boolean(0, 0)) {
    applied = connection.run(sql::kSelectAppliedVersion).integer(0, 0);
  }
  if (applied < sql::kSchemaVersion) {
    throw StoreError("database schema is at version " + std::to_string(applied) + ", this inereg needs " +
                     std::to_string(sql::kSchemaVersion) + ": run `inereg migrate`");
  }
}

int PostgresStore::schema_version() {
  auto lease = acquire();
  return static_cast<int>((*lease).run(sql::kSelectAppliedVersion).integer(0, 0));
}

void PostgresStore::load_secrets(Connection& connection, Integration& integration) {
  const Result secrets = connection.run(sql::kSelectActiveSecrets, Params().add(integration.id));
  for (int row = 0; row < secrets.rows(); ++row) {
    integration.secrets.push_back(
        IntegrationSecret{secrets.integer(row, 0), secrets.text(row, 1), secrets.integer(row, 2)});
  }
}

void PostgresStore::load_cors_origins(Connection& connection, Integration& integration) {
  const Result origins = connection.run(sql::kSelectCorsOrigins, Params().add(integration.id));
  for (int row = 0; row < origins.rows(); ++row) {
    integration.cors_origins.push_back(origins.text(row, 0));
  }
}

void PostgresStore::create_integration(const Integration& integration, std::string_view sealed_secret) {
  auto lease = acquire();
  Connection& c = *lease;
  Transaction tx(c);
  c.run(sql::kInsertIntegration, Params()
                                     .add(integration.id)
                                     .add(integration.name)
                                     .add(integration.api_key)
                                     .add(integration.active)
                                     .add(integration.created_at));
  c.run(sql::kInsertSecret, Params().add(integration.id).add(sealed_secret).add(integration.created_at));
  for (const auto& origin : integration.cors_origins) {
    c.run(sql::kInsertCorsOrigin, Params().add(integration.id).add(origin));
  }
  tx.commit();
}

std::optional<Integration> PostgresStore::find_integration_where(std::string_view sql, std::string_view value) {
  auto lease = acquire();
  const Result rows = (*lease).run(sql, Params().add(value));
  if (rows.rows() == 0) {
    return std::nullopt;
  }
  Integration found = read_integration(rows, 0);
  load_secrets(*lease, found);
  load_cors_origins(*lease, found);
  return found;
}

std::optional<Integration> PostgresStore::find_integration_by_api_key(std::string_view api_key) {
  return find_integration_where(sql::kSelectIntegrationByApiKey, api_key);
}

std::optional<Integration> PostgresStore::find_integration(std::string_view id) {
  return find_integration_where(sql::kSelectIntegrationById, id);
}

std::vector<Integration> PostgresStore::list_integrations() {
  auto lease = acquire();
  std::vector<Integration> all;
  const Result rows = (*lease).run(sql::kSelectIntegrations);
  for (int row = 0; row < rows.rows(); ++row) {
    all.push_back(read_integration(rows, row));
  }
  for (auto& integration : all) {
    load_secrets(*lease, integration);
    load_cors_origins(*lease, integration);
  }
  return all;
}

std::int64_t PostgresStore::add_integration_secret(std::string_view integration_id, std::string_view sealed_secret,
                                                   TimeMs now) {
  auto lease = acquire();
  return (*lease).run(sql::kInsertSecret, Params().add(integration_id).add(sealed_secret).add(now)).integer(0, 0);
}

int PostgresStore::revoke_older_integration_secrets(std::string_view integration_id, TimeMs now) {
  auto lease = acquire();
  return (*lease).run(sql::kRevokeOlderSecrets, Params().add(now).add(integration_id)).affected();
}

bool PostgresStore::set_integration_active(std::string_view integration_id, bool active) {
  auto lease = acquire();
  return (*lease).run(sql::kSetIntegrationActive, Params().add(active).add(integration_id)).affected() == 1;
}

bool PostgresStore::set_integration_cors_origins(std::string_view integration_id,
                                                 std::span<const std::string> origins) {
  auto lease = acquire();
  Connection& c = *lease;
  Transaction tx(c);
  if (c.run(sql::kLockIntegration, Params().add(integration_id)).rows() == 0) {
    return false;
  }
  c.run(sql::kDeleteCorsOrigins, Params().add(integration_id));
  for (const auto& origin : origins) {
    c.run(sql::kInsertCorsOrigin, Params().add(integration_id).add(origin));
  }
  tx.commit();
  return true;
}

std::vector<std::string> PostgresStore::list_allowed_cors_origins() {
  auto lease = acquire();
  const Result rows = (*lease).run(sql::kSelectAllowedCorsOrigins);
  std::vector<std::string> origins;
  for (int row = 0; row < rows.rows(); ++row) {
    origins.push_back(rows.text(row, 0));
  }
  return origins;
}

void PostgresStore::insert_session(const Session& s) {
  auto lease = acquire();
  (*lease).run(sql::kInsertSession, Params()
                                        .add(s.id)
                                        .add(s.integration_id)
                                        .add(s.status)
                                        .add(s.attempt_id)
                                        .add(s.vendor_data)
                                        .add(s.end_user_id)
                                        .add(s.callback)
                                        .add(s.person_json)
                                        .add(s.document_json)
                                        .add(s.ine_document)
                                        .add(s.credential.cic)
                                        .add(s.credential.citizen_id)
                                        .add(s.credential.ocr)
                                        .add(s.credential.elector_key)
                                        .add(s.credential.emission_number)
                                        .add(s.credential.curp)
                                        .add(s.created_at));
}

std::optional<Session> PostgresStore::find_session(std::string_view session_id) {
  auto lease = acquire();
  return select_session(*lease, session_id);
}

SubmitOutcome PostgresStore::submit_session(std::string_view session_id, std::string_view attempt_id,
                                            const SubmitPlan& plan, std::string_view decision_status_without_check,
                                            TimeMs now) {
  auto lease = acquire();
  Connection& c = *lease;
  Transaction tx(c);
  // The status condition and the row lock taken by the UPDATE make the transition
  // happen once even when two nodes submit the same session concurrently. The lock also
  // conflicts with insert_media's FOR NO KEY UPDATE of the session: an upload committed
  // before it is seen by the SELECT below (a new snapshot under READ COMMITTED); one
  // waiting on the lock then finds the session submitted and is refused.
  if (c.run(sql::kSubmitSession, Params().add(attempt_id).add(now).add(session_id)).affected() == 0) {
    return c.run(sql::kSessionExists, Params().add(session_id)).rows() > 0 ? SubmitOutcome::kNotAllowed
                                                                           : SubmitOutcome::kNotFound;
  }
  queue_webhooks(c, session_id, SessionChange::Kind::kSubmitted, nullptr, now);
  if (plan.read_documents && c.run(sql::kSessionHasReadableDocument, Params().add(session_id)).rows() > 0) {
    c.run(sql::kInsertReadingCheckJob, Params().add(session_id).add(now));
  } else if (plan.lookup) {
    c.run(sql::kInsertCheckJob, Params().add(session_id).add(now));
  } else {
    c.run(sql::kDecideSession, Params().add(decision_status_without_check).add(now).add(session_id));
    queue_webhooks(c, session_id, SessionChange::Kind::kDecided, nullptr, now);
  }
  tx.commit();
  return SubmitOutcome::kSubmitted;
}

DeleteOutcome PostgresStore::delete_session_rate_limited(std::string_view session_id, std::string_view integration_id,
                                                         const DeleteRateLimit& limit, TimeMs now) {
  auto lease = acquire();
  Connection& c = *lease;
  Transaction tx(c);
  // The integration's row lock serializes its deletions across every node: the count
  // and the delete below cannot interleave with another node's.
  if (c.run(sql::kLockIntegration, Params().add(integration_id)).rows() == 0) {
    return DeleteOutcome{DeleteOutcome::Kind::kNotFound, 0};
  }
  c.run(sql::kPruneSessionDeletions, Params().add(integration_id).add(now - DeleteRateLimit::kDayMs));
  DeleteOutcome outcome;
  for (const auto& [window, allowed] :
       {std::pair{DeleteRateLimit::kHourMs, limit.per_hour}, std::pair{DeleteRateLimit::kDayMs, limit.per_day}}) {
    if (allowed <= 0) {
      continue;
    }
    const Result nth =
        c.run(sql::kSelectNthRecentDeletion, Params().add(integration_id).add(now - window).add(allowed - 1));
    if (nth.rows() > 0) {
      outcome.kind = DeleteOutcome::Kind::kRateLimited;
      outcome.retry_at = std::max(outcome.retry_at, nth.integer(0, 0) + window);
    }
  }
  if (outcome.kind == DeleteOutcome::Kind::kRateLimited) {
    tx.commit();  // keeps the pruning
    return outcome;
  }
  // The deletion's decision webhook (decide_as_deleted), then the session's finished
  // deliveries lose their bodies: the personal data goes with the session.
  queue_webhooks(c, session_id, SessionChange::Kind::kDecided, nullptr, now, decide_as_deleted);
  c.run(sql::kEraseFinishedDeliveryBodies, Params().add(session_id));
  // ON DELETE CASCADE removes the result and the job with the session.
  if (c.run(sql::kDeleteOwnedSession, Params().add(session_id).add(integration_id)).affected() != 1) {
    return DeleteOutcome{DeleteOutcome::Kind::kNotFound, 0};
  }
  c.run(sql::kInsertSessionDeletion, Params().add(integration_id).add(now));
  tx.commit();
  return DeleteOutcome{DeleteOutcome::Kind::kDeleted, 0};
}

std::optional<IneAnswer> PostgresStore::find_ine_answer(std::string_view session_id) {
  auto lease = acquire();
  const Result row = (*lease).run(sql::kSelectIneAnswer, Params().add(session_id));
  if (row.rows() == 0) {
    return std::nullopt;
  }
  IneAnswer answer{row.text(0, 0), row.text(0, 1), std::nullopt};
  if (!row.is_null(0, 2)) {
    answer.result =
        IneResult{row.boolean(0, 2), row.text(0, 3), static_cast<int>(row.integer(0, 4)), row.integer(0, 5)};
  }
  return answer;
}

std::int64_t PostgresStore::pending_check_count() {
  auto lease = acquire();
  return (*lease).run(sql::kCountPendingChecks).integer(0, 0);
}

std::vector<ClaimedCheck> PostgresStore::claim_checks(std::string_view owner, TimeMs now, TimeMs lease_ms, int limit) {
  std::vector<ClaimedCheck> claimed;
  if (limit <= 0) {
    return claimed;
  }
  auto lease = acquire();
  // One statement, so its own transaction: the row locks taken by FOR UPDATE SKIP
  // LOCKED are held until the leases are written.
  const Result rows = (*lease).run(sql::kClaimChecks, Params().add(owner).add(now + lease_ms).add(now).add(limit));
  claimed.reserve(static_cast<std::size_t>(rows.rows()));
  for (int row = 0; row < rows.rows(); ++row) {
    ClaimedCheck check;
    check.session_id = rows.text(row, 0);
    check.attempts = static_cast<int>(rows.integer(row, 1));
    check.credential.cic = rows.text(row, 2);
    check.credential.citizen_id = rows.text(row, 3);
    check.credential.ocr = rows.text(row, 4);
    check.credential.elector_key = rows.text(row, 5);
    check.credential.emission_number = rows.text(row, 6);
    check.credential.curp = rows.text(row, 7);
    check.read_document = rows.boolean(row, 8);
    claimed.push_back(std::move(check));
  }
  return claimed;
}

std::vector<bool> PostgresStore::complete_checks(std::string_view owner, std::span<const CheckCompletion> batch,
                                                 TimeMs now) {
  std::vector<bool> recorded(batch.size(), false);
  if (batch.empty()) {
    return recorded;
  }
  std::vector<std::string> ids, attempts, active, states, situations, decisions;
  for (const auto& done : batch) {
    ids.push_back(done.session_id);
    attempts.push_back(std::to_string(done.attempts));
    active.push_back(done.result.active ? "t" : "f");
    states.push_back(done.result.document_state);
    situations.push_back(std::to_string(done.result.situation));
    decisions.push_back(done.decision_status);
  }
  auto lease = acquire();
  // An explicit transaction although it is one statement: if this process dies while
  // the statement waits on a lock, COMMIT never arrives and nothing is recorded. An
  // implicit transaction would still commit on the server after the process is gone.
  Transaction tx(*lease);
  const Result finished = (*lease).run(sql::kCompleteChecks, Params()
                                                                 .add(array_literal(ids))
                                                                 .add(array_literal(attempts))
                                                                 .add(owner)
                                                                 .add(array_literal(active))
                                                                 .add(array_literal(states))
                                                                 .add(array_literal(situations))
                                                                 .add(array_literal(decisions))
                                                                 .add(now));
  mark_returned(finished, ids, recorded);
  // The webhooks of each recorded result, in the same transaction as the result.
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (recorded[i]) {
      IneResult result = batch[i].result;
      result.checked_at = now;
      queue_webhooks(*lease, batch[i].session_id, SessionChange::Kind::kDecided, &result, now);
    }
  }
  tx.commit();
  return recorded;
}

std::vector<bool> PostgresStore::retry_checks(std::string_view owner, std::span<const CheckRetry> batch) {
  std::vector<bool> applied(batch.size(), false);
  if (batch.empty()) {
    return applied;
  }
  std::vector<std::string> ids, attempts, next_runs;
  for (const auto& retry : batch) {
    ids.push_back(retry.session_id);
    attempts.push_back(std::to_string(retry.attempts));
    next_runs.push_back(std::to_string(retry.next_run_at));
  }
  auto lease = acquire();
  Transaction tx(*lease);  // as in complete_checks: a dead process commits nothing
  const Result retried = (*lease).run(
      sql::kRetryChecks,
      Params().add(array_literal(ids)).add(array_literal(attempts)).add(array_literal(next_runs)).add(owner));
  tx.commit();
  mark_returned(retried, ids, applied);
  return applied;
}

void PostgresStore::upsert_registry_entries(std::span<const RegistryEntry> entries) {
  if (entries.empty()) {
    return;
  }
  // Later entries replace earlier ones with the same key (as one INSERT per entry
  // would); ON CONFLICT cannot update a row twice in one statement, so keep only the
  // last occurrence of each key, in input order.
  std::vector<RegistryEntry> unique;
  {
    std::unordered_set<std::string_view> seen;
    seen.reserve(entries.size());
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
      if (seen.insert(it->lookup_key).second) {
        unique.push_back(*it);
      }
    }
    std::reverse(unique.begin(), unique.end());
  }
  auto lease = acquire();
  Connection& c = *lease;
  Transaction tx(c);
  for (std::size_t first = 0; first < unique.size(); first += kRegistryBatchRows) {
    const std::span<const RegistryEntry> batch =
        std::span<const RegistryEntry>(unique).subspan(first, std::min(kRegistryBatchRows, unique.size() - first));
    c.run(sql::kUpsertRegistryEntries, Params()
                                           .add(text_array(batch, &RegistryEntry::lookup_key))
                                           .add(text_array(batch, &RegistryEntry::model))
                                           .add(situation_array(batch)));
  }
  tx.commit();
}

std::optional<int> PostgresStore::find_registry_situation(std::string_view lookup_key) {
  auto lease = acquire();
  const Result row = (*lease).run(sql::kSelectRegistrySituation, Params().add(lookup_key));
  if (row.rows() == 0) {
    return std::nullopt;
  }
  return static_cast<int>(row.integer(0, 0));
}

std::int64_t PostgresStore::registry_entry_count() {
  auto lease = acquire();
  return (*lease).run(sql::kCountRegistryEntries).integer(0, 0);
}

void PostgresStore::queue_webhooks(Connection& c, std::string_view session_id, SessionChange::Kind kind,
                                   const IneResult* result, TimeMs now, bool (*adjust)(Session&, TimeMs)) {
  if (!composer_) {
    return;
  }
  auto session = select_session(c, session_id);
  if (!session || (adjust != nullptr && !adjust(*session, now))) {
    return;
  }
  const WebhookUrls urls = select_webhook_urls(c, session->integration_id).value_or(WebhookUrls{});
  for (const auto& queued : webhooks_to_queue(composer_.get(), SessionChange{kind, *session, result}, urls)) {
    insert_delivery(c, session->integration_id, session->id, queued.kind, queued.url, queued.body, now, std::nullopt);
  }
}

bool PostgresStore::set_integration_webhooks(std::string_view integration_id, const WebhookUrls& urls) {
  auto lease = acquire();
  return (*lease)
             .run(sql::kSetIntegrationWebhooks,
                  Params().add(urls.decision).add(urls.event).add(urls.ine).add(integration_id))
             .affected() == 1;
}

std::optional<WebhookUrls> PostgresStore::find_integration_webhooks(std::string_view integration_id) {
  auto lease = acquire();
  return select_webhook_urls(*lease, integration_id);
}

StartOutcome PostgresStore::start_session(std::string_view session_id, std::string_view attempt_id, TimeMs now) {
  auto lease = acquire();
  Connection& c = *lease;
  Transaction tx(c);
  if (c.run(sql::kStartSession, Params().add(attempt_id).add(session_id)).affected() == 0) {
    return c.run(sql::kSessionExists, Params().add(session_id)).rows() > 0 ? StartOutcome::kNotAllowed
                                                                           : StartOutcome::kNotFound;
  }
  queue_webhooks(c, session_id, SessionChange::Kind::kStarted, nullptr, now);
  tx.commit();
  return StartOutcome::kStarted;
}

int PostgresStore::expire_sessions(TimeMs created_before, TimeMs now, int limit) {
  auto lease = acquire();
  Connection& c = *lease;
  Transaction tx(c);
  const Result decided = c.run(sql::kExpireSessions, Params().add(now).add(created_before).add(limit));
  for (int row = 0; row < decided.rows(); ++row) {
    queue_webhooks(c, decided.text(row, 0), SessionChange::Kind::kDecided, nullptr, now);
  }
  tx.commit();
  return decided.rows();
}

std::vector<ClaimedDelivery> PostgresStore::claim_webhook_deliveries(std::string_view owner, TimeMs now,
                                                                     TimeMs lease_ms, int limit) {
  auto lease = acquire();
  // One statement, so its own transaction (as claim_checks).
  const Result rows = (*lease).run(sql::kClaimDeliveries, Params().add(owner).add(now + lease_ms).add(now).add(limit));
  std::vector<ClaimedDelivery> claimed;
  for (int row = 0; row < rows.rows(); ++row) {
    ClaimedDelivery d;
    d.id = rows.integer(row, 0);
    d.integration_id = rows.text(row, 1);
    d.api_key = rows.text(row, 2);
    d.session_id = rows.text(row, 3);
    d.kind = webhook_kind_from_name(rows.text(row, 4)).value_or(WebhookKind::kDecision);
    d.url = rows.text(row, 5);
    d.body = rows.text(row, 6);
    d.attempts = static_cast<int>(rows.integer(row, 7));
    d.created_at = rows.integer(row, 8);
    claimed.push_back(std::move(d));
  }
  return claimed;
}

bool PostgresStore::record_webhook_attempt(std::int64_t delivery_id, std::string_view owner,
                                           const WebhookAttempt& attempt, DeliveryState next_state,
                                           TimeMs next_attempt_at) {
  auto lease = acquire();
  Connection& c = *lease;
  Transaction tx(c);
  const auto finished = c.run(
      sql::kFinishDeliveryAttempt,
      Params()
          .add(delivery_state_name(next_state))
          .add(next_attempt_at)
          .add(attempt.http_status)
          .add(text_or_null(attempt.error))
          .add(next_state == DeliveryState::kDelivered ? std::optional<TimeMs>(attempt.attempted_at) : std::nullopt)
          .add(delivery_id)
          .add(owner));
  if (finished.affected() != 1) {
    return false;  // the lease expired and another worker took the delivery over
  }
  c.run(sql::kInsertDeliveryAttempt, Params()
                                         .add(delivery_id)
                                         .add(attempt.attempted_at)
                                         .add(attempt.http_status)
                                         .add(text_or_null(attempt.error))
                                         .add(attempt.duration_ms));
  tx.commit();
  return true;
}

std::vector<WebhookDelivery> PostgresStore::list_webhook_deliveries(const DeliveryFilter& filter) {
  auto lease = acquire();
  Connection& c = *lease;
  const Result rows =
      c.run(sql::kListDeliveries,
            Params()
                .add(filter.session_id)
                .add(filter.state ? std::optional<std::string>(std::string(delivery_state_name(*filter.state)))
                                  : std::nullopt)
                .add(filter.limit));
  std::vector<WebhookDelivery> all;
  for (int row = 0; row < rows.rows(); ++row) {
    WebhookDelivery d;
    d.id = rows.integer(row, 0);
    d.integration_id = rows.text(row, 1);
    d.session_id = rows.text(row, 2);
    d.kind = webhook_kind_from_name(rows.text(row, 3)).value_or(WebhookKind::kDecision);
    d.url = rows.text(row, 4);
    d.state = delivery_state_from_name(rows.text(row, 5)).value_or(DeliveryState::kPending);
    d.attempts = static_cast<int>(rows.integer(row, 6));
    d.next_attempt_at = rows.integer(row, 7);
    if (const auto status = rows.optional_integer(row, 8)) {
      d.last_status = static_cast<int>(*status);
    }
    d.last_error = rows.optional_text(row, 9);
    d.created_at = rows.integer(row, 10);
    d.delivered_at = rows.optional_integer(row, 11);
    d.redelivery_of = rows.optional_integer(row, 12);
    d.body_bytes = rows.integer(row, 13);
    const Result history = c.run(sql::kSelectDeliveryAttempts, Params().add(d.id));
    for (int h = 0; h < history.rows(); ++h) {
      WebhookAttempt attempt;
      attempt.attempted_at = history.integer(h, 0);
      if (const auto status = history.optional_integer(h, 1)) {
        attempt.http_status = static_cast<int>(*status);
      }
      attempt.error = history.optional_text(h, 2).value_or("");
      attempt.duration_ms = history.integer(h, 3);
      d.history.push_back(std::move(attempt));
    }
    all.push_back(std::move(d));
  }
  return all;
}

RedeliverResult PostgresStore::redeliver_webhook(std::int64_t delivery_id, TimeMs now) {
  auto lease = acquire();
  Connection& c = *lease;
  Transaction tx(c);
  const Result row = c.run(sql::kSelectDeliveryForRedelivery, Params().add(delivery_id));
  if (row.rows() == 0) {
    return {RedeliverResult::Status::kNotFound, 0};
  }
  const std::string integration_id = row.text(0, 0);
  const std::string session_id = row.text(0, 1);
  const auto kind = webhook_kind_from_name(row.text(0, 2));
  const std::string body = row.text(0, 3);
  const WebhookUrls urls{row.text(0, 4), row.text(0, 5), row.text(0, 6)};
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

std::int64_t PostgresStore::pending_webhook_count() {
  auto lease = acquire();
  return (*lease).run(sql::kCountPendingDeliveries).integer(0, 0);
}

MediaInsertOutcome PostgresStore::insert_media(const Media& media, std::string_view bytes, const MediaLimits& limits) {
  auto lease = acquire();
  Connection& c = *lease;
  Transaction tx(c);
  const Result session = c.run(sql::kLockSessionForUpload, Params().add(media.session_id));
  if (session.rows() == 0) {
    return MediaInsertOutcome::kSessionNotFound;
  }
  const std::string status = session.text(0, 0);
  if (status != session_status::kCreated && status != session_status::kStarted) {
    return MediaInsertOutcome::kSessionNotUploadable;
  }
  const Result usage = c.run(sql::kSelectSessionMediaUsage, Params().add(media.session_id));
  if (usage.integer(0, 0) + 1 > limits.max_files_per_session ||
      usage.integer(0, 1) + media.size > limits.max_bytes_per_session) {
    return MediaInsertOutcome::kLimitReached;
  }
  c.run(sql::kInsertMedia, Params()
                               .add(media.id)
                               .add(media.session_id)
                               .add(media.context)
                               .add(media.mimetype)
                               .add(media.size)
                               .add(media.sha256)
                               .add(media.created_at)
                               .add_binary(bytes));
  tx.commit();
  return MediaInsertOutcome::kStored;
}

std::vector<Media> PostgresStore::list_media(std::string_view session_id) {
  auto lease = acquire();
  const Result rows = (*lease).run(sql::kSelectSessionMedia, Params().add(session_id));
  std::vector<Media> all;
  for (int row = 0; row < rows.rows(); ++row) {
    all.push_back(read_media(rows, row));
  }
  return all;
}

std::optional<MediaFile> PostgresStore::find_media(std::string_view media_id) {
  auto lease = acquire();
  const Result rows = (*lease).run_binary(sql::kSelectMediaFile, Params().add(media_id));
  if (rows.rows() == 0) {
    return std::nullopt;
  }
  return read_media_file(rows, 0);
}

std::vector<MediaFile> PostgresStore::media_for_reading(std::string_view session_id) {
  auto lease = acquire();
  const Result rows = (*lease).run_binary(sql::kSelectMediaForReading, Params().add(session_id));
  std::vector<MediaFile> all;
  for (int row = 0; row < rows.rows(); ++row) {
    all.push_back(read_media_file(rows, row));
  }
  return all;
}

bool PostgresStore::record_document_reading(std::string_view owner, const DocumentReadingRecord& record, TimeMs now) {
  auto lease = acquire();
  Connection& c = *lease;
  Transaction tx(c);
  if (record.credential) {
    if (c.run(sql::kReleaseReadCheck, Params().add(now).add(record.session_id).add(owner).add(record.attempts))
            .affected() != 1) {
      return false;  // the claim was lost (expired and taken over) or the session deleted
    }
    const ine::Credential& read = *record.credential;
    c.run(sql::kSetSessionCredential, Params()
                                          .add(read.cic)
                                          .add(read.citizen_id)
                                          .add(read.ocr)
                                          .add(read.elector_key)
                                          .add(read.emission_number)
                                          .add(read.curp)
                                          .add(record.session_id));
  } else {
    if (c.run(sql::kFinishReadCheck, Params().add(record.session_id).add(owner).add(record.attempts)).affected() != 1) {
      return false;
    }
    c.run(sql::kDecideSessionWithReason, Params()
                                             .add(session_status::kResubmissionRequested)
                                             .add(now)
                                             .add(record.decision_reason)
                                             .add(record.session_id));
    queue_webhooks(c, record.session_id, SessionChange::Kind::kDecided, nullptr, now);
  }
  tx.commit();
  return true;
}

}  // namespace inereg::store::postgres
