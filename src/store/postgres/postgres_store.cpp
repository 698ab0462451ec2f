#include "store/postgres/postgres_store.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <unordered_map>
#include <unordered_set>

#include "store/batched_calls.hpp"
#include "store/connection_pool.hpp"
#include "store/postgres/sql.hpp"
#include "store/rows.hpp"
#include "store/scoped_transaction.hpp"
#include "util/time.hpp"

namespace inereg::store::postgres {
namespace {

// Rows per INSERT of upsert_registry_entries: large enough that a million-row import
// is a few hundred round trips, small enough to keep each statement's arrays modest.
constexpr std::size_t kRegistryBatchRows = 5000;

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

// A PostgreSQL array literal, one element at a time: every element quoted and escaped,
// nullopt as NULL. A batch travels as parallel arrays, unnested into rows by the SQL.
class ArrayLiteral {
 public:
  ArrayLiteral& add(std::string_view value) {
    separate();
    text_ += '"';
    for (const char c : value) {
      if (c == '"' || c == '\\') {
        text_ += '\\';
      }
      text_ += c;
    }
    text_ += '"';
    return *this;
  }
  ArrayLiteral& add(std::int64_t value) { return add(std::string_view(std::to_string(value))); }
  ArrayLiteral& add(int value) { return add(static_cast<std::int64_t>(value)); }
  ArrayLiteral& add(bool value) { return add(std::string_view(value ? "t" : "f")); }
  template <typename T>
  ArrayLiteral& add(const std::optional<T>& value) {
    if (!value) {
      separate();
      text_ += "NULL";
      return *this;
    }
    return add(*value);
  }
  std::string str() const { return text_ + '}'; }

 private:
  void separate() {
    if (text_.size() > 1) {
      text_ += ',';
    }
  }
  std::string text_ = "{";
};

// Per entry of `ids`, whether `returned` has it in its first column.
std::vector<bool> returned_ids(const Result& returned, std::span<const std::string> ids) {
  std::unordered_set<std::string> found;
  for (int row = 0; row < returned.rows(); ++row) {
    found.insert(returned.text(row, 0));
  }
  std::vector<bool> flags;
  flags.reserve(ids.size());
  for (const auto& id : ids) {
    flags.push_back(found.count(id) != 0);
  }
  return flags;
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

// One row of a Result, in the shape store/rows.hpp reads.
class Row {
 public:
  Row(const Result& result, int row) : result_(result), row_(row) {}
  std::string text(int column) const { return result_.text(row_, column); }
  std::optional<std::string> optional_text(int column) const { return result_.optional_text(row_, column); }
  std::int64_t integer(int column) const { return result_.integer(row_, column); }
  std::optional<std::int64_t> optional_integer(int column) const { return result_.optional_integer(row_, column); }
  bool boolean(int column) const { return result_.boolean(row_, column); }
  // A bytea column of a binary-format result (Connection::run_binary): its raw bytes.
  std::string bytes(int column) const { return result_.text(row_, column); }

 private:
  const Result& result_;
  int row_;
};

std::optional<Session> select_session(Connection& c, std::string_view sql, std::string_view session_id) {
  const Result row = c.run(sql, Params().add(session_id));
  if (row.rows() == 0) {
    return std::nullopt;
  }
  return rows::session(Row(row, 0));
}

std::vector<Session> all_sessions(const Result& found) {
  std::vector<Session> sessions;
  sessions.reserve(static_cast<std::size_t>(found.rows()));
  for (int row = 0; row < found.rows(); ++row) {
    sessions.push_back(rows::session(Row(found, row)));
  }
  return sessions;
}

std::vector<SessionKey> all_session_keys(const Result& found) {
  std::vector<SessionKey> keys;
  keys.reserve(static_cast<std::size_t>(found.rows()));
  for (int row = 0; row < found.rows(); ++row) {
    keys.push_back(SessionKey{found.text(row, 0), found.text(row, 1), found.text(row, 2)});
  }
  return keys;
}

// `ids` as one array parameter (`= ANY($n::text[])`).
std::string array_of(std::span<const std::string> ids) {
  ArrayLiteral array;
  for (const auto& id : ids) {
    array.add(id);
  }
  return array.str();
}

std::vector<SessionKey> select_session_keys(Connection& c, std::span<const std::string> ids) {
  if (ids.empty()) {
    return {};
  }
  return all_session_keys(c.run(sql::kSelectSessionKeys, Params().add(array_of(ids))));
}

std::optional<std::string> text_or_null(const std::string& text) {
  return text.empty() ? std::nullopt : std::optional<std::string>(text);
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

namespace {

using Pool = ConnectionPool<Connection>;

// The session workflow's write transaction: one pooled connection, BEGIN to COMMIT
// under READ COMMITTED. Row locks (lock_session, lock_integration, the sweep's SKIP
// LOCKED) are held to the end; each batch primitive is one statement. An explicit
// transaction even for one statement: if this process dies while a statement waits on
// a lock, COMMIT never arrives and nothing is recorded.
class OpenTransaction final : public PooledWriteTransaction<Connection> {
 public:
  explicit OpenTransaction(Pool::Lease lease)
      : PooledWriteTransaction(std::move(lease), sql::kBegin), c_(connection()) {}

  std::vector<Session> lock_sessions(std::span<const std::string> ids) override {
    return all_sessions(c_.run(sql::kLockSessions, Params().add(array_of(ids))));
  }

  std::vector<Session> find_sessions(std::span<const std::string> ids) override {
    return all_sessions(c_.run(sql::kSelectSessions, Params().add(array_of(ids))));
  }

  std::vector<Session> lock_sessions_created_before(std::span<const std::string_view, 2> statuses,
                                                    TimeMs created_before, int limit) override {
    return all_sessions(c_.run(sql::kLockSessionsCreatedBefore,
                               Params().add(statuses[0]).add(statuses[1]).add(created_before).add(limit)));
  }

  std::vector<bool> update_sessions(std::span<const SessionUpdate> updates) override {
    if (updates.empty()) {
      return {};
    }
    std::vector<std::string> ids;
    ArrayLiteral id_array, expected, status, attempt, submitted, decided, reason;
    for (const auto& update : updates) {
      const Session& s = *update.after;
      ids.push_back(s.id);
      id_array.add(s.id);
      expected.add(update.expected_status);
      status.add(s.status);
      attempt.add(s.attempt_id);
      submitted.add(s.submitted_at);
      decided.add(s.decided_at);
      reason.add(s.decision_reason);
    }
    const Result updated = c_.run(sql::kUpdateSessions, Params()
                                                            .add(id_array.str())
                                                            .add(expected.str())
                                                            .add(status.str())
                                                            .add(attempt.str())
                                                            .add(submitted.str())
                                                            .add(decided.str())
                                                            .add(reason.str()));
    return returned_ids(updated, ids);
  }

  void set_session_credential(std::string_view session_id, const ine::Credential& read) override {
    c_.run(sql::kSetSessionCredential, Params()
                                           .add(read.cic)
                                           .add(read.citizen_id)
                                           .add(read.ocr)
                                           .add(read.elector_key)
                                           .add(read.emission_number)
                                           .add(read.curp)
                                           .add(session_id));
  }

  bool delete_session(std::string_view session_id, std::string_view integration_id) override {
    // ON DELETE CASCADE removes the result, the job and the media with the session.
    return c_.run(sql::kDeleteOwnedSession, Params().add(session_id).add(integration_id)).affected() == 1;
  }

  std::vector<SessionKey> find_session_keys(std::span<const std::string> ids) override {
    return select_session_keys(c_, ids);
  }

  void destroy_session_key(std::string_view session_id) override {
    c_.run(sql::kDeleteSessionKey, Params().add(session_id));
  }

  bool reseal_session_key(const SessionKey& key, std::string_view expected_key_id) override {
    return c_.run(sql::kResealSessionKey,
                  Params().add(key.key_id).add(key.sealed_key).add(key.session_id).add(expected_key_id))
               .affected() == 1;
  }

  bool reseal_integration_secret(std::int64_t secret_id, std::string_view expected_sealed,
                                 std::string_view sealed) override {
    return c_.run(sql::kResealSecret, Params().add(sealed).add(secret_id).add(expected_sealed)).affected() == 1;
  }

  std::vector<std::string> lock_sessions_to_purge(std::string_view integration_id, TimeMs decided_before,
                                                  int limit) override {
    const Result rows = c_.run(sql::kLockSessionsToPurge, Params().add(integration_id).add(decided_before).add(limit));
    std::vector<std::string> ids;
    ids.reserve(static_cast<std::size_t>(rows.rows()));
    for (int row = 0; row < rows.rows(); ++row) {
      ids.push_back(rows.text(row, 0));
    }
    return ids;
  }

  bool purge_personal_data(std::string_view session_id, TimeMs now) override {
    return c_.run(sql::kPurgePersonalData, Params().add(session_id).add(now)).integer(0, 0) == 1;
  }

  int prune_delivered_webhooks(std::string_view integration_id, TimeMs delivered_before, int limit) override {
    const Result rows =
        c_.run(sql::kLockDeliveredToPrune, Params().add(integration_id).add(delivered_before).add(limit));
    if (rows.rows() == 0) {
      return 0;
    }
    ArrayLiteral ids;
    for (int row = 0; row < rows.rows(); ++row) {
      ids.add(rows.integer(row, 0));
    }
    for (const auto statement : {sql::kDeleteDeliveryAttempts, sql::kForgetRedeliveryOf, sql::kDeleteDeliveries}) {
      c_.run(statement, Params().add(ids.str()));
    }
    return rows.rows();
  }

  void count_retention(std::string_view integration_id, std::int64_t sessions_purged, std::int64_t webhooks_pruned,
                       TimeMs now) override {
    c_.run(sql::kCountRetention, Params().add(integration_id).add(sessions_purged).add(webhooks_pruned).add(now));
  }

  std::vector<MediaUsage> media_usages(std::span<const std::string> ids) override {
    const Result found = c_.run(sql::kSelectSessionsMediaUsage, Params().add(array_of(ids)));
    std::vector<MediaUsage> usages;
    usages.reserve(static_cast<std::size_t>(found.rows()));
    for (int row = 0; row < found.rows(); ++row) {
      usages.push_back(MediaUsage{found.integer(row, 0), found.integer(row, 1)});
    }
    return usages;
  }

  void insert_media(const Media& media, std::string_view bytes) override {
    c_.run(sql::kInsertMedia, Params()
                                  .add(media.id)
                                  .add(media.session_id)
                                  .add(media.context)
                                  .add(media.mimetype)
                                  .add(media.size)
                                  .add(media.sha256)
                                  .add(media.created_at)
                                  .add_binary(bytes));
  }

  std::vector<std::string> sessions_with_readable_document(std::span<const std::string> ids) override {
    const Result found = c_.run(sql::kSessionsWithReadableDocument, Params().add(array_of(ids)));
    std::vector<std::string> with;
    with.reserve(static_cast<std::size_t>(found.rows()));
    for (int row = 0; row < found.rows(); ++row) {
      with.push_back(found.text(row, 0));
    }
    return with;
  }

  void delete_media(std::string_view session_id, std::string_view context) override {
    c_.run(sql::kDeleteSessionMediaOfContext, Params().add(session_id).add(context));
  }

  int count_unreadable_photo(std::string_view session_id) override {
    return static_cast<int>(c_.run(sql::kCountUnreadablePhoto, Params().add(session_id)).integer(0, 0));
  }

  void clear_unreadable_photos(std::string_view session_id) override {
    c_.run(sql::kDeleteUnreadablePhotos, Params().add(session_id));
  }

  void insert_check_jobs(std::span<const NewCheckJob> jobs) override {
    if (jobs.empty()) {
      return;
    }
    ArrayLiteral session_id, next_run_at, read_document, lease_owner, lease_until, attempts;
    for (const auto& job : jobs) {
      const rows::CheckJobColumns columns(job);
      session_id.add(job.session_id);
      next_run_at.add(columns.next_run_at);
      read_document.add(job.read_document);
      lease_owner.add(columns.lease_owner);
      lease_until.add(columns.lease_until);
      attempts.add(columns.attempts);
    }
    c_.run(sql::kInsertCheckJobs, Params()
                                      .add(session_id.str())
                                      .add(next_run_at.str())
                                      .add(read_document.str())
                                      .add(lease_owner.str())
                                      .add(lease_until.str())
                                      .add(attempts.str()));
  }

  std::vector<bool> finish_claimed_checks(std::string_view owner, std::span<const CheckClaim> claims) override {
    if (claims.empty()) {
      return {};
    }
    std::vector<std::string> ids;
    ArrayLiteral id_array, attempts;
    for (const auto& claim : claims) {
      ids.push_back(claim.session_id);
      id_array.add(claim.session_id);
      attempts.add(claim.attempts);
    }
    return returned_ids(c_.run(sql::kFinishClaimedChecks, Params().add(id_array.str()).add(attempts.str()).add(owner)),
                        ids);
  }

  std::vector<bool> retry_claimed_checks(std::string_view owner, std::span<const CheckRetry> retries) override {
    if (retries.empty()) {
      return {};
    }
    std::vector<std::string> ids;
    ArrayLiteral id_array, attempts, next_runs;
    for (const auto& retry : retries) {
      ids.push_back(retry.session_id);
      id_array.add(retry.session_id);
      attempts.add(retry.attempts);
      next_runs.add(retry.next_run_at);
    }
    return returned_ids(
        c_.run(sql::kRetryChecks, Params().add(id_array.str()).add(attempts.str()).add(next_runs.str()).add(owner)),
        ids);
  }

  bool release_read_check(std::string_view owner, const CheckClaim& claim, TimeMs now) override {
    return c_.run(sql::kReleaseReadCheck, Params().add(now).add(claim.session_id).add(owner).add(claim.attempts))
               .affected() == 1;
  }

  void insert_ine_results(std::span<const SessionResult> results) override {
    if (results.empty()) {
      return;
    }
    ArrayLiteral ids, active, states, situations, checked, sources, answers, codes, answered, snapshots;
    for (const auto& [session_id, result, sealed_answer] : results) {
      ids.add(session_id);
      active.add(result.active);
      states.add(result.document_state);
      situations.add(result.situation);
      checked.add(result.checked_at);
      sources.add(result.source);
      answers.add(sealed_answer);
      codes.add(result.message_code);
      answered.add(result.answered_at);
      snapshots.add(result.snapshot_at);
    }
    c_.run(sql::kInsertIneResults, Params()
                                       .add(ids.str())
                                       .add(active.str())
                                       .add(states.str())
                                       .add(situations.str())
                                       .add(checked.str())
                                       .add(sources.str())
                                       .add(answers.str())
                                       .add(codes.str())
                                       .add(answered.str())
                                       .add(snapshots.str()));
  }

  std::vector<std::string> find_recheck_candidates(const RecheckSelection& which) override {
    const Result rows = c_.run(sql::kSelectRecheckCandidates, Params()
                                                                  .add(which.session_id)
                                                                  .add(which.integration_id)
                                                                  .add(which.decided_before)
                                                                  .add(which.checked_at_or_before)
                                                                  .add(which.after_session_id)
                                                                  .add(which.limit));
    std::vector<std::string> ids;
    ids.reserve(static_cast<std::size_t>(rows.rows()));
    for (int row = 0; row < rows.rows(); ++row) {
      ids.push_back(rows.text(row, 0));
    }
    return ids;
  }

  void insert_rechecks(std::span<const NewRecheck> rechecks) override {
    if (rechecks.empty()) {
      return;
    }
    ArrayLiteral sessions, requested_by, requested_at;
    for (const auto& recheck : rechecks) {
      sessions.add(recheck.session_id);
      requested_by.add(recheck.requested_by);
      requested_at.add(recheck.requested_at);
    }
    c_.run(sql::kInsertRechecks, Params().add(sessions.str()).add(requested_by.str()).add(requested_at.str()));
  }

  std::vector<RecheckBaseline> recheck_baselines(std::span<const std::string> session_ids) override {
    ArrayLiteral ids;
    for (const auto& id : session_ids) {
      ids.add(id);
    }
    const Result rows = c_.run(sql::kSelectRecheckBaselines, Params().add(ids.str()));
    std::vector<RecheckBaseline> baselines;
    baselines.reserve(static_cast<std::size_t>(rows.rows()));
    for (int row = 0; row < rows.rows(); ++row) {
      const Row r(rows, row);
      baselines.push_back(RecheckBaseline{r.text(0), *rows::optional_result(r, 1), rows::optional_result(r, 5)});
    }
    return baselines;
  }

  std::vector<bool> finish_claimed_rechecks(std::string_view owner, std::span<const RecheckRecord> records) override {
    if (records.empty()) {
      return {};
    }
    std::vector<std::string> ids;
    ArrayLiteral id_array, attempts, checked, outcomes, active, states, situations, changed, sources;
    for (const auto& r : records) {
      ids.push_back(std::to_string(r.claim.recheck_id));
      id_array.add(r.claim.recheck_id);
      attempts.add(r.claim.attempts);
      checked.add(r.checked_at);
      outcomes.add(r.outcome);
      active.add(r.result ? std::optional<bool>(r.result->active) : std::nullopt);
      states.add(r.result ? std::optional<std::string>(r.result->document_state) : std::nullopt);
      situations.add(r.result ? std::optional<int>(r.result->situation) : std::nullopt);
      changed.add(r.changed);
      sources.add(r.source);
    }
    return returned_ids(c_.run(sql::kFinishClaimedRechecks, Params()
                                                                .add(id_array.str())
                                                                .add(attempts.str())
                                                                .add(checked.str())
                                                                .add(outcomes.str())
                                                                .add(active.str())
                                                                .add(states.str())
                                                                .add(situations.str())
                                                                .add(changed.str())
                                                                .add(sources.str())
                                                                .add(owner)),
                        ids);
  }

  std::vector<bool> retry_claimed_rechecks(std::string_view owner, std::span<const RecheckRetry> retries) override {
    if (retries.empty()) {
      return {};
    }
    std::vector<std::string> ids;
    ArrayLiteral id_array, attempts, next_runs;
    for (const auto& retry : retries) {
      ids.push_back(std::to_string(retry.claim.recheck_id));
      id_array.add(retry.claim.recheck_id);
      attempts.add(retry.claim.attempts);
      next_runs.add(retry.next_run_at);
    }
    return returned_ids(
        c_.run(sql::kRetryRechecks, Params().add(id_array.str()).add(attempts.str()).add(next_runs.str()).add(owner)),
        ids);
  }

  std::vector<ClaimedCheck> claim_rechecks(std::string_view owner, TimeMs now, TimeMs lease_ms, int limit) override {
    std::vector<ClaimedCheck> claimed;
    if (limit <= 0) {
      return claimed;
    }
    // The row locks taken by FOR UPDATE SKIP LOCKED are held until the transaction ends.
    const Result rows = c_.run(sql::kClaimRechecks, Params().add(owner).add(now + lease_ms).add(now).add(limit));
    claimed.reserve(static_cast<std::size_t>(rows.rows()));
    for (int row = 0; row < rows.rows(); ++row) {
      ClaimedCheck check;
      check.recheck_id = rows.integer(row, 0);
      check.session_id = rows.text(row, 1);
      check.attempts = static_cast<int>(rows.integer(row, 2));
      check.credential = rows::credential(Row(rows, row), 3);
      claimed.push_back(std::move(check));
    }
    return claimed;
  }

  std::int64_t lock_recheck_pace() override {
    const Result row = c_.run(sql::kLockRecheckPace);
    if (row.rows() == 0) {
      throw StoreError("PostgreSQL: the recheck_pace row is missing (migration 12)");
    }
    return row.integer(0, 0);
  }

  void set_recheck_pace(std::int64_t state_us) override { c_.run(sql::kUpdateRecheckPace, Params().add(state_us)); }

  void insert_curp_results(std::span<const SessionCurpResult> results) override {
    if (results.empty()) {
      return;
    }
    ArrayLiteral ids, statuses, checked, sources, codes, answered, snapshots;
    for (const auto& [session_id, result] : results) {
      ids.add(session_id);
      statuses.add(result.status);
      checked.add(result.checked_at);
      sources.add(result.source);
      codes.add(result.message_code);
      answered.add(result.answered_at);
      snapshots.add(result.snapshot_at);
    }
    c_.run(sql::kInsertCurpResults, Params()
                                        .add(ids.str())
                                        .add(statuses.str())
                                        .add(checked.str())
                                        .add(sources.str())
                                        .add(codes.str())
                                        .add(answered.str())
                                        .add(snapshots.str()));
  }

  std::vector<SessionCheckResults> find_check_results(std::span<const std::string> ids) override {
    if (ids.empty()) {
      return {};
    }
    const Result rows = c_.run(sql::kSelectCheckResults, Params().add(array_of(ids)));
    std::vector<SessionCheckResults> found;
    found.reserve(static_cast<std::size_t>(rows.rows()));
    for (int row = 0; row < rows.rows(); ++row) {
      found.push_back(rows::session_check_results(Row(rows, row)));
    }
    return found;
  }

  bool lock_integration(std::string_view integration_id) override {
    return c_.run(sql::kLockIntegration, Params().add(integration_id)).rows() > 0;
  }

  WebhookUrls webhook_urls(std::string_view integration_id) override {
    const Result row = c_.run(sql::kSelectIntegrationWebhooks, Params().add(integration_id));
    if (row.rows() == 0) {
      return {};
    }
    return WebhookUrls{row.text(0, 0), row.text(0, 1), row.text(0, 2), row.text(0, 3), row.text(0, 4)};
  }

  void prune_session_deletions(std::string_view integration_id, TimeMs at_or_before) override {
    c_.run(sql::kPruneSessionDeletions, Params().add(integration_id).add(at_or_before));
  }

  std::vector<TimeMs> recent_deletions(std::string_view integration_id, TimeMs after, int limit) override {
    const Result rows = c_.run(sql::kSelectRecentDeletions, Params().add(integration_id).add(after).add(limit));
    std::vector<TimeMs> times;
    times.reserve(static_cast<std::size_t>(rows.rows()));
    for (int row = 0; row < rows.rows(); ++row) {
      times.push_back(rows.integer(row, 0));
    }
    return times;
  }

  void record_session_deletion(std::string_view integration_id, std::string_view session_id, TimeMs at) override {
    c_.run(sql::kInsertSessionDeletion, Params().add(integration_id).add(session_id).add(at));
  }

  std::vector<std::int64_t> insert_deliveries(std::span<const NewDelivery> deliveries) override {
    if (deliveries.empty()) {
      return {};
    }
    ArrayLiteral integrations, sessions, kinds, urls, bodies, created, redelivery_of;
    for (const auto& d : deliveries) {
      integrations.add(d.integration_id);
      sessions.add(d.session_id);
      kinds.add(webhook_kind_name(d.kind));
      urls.add(d.url);
      bodies.add(d.body);
      created.add(d.created_at);
      redelivery_of.add(d.redelivery_of);
    }
    const Result inserted = c_.run(sql::kInsertDeliveries, Params()
                                                               .add(integrations.str())
                                                               .add(sessions.str())
                                                               .add(kinds.str())
                                                               .add(urls.str())
                                                               .add(bodies.str())
                                                               .add(created.str())
                                                               .add(redelivery_of.str()));
    // Identities are drawn in insertion order, which follows the input's.
    std::vector<std::int64_t> ids;
    ids.reserve(static_cast<std::size_t>(inserted.rows()));
    for (int row = 0; row < inserted.rows(); ++row) {
      ids.push_back(inserted.integer(row, 0));
    }
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  void erase_finished_delivery_bodies(std::string_view session_id) override {
    c_.run(sql::kEraseFinishedDeliveryBodies, Params().add(session_id));
  }

  std::optional<StoredDelivery> find_delivery(std::int64_t delivery_id) override {
    const Result row = c_.run(sql::kSelectDelivery, Params().add(delivery_id));
    if (row.rows() == 0) {
      return std::nullopt;
    }
    return rows::stored_delivery(Row(row, 0));
  }

 private:
  Connection& c_;
};

// The shared backend: several inereg nodes on one PostgreSQL database. A small pool of
// libpq connections, opened lazily up to `pool_size` (the first at construction, to
// fail fast and check or apply migrations); a caller waits when all are busy. A
// connection found broken is reset before reuse. Statements are prepared once per
// connection. Thread-safe.
class PostgresStore final : public Store {
 public:
  PostgresStore(const std::string& url, const PoolOptions& pool, Migrations migrations)
      : pool_(pool, [url] { return std::make_unique<Connection>(url, url_password(url)); }),
        max_batch_(static_cast<std::size_t>(pool.max_group_commit)),
        creates_(max_batch_, [this](std::span<const NewSession* const> batch) { insert_sessions(batch); }) {
    // The first connection at once, to fail fast and to check or apply migrations.
    auto first = std::make_unique<Connection>(url, url_password(url));
    if (migrations == Migrations::kApply) {
      migrate(*first);
    } else {
      require_current(*first);
    }
    pool_.adopt(std::move(first));
  }

  std::unique_ptr<WriteTransaction> begin_write() override { return std::make_unique<OpenTransaction>(acquire()); }

  int schema_version() override {
    auto lease = acquire();
    return static_cast<int>((*lease).run(sql::kSelectAppliedVersion).integer(0, 0));
  }

  void create_integration(const Integration& integration, std::string_view sealed_secret) override {
    auto lease = acquire();
    Connection& c = *lease;
    ScopedTransaction<Connection> tx(c, sql::kBegin);
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

  std::optional<Integration> find_integration_by_api_key(std::string_view api_key) override {
    return find_integration_where(sql::kSelectIntegrationByApiKey, api_key);
  }

  std::optional<Integration> find_integration(std::string_view id) override {
    return find_integration_where(sql::kSelectIntegrationById, id);
  }

  std::vector<Integration> list_integrations() override {
    auto lease = acquire();
    const Result rows = (*lease).run(sql::kSelectIntegrations);
    std::vector<Integration> all;
    all.reserve(static_cast<std::size_t>(rows.rows()));
    for (int row = 0; row < rows.rows(); ++row) {
      all.push_back(rows::integration(Row(rows, row)));
    }
    for (auto& integration : all) {
      load_secrets(*lease, integration);
      load_cors_origins(*lease, integration);
    }
    return all;
  }

  std::int64_t add_integration_secret(std::string_view integration_id, std::string_view sealed_secret,
                                      TimeMs now) override {
    auto lease = acquire();
    return (*lease).run(sql::kInsertSecret, Params().add(integration_id).add(sealed_secret).add(now)).integer(0, 0);
  }

  int revoke_older_integration_secrets(std::string_view integration_id, TimeMs now) override {
    auto lease = acquire();
    return (*lease).run(sql::kRevokeOlderSecrets, Params().add(now).add(integration_id)).affected();
  }

  bool set_integration_active(std::string_view integration_id, bool active) override {
    auto lease = acquire();
    return (*lease).run(sql::kSetIntegrationActive, Params().add(active).add(integration_id)).affected() == 1;
  }

  bool set_integration_cors_origins(std::string_view integration_id, std::span<const std::string> origins) override {
    auto lease = acquire();
    Connection& c = *lease;
    ScopedTransaction<Connection> tx(c, sql::kBegin);
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

  std::vector<std::string> list_allowed_cors_origins() override {
    auto lease = acquire();
    const Result rows = (*lease).run(sql::kSelectAllowedCorsOrigins);
    std::vector<std::string> origins;
    origins.reserve(static_cast<std::size_t>(rows.rows()));
    for (int row = 0; row < rows.rows(); ++row) {
      origins.push_back(rows.text(row, 0));
    }
    return origins;
  }

  std::size_t workflow_batch_limit() const override { return max_batch_; }

  // Concurrent creates share one transaction and two statements (store/batched_calls.hpp).
  // Every API create comes with its data key (the sealing store gives each one).
  void insert_session(const Session& session) override { creates_.call(NewSession{&session, nullptr}); }
  void insert_session_with_key(const Session& session, const SessionKey& key) override {
    creates_.call(NewSession{&session, &key});
  }

  std::vector<SessionKey> find_session_keys(std::span<const std::string> ids) override {
    auto lease = acquire();
    return select_session_keys(*lease, ids);
  }

  std::vector<SessionKey> list_session_keys_not_under(std::string_view key_id, std::string_view after_session_id,
                                                      int limit) override {
    auto lease = acquire();
    return all_session_keys(
        (*lease).run(sql::kListSessionKeysNotUnder, Params().add(key_id).add(after_session_id).add(limit)));
  }

  std::vector<IntegrationSecret> list_all_integration_secrets() override {
    auto lease = acquire();
    const Result rows = (*lease).run(sql::kSelectAllSecrets);
    std::vector<IntegrationSecret> secrets;
    secrets.reserve(static_cast<std::size_t>(rows.rows()));
    for (int row = 0; row < rows.rows(); ++row) {
      secrets.push_back(IntegrationSecret{rows.integer(row, 0), rows.text(row, 1), rows.integer(row, 2)});
    }
    return secrets;
  }

  std::optional<Session> find_session(std::string_view session_id) override {
    auto lease = acquire();
    return select_session(*lease, sql::kSelectSession, session_id);
  }

  std::optional<IneAnswer> find_ine_answer(std::string_view session_id) override {
    auto lease = acquire();
    const Result row = (*lease).run(sql::kSelectIneAnswer, Params().add(session_id));
    if (row.rows() == 0) {
      return std::nullopt;
    }
    IneAnswer answer{row.text(0, 0), row.text(0, 1), std::nullopt, rows::registry_checks(row.text(0, 7))};
    if (!row.is_null(0, 2)) {
      answer.result = IneResult{row.boolean(0, 2), row.text(0, 3), static_cast<int>(row.integer(0, 4)),
                                row.integer(0, 5), row.text(0, 6)};
    }
    return answer;
  }

  std::vector<std::string> sessions_deleted_since(TimeMs since) override {
    auto lease = acquire();
    const Result rows = (*lease).run(sql::kSelectSessionsDeletedSince, Params().add(since));
    std::vector<std::string> ids;
    ids.reserve(static_cast<std::size_t>(rows.rows()));
    for (int i = 0; i < rows.rows(); ++i) {
      ids.push_back(rows.text(i, 0));
    }
    return ids;
  }

  std::optional<RegistryAnswer> find_registry_answer(std::string_view session_id) override {
    auto lease = acquire();
    const Result row = (*lease).run(sql::kSelectRegistryAnswer, Params().add(session_id));
    if (row.rows() == 0) {
      return std::nullopt;
    }
    return RegistryAnswer{row.text(0, 0), row.text(0, 1), row.integer(0, 2)};
  }

  std::optional<CheckAnswer> find_check_answer(std::string_view session_id) override {
    auto lease = acquire();
    const Result row = (*lease).run(sql::kSelectCheckAnswer, Params().add(session_id));
    if (row.rows() == 0) {
      return std::nullopt;
    }
    return rows::check_answer(Row(row, 0));
  }

  void set_snapshot_date(std::string_view snapshot, TimeMs imported_at) override {
    auto lease = acquire();
    (*lease).run(sql::kUpsertSnapshotDate, Params().add(snapshot).add(imported_at));
  }

  std::optional<TimeMs> find_snapshot_date(std::string_view snapshot) override {
    auto lease = acquire();
    const Result row = (*lease).run(sql::kSelectSnapshotDate, Params().add(snapshot));
    if (row.rows() == 0) {
      return std::nullopt;
    }
    return row.integer(0, 0);
  }

  void set_snapshot_key_id(std::string_view snapshot, std::string_view key_id) override {
    auto lease = acquire();
    (*lease).run(sql::kUpdateSnapshotKeyId, Params().add(key_id).add(snapshot));
  }

  std::optional<std::string> find_snapshot_key_id(std::string_view snapshot) override {
    auto lease = acquire();
    const Result row = (*lease).run(sql::kSelectSnapshotKeyId, Params().add(snapshot));
    if (row.rows() == 0) {
      return std::nullopt;
    }
    return row.optional_text(0, 0);
  }

  RegistrySnapshotState find_registry_snapshot(std::string_view snapshot) override {
    auto lease = acquire();
    const Result row = (*lease).run(sql::kSelectRegistrySnapshot, Params().add(snapshot));
    if (row.rows() == 0) {
      return {};
    }
    return rows::registry_snapshot_state(Row(row, 0));
  }

  void activate_registry_snapshot(std::string_view snapshot, const SnapshotFileRecord& record) override {
    auto lease = acquire();
    (*lease).run(sql::kActivateRegistrySnapshot, Params()
                                                     .add(snapshot)
                                                     .add(record.imported_at)
                                                     .add(record.file)
                                                     .add(record.row_count)
                                                     .add(record.source_sha256));
  }

  bool rollback_registry_snapshot(std::string_view snapshot) override {
    auto lease = acquire();
    return (*lease).run(sql::kRollbackRegistrySnapshot, Params().add(snapshot)).affected() == 1;
  }

  void clear_registry_entries() override {
    auto lease = acquire();
    (*lease).run(sql::kDeleteRegistryEntries);
  }

  bool set_integration_registry_checks(std::string_view integration_id, RegistryChecks checks) override {
    auto lease = acquire();
    return (*lease)
               .run(sql::kSetIntegrationRegistryChecks, Params().add(registry_checks_name(checks)).add(integration_id))
               .affected() == 1;
  }

  std::int64_t pending_check_count() override {
    auto lease = acquire();
    return (*lease).run(sql::kCountPendingChecks).integer(0, 0);
  }

  std::vector<ClaimedCheck> claim_checks(std::string_view owner, TimeMs now, TimeMs lease_ms, int limit) override {
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
      check.credential = rows::credential(Row(rows, row), 2);
      check.read_document = rows.boolean(row, 8);
      rows::due_checks(Row(rows, row), 9, check);
      claimed.push_back(std::move(check));
    }
    return claimed;
  }

  std::vector<Recheck> list_rechecks(std::string_view session_id) override {
    auto lease = acquire();
    const Result rows = (*lease).run(sql::kSelectSessionRechecks, Params().add(session_id));
    std::vector<Recheck> all;
    all.reserve(static_cast<std::size_t>(rows.rows()));
    for (int row = 0; row < rows.rows(); ++row) {
      all.push_back(rows::recheck(Row(rows, row)));
    }
    return all;
  }

  void upsert_registry_entries(std::span<const RegistryEntry> entries) override {
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
    ScopedTransaction<Connection> tx(c, sql::kBegin);
    for (std::size_t first = 0; first < unique.size(); first += kRegistryBatchRows) {
      const std::span<const RegistryEntry> batch =
          std::span<const RegistryEntry>(unique).subspan(first, std::min(kRegistryBatchRows, unique.size() - first));
      ArrayLiteral keys, models, situations;
      for (const auto& entry : batch) {
        keys.add(entry.lookup_key);
        models.add(entry.model);
        situations.add(entry.situation);
      }
      c.run(sql::kUpsertRegistryEntries, Params().add(keys.str()).add(models.str()).add(situations.str()));
    }
    tx.commit();
  }

  std::optional<int> find_registry_situation(std::string_view lookup_key) override {
    auto lease = acquire();
    const Result row = (*lease).run(sql::kSelectRegistrySituation, Params().add(lookup_key));
    if (row.rows() == 0) {
      return std::nullopt;
    }
    return static_cast<int>(row.integer(0, 0));
  }

  std::int64_t registry_entry_count() override {
    auto lease = acquire();
    return (*lease).run(sql::kCountRegistryEntries).integer(0, 0);
  }

  void upsert_curp_registry_entries(std::span<const CurpRegistryEntry> entries) override {
    if (entries.empty()) {
      return;
    }
    // As upsert_registry_entries: the last occurrence of each key wins.
    std::vector<CurpRegistryEntry> unique;
    {
      std::unordered_set<std::string_view> seen;
      seen.reserve(entries.size());
      for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
        if (seen.insert(it->curp_hash).second) {
          unique.push_back(*it);
        }
      }
    }
    auto lease = acquire();
    Connection& c = *lease;
    ScopedTransaction<Connection> tx(c, sql::kBegin);
    for (std::size_t first = 0; first < unique.size(); first += kRegistryBatchRows) {
      const auto batch = std::span<const CurpRegistryEntry>(unique).subspan(
          first, std::min(kRegistryBatchRows, unique.size() - first));
      ArrayLiteral hashes, statuses;
      for (const auto& entry : batch) {
        hashes.add(entry.curp_hash);
        statuses.add(entry.status);
      }
      c.run(sql::kUpsertCurpRegistryEntries, Params().add(hashes.str()).add(statuses.str()));
    }
    tx.commit();
  }

  std::optional<int> find_curp_registry_status(std::string_view curp_hash) override {
    auto lease = acquire();
    const Result row = (*lease).run(sql::kSelectCurpRegistryStatus, Params().add(curp_hash));
    if (row.rows() == 0) {
      return std::nullopt;
    }
    return static_cast<int>(row.integer(0, 0));
  }

  std::int64_t curp_registry_entry_count() override {
    auto lease = acquire();
    return (*lease).run(sql::kCountCurpRegistryEntries).integer(0, 0);
  }

  bool set_integration_webhooks(std::string_view integration_id, const WebhookUrls& urls) override {
    auto lease = acquire();
    return (*lease)
               .run(sql::kSetIntegrationWebhooks, Params()
                                                      .add(urls.decision)
                                                      .add(urls.event)
                                                      .add(urls.ine)
                                                      .add(urls.curp)
                                                      .add(urls.ine_curp)
                                                      .add(integration_id))
               .affected() == 1;
  }

  bool set_integration_recheck_interval(std::string_view integration_id, TimeMs interval_ms) override {
    auto lease = acquire();
    return (*lease)
               .run(sql::kSetIntegrationRecheckInterval, Params().add(interval_ms).add(integration_id))
               .affected() == 1;
  }

  bool set_integration_retention(std::string_view integration_id, TimeMs retention_ms,
                                 TimeMs delivered_webhook_retention_ms) override {
    auto lease = acquire();
    return (*lease)
               .run(sql::kSetIntegrationRetention,
                    Params().add(retention_ms).add(delivered_webhook_retention_ms).add(integration_id))
               .affected() == 1;
  }

  RetentionReport retention_report() override {
    auto lease = acquire();
    RetentionReport report;
    const Result counts = (*lease).run(sql::kSelectRetentionCounts, Params());
    for (int row = 0; row < counts.rows(); ++row) {
      report.integrations.push_back(RetentionCounts{counts.text(row, 0), counts.integer(row, 1), counts.integer(row, 2),
                                                    counts.optional_integer(row, 3), counts.optional_integer(row, 4)});
    }
    const Result run = (*lease).run(sql::kSelectRetentionRun, Params());
    if (run.rows() > 0) {
      report.last_run = RetentionRun{run.integer(0, 0), run.integer(0, 1), run.integer(0, 2)};
    }
    return report;
  }

  void record_retention_run(const RetentionRun& run) override {
    auto lease = acquire();
    (*lease).run(sql::kUpsertRetentionRun, Params().add(run.ran_at).add(run.sessions_purged).add(run.webhooks_pruned));
  }

  std::optional<WebhookUrls> find_integration_webhooks(std::string_view integration_id) override {
    auto lease = acquire();
    const Result row = (*lease).run(sql::kSelectIntegrationWebhooks, Params().add(integration_id));
    if (row.rows() == 0) {
      return std::nullopt;
    }
    return WebhookUrls{row.text(0, 0), row.text(0, 1), row.text(0, 2), row.text(0, 3), row.text(0, 4)};
  }

  std::vector<ClaimedDelivery> claim_webhook_deliveries(std::string_view owner, TimeMs now, TimeMs lease_ms,
                                                        int limit) override {
    auto lease = acquire();
    // One statement, so its own transaction (as claim_checks).
    const Result rows =
        (*lease).run(sql::kClaimDeliveries, Params().add(owner).add(now + lease_ms).add(now).add(limit));
    std::vector<ClaimedDelivery> claimed;
    claimed.reserve(static_cast<std::size_t>(rows.rows()));
    for (int row = 0; row < rows.rows(); ++row) {
      claimed.push_back(rows::claimed_delivery(Row(rows, row)));
    }
    return claimed;
  }

  bool record_webhook_attempt(std::int64_t delivery_id, std::string_view owner, const WebhookAttempt& attempt,
                              DeliveryState next_state, TimeMs next_attempt_at) override {
    auto lease = acquire();
    Connection& c = *lease;
    ScopedTransaction<Connection> tx(c, sql::kBegin);
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

  std::vector<WebhookDelivery> list_webhook_deliveries(const DeliveryFilter& filter) override {
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
      WebhookDelivery d = rows::delivery(Row(rows, row));
      const Result history = c.run(sql::kSelectDeliveryAttempts, Params().add(d.id));
      for (int h = 0; h < history.rows(); ++h) {
        d.history.push_back(rows::attempt(Row(history, h)));
      }
      all.push_back(std::move(d));
    }
    return all;
  }

  std::int64_t pending_webhook_count() override {
    auto lease = acquire();
    return (*lease).run(sql::kCountPendingDeliveries).integer(0, 0);
  }

  std::vector<Media> list_media(std::string_view session_id) override {
    auto lease = acquire();
    const Result rows = (*lease).run(sql::kSelectSessionMedia, Params().add(session_id));
    std::vector<Media> all;
    all.reserve(static_cast<std::size_t>(rows.rows()));
    for (int row = 0; row < rows.rows(); ++row) {
      all.push_back(rows::media(Row(rows, row)));
    }
    return all;
  }

  std::optional<MediaFile> find_media(std::string_view media_id) override {
    auto lease = acquire();
    const Result rows = (*lease).run_binary(sql::kSelectMediaFile, Params().add(media_id));
    if (rows.rows() == 0) {
      return std::nullopt;
    }
    return rows::media_file(Row(rows, 0));
  }

  std::vector<MediaFile> media_for_reading(std::string_view session_id) override {
    auto lease = acquire();
    const Result rows = (*lease).run_binary(sql::kSelectMediaForReading, Params().add(session_id));
    std::vector<MediaFile> all;
    all.reserve(static_cast<std::size_t>(rows.rows()));
    for (int row = 0; row < rows.rows(); ++row) {
      all.push_back(rows::media_file(Row(rows, row)));
    }
    return all;
  }

 private:
  // A pooled connection, reset first if it broke (server restart, network) or was left
  // inside a transaction. When the reset fails the lease returns it, and the next caller
  // tries to reconnect it again.
  Pool::Lease acquire() {
    auto lease = pool_.acquire();
    (*lease).ensure_usable();
    return lease;
  }

  void migrate(Connection& connection) {
    // The advisory lock is taken first and held to COMMIT: a second node starting at
    // the same moment waits here, then sees the migrations already applied.
    ScopedTransaction<Connection> tx(connection, sql::kBegin);
    connection.exec(sql::kLockMigrations);
    connection.exec(sql::kCreateMigrationsTable);
    const std::int64_t applied = connection.run(sql::kSelectAppliedVersion).integer(0, 0);
    for (const auto& migration : sql::kMigrations) {
      if (migration.version <= applied) {
        continue;
      }
      connection.exec(migration.statements);
      connection.run(sql::kInsertMigration, Params().add(migration.version).add(util::wall_clock_ms()));
    }
    tx.commit();
  }

  void require_current(Connection& connection) {
    // No lock and no DDL: a node that only checks never blocks behind, or takes part
    // in, a migration another process is running.
    std::int64_t applied = 0;
    if (connection.run(sql::kMigrationsTableExists).boolean(0, 0)) {
      applied = connection.run(sql::kSelectAppliedVersion).integer(0, 0);
    }
    require_schema_version(applied, sql::kSchemaVersion);
  }

  void load_secrets(Connection& connection, Integration& integration) {
    const Result secrets = connection.run(sql::kSelectActiveSecrets, Params().add(integration.id));
    for (int row = 0; row < secrets.rows(); ++row) {
      integration.secrets.push_back(
          IntegrationSecret{secrets.integer(row, 0), secrets.text(row, 1), secrets.integer(row, 2)});
    }
  }

  void load_cors_origins(Connection& connection, Integration& integration) {
    const Result origins = connection.run(sql::kSelectCorsOrigins, Params().add(integration.id));
    for (int row = 0; row < origins.rows(); ++row) {
      integration.cors_origins.push_back(origins.text(row, 0));
    }
  }

  std::optional<Integration> find_integration_where(std::string_view sql, std::string_view value) {
    auto lease = acquire();
    const Result rows = (*lease).run(sql, Params().add(value));
    if (rows.rows() == 0) {
      return std::nullopt;
    }
    Integration found = rows::integration(Row(rows, 0));
    load_secrets(*lease, found);
    load_cors_origins(*lease, found);
    return found;
  }

  // A create waiting in creates_: its session row and its data key (none: null).
  struct NewSession {
    const Session* session;
    const SessionKey* key;
  };

  // One transaction for the batch: its sessions in one multi-row INSERT, their keys in
  // another.
  void insert_sessions(std::span<const NewSession* const> batch) {
    ArrayLiteral id, integration_id, status, attempt_id, vendor_data, end_user_id, callback, person_json, document_json,
        ine_document, cic, citizen_id, ocr, elector_key, emission_number, curp, created_at, registry_checks,
        key_session_id, key_id, sealed_key;
    int keys = 0;
    for (const NewSession* create : batch) {
      const Session& s = *create->session;
      id.add(s.id);
      integration_id.add(s.integration_id);
      status.add(s.status);
      attempt_id.add(s.attempt_id);
      vendor_data.add(s.vendor_data);
      end_user_id.add(s.end_user_id);
      callback.add(s.callback);
      person_json.add(s.person_json);
      document_json.add(s.document_json);
      ine_document.add(s.ine_document);
      cic.add(s.credential.cic);
      citizen_id.add(s.credential.citizen_id);
      ocr.add(s.credential.ocr);
      elector_key.add(s.credential.elector_key);
      emission_number.add(s.credential.emission_number);
      curp.add(s.credential.curp);
      created_at.add(s.created_at);
      registry_checks.add(registry_checks_name(s.registry_checks));
      if (create->key != nullptr) {
        key_session_id.add(create->key->session_id);
        key_id.add(create->key->key_id);
        sealed_key.add(create->key->sealed_key);
        ++keys;
      }
    }
    auto lease = acquire();
    Connection& c = *lease;
    ScopedTransaction<Connection> tx(c, sql::kBegin);
    c.run(sql::kInsertSessions, Params()
                                    .add(id.str())
                                    .add(integration_id.str())
                                    .add(status.str())
                                    .add(attempt_id.str())
                                    .add(vendor_data.str())
                                    .add(end_user_id.str())
                                    .add(callback.str())
                                    .add(person_json.str())
                                    .add(document_json.str())
                                    .add(ine_document.str())
                                    .add(cic.str())
                                    .add(citizen_id.str())
                                    .add(ocr.str())
                                    .add(elector_key.str())
                                    .add(emission_number.str())
                                    .add(curp.str())
                                    .add(created_at.str())
                                    .add(registry_checks.str()));
    if (keys > 0) {
      c.run(sql::kInsertSessionKeys, Params().add(key_session_id.str()).add(key_id.str()).add(sealed_key.str()));
    }
    tx.commit();
  }

  Pool pool_;
  const std::size_t max_batch_;  // store.max_group_commit
  BatchedCalls<const NewSession> creates_;
};

}  // namespace

std::unique_ptr<Store> open_postgres_store(const std::string& url, const PoolOptions& pool, Migrations migrations) {
  return std::make_unique<PostgresStore>(url, pool, migrations);
}

}  // namespace inereg::store::postgres
