#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"

namespace inereg::store {
namespace {

bool is_postgres_url(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

}  // namespace

void require_schema_version(std::int64_t applied, int needs) {
  if (applied < needs) {
    throw StoreError("database schema is at version " + std::to_string(applied) + ", this inereg needs " +
                     std::to_string(needs) + ": run `inereg migrate`");
  }
}

Migrations startup_migrations(std::string_view url) {
  return is_postgres_url(url) ? Migrations::kRequireCurrent : Migrations::kApply;
}

std::unique_ptr<Store> open_store(std::string_view url, Migrations migrations, const PoolOptions& pool) {
  constexpr std::string_view kSqlite = "sqlite:";
  if (url.starts_with(kSqlite)) {
    std::string path(url.substr(kSqlite.size()));
    if (path.starts_with("//")) {
      path.erase(0, 2);  // accept sqlite://relative/or/absolute too
    }
    if (path.empty()) {
      throw StoreError("sqlite URL names no file: use sqlite:path/to/inereg.db");
    }
    return sqlite::open_sqlite_store(path, pool, migrations);
  }
  if (is_postgres_url(url)) {
    return postgres::open_postgres_store(std::string(url), pool, migrations);
  }
  throw StoreError("unsupported database URL (expected sqlite:FILE or postgresql://...): " +
                   std::string(url.substr(0, url.find(':'))));
}

}  // namespace inereg::store
