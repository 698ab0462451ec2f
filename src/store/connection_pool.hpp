#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>

// What both backends' connection pools share: their settings (`store.*` in the config)
// and the one bounded wait for a free connection.
namespace inereg::store {

struct PoolOptions {
  // Connections per node, opened for callers that are inside the store at once (HTTP
  // blocking and I/O threads, the check pipeline, the webhook worker). 0 = max(4, 2 ×
  // cores + 2). With PostgreSQL, size max_connections for every node's pool.
  int size = 0;
  // A caller that finds every connection busy for this long gets a StoreError (a 500
  // for an API request, a retry later for a worker) instead of queueing without end.
  std::chrono::milliseconds acquire_timeout{10'000};
};

// `options.size`, or the default for this machine when it is 0.
int pool_size(const PoolOptions& options);

// Waits on `available` (`lock` held, as for condition_variable::wait) until `ready()`.
// Throws StoreError when options.acquire_timeout passes first.
void wait_for_connection(std::unique_lock<std::mutex>& lock, std::condition_variable& available,
                         const PoolOptions& options, const std::function<bool()>& ready);

}  // namespace inereg::store
