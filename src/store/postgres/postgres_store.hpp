#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "store/store.hpp"

namespace inereg::store::postgres {

// The shared backend: several inereg nodes on one PostgreSQL database. `url` is a libpq
// URI (postgresql://user[:password]@host[:port]/db[?params]). Up to `pool_size` (>= 1)
// libpq connections, opened lazily (the first at once, to fail fast); a connection
// found broken is reset before reuse; statements are prepared once per connection.
// With kApply, applies pending migrations; with kRequireCurrent only checks that the
// schema is not behind. Throws StoreError; no message carries the URL's password.
std::unique_ptr<Store> open_postgres_store(const std::string& url, const PoolOptions& pool,
                                           Migrations migrations = Migrations::kApply);

// `url` with its password (in the userinfo or a `password` query parameter) masked,
// for messages and logs.
std::string redact_url(std::string_view url);

}  // namespace inereg::store::postgres
