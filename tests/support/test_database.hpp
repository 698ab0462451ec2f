#pragma once

#include <libpq-fe.h>
#include <sqlite3.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "store/store.hpp"

// The database a component or functional test runs against. One suite runs on either
// backend: INEREG_TEST_BACKEND picks it (`sqlite`, the default, or `postgres`, which
// needs INEREG_TEST_POSTGRES_URL naming a database whose user may CREATE DATABASE;
// scripts/pg-test-server.sh start DIR prints one). Each TestDatabase is private to
// its test: a file in the test's temp dir, or a freshly created PostgreSQL database
// dropped (WITH FORCE, so leftover connections of killed children do not block it)
// when the TestDatabase goes. A PostgreSQL database is handed over migrated, as
// `inereg migrate` leaves it before a rollout.
namespace inereg::testing {

enum class Backend { kSqlite, kPostgres };

inline constexpr const char* kBackendVariable = "INEREG_TEST_BACKEND";
inline constexpr const char* kPostgresUrlVariable = "INEREG_TEST_POSTGRES_URL";

// The backend the environment asks for; throws on a value that names none, so that a
// typo cannot silently run the SQLite suite twice.
inline Backend test_backend() {
  const char* value = std::getenv(kBackendVariable);
  if (value == nullptr || *value == '\0' || std::string_view(value) == "sqlite") {
    return Backend::kSqlite;
  }
  if (std::string_view(value) == "postgres") {
    return Backend::kPostgres;
  }
  throw std::runtime_error(std::string(kBackendVariable) + "=" + value + ": expected sqlite or postgres");
}

inline bool postgres_backend() {
  return test_backend() == Backend::kPostgres;
}

// `url` pointing at database `name` instead of its own (query string kept).
inline std::string with_database(const std::string& url, const std::string& name) {
  const auto authority = url.find("://") + 3;
  const auto path = url.find_first_of("/?", authority);
  if (path == std::string::npos) {
    return url + "/" + name;
  }
  const auto query = url.find('?', path);
  return url.substr(0, path) + "/" + name + (query == std::string::npos ? "" : url.substr(query));
}

// A libpq connection for a test's own SQL: administration (create/drop databases) and
// inspecting or breaking state behind the service's back.
class PgConnection {
 public:
  explicit PgConnection(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
    if (PQstatus(conn_) != CONNECTION_OK) {
      const std::string message = PQerrorMessage(conn_);
      PQfinish(conn_);
      throw std::runtime_error("PostgreSQL connection failed: " + message);
    }
  }
  ~PgConnection() { PQfinish(conn_); }
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs `sql` with text parameters; returns every row, NULLs as nullopt.
  std::vector<std::vector<std::optional<std::string>>> rows(const std::string& sql,
                                                            const std::vector<std::string>& params = {}) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) {
      values.push_back(p.c_str());
    }
    PGresult* result =
        PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0);
    const auto status = PQresultStatus(result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      const std::string message = PQresultErrorMessage(result);
      PQclear(result);
      throw std::runtime_error(sql + ": " + message);
    }
    std::vector<std::vector<std::optional<std::string>>> out;
    for (int r = 0; r < PQntuples(result); ++r) {
      auto& row = out.emplace_back();
      for (int c = 0; c < PQnfields(result); ++c) {
        if (PQgetisnull(result, r, c)) {
          row.emplace_back(std::nullopt);
        } else {
          row.emplace_back(PQgetvalue(result, r, c));
        }
      }
    }
    PQclear(result);
    return out;
  }

  // The first column of the first row ("" if there is none or it is NULL).
  std::string query(const std::string& sql, const std::vector<std::string>& params = {}) {
    const auto all = rows(sql, params);
    if (all.empty() || all[0].empty() || !all[0][0]) {
      return "";
    }
    return *all[0][0];
  }

 private:
  PGconn* conn_;
};

class TestDatabase {
 public:
  // `sqlite_file` is where the SQLite backend keeps the database (the test's temp dir).
  explicit TestDatabase(const std::filesystem::path& sqlite_file) : backend_(test_backend()) {
    if (backend_ == Backend::kSqlite) {
      sqlite_path_ = sqlite_file.string();
      url_ = "sqlite:" + sqlite_path_;
      return;
    }
    const char* base = std::getenv(kPostgresUrlVariable);
    if (base == nullptr || *base == '\0') {
      throw std::runtime_error(std::string(kBackendVariable) + "=postgres needs " + kPostgresUrlVariable +
                               " (scripts/pg-test-server.sh start DIR prints one)");
    }
    admin_url_ = base;
    std::random_device random;
    // An identifier cannot be a parameter; the name is generated digits only.
    database_ = "inereg_t_" + std::to_string(random()) + std::to_string(random());
    PgConnection(admin_url_).query("CREATE DATABASE " + database_);
    url_ = with_database(admin_url_, database_);
    // A node refuses a PostgreSQL schema that is behind; a deployment runs `inereg
    // migrate` once before starting nodes, and this does the same. (A SQLite file is
    // migrated by whoever opens it.)
    store::open_store(url_, store::Migrations::kApply);
  }

  ~TestDatabase() {
    if (!database_.empty()) {
      try {
        PgConnection(admin_url_).query("DROP DATABASE IF EXISTS " + database_ + " WITH (FORCE)");
      } catch (...) {
        // A destructor must not throw; the throwaway cluster goes with the test run.
      }
    }
  }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  Backend backend() const { return backend_; }
  // What the service takes as --db / INEREG_DB.
  const std::string& url() const { return url_; }

  // Runs statements that return nothing (e.g. to break the schema behind the
  // service's back); throws on error.
  void exec(const std::string& sql) const {
    if (backend_ == Backend::kPostgres) {
      PgConnection(url_).query(sql);
      return;
    }
    sqlite3* db = open_sqlite(SQLITE_OPEN_READWRITE);
    char* message = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    const std::string error = message != nullptr ? message : "";
    sqlite3_free(message);
    sqlite3_close(db);
    if (rc != SQLITE_OK) {
      throw std::runtime_error(sql + ": " + error);
    }
  }

  // One integer from a query (e.g. a COUNT(*)), to check durable state the API does
  // not expose. Throws if the query fails or returns no row.
  std::int64_t query_int(const std::string& sql) const {
    if (backend_ == Backend::kPostgres) {
      const auto rows = PgConnection(url_).rows(sql);
      if (rows.empty() || rows[0].empty() || !rows[0][0]) {
        throw std::runtime_error(sql + ": no value");
      }
      return std::stoll(*rows[0][0]);
    }
    sqlite3* db = open_sqlite(SQLITE_OPEN_READONLY);
    sqlite3_stmt* statement = nullptr;
    std::int64_t value = -1;
    std::string error;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
      error = sqlite3_errmsg(db);
    } else if (sqlite3_step(statement) == SQLITE_ROW) {
      value = sqlite3_column_int64(statement, 0);
    } else {
      error = std::string("no row: ") + sqlite3_errmsg(db);
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    if (!error.empty()) {
      throw std::runtime_error(sql + ": " + error);
    }
    return value;
  }

  // One text value from a query (NULL and no row as ""); throws if the query fails.
  std::string query_text(const std::string& sql) const {
    if (backend_ == Backend::kPostgres) {
      return PgConnection(url_).query(sql);
    }
    sqlite3* db = open_sqlite(SQLITE_OPEN_READONLY);
    sqlite3_stmt* statement = nullptr;
    std::string value;
    std::string error;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
      error = sqlite3_errmsg(db);
    } else if (sqlite3_step(statement) == SQLITE_ROW && sqlite3_column_text(statement, 0) != nullptr) {
      value.assign(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0)),
                   static_cast<std::size_t>(sqlite3_column_bytes(statement, 0)));
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    if (!error.empty()) {
      throw std::runtime_error(sql + ": " + error);
    }
    return value;
  }

  // Every file that holds the database's bytes: the SQLite file with its WAL and shared
  // memory, or every file of the PostgreSQL cluster's data directory (tables, WAL,
  // everything: the test cluster belongs to the test run).
  std::vector<std::filesystem::path> files() const {
    std::vector<std::filesystem::path> all;
    if (backend_ == Backend::kSqlite) {
      for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        const std::filesystem::path path(sqlite_path_ + suffix);
        if (std::filesystem::exists(path)) {
          all.push_back(path);
        }
      }
      return all;
    }
    const std::string data_directory = PgConnection(url_).query("SHOW data_directory");
    // Tests running at once create and drop their databases in the same cluster, so a
    // directory can vanish under the walk: it was another test's, and the walk starts over.
    constexpr int kWalks = 20;
    for (int walk = 1;; ++walk) {
      all.clear();
      std::error_code error;
      std::filesystem::recursive_directory_iterator it(
          data_directory, std::filesystem::directory_options::skip_permission_denied, error);
      for (; !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
        std::error_code vanished;
        if (it->is_regular_file(vanished)) {
          all.push_back(it->path());
        }
      }
      if (!error) {
        return all;
      }
      if (walk == kWalks) {
        throw std::filesystem::filesystem_error("walking the PostgreSQL data directory", data_directory, error);
      }
    }
  }

  // A libpq connection to this database (PostgreSQL only).
  std::unique_ptr<PgConnection> connect() const {
    if (backend_ != Backend::kPostgres) {
      throw std::logic_error("TestDatabase::connect is for the PostgreSQL backend");
    }
    return std::make_unique<PgConnection>(url_);
  }

 private:
  sqlite3* open_sqlite(int flags) const {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(sqlite_path_.c_str(), &db, flags, nullptr) != SQLITE_OK) {
      const std::string message = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
      sqlite3_close(db);
      throw std::runtime_error("open " + sqlite_path_ + ": " + message);
    }
    sqlite3_busy_timeout(db, 5'000);
    return db;
  }

  Backend backend_;
  std::string url_;
  std::string sqlite_path_;
  std::string admin_url_;
  std::string database_;
};

}  // namespace inereg::testing
