// Migrations that move rows keep them: a database written by the release before
// migration 18 (session_keys WITHOUT ROWID) opens with every session's data key intact,
// still removed with its session.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "store/sqlite/sql.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "support/temp_dir.hpp"

namespace inereg::store {
namespace {

// A raw connection, to build the schema as an older release left it.
class RawDatabase {
 public:
  explicit RawDatabase(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << path;
    }
    exec("PRAGMA foreign_keys=ON");
  }
  ~RawDatabase() { sqlite3_close(db_); }
  RawDatabase(const RawDatabase&) = delete;
  RawDatabase& operator=(const RawDatabase&) = delete;

  void exec(const std::string& sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      ADD_FAILURE() << (error ? error : "error") << " in: " << sql;
    }
    sqlite3_free(error);
  }
  std::string single_value(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    std::string value;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
      value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return value;
  }

 private:
  sqlite3* db_ = nullptr;
};

void migrate_up_to(RawDatabase& db, int last_version) {
  db.exec(std::string(sqlite::sql::kCreateMigrationsTable));
  for (const auto& migration : sqlite::sql::kMigrations) {
    if (migration.version <= last_version) {
      db.exec(std::string(migration.statements));
      db.exec("INSERT INTO schema_migrations(version, applied_at) VALUES (" + std::to_string(migration.version) +
              ", 0)");
    }
  }
}

TEST(SqliteMigration, SessionKeysWrittenBeforeMigration18AreKeptAndStillGoWithTheirSession) {
  testing::TempDir dir;
  const std::string path = dir.file("older.db");
  {
    RawDatabase older(path);
    migrate_up_to(older, 17);
    older.exec("INSERT INTO integrations(id, name, api_key, created_at) VALUES ('i1', 'acme', 'key-i1', 0)");
    for (const std::string id : {"s1", "s2"}) {
      older.exec(
          "INSERT INTO sessions(id, integration_id, status, person_json, document_json, ine_document, "
          "created_at) VALUES ('" +
          id + "', 'i1', 'created', '{}', '{}', 1, 0)");
      older.exec("INSERT INTO session_keys(session_id, key_id, sealed_key) VALUES ('" + id + "', 'k1', 'sealed-" + id +
                 "')");
    }
  }
  {
    const auto store = sqlite::open_sqlite_store(path, PoolOptions{.size = 1});  // applies 18 on
    EXPECT_EQ(store->schema_version(), sqlite::sql::kSchemaVersion);
    const std::vector<std::string> ids{"s1", "s2"};
    const auto keys = store->find_session_keys(ids);
    ASSERT_EQ(keys.size(), 2U);
    for (const auto& key : keys) {
      EXPECT_EQ(key.key_id, "k1");
      EXPECT_EQ(key.sealed_key, "sealed-" + key.session_id);
    }
  }
  RawDatabase migrated(path);
  migrated.exec("DELETE FROM sessions WHERE id = 's1'");
  EXPECT_EQ(migrated.single_value("SELECT group_concat(session_id) FROM session_keys"), "s2");
  EXPECT_EQ(migrated.single_value("PRAGMA integrity_check"), "ok");
}

}  // namespace
}  // namespace inereg::store
