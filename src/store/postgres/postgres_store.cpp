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

PostgresStore::PostgresStore(std::string url, int pool_size, Migrations migrations)
    : url_(std::move(url)), pool_size_(static_cast<std::size_t>(std::max(1, pool_size))) {
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
    idle_available_.wait(lock, [this] { return !idle_.empty() || connections_.size() < pool_size_; });
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
  const Result row = (*lease).run(sql::kSelectSession, Params().add(session_id));
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
  return s;
}

SubmitOutcome PostgresStore::submit_session(std::string_view session_id, std::string_view attempt_id,
                                            bool enqueue_check, std::string_view decision_status_without_check,
                                            TimeMs now) {
  auto lease = acquire();
  Connection& c = *lease;
  Transaction tx(c);
  // The status condition and the row lock taken by the UPDATE make the transition
  // happen once even when two nodes submit the same session concurrently.
  if (c.run(sql::kSubmitSession, Params().add(attempt_id).add(now).add(session_id)).affected() == 0) {
    return c.run(sql::kSessionExists, Params().add(session_id)).rows() > 0 ? SubmitOutcome::kNotAllowed
                                                                           : SubmitOutcome::kNotFound;
  }
  if (enqueue_check) {
    c.run(sql::kInsertCheckJob, Params().add(session_id).add(now));
  } else {
    c.run(sql::kDecideSession, Params().add(decision_status_without_check).add(now).add(session_id));
  }
  tx.commit();
  return SubmitOutcome::kSubmitted;
}

bool PostgresStore::delete_session(std::string_view session_id) {
  auto lease = acquire();
  // ON DELETE CASCADE removes the result and the job with the session.
  return (*lease).run(sql::kDeleteSession, Params().add(session_id)).affected() == 1;
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

std::optional<ClaimedCheck> PostgresStore::claim_check(std::string_view owner, TimeMs now, TimeMs lease_ms) {
  auto lease = acquire();
  // One statement, so its own transaction: the row lock taken by FOR UPDATE SKIP
  // LOCKED is held until the lease is written.
  const Result row = (*lease).run(sql::kClaimCheck, Params().add(owner).add(now + lease_ms).add(now));
  if (row.rows() == 0) {
    return std::nullopt;
  }
  ClaimedCheck claimed;
  claimed.session_id = row.text(0, 0);
  claimed.attempts = static_cast<int>(row.integer(0, 1));
  claimed.credential.cic = row.text(0, 2);
  claimed.credential.citizen_id = row.text(0, 3);
  claimed.credential.ocr = row.text(0, 4);
  claimed.credential.elector_key = row.text(0, 5);
  claimed.credential.emission_number = row.text(0, 6);
  claimed.credential.curp = row.text(0, 7);
  return claimed;
}

bool PostgresStore::complete_check(std::string_view session_id, std::string_view owner, const IneResult& result,
                                   std::string_view decision_status, TimeMs now) {
  auto lease = acquire();
  Connection& c = *lease;
  Transaction tx(c);
  if (c.run(sql::kFinishCheck, Params().add(session_id).add(owner)).affected() != 1) {
    return false;  // the lease was lost (expired and taken over) or the session deleted
  }
  c.run(sql::kInsertIneResult,
        Params().add(session_id).add(result.active).add(result.document_state).add(result.situation).add(now));
  c.run(sql::kDecideSession, Params().add(decision_status).add(now).add(session_id));
  tx.commit();
  return true;
}

void PostgresStore::retry_check(std::string_view session_id, std::string_view owner, TimeMs next_run_at) {
  auto lease = acquire();
  (*lease).run(sql::kRetryCheck, Params().add(next_run_at).add(session_id).add(owner));
}

std::int64_t PostgresStore::pending_check_count() {
  auto lease = acquire();
  return (*lease).run(sql::kCountPendingChecks).integer(0, 0);
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

}  // namespace inereg::store::postgres
