#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "util/suspension.hpp"

// Empties the SQLite WAL after commits that destroyed a session's data key (a DELETE),
// so that once the DELETE is answered no file still holds the sealed key in an older
// page frame (sqlite_store.cpp, OpenTransaction::commit).
//
// On a thread of its own, and shared. A TRUNCATE checkpoint waits until no writer is
// busy, copies the WAL into the database file, fsyncs it and empties the WAL; run by each
// DELETE right after its commit, it held up that DELETE's thread meanwhile: on an I/O
// thread (a DELETE is a quick write, run as a coroutine there on SQLite) every other
// connection of the thread waited too, and under a burst of deletes one checkpoint ran
// per delete (p99 ~500 ms at 8,800 deletes/s: bench/README.md, "WAL truncations shared").
// Now a caller waits for the first truncation that starts after its call, suspended if
// it is a coroutine (util::Suspension) or asleep if it is a thread, and one truncation
// covers every call made before it started.
namespace inereg::store::sqlite {

class WalTruncation {
 public:
  // `truncate` runs on the truncation thread; best effort (it must not throw).
  explicit WalTruncation(std::function<void()> truncate) : truncate_(std::move(truncate)), thread_([this] { run(); }) {}
  ~WalTruncation() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();  // runs the truncation still asked for first: no caller is left waiting
  }
  WalTruncation(const WalTruncation&) = delete;
  WalTruncation& operator=(const WalTruncation&) = delete;

  // After a commit that destroyed a key: returns once a truncation that began after this
  // call has ended.
  void after_commit() {
    if (util::Suspension* suspension = util::current_suspension()) {
      suspension->await([this](const util::Suspension::Resume& resume) {
        {
          std::lock_guard lock(mutex_);
          suspended_.push_back({++asked_, resume});
        }
        wake_.notify_all();
      });
      return;
    }
    std::unique_lock lock(mutex_);
    const std::uint64_t ticket = ++asked_;
    wake_.notify_all();
    wake_.wait(lock, [&] { return done_ >= ticket; });
  }

  // Truncations run so far (for tests: how many a burst of calls shared).
  std::uint64_t runs() const {
    std::lock_guard lock(mutex_);
    return runs_;
  }

 private:
  struct Suspended {
    std::uint64_t ticket;
    util::Suspension::Resume resume;
  };

  void run() {
    std::unique_lock lock(mutex_);
    while (true) {
      wake_.wait(lock, [this] { return asked_ > done_ || stopping_; });
      if (asked_ == done_) {
        return;  // stopping, and nobody waits
      }
      const std::uint64_t covers = asked_;  // every call made before this truncation began
      lock.unlock();
      truncate_();
      lock.lock();
      done_ = covers;
      ++runs_;
      std::vector<util::Suspension::Resume> resumes;
      std::erase_if(suspended_, [&](Suspended& waiter) {
        if (waiter.ticket > covers) {
          return false;
        }
        resumes.push_back(std::move(waiter.resume));
        return true;
      });
      lock.unlock();
      wake_.notify_all();  // the sleeping callers this truncation covered
      for (auto& resume : resumes) {
        resume();
      }
      lock.lock();
    }
  }

  std::function<void()> truncate_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;  // asked (for the thread), done (for sleeping callers), stopping
  std::uint64_t asked_ = 0;       // calls so far; a call's ticket is its number
  std::uint64_t done_ = 0;        // every ticket up to this one has had its truncation
  std::uint64_t runs_ = 0;
  std::vector<Suspended> suspended_;  // coroutines waiting, with their tickets
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace inereg::store::sqlite
