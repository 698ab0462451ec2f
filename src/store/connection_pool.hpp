#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

// The connection pool both backends use: up to `size` connections, opened on demand
// (rare: at most `size` times), each used by one thread at a time; a caller waits while
// all are busy. Thread-safe.
namespace inereg::store {

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

  // `size` >= 1 connections at most, each opened by `open`.
  ConnectionPool(std::size_t size, Open open) : size_(size < 1 ? 1 : size), open_(std::move(open)) {}

  // Adds a connection opened (and used) beforehand, e.g. the one that applied migrations.
  void adopt(std::unique_ptr<Connection> connection) {
    std::lock_guard lock(mutex_);
    idle_.push_back(connection.get());
    connections_.push_back(std::move(connection));
  }

  Lease acquire() {
    std::unique_lock lock(mutex_);
    idle_available_.wait(lock, [this] { return !idle_.empty() || connections_.size() < size_; });
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

  const std::size_t size_;
  const Open open_;
  std::vector<std::unique_ptr<Connection>> connections_;  // every opened connection
  std::vector<Connection*> idle_;
  std::mutex mutex_;
  std::condition_variable idle_available_;
};

}  // namespace inereg::store
