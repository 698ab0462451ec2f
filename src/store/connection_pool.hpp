#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

// The connection pool both backends use: up to pool_size(options) connections, opened
// on demand (rare: at most that many times), each used by one thread at a time; a
// caller waits while all are busy, at most options.acquire_timeout. Thread-safe.
namespace inereg::store {

// The pool's settings (`store.*` in the config).
struct PoolOptions {
  // Connections per node, opened for callers that are inside the store at once (HTTP
  // blocking and I/O threads, the check pipeline, the webhook worker). 0 = max(4, 2 ×
  // cores + 2). With PostgreSQL, size max_connections for every node's pool.
  int size = 0;
  // A caller that finds every connection busy for this long gets a StoreError (a 500
  // for an API request, a retry later for a worker) instead of queueing without end.
  std::chrono::milliseconds acquire_timeout{10'000};
  // At most this many writes share one COMMIT (one fsync): SQLite's groups of writes,
  // PostgreSQL's batches of creates, submits, starts, uploads and deletes. A group or
  // batch is committed as soon as no other write waits, so this only bounds how long
  // the first write of a group can wait behind the others under a sustained flood
  // (bench/README.md).
  int max_group_commit = 128;
};

// `options.size`, or the default for this machine when it is 0.
int pool_size(const PoolOptions& options);

// Waits on `available` (`lock` held, as for condition_variable::wait) until `ready()`.
// Throws StoreError when options.acquire_timeout passes first.
void wait_for_connection(std::unique_lock<std::mutex>& lock, std::condition_variable& available,
                         const PoolOptions& options, const std::function<bool()>& ready);

template <typename Connection>
class ConnectionPool {
 public:
  using Open = std::function<std::unique_ptr<Connection>()>;

  // A connection borrowed from the pool; returned when the lease goes.
  class Lease {
   public:
    Lease(ConnectionPool& pool, Connection* connection) : pool_(&pool), connection_(connection) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), connection_(other.connection_) { other.pool_ = nullptr; }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_ != nullptr) {
        pool_->release(connection_);
      }
    }
    Connection& operator*() const { return *connection_; }

   private:
    ConnectionPool* pool_;
    Connection* connection_;
  };

  // pool_size(options) connections at most, each opened by `open`.
  ConnectionPool(const PoolOptions& options, Open open)
      : options_(options), size_(static_cast<std::size_t>(pool_size(options))), open_(std::move(open)) {}

  // Adds a connection opened (and used) beforehand, e.g. the one that applied migrations.
  void adopt(std::unique_ptr<Connection> connection) {
    std::lock_guard lock(mutex_);
    idle_.push_back(connection.get());
    connections_.push_back(std::move(connection));
  }

  Lease acquire() {
    std::unique_lock lock(mutex_);
    wait_for_connection(lock, idle_available_, options_,
                        [this] { return !idle_.empty() || connections_.size() < size_; });
    if (!idle_.empty()) {
      Connection* connection = idle_.back();
      idle_.pop_back();
      return Lease(*this, connection);
    }
    // Opened under the lock: it keeps the count of connections exact.
    connections_.push_back(open_());
    return Lease(*this, connections_.back().get());
  }

 private:
  void release(Connection* connection) {
    {
      std::lock_guard lock(mutex_);
      idle_.push_back(connection);
    }
    idle_available_.notify_one();
  }

  const PoolOptions options_;
  const std::size_t size_;
  const Open open_;
  std::vector<std::unique_ptr<Connection>> connections_;  // every opened connection
  std::vector<Connection*> idle_;
  std::mutex mutex_;
  std::condition_variable idle_available_;
};

}  // namespace inereg::store
