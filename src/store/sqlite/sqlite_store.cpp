#include "store/sqlite/sqlite_store.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "store/connection_pool.hpp"
#include "store/rows.hpp"
#include "store/scoped_transaction.hpp"
#include "store/sqlite/checkpoint_trigger.hpp"
#include "store/sqlite/group_commit.hpp"
#include "store/sqlite/sql.hpp"
#include "util/time.hpp"

namespace inereg::store::sqlite {
namespace {

// The database holds personal data: a new file is created readable by its owner only
// (0600, whatever the umask). SQLite gives its -wal and -shm files the database file's
// mode, so they follow. An existing file keeps the mode the operator gave it.
void create_private_file(const std::string& path) {
  if (path.empty() || path == ":memory:" || path.starts_with("file:")) {
    return;
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd >= 0) {
    ::close(fd);
  } else if (errno != EEXIST) {
    throw StoreError("cannot create SQLite database " + path + ": " + std::strerror(errno));
  }
}

}  // namespace

// One sqlite3 handle and its prepared-statement cache. Used by one thread at a time.
class Connection {
 public:
  explicit Connection(const std::string& path) {
    create_private_file(path);
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

  // One statement without results, prepared once and kept: `sql` must be a string
  // constant (the cache is keyed by its address).
  void exec_cached(std::string_view sql) {
    sqlite3_stmt* stmt = prepared(sql);
    const int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
      std::string message = sqlite3_errmsg(db_);
      sqlite3_reset(stmt);
      throw StoreError("SQLite: " + message);
    }
    sqlite3_reset(stmt);
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
  // False once the transaction has ended, also when SQLite rolled it back by itself.
  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }
  sqlite3* handle() const { return db_; }
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
  bool boolean(int column) const { return integer(column) != 0; }
  std::string bytes(int column) const {
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

std::optional<Session> select_session(Connection& c, std::string_view session_id) {
  Statement select(c, sql::kSelectSession);
  select.bind(session_id);
  if (!select.step()) {
    return std::nullopt;
  }
  return rows::session(select);
}

std::vector<SessionKey> select_session_keys(Connection& c, std::span<const std::string> ids) {
  std::vector<SessionKey> keys;
  for (const auto& id : ids) {
    Statement select(c, sql::kSelectSessionKey);
    select.bind(id);
    if (select.step()) {
      keys.push_back(SessionKey{select.text(0), select.text(1), select.text(2)});
    }
  }
  return keys;
}

// The claimed sessions' credentials, read inside the claim's transaction.
void load_credentials(Connection& c, std::vector<ClaimedCheck>& claimed) {
  for (auto& check : claimed) {
    Statement credential(c, sql::kSelectCheckCredential);
    credential.bind(check.session_id);
    if (credential.step()) {
      check.credential = rows::credential(credential, 0);
      if (!check.recheck_id) {  // a re-check asks the INE check only
        rows::due_checks(credential, 6, check);
      }
    }
  }
}

using Pool = ConnectionPool<Connection>;

using Writes = GroupCommit<Connection>;

// The session workflow's write transaction, inside a savepoint of the group's BEGIN
// IMMEDIATE transaction on the store's writer connection (group_commit.hpp): either a
// turn of its own (begin_write: commit() returns once the group's COMMIT has made it
// durable) or a body of a combined run (write: commit() only marks it kept, and
// GroupCommit::run returns once it is durable). Every primitive runs while no other
// writer (thread or process) can write, so a "lock" is a plain read here and each
// compare-and-set sees the state no other writer can change.
class OpenTransaction final : public WriteTransaction {
 public:
  // A turn of its own; `truncate_wal` runs after a commit that destroyed a data key (see
  // commit()).
  OpenTransaction(Writes& writes, std::function<void()> truncate_wal)
      : member_(std::in_place, writes), c_(member_->connection()), truncate_wal_(std::move(truncate_wal)) {}
  // A body run by GroupCommit::run on `writer`; the caller truncates the WAL when
  // shredded() (after run() returns: the commit is durable only then).
  explicit OpenTransaction(Connection& writer) : c_(writer) {}

  bool committed() const { return committed_; }
  bool shredded() const { return shredded_; }

  // BEGIN IMMEDIATE has every row locked already.
  std::vector<Session> lock_sessions(std::span<const std::string> ids) override { return find_sessions(ids); }

  std::vector<Session> find_sessions(std::span<const std::string> ids) override {
    std::vector<Session> found;
    for (const auto& id : ids) {
      if (auto session = select_session(c_, id)) {
        found.push_back(std::move(*session));
      }
    }
    return found;
  }

  std::vector<Session> lock_sessions_created_before(std::span<const std::string_view, 2> statuses,
                                                    TimeMs created_before, int limit) override {
    Statement select(c_, sql::kSelectSessionsCreatedBefore);
    select.bind(statuses[0]).bind(statuses[1]).bind(created_before).bind(limit);
    std::vector<Session> found;
    while (select.step()) {
      found.push_back(rows::session(select));
    }
    return found;
  }

  std::vector<bool> update_sessions(std::span<const SessionUpdate> updates) override {
    std::vector<bool> applied;
    applied.reserve(updates.size());
    for (const auto& update : updates) {
      const Session& s = *update.after;
      Statement write(c_, sql::kUpdateSessionLifecycle);
      write.bind(s.status)
          .bind(s.attempt_id)
          .bind(s.submitted_at)
          .bind(s.decided_at)
          .bind(s.decision_reason)
          .bind(s.id)
          .bind(update.expected_status)
          .run();
      applied.push_back(c_.changes() == 1);
    }
    return applied;
  }

  void set_session_credential(std::string_view session_id, const ine::Credential& read) override {
    Statement update(c_, sql::kSetSessionCredential);
    update.bind(read.cic)
        .bind(read.citizen_id)
        .bind(read.ocr)
        .bind(read.elector_key)
        .bind(read.emission_number)
        .bind(read.curp)
        .bind(session_id)
        .run();
  }

  bool delete_session(std::string_view session_id, std::string_view integration_id) override {
    Statement remove(c_, sql::kDeleteOwnedSession);
    remove.bind(session_id).bind(integration_id).run();
    return c_.changes() == 1;
  }

  std::vector<SessionKey> find_session_keys(std::span<const std::string> ids) override {
    return select_session_keys(c_, ids);
  }

  void destroy_session_key(std::string_view session_id) override {
    Statement remove(c_, sql::kDeleteSessionKey);
    remove.bind(session_id).run();
    shredded_ = true;
  }

  // After a key was destroyed: secure_delete has zeroed its cell in the pages this
  // transaction wrote, but the WAL still holds the frames of earlier versions of those
  // pages, with the sealed key, until a checkpoint. TRUNCATE copies the WAL into the
  // database file and empties it, so once the DELETE is answered no file holds the key
  // (best effort: a reader still on an older snapshot, or the next group's open write
  // transaction, defers it to the next checkpoint). Runs
  // after COMMIT: a checkpoint cannot run inside a transaction; and on a pooled
  // connection, since the writer connection goes on to the next write of the group.
  void commit() override {
    committed_ = true;
    if (!member_) {
      return;  // kept by GroupCommit::run, which returns once it is durable
    }
    member_->commit();
    if (shredded_) {
      truncate_wal_();
    }
  }

  bool reseal_session_key(const SessionKey& key, std::string_view expected_key_id) override {
    Statement update(c_, sql::kResealSessionKey);
    update.bind(key.key_id).bind(key.sealed_key).bind(key.session_id).bind(expected_key_id).run();
    return c_.changes() == 1;
  }

  bool reseal_integration_secret(std::int64_t secret_id, std::string_view expected_sealed,
                                 std::string_view sealed) override {
    Statement update(c_, sql::kResealSecret);
    update.bind(sealed).bind(secret_id).bind(expected_sealed).run();
    return c_.changes() == 1;
  }

  std::vector<std::string> lock_sessions_to_purge(std::string_view integration_id, TimeMs decided_before,
                                                  int limit) override {
    // BEGIN IMMEDIATE already excludes every other writer: nothing to skip.
    Statement select(c_, sql::kSelectSessionsToPurge);
    select.bind(integration_id).bind(decided_before).bind(limit);
    std::vector<std::string> ids;
    while (select.step()) {
      ids.push_back(select.text(0));
    }
    return ids;
  }

  bool purge_personal_data(std::string_view session_id, TimeMs now) override {
    {
      Statement mark(c_, sql::kPurgeSessionColumns);
      mark.bind(now).bind(session_id).run();
    }
    if (c_.changes() != 1) {
      return false;
    }
    // secure_delete overwrites the freed pages of the media and of the old row versions.
    for (const auto statement : {sql::kPurgeSessionMedia, sql::kPurgeSessionAnswers, sql::kEraseFinishedDeliveryBodies,
                                 sql::kPurgePendingRechecks}) {
      Statement erase(c_, statement);
      erase.bind(session_id).run();
    }
    return true;
  }

  int prune_delivered_webhooks(std::string_view integration_id, TimeMs delivered_before, int limit) override {
    std::vector<std::int64_t> ids;
    {
      Statement select(c_, sql::kSelectDeliveredToPrune);
      select.bind(integration_id).bind(delivered_before).bind(limit);
      while (select.step()) {
        ids.push_back(select.integer(0));
      }
    }
    for (const auto id : ids) {
      for (const auto statement : {sql::kDeleteDeliveryAttempts, sql::kForgetRedeliveryOf, sql::kDeleteDelivery}) {
        Statement remove(c_, statement);
        remove.bind(id).run();
      }
    }
    return static_cast<int>(ids.size());
  }

  void count_retention(std::string_view integration_id, std::int64_t sessions_purged, std::int64_t webhooks_pruned,
                       TimeMs now) override {
    Statement upsert(c_, sql::kCountRetention);
    upsert.bind(integration_id).bind(sessions_purged).bind(webhooks_pruned).bind(now).run();
  }

  std::vector<MediaUsage> media_usages(std::span<const std::string> ids) override {
    std::vector<MediaUsage> usages;
    usages.reserve(ids.size());
    for (const auto& id : ids) {
      Statement usage(c_, sql::kSelectSessionMediaUsage);
      usage.bind(id);
      usage.step();
      usages.push_back(MediaUsage{usage.integer(0), usage.integer(1)});
    }
    return usages;
  }

  void insert_media(const Media& media, std::string_view bytes) override {
    Statement insert(c_, sql::kInsertMedia);
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

  std::vector<std::string> sessions_with_readable_document(std::span<const std::string> ids) override {
    std::vector<std::string> with;
    for (const auto& id : ids) {
      Statement document(c_, sql::kSessionHasReadableDocument);
      document.bind(id);
      if (document.step()) {
        with.push_back(id);
      }
    }
    return with;
  }

  void delete_media(std::string_view session_id, std::string_view context) override {
    Statement remove(c_, sql::kDeleteSessionMediaOfContext);
    remove.bind(session_id).bind(context).run();
  }

  int count_unreadable_photo(std::string_view session_id) override {
    Statement count(c_, sql::kCountUnreadablePhoto);
    count.bind(session_id);
    if (!count.step()) {
      throw StoreError("SQLite: page tries upsert returned no count");
    }
    const auto photos = static_cast<int>(count.integer(0));
    count.run();
    return photos;
  }

  void clear_unreadable_photos(std::string_view session_id) override {
    Statement clear(c_, sql::kDeleteUnreadablePhotos);
    clear.bind(session_id).run();
  }

  void insert_check_jobs(std::span<const NewCheckJob> jobs) override {
    for (const auto& job : jobs) {
      const rows::CheckJobColumns columns(job);
      Statement insert(c_, sql::kInsertCheckJob);
      insert.bind(job.session_id).bind(columns.next_run_at).bind(job.read_document).bind(columns.lease_owner);
      insert.bind(columns.lease_until).bind(columns.attempts).run();
    }
  }

  std::vector<bool> finish_claimed_checks(std::string_view owner, std::span<const CheckClaim> claims) override {
    std::vector<bool> applied;
    applied.reserve(claims.size());
    for (const auto& claim : claims) {
      Statement finish(c_, sql::kFinishClaimedCheck);
      finish.bind(claim.session_id).bind(owner).bind(claim.attempts).run();
      applied.push_back(c_.changes() == 1);
    }
    return applied;
  }

  std::vector<bool> retry_claimed_checks(std::string_view owner, std::span<const CheckRetry> retries) override {
    std::vector<bool> applied;
    applied.reserve(retries.size());
    for (const auto& retry : retries) {
      Statement update(c_, sql::kRetryClaimedCheck);
      update.bind(retry.next_run_at).bind(retry.session_id).bind(owner).bind(retry.attempts).run();
      applied.push_back(c_.changes() == 1);
    }
    return applied;
  }

  bool release_read_check(std::string_view owner, const CheckClaim& claim, TimeMs now) override {
    Statement release(c_, sql::kReleaseReadCheck);
    release.bind(now).bind(claim.session_id).bind(owner).bind(claim.attempts).run();
    return c_.changes() == 1;
  }

  void insert_ine_results(std::span<const SessionResult> results) override {
    for (const auto& [session_id, result, sealed_answer] : results) {
      Statement insert(c_, sql::kInsertIneResult);
      insert.bind(session_id)
          .bind(result.active)
          .bind(result.document_state)
          .bind(result.situation)
          .bind(result.checked_at)
          .bind(result.source)
          .bind(sealed_answer)
          .bind(result.message_code)
          .bind(result.answered_at)
          .bind(result.snapshot_at)
          .run();
    }
  }

  std::vector<std::string> find_recheck_candidates(const RecheckSelection& which) override {
    Statement select(c_, sql::kSelectRecheckCandidates);
    select.bind(which.session_id)
        .bind(which.integration_id)
        .bind(which.decided_before)
        .bind(which.checked_at_or_before)
        .bind(which.after_session_id)
        .bind(which.limit);
    std::vector<std::string> ids;
    while (select.step()) {
      ids.push_back(select.text(0));
    }
    return ids;
  }

  void insert_rechecks(std::span<const NewRecheck> rechecks) override {
    for (const auto& recheck : rechecks) {
      Statement insert(c_, sql::kInsertRecheck);
      insert.bind(recheck.session_id).bind(recheck.requested_by).bind(recheck.requested_at).run();
    }
  }

  std::vector<RecheckBaseline> recheck_baselines(std::span<const std::string> session_ids) override {
    std::vector<RecheckBaseline> baselines;
    for (const auto& id : session_ids) {
      Statement select(c_, sql::kSelectRecheckBaseline);
      select.bind(id);
      if (select.step()) {
        baselines.push_back(
            RecheckBaseline{select.text(0), *rows::optional_result(select, 1), rows::optional_result(select, 5)});
      }
    }
    return baselines;
  }

  std::vector<bool> finish_claimed_rechecks(std::string_view owner, std::span<const RecheckRecord> records) override {
    std::vector<bool> applied;
    applied.reserve(records.size());
    for (const auto& r : records) {
      Statement finish(c_, sql::kFinishClaimedRecheck);
      finish.bind(r.checked_at)
          .bind(r.outcome)
          .bind(r.result ? std::optional<bool>(r.result->active) : std::nullopt)
          .bind(r.result ? std::optional<std::string>(r.result->document_state) : std::nullopt)
          .bind(r.result ? std::optional<int>(r.result->situation) : std::nullopt)
          .bind(r.changed)
          .bind(r.source)
          .bind(r.claim.recheck_id)
          .bind(owner)
          .bind(r.claim.attempts)
          .run();
      applied.push_back(c_.changes() == 1);
    }
    return applied;
  }

  std::vector<bool> retry_claimed_rechecks(std::string_view owner, std::span<const RecheckRetry> retries) override {
    std::vector<bool> applied;
    applied.reserve(retries.size());
    for (const auto& retry : retries) {
      Statement update(c_, sql::kRetryClaimedRecheck);
      update.bind(retry.next_run_at).bind(retry.claim.recheck_id).bind(owner).bind(retry.claim.attempts).run();
      applied.push_back(c_.changes() == 1);
    }
    return applied;
  }

  std::vector<ClaimedCheck> claim_rechecks(std::string_view owner, TimeMs now, TimeMs lease_ms, int limit) override {
    std::vector<ClaimedCheck> claimed;
    if (limit <= 0) {
      return claimed;
    }
    {
      Statement claim(c_, sql::kClaimRechecks);
      claim.bind(owner).bind(now + lease_ms).bind(now).bind(limit);
      while (claim.step()) {
        ClaimedCheck check;
        check.recheck_id = claim.integer(0);
        check.session_id = claim.text(1);
        check.attempts = static_cast<int>(claim.integer(2));
        claimed.push_back(std::move(check));
      }
    }
    load_credentials(c_, claimed);
    return claimed;
  }

  std::int64_t lock_recheck_pace() override {
    Statement select(c_, sql::kSelectRecheckPace);
    if (!select.step()) {
      throw StoreError("SQLite: the recheck_pace row is missing (migration 12)");
    }
    return select.integer(0);
  }

  void set_recheck_pace(std::int64_t state_us) override {
    Statement update(c_, sql::kUpdateRecheckPace);
    update.bind(state_us).run();
  }

  void insert_curp_results(std::span<const SessionCurpResult> results) override {
    for (const auto& [session_id, result] : results) {
      Statement insert(c_, sql::kInsertCurpResult);
      insert.bind(session_id)
          .bind(result.status)
          .bind(result.checked_at)
          .bind(result.source)
          .bind(result.message_code)
          .bind(result.answered_at)
          .bind(result.snapshot_at)
          .run();
    }
  }

  std::vector<SessionCheckResults> find_check_results(std::span<const std::string> ids) override {
    std::vector<SessionCheckResults> found;
    for (const auto& id : ids) {
      Statement select(c_, sql::kSelectCheckResults);
      select.bind(id);
      if (select.step()) {
        found.push_back(rows::session_check_results(select));
      }
    }
    return found;
  }

  bool lock_integration(std::string_view integration_id) override {
    Statement exists(c_, sql::kIntegrationExists);
    exists.bind(integration_id);
    return exists.step();
  }

  WebhookUrls webhook_urls(std::string_view integration_id) override {
    Statement select(c_, sql::kSelectIntegrationWebhooks);
    select.bind(integration_id);
    if (!select.step()) {
      return {};
    }
    return WebhookUrls{select.text(0), select.text(1), select.text(2), select.text(3), select.text(4)};
  }

  void prune_session_deletions(std::string_view integration_id, TimeMs at_or_before) override {
    Statement prune(c_, sql::kPruneSessionDeletions);
    prune.bind(integration_id).bind(at_or_before).run();
  }

  std::vector<TimeMs> recent_deletions(std::string_view integration_id, TimeMs after, int limit) override {
    Statement select(c_, sql::kSelectRecentDeletions);
    select.bind(integration_id).bind(after).bind(limit);
    std::vector<TimeMs> times;
    while (select.step()) {
      times.push_back(select.integer(0));
    }
    return times;
  }

  void record_session_deletion(std::string_view integration_id, std::string_view session_id, TimeMs at) override {
    Statement insert(c_, sql::kInsertSessionDeletion);
    insert.bind(integration_id).bind(session_id).bind(at).run();
  }

  std::vector<std::int64_t> insert_deliveries(std::span<const NewDelivery> deliveries) override {
    std::vector<std::int64_t> ids;
    ids.reserve(deliveries.size());
    for (const auto& d : deliveries) {
      Statement insert(c_, sql::kInsertDelivery);
      insert.bind(d.integration_id)
          .bind(d.session_id)
          .bind(webhook_kind_name(d.kind))
          .bind(d.url)
          .bind(d.body)
          .bind(d.created_at)
          .bind(d.created_at)
          .bind(d.redelivery_of);
      if (!insert.step()) {
        throw StoreError("SQLite: webhook delivery insert returned no id");
      }
      ids.push_back(insert.integer(0));
      insert.run();
    }
    return ids;
  }

  void erase_finished_delivery_bodies(std::string_view session_id) override {
    Statement erase(c_, sql::kEraseFinishedDeliveryBodies);
    erase.bind(session_id).run();
  }

  std::optional<StoredDelivery> find_delivery(std::int64_t delivery_id) override {
    Statement select(c_, sql::kSelectDelivery);
    select.bind(delivery_id);
    if (!select.step()) {
      return std::nullopt;
    }
    return rows::stored_delivery(select);
  }

 private:
  std::optional<Writes::Member> member_;  // begin_write's own turn; none in a combined run
  Connection& c_;
  std::function<void()> truncate_wal_;
  bool shredded_ = false;
  bool committed_ = false;
};

// Checkpoints the WAL on a connection and thread of its own, so that no writer pays for
// it. SQLite's automatic checkpoint runs inside the COMMIT that crosses 1,000 WAL pages:
// it copies the pages back into the database file and fsyncs it, and with group commit
// the whole group would wait for that. A PASSIVE checkpoint takes no write lock:
// writers go on appending to the WAL while it runs.
class Checkpointer {
 public:
  // Installs itself as `writer`'s WAL hook (which replaces the automatic checkpoint).
  Checkpointer(const std::string& path, Connection& writer)
      : connection_(path), writer_(writer), thread_([this] { run(); }) {
    sqlite3_wal_hook(writer_.handle(), &Checkpointer::on_commit, this);
  }
  ~Checkpointer() {
    sqlite3_wal_hook(writer_.handle(), nullptr, nullptr);
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

 private:
  // Pages appended between two checkpoints (checkpoint_trigger.hpp): SQLite's own
  // threshold (SQLITE_DEFAULT_WAL_AUTOCHECKPOINT), but off the writers' path. The
  // checkpoint's fsync of the database file holds up the writers' WAL fsyncs on the same
  // disk while it runs: at 4,000 pages it took ~54 ms, and the slowest write of a bench run
  // was 20–111 ms; at 1,000 it is smaller and more frequent (median 7.9 ms), the slowest
  // write under 45 ms in most runs but not all (132 ms once), at the same throughput
  // (bench/README.md, "Time-ordered ids"). 4,000 paid when ids were random (every create
  // wrote index pages of its own, which a longer WAL copied fewer times); time-ordered ids
  // share them.
  static constexpr int kCheckpointPages = 1000;

  // Called by SQLite on the writer's thread after each commit, with the WAL's size.
  // Only the thread holding the writer commits (group_commit.hpp): trigger_ needs no lock.
  static int on_commit(void* self, sqlite3* /*db*/, const char* /*schema*/, int pages) {
    auto* checkpointer = static_cast<Checkpointer*>(self);
    if (checkpointer->trigger_.committed(pages)) {
      {
        std::lock_guard lock(checkpointer->mutex_);
        checkpointer->due_ = true;
      }
      checkpointer->wake_.notify_one();
    }
    return SQLITE_OK;
  }

  void run() {
    std::unique_lock lock(mutex_);
    while (true) {
      wake_.wait(lock, [this] { return due_ || stopping_; });
      if (stopping_) {
        return;
      }
      due_ = false;
      lock.unlock();
      // SQLITE_BUSY (another checkpoint running, e.g. the CLI's) is left for the next
      // commit's call; any other error is SQLite's to report on the next write.
      sqlite3_wal_checkpoint_v2(connection_.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      lock.lock();
    }
  }

  Connection connection_;
  Connection& writer_;
  CheckpointTrigger trigger_{kCheckpointPages};  // the writer's thread's (on_commit)
  std::mutex mutex_;
  std::condition_variable wake_;
  bool due_ = false;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

// The embedded backend: one SQLite file in WAL mode; reads on a pool of connections
// (one per concurrent caller), every write on one writer connection with group commit
// (group_commit.hpp); the WAL checkpointed off the write path (Checkpointer). Prepared
// statements are cached per connection.
class SqliteStore final : public Store {
 public:
  SqliteStore(const std::string& path, const PoolOptions& pool, Migrations migrations)
      : pool_(pool, [path] { return std::make_unique<Connection>(path); }) {
    // SQLite's memory statistics take a global mutex on every allocation; nothing reads
    // them. Must precede SQLite's initialization; later calls fail harmlessly.
    static std::once_flag configured;
    std::call_once(configured, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
    auto first = std::make_unique<Connection>(path);
    if (migrations == Migrations::kApply) {
      migrate(*first);
    } else {
      require_current(*first);
    }
    writer_ = std::move(first);
    // The writer's page cache outlives its transactions (no other connection writes), so
    // a larger one keeps the pages writes land on instead of reading them again with
    // pread: with SQLite's default (2 MiB) that was 7% of a create's CPU while session ids
    // were random (every create touched a random page of two indexes). Rows made before
    // time-ordered ids are still spread that way.
    writer_->exec("PRAGMA cache_size=-16384");
    writes_ = std::make_unique<Writes>(*writer_, pool.max_group_commit);
    checkpointer_ = std::make_unique<Checkpointer>(path, *writer_);
  }

  std::unique_ptr<WriteTransaction> begin_write() override {
    return std::make_unique<OpenTransaction>(*writes_, [this] { truncate_wal(); });
  }

  void write(const std::function<void(WriteTransaction&)>& body) override {
    bool shredded = false;
    writes_->run([&](Connection& writer) {
      OpenTransaction tx(writer);
      body(tx);
      shredded = tx.committed() && tx.shredded();
      return tx.committed();
    });
    if (shredded) {
      truncate_wal();
    }
  }

  // PRAGMA wal_checkpoint(TRUNCATE) on a reader connection; best effort (see
  // OpenTransaction::commit): SQLITE_BUSY leaves it to the next checkpoint.
  void truncate_wal() {
    try {
      auto lease = pool_.acquire();
      (*lease).exec("PRAGMA wal_checkpoint(TRUNCATE)");
    } catch (const StoreError&) {
      // Committed already: the next checkpoint (the Checkpointer's, or the next DELETE's) does it.
    }
  }

  int schema_version() override {
    auto lease = pool_.acquire();
    Statement version(*lease, sql::kSelectAppliedVersion);
    return version.step() ? static_cast<int>(version.integer(0)) : 0;
  }

  void create_integration(const Integration& integration, std::string_view sealed_secret) override {
    Writes::Member tx(*writes_);
    Connection& c = tx.connection();
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

  std::optional<Integration> find_integration_by_api_key(std::string_view api_key) override {
    return find_integration_where(sql::kSelectIntegrationByApiKey, api_key);
  }

  std::optional<Integration> find_integration(std::string_view id) override {
    return find_integration_where(sql::kSelectIntegrationById, id);
  }

  std::vector<Integration> list_integrations() override {
    auto lease = pool_.acquire();
    std::vector<Integration> all;
    {
      Statement select(*lease, sql::kSelectIntegrations);
      while (select.step()) {
        all.push_back(rows::integration(select));
      }
    }
    for (auto& integration : all) {
      load_secrets(*lease, integration);
      load_cors_origins(*lease, integration);
    }
    return all;
  }

  std::int64_t add_integration_secret(std::string_view integration_id, std::string_view sealed_secret,
                                      TimeMs now) override {
    Writes::Member tx(*writes_);
    std::int64_t id = 0;
    {
      Statement insert(tx.connection(), sql::kInsertSecret);
      insert.bind(integration_id).bind(sealed_secret).bind(now).run();
      id = tx.connection().last_insert_rowid();
    }
    tx.commit();
    return id;
  }

  int revoke_older_integration_secrets(std::string_view integration_id, TimeMs now) override {
    Writes::Member tx(*writes_);
    int changed = 0;
    {
      Statement revoke(tx.connection(), sql::kRevokeOlderSecrets);
      revoke.bind(now).bind(integration_id).bind(integration_id).run();
      changed = tx.connection().changes();
    }
    tx.commit();
    return changed;
  }

  bool set_integration_active(std::string_view integration_id, bool active) override {
    Writes::Member tx(*writes_);
    int changed = 0;
    {
      Statement update(tx.connection(), sql::kSetIntegrationActive);
      update.bind(active).bind(integration_id).run();
      changed = tx.connection().changes();
    }
    tx.commit();
    return changed == 1;
  }

  bool set_integration_cors_origins(std::string_view integration_id, std::span<const std::string> origins) override {
    Writes::Member tx(*writes_);
    Connection& c = tx.connection();
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

  std::vector<std::string> list_allowed_cors_origins() override {
    auto lease = pool_.acquire();
    Statement select(*lease, sql::kSelectAllowedCorsOrigins);
    std::vector<std::string> origins;
    while (select.step()) {
      origins.push_back(select.text(0));
    }
    return origins;
  }

  void insert_session(const Session& s) override {
    writes_->run([&](Connection& c) {
      insert_session_row(c, s);
      return true;
    });
  }

  void insert_session_with_key(const Session& session, const SessionKey& key) override {
    writes_->run([&](Connection& c) {
      insert_session_row(c, session);
      Statement insert(c, sql::kInsertSessionKey);
      insert.bind(key.session_id).bind(key.key_id).bind(key.sealed_key).run();
      return true;
    });
  }

  std::vector<SessionKey> find_session_keys(std::span<const std::string> ids) override {
    auto lease = pool_.acquire();
    return select_session_keys(*lease, ids);
  }

  std::vector<SessionKey> list_session_keys_not_under(std::string_view key_id, std::string_view after_session_id,
                                                      int limit) override {
    auto lease = pool_.acquire();
    Statement select(*lease, sql::kListSessionKeysNotUnder);
    select.bind(key_id).bind(after_session_id).bind(limit);
    std::vector<SessionKey> keys;
    while (select.step()) {
      keys.push_back(SessionKey{select.text(0), select.text(1), select.text(2)});
    }
    return keys;
  }

  std::vector<IntegrationSecret> list_all_integration_secrets() override {
    auto lease = pool_.acquire();
    Statement select(*lease, sql::kSelectAllSecrets);
    std::vector<IntegrationSecret> secrets;
    while (select.step()) {
      secrets.push_back(IntegrationSecret{select.integer(0), select.text(1), select.integer(2)});
    }
    return secrets;
  }

  static void insert_session_row(Connection& c, const Session& s) {
    Statement insert(c, sql::kInsertSession);
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
        .bind(registry_checks_name(s.registry_checks))
        .run();
  }

  std::optional<Session> find_session(std::string_view session_id) override {
    auto lease = pool_.acquire();
    return select_session(*lease, session_id);
  }

  std::optional<IneAnswer> find_ine_answer(std::string_view session_id) override {
    auto lease = pool_.acquire();
    Statement select(*lease, sql::kSelectIneAnswer);
    select.bind(session_id);
    if (!select.step()) {
      return std::nullopt;
    }
    IneAnswer answer{select.text(0), select.text(1), std::nullopt, rows::registry_checks(select.text(7))};
    if (select.optional_integer(2)) {
      answer.result = IneResult{select.integer(2) != 0, select.text(3), static_cast<int>(select.integer(4)),
                                select.integer(5), select.text(6)};
    }
    return answer;
  }

  std::vector<std::string> sessions_deleted_since(TimeMs since) override {
    auto lease = pool_.acquire();
    Statement select(*lease, sql::kSelectSessionsDeletedSince);
    select.bind(since);
    std::vector<std::string> ids;
    while (select.step()) {
      ids.push_back(select.text(0));
    }
    return ids;
  }

  std::optional<RegistryAnswer> find_registry_answer(std::string_view session_id) override {
    auto lease = pool_.acquire();
    Statement select(*lease, sql::kSelectRegistryAnswer);
    select.bind(session_id);
    if (!select.step()) {
      return std::nullopt;
    }
    return RegistryAnswer{select.text(0), select.text(1), select.integer(2)};
  }

  std::optional<CheckAnswer> find_check_answer(std::string_view session_id) override {
    auto lease = pool_.acquire();
    Statement select(*lease, sql::kSelectCheckAnswer);
    select.bind(session_id);
    if (!select.step()) {
      return std::nullopt;
    }
    return rows::check_answer(select);
  }

  void set_snapshot_date(std::string_view snapshot, TimeMs imported_at) override {
    Writes::Member tx(*writes_);
    {
      Statement upsert(tx.connection(), sql::kUpsertSnapshotDate);
      upsert.bind(snapshot).bind(imported_at).run();
    }
    tx.commit();
  }

  std::optional<TimeMs> find_snapshot_date(std::string_view snapshot) override {
    auto lease = pool_.acquire();
    Statement select(*lease, sql::kSelectSnapshotDate);
    select.bind(snapshot);
    if (!select.step()) {
      return std::nullopt;
    }
    return select.integer(0);
  }

  void set_snapshot_key_id(std::string_view snapshot, std::string_view key_id) override {
    Writes::Member tx(*writes_);
    {
      Statement update(tx.connection(), sql::kUpdateSnapshotKeyId);
      update.bind(key_id).bind(snapshot).run();
    }
    tx.commit();
  }

  std::optional<std::string> find_snapshot_key_id(std::string_view snapshot) override {
    auto lease = pool_.acquire();
    Statement select(*lease, sql::kSelectSnapshotKeyId);
    select.bind(snapshot);
    if (!select.step()) {
      return std::nullopt;
    }
    return select.optional_text(0);
  }

  RegistrySnapshotState find_registry_snapshot(std::string_view snapshot) override {
    auto lease = pool_.acquire();
    Statement select(*lease, sql::kSelectRegistrySnapshot);
    select.bind(snapshot);
    if (!select.step()) {
      return {};
    }
    return rows::registry_snapshot_state(select);
  }

  void activate_registry_snapshot(std::string_view snapshot, const SnapshotFileRecord& record) override {
    auto lease = pool_.acquire();
    Statement upsert(*lease, sql::kActivateRegistrySnapshot);
    upsert.bind(snapshot).bind(record.imported_at).bind(record.file).bind(record.row_count).bind(record.source_sha256);
    upsert.run();
  }

  bool rollback_registry_snapshot(std::string_view snapshot) override {
    auto lease = pool_.acquire();
    Statement update(*lease, sql::kRollbackRegistrySnapshot);
    update.bind(snapshot).run();
    return (*lease).changes() == 1;
  }

  void clear_registry_entries() override {
    auto lease = pool_.acquire();
    Statement remove(*lease, sql::kDeleteRegistryEntries);
    remove.run();
  }

  bool set_integration_registry_checks(std::string_view integration_id, RegistryChecks checks) override {
    Writes::Member tx(*writes_);
    int changed = 0;
    {
      Statement update(tx.connection(), sql::kSetIntegrationRegistryChecks);
      update.bind(registry_checks_name(checks)).bind(integration_id).run();
      changed = tx.connection().changes();
    }
    tx.commit();
    return changed == 1;
  }

  std::int64_t pending_check_count() override {
    auto lease = pool_.acquire();
    Statement count(*lease, sql::kCountPendingChecks);
    return count.step() ? count.integer(0) : 0;
  }

  std::vector<ClaimedCheck> claim_checks(std::string_view owner, TimeMs now, TimeMs lease_ms, int limit) override {
    std::vector<ClaimedCheck> claimed;
    if (limit <= 0) {
      return claimed;
    }
    // A turn on the writer (BEGIN IMMEDIATE): no other claimer (thread or process) can
    // pick the same rows between the SELECT and the UPDATE.
    Writes::Member tx(*writes_);
    Connection& c = tx.connection();
    {
      Statement claim(c, sql::kClaimChecks);
      claim.bind(owner).bind(now + lease_ms).bind(now).bind(limit);
      while (claim.step()) {
        ClaimedCheck check;
        check.session_id = claim.text(0);
        check.attempts = static_cast<int>(claim.integer(1));
        check.read_document = claim.integer(2) != 0;
        claimed.push_back(std::move(check));
      }
    }
    load_credentials(c, claimed);
    tx.commit();
    return claimed;
  }

  std::vector<Recheck> list_rechecks(std::string_view session_id) override {
    auto lease = pool_.acquire();
    Statement select(*lease, sql::kSelectSessionRechecks);
    select.bind(session_id);
    std::vector<Recheck> all;
    while (select.step()) {
      all.push_back(rows::recheck(select));
    }
    return all;
  }

  void upsert_registry_entries(std::span<const RegistryEntry> entries) override {
    Writes::Member tx(*writes_);
    Connection& c = tx.connection();
    for (const auto& entry : entries) {
      Statement upsert(c, sql::kUpsertRegistryEntry);
      upsert.bind(entry.lookup_key).bind(entry.model).bind(entry.situation).run();
    }
    tx.commit();
  }

  std::optional<int> find_registry_situation(std::string_view lookup_key) override {
    auto lease = pool_.acquire();
    Statement select(*lease, sql::kSelectRegistrySituation);
    select.bind(lookup_key);
    if (!select.step()) {
      return std::nullopt;
    }
    return static_cast<int>(select.integer(0));
  }

  std::int64_t registry_entry_count() override {
    auto lease = pool_.acquire();
    Statement count(*lease, sql::kCountRegistryEntries);
    return count.step() ? count.integer(0) : 0;
  }

  void upsert_curp_registry_entries(std::span<const CurpRegistryEntry> entries) override {
    Writes::Member tx(*writes_);
    Connection& c = tx.connection();
    for (const auto& entry : entries) {
      Statement upsert(c, sql::kUpsertCurpRegistryEntry);
      upsert.bind(entry.curp_hash).bind(entry.status).run();
    }
    tx.commit();
  }

  std::optional<int> find_curp_registry_status(std::string_view curp_hash) override {
    auto lease = pool_.acquire();
    Statement select(*lease, sql::kSelectCurpRegistryStatus);
    select.bind(curp_hash);
    if (!select.step()) {
      return std::nullopt;
    }
    return static_cast<int>(select.integer(0));
  }

  std::int64_t curp_registry_entry_count() override {
    auto lease = pool_.acquire();
    Statement count(*lease, sql::kCountCurpRegistryEntries);
    return count.step() ? count.integer(0) : 0;
  }

  bool set_integration_webhooks(std::string_view integration_id, const WebhookUrls& urls) override {
    Writes::Member tx(*writes_);
    int changed = 0;
    {
      Statement update(tx.connection(), sql::kSetIntegrationWebhooks);
      update.bind(urls.decision)
          .bind(urls.event)
          .bind(urls.ine)
          .bind(urls.curp)
          .bind(urls.ine_curp)
          .bind(integration_id)
          .run();
      changed = tx.connection().changes();
    }
    tx.commit();
    return changed == 1;
  }

  bool set_integration_recheck_interval(std::string_view integration_id, TimeMs interval_ms) override {
    Writes::Member tx(*writes_);
    int changed = 0;
    {
      Statement update(tx.connection(), sql::kSetIntegrationRecheckInterval);
      update.bind(interval_ms).bind(integration_id).run();
      changed = tx.connection().changes();
    }
    tx.commit();
    return changed == 1;
  }

  bool set_integration_retention(std::string_view integration_id, TimeMs retention_ms,
                                 TimeMs delivered_webhook_retention_ms) override {
    auto lease = pool_.acquire();
    Statement update(*lease, sql::kSetIntegrationRetention);
    update.bind(retention_ms).bind(delivered_webhook_retention_ms).bind(integration_id).run();
    return (*lease).changes() == 1;
  }

  RetentionReport retention_report() override {
    auto lease = pool_.acquire();
    RetentionReport report;
    {
      Statement counts(*lease, sql::kSelectRetentionCounts);
      while (counts.step()) {
        report.integrations.push_back(RetentionCounts{counts.text(0), counts.integer(1), counts.integer(2),
                                                      counts.optional_integer(3), counts.optional_integer(4)});
      }
    }
    Statement run(*lease, sql::kSelectRetentionRun);
    if (run.step()) {
      report.last_run = RetentionRun{run.integer(0), run.integer(1), run.integer(2)};
    }
    return report;
  }

  void record_retention_run(const RetentionRun& run) override {
    auto lease = pool_.acquire();
    Statement upsert(*lease, sql::kUpsertRetentionRun);
    upsert.bind(run.ran_at).bind(run.sessions_purged).bind(run.webhooks_pruned).run();
  }

  std::optional<WebhookUrls> find_integration_webhooks(std::string_view integration_id) override {
    auto lease = pool_.acquire();
    Statement select(*lease, sql::kSelectIntegrationWebhooks);
    select.bind(integration_id);
    if (!select.step()) {
      return std::nullopt;
    }
    return WebhookUrls{select.text(0), select.text(1), select.text(2), select.text(3), select.text(4)};
  }

  std::vector<ClaimedDelivery> claim_webhook_deliveries(std::string_view owner, TimeMs now, TimeMs lease_ms,
                                                        int limit) override {
    Writes::Member tx(*writes_);
    Connection& c = tx.connection();
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
      claimed.push_back(rows::claimed_delivery(select));
    }
    tx.commit();
    return claimed;
  }

  bool record_webhook_attempt(std::int64_t delivery_id, std::string_view owner, const WebhookAttempt& attempt,
                              DeliveryState next_state, TimeMs next_attempt_at) override {
    Writes::Member tx(*writes_);
    Connection& c = tx.connection();
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

  std::vector<WebhookDelivery> list_webhook_deliveries(const DeliveryFilter& filter) override {
    auto lease = pool_.acquire();
    Connection& c = *lease;
    std::vector<WebhookDelivery> all;
    {
      Statement list(c, sql::kListDeliveries);
      list.bind(filter.session_id)
          .bind(filter.state ? std::optional<std::string>(std::string(delivery_state_name(*filter.state)))
                             : std::nullopt)
          .bind(filter.limit);
      while (list.step()) {
        all.push_back(rows::delivery(list));
      }
    }
    for (auto& d : all) {
      Statement history(c, sql::kSelectDeliveryAttempts);
      history.bind(d.id);
      while (history.step()) {
        d.history.push_back(rows::attempt(history));
      }
    }
    return all;
  }

  std::int64_t pending_webhook_count() override {
    auto lease = pool_.acquire();
    Statement count(*lease, sql::kCountPendingDeliveries);
    return count.step() ? count.integer(0) : 0;
  }

  std::vector<Media> list_media(std::string_view session_id) override {
    auto lease = pool_.acquire();
    Statement select(*lease, sql::kSelectSessionMedia);
    select.bind(session_id);
    std::vector<Media> all;
    while (select.step()) {
      all.push_back(rows::media(select));
    }
    return all;
  }

  std::optional<MediaFile> find_media(std::string_view media_id) override {
    auto lease = pool_.acquire();
    Statement select(*lease, sql::kSelectMediaFile);
    select.bind(media_id);
    if (!select.step()) {
      return std::nullopt;
    }
    return rows::media_file(select);
  }

  std::vector<MediaFile> media_for_reading(std::string_view session_id) override {
    auto lease = pool_.acquire();
    Statement select(*lease, sql::kSelectMediaForReading);
    select.bind(session_id);
    std::vector<MediaFile> all;
    while (select.step()) {
      all.push_back(rows::media_file(select));
    }
    return all;
  }

 private:
  void migrate(Connection& connection) {
    connection.exec(sql::kCreateMigrationsTable);
    ScopedTransaction<Connection> tx(connection, sql::kBeginImmediate);
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
      record.bind(migration.version).bind(util::wall_clock_ms()).run();
    }
    tx.commit();
  }

  void require_current(Connection& connection) {
    std::int64_t applied = 0;
    Statement exists(connection, sql::kMigrationsTableExists);
    if (exists.step() && exists.integer(0) > 0) {
      Statement version(connection, sql::kSelectAppliedVersion);
      if (version.step()) {
        applied = version.integer(0);
      }
    }
    require_schema_version(applied, sql::kSchemaVersion);
  }

  void load_secrets(Connection& connection, Integration& integration) {
    Statement secrets(connection, sql::kSelectActiveSecrets);
    secrets.bind(integration.id);
    while (secrets.step()) {
      integration.secrets.push_back(IntegrationSecret{secrets.integer(0), secrets.text(1), secrets.integer(2)});
    }
  }

  void load_cors_origins(Connection& connection, Integration& integration) {
    Statement origins(connection, sql::kSelectCorsOrigins);
    origins.bind(integration.id);
    while (origins.step()) {
      integration.cors_origins.push_back(origins.text(0));
    }
  }

  std::optional<Integration> find_integration_where(std::string_view sql, std::string_view value) {
    auto lease = pool_.acquire();
    std::optional<Integration> found;
    {
      Statement select(*lease, sql);
      select.bind(value);
      if (select.step()) {
        found = rows::integration(select);
      }
    }
    if (found) {
      load_secrets(*lease, *found);
      load_cors_origins(*lease, *found);
    }
    return found;
  }

  Pool pool_;  // readers
  std::unique_ptr<Connection> writer_;
  std::unique_ptr<Writes> writes_;
  std::unique_ptr<Checkpointer> checkpointer_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const std::string& path, const PoolOptions& pool, Migrations migrations) {
  return std::make_unique<SqliteStore>(path, pool, migrations);
}

}  // namespace inereg::store::sqlite
