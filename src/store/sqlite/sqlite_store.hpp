#pragma once

#include <memory>
#include <string>

#include "store/store.hpp"

namespace inereg::store::sqlite {

// The embedded backend: one SQLite file in WAL mode, up to pool_size(pool)
// connections (one per concurrent caller; SQLite serializes writers itself, BEGIN
// IMMEDIATE avoids upgrade deadlocks), prepared statements cached per connection.
// Opens (creating if needed) the file and, with kApply, applies pending migrations; with
// kRequireCurrent it throws StoreError when the schema is behind.
std::unique_ptr<Store> open_sqlite_store(const std::string& path, const PoolOptions& pool,
                                         Migrations migrations = Migrations::kApply);

}  // namespace inereg::store::sqlite
