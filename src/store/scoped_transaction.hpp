#pragma once

#include <string_view>
#include <utility>

#include "store/connection_pool.hpp"
#include "store/persistence.hpp"
#include "store/store.hpp"

// Transaction scaffolding both backends share; what a transaction excludes is the
// backend's (its BEGIN statement, its locks).
namespace inereg::store {

// `begin` ... COMMIT on one connection; rolls back unless committed. `Connection`
// offers exec(std::string_view) and throws StoreError.
template <typename Connection>
class ScopedTransaction {
 public:
  ScopedTransaction(Connection& connection, std::string_view begin) : connection_(connection) {
    connection_.exec(begin);
  }
  ~ScopedTransaction() {
    if (!committed_) {
      try {
        connection_.exec("ROLLBACK");
      } catch (const StoreError&) {
        // The transaction is already gone: the database rolled it back itself, or the
        // connection broke (a PostgreSQL connection is reset before its next use).
      }
    }
  }
  ScopedTransaction(const ScopedTransaction&) = delete;
  ScopedTransaction& operator=(const ScopedTransaction&) = delete;
  void commit() {
    connection_.exec("COMMIT");
    committed_ = true;
  }

 private:
  Connection& connection_;
  bool committed_ = false;
};

// A WriteTransaction on a pooled connection: the backend derives from it and implements
// the primitives on `connection()`.
template <typename Connection>
class PooledWriteTransaction : public WriteTransaction {
 public:
  PooledWriteTransaction(typename ConnectionPool<Connection>::Lease lease, std::string_view begin)
      : lease_(std::move(lease)), tx_(*lease_, begin) {}

  void commit() override { tx_.commit(); }

 protected:
  Connection& connection() const { return *lease_; }

 private:
  typename ConnectionPool<Connection>::Lease lease_;
  ScopedTransaction<Connection> tx_;
};

}  // namespace inereg::store
