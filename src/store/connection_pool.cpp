#include "store/connection_pool.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "store/store.hpp"

namespace inereg::store {

int pool_size(const PoolOptions& options) {
  if (options.size > 0) {
    return options.size;
  }
  // One connection per I/O or worker thread that can be inside the store at once.
  return static_cast<int>(std::max(4U, 2 * std::thread::hardware_concurrency() + 2));
}

void wait_for_connection(std::unique_lock<std::mutex>& lock, std::condition_variable& available,
                         const PoolOptions& options, const std::function<bool()>& ready) {
  if (!available.wait_for(lock, options.acquire_timeout, ready)) {
    throw StoreError(
        fmt::format("no database connection became free within {} ms (store.acquire_timeout_ms; the pool holds {}, "
                    "store.pool_size)",
                    options.acquire_timeout.count(), pool_size(options)));
  }
}

}  // namespace inereg::store
