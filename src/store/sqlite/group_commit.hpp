#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "store/store.hpp"
#include "util/suspension.hpp"

// Group commit for the SQLite backend: every write of a store runs on one writer
// connection, one writer at a time, each inside a SAVEPOINT of a shared open
// transaction, and one COMMIT (one WAL fsync with synchronous=FULL) covers every member
// released since the previous one. So the commit rate, not the write rate, pays for
// durability.
//
// Why: measured on the reference VM (bench/README.md, "Writes share fsyncs"), one fsync
// per API write capped POST /v1/sessions near 3,500/s, and writers competing for
// SQLite's write lock on separate connections spent their waits in SQLite's busy
// handler, which sleeps (up to 100 ms a time) instead of being woken: the 370–590 ms
// p99 stalls.
//
// A member's commit() returns only once a COMMIT covering it has completed; when that
// COMMIT fails, every member of the group gets a StoreError (none is acknowledged). A
// member that does not commit (an error, an early return) is rolled back to its
// savepoint, and the group's other members are kept. The group is committed by the
// member ending its turn when no one else waits for the writer or when the group holds
// `max_group` members; the open transaction never outlives a turn with nobody queued,
// so another process (the CLI) waits for the write lock at most one group.
//
// Writes come two ways. A Member is a turn on the caller's thread (Store::begin_write,
// claims, admin changes). run(body) queues a body; the thread that finds the writer free
// runs every queued body back to back on its own thread (combining), so none waits for a
// sleeping thread to be scheduled between two others: the API's writes and the
// pipeline's completions (Store::write). Both share groups and COMMITs. A run() from a
// coroutine that can suspend (util::current_suspension: a quick write on an I/O thread)
// queues its body and suspends instead of sleeping; the group's own combiner thread runs
// it when no sleeping caller is first in line, since an I/O thread must never pay an
// fsync.
//
// `Connection` offers exec_cached(sql) for a string constant (a prepared statement kept
// for the connection's life: these run several times per write), throwing StoreError, and
// in_transaction() (false once SQLite has rolled the transaction back by itself, as it
// does on some I/O errors). Thread-safe; a thread must not open a second Member while it
// holds one (it would wait for itself).
namespace inereg::store::sqlite {

// Counts since the store opened, for tests and the metrics page.
struct GroupCommitStats {
  std::int64_t members = 0;  // member writes committed (rolled-back members not counted)
  std::int64_t commits = 0;  // COMMITs that succeeded
  std::int64_t failed_commits = 0;
};

template <typename Connection>
class GroupCommit {
 public:
  GroupCommit(Connection& writer, int max_group)
      : writer_(writer), max_group_(max_group < 1 ? 1 : max_group), combiner_([this] { combine_for_suspended(); }) {}
  // Every write has returned by now (the store outlives its callers): the combiner finds
  // nothing queued and ends.
  ~GroupCommit() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    combiner_wakeup_.notify_one();
    combiner_.join();
  }
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // One write: waits for the writer, opens the group's transaction if none is open,
  // and a savepoint for this member. Rolls back to it unless committed.
  class Member {
   public:
    explicit Member(GroupCommit& group) : group_(group) {
      group_.take_turn();
      try {
        group_.begin_member();
      } catch (...) {
        group_.end_turn();
        throw;
      }
    }
    ~Member() {
      if (in_turn_) {
        group_.roll_back_member();
        group_.end_turn();
      }
    }
    Member(const Member&) = delete;
    Member& operator=(const Member&) = delete;

    // The writer connection, only until commit() or destruction.
    Connection& connection() const { return group_.writer_; }

    // Releases the savepoint into the group and waits until a COMMIT covering it has
    // completed. Throws StoreError when the release or that COMMIT failed (then
    // nothing of this member is stored).
    void commit() {
      const auto outcome = group_.release_member();  // on failure the destructor rolls back
      in_turn_ = false;
      group_.end_turn();
      group_.wait_for(*outcome);
    }

   private:
    GroupCommit& group_;
    bool in_turn_ = true;
  };

  // One write whose body may run on another thread: body(writer) returns true to keep
  // its changes (its savepoint released into the group) or false to drop them, and
  // run() returns once a COMMIT covering a kept body has completed (or throws what the
  // body threw, or StoreError when the COMMIT failed). Concurrent run()s are combined:
  // the thread that finds the writer free runs every queued body back to back, so no
  // body waits for a sleeping thread to be scheduled between two others (the hand-off
  // that left the writer idle a quarter of the time: bench/README.md). The caller's
  // thread sleeps once, until its group has committed. The body must not open a Member.
  void run(const std::function<bool(Connection&)>& body) {
    Job job(&body);
    if (auto* suspension = util::current_suspension()) {
      // Job and body live in the suspended coroutine's frame until it resumes.
      suspension->await([this, &job](const util::Suspension::Resume& resume) {
        std::lock_guard lock(mutex_);
        job.resume = resume;
        queue_.push_back(&job);
        if (!busy_ && queue_.front() == &job) {
          combiner_wakeup_.notify_one();
        }
      });
    } else {
      std::unique_lock lock(mutex_);
      queue_.push_back(&job);
      while (!job.finished()) {
        // Not run yet and the writer free: its job is still queued (a combiner holds the
        // writer from taking a job until its turn ends), and the first in line combines.
        if (!busy_ && !queue_.empty() && queue_.front() == &job) {
          busy_ = true;
          lock.unlock();
          combine();
          lock.lock();
          continue;
        }
        job.wakeup.wait(lock);
      }
    }
    if (job.error) {
      std::rethrow_exception(job.error);
    }
    if (job.outcome) {
      throw_if_failed(*job.outcome);
    }
  }

  GroupCommitStats stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
  }

  // Threads waiting for the writer now, for a turn or with a body to run (tests).
  int queued() const {
    std::lock_guard lock(mutex_);
    return waiting_ + static_cast<int>(queue_.size());
  }

 private:
  struct Outcome {
    bool done = false;
    std::string error;  // "" = committed
  };

  // A run() body, queued by its caller's thread and run by the combining thread.
  struct Job {
    explicit Job(const std::function<bool(Connection&)>* body_to_run) : body(body_to_run) {}
    const std::function<bool(Connection&)>* body;
    std::condition_variable wakeup;    // its group committed, it failed, or its caller is to combine
    util::Suspension::Resume resume;   // set: its caller is suspended, not sleeping on `wakeup`
    bool ran = false;                  // guarded by mutex_ from here on
    std::exception_ptr error;          // the body (or its savepoint) failed: nothing of it kept
    std::shared_ptr<Outcome> outcome;  // kept: the group's outcome
    bool finished() const { return ran && (error || !outcome || outcome->done); }
  };

  // Under mutex_, once `job` has finished: lets its caller go on. A suspended caller's
  // resume() is returned, to be called after the lock is released (the job lives in the
  // caller's frame, which may be gone as soon as it runs).
  static util::Suspension::Resume wake_caller(Job& job) {
    if (job.resume) {
      return std::move(job.resume);
    }
    job.wakeup.notify_one();
    return {};
  }

  // The combiner for suspended callers: takes the writer whenever a suspended caller's
  // body is first in line and the writer is free, since its caller cannot combine.
  void combine_for_suspended() {
    std::unique_lock lock(mutex_);
    while (true) {
      combiner_wakeup_.wait(lock, [this] { return stopping_ || suspended_first(); });
      if (!suspended_first()) {
        return;  // stopping, and nothing of a suspended caller queued
      }
      busy_ = true;
      lock.unlock();
      combine();
      lock.lock();
    }
  }

  // Under mutex_.
  bool suspended_first() const { return !busy_ && !queue_.empty() && queue_.front()->resume; }

  // On the thread holding the writer: runs queued bodies, each in its own savepoint of
  // the group's transaction, until none is queued, then ends the turn.
  void combine() {
    while (true) {
      Job* job = nullptr;
      {
        std::lock_guard lock(mutex_);
        if (queue_.empty()) {
          break;
        }
        job = queue_.front();
        queue_.pop_front();
      }
      run_one(*job);
    }
    end_turn();
  }

  void run_one(Job& job) {
    std::exception_ptr error;
    bool kept = false;
    std::shared_ptr<Outcome> outcome;
    try {
      begin_member();
      try {
        if ((*job.body)(writer_)) {
          outcome = release_member();
          kept = true;
        }
      } catch (...) {
        error = std::current_exception();
      }
      if (!kept) {
        roll_back_member();
      }
    } catch (...) {
      error = std::current_exception();  // BEGIN or SAVEPOINT failed
    }
    if (kept) {
      group_jobs_.push_back(&job);
    }
    util::Suspension::Resume resume;
    {
      std::lock_guard lock(mutex_);
      job.ran = true;
      job.error = error;
      job.outcome = outcome;
      if (!kept) {
        resume = wake_caller(job);  // nothing to wait for
      }
    }
    if (resume) {
      resume();
    }
    if (kept && members_ >= max_group_) {
      finish_group();
    }
  }

  // On the thread holding the writer: the group's transaction (opened if none is) and a
  // savepoint for one member.
  void begin_member() {
    if (!open_) {
      writer_.exec_cached("BEGIN IMMEDIATE");
      open_ = true;
      current_ = std::make_shared<Outcome>();
    }
    writer_.exec_cached("SAVEPOINT member");
  }

  // Keeps the member's changes in the group; its outcome is the group's.
  std::shared_ptr<Outcome> release_member() {
    writer_.exec_cached("RELEASE member");
    ++members_;
    return current_;
  }

  static void throw_if_failed(const Outcome& outcome) {
    if (!outcome.error.empty()) {
      throw StoreError("SQLite group commit: " + outcome.error);
    }
  }

  // The writer goes to whichever thread asks while it is free, not in arrival order: a
  // strict hand-off to the longest waiter leaves the writer idle until that thread is
  // scheduled, and on a busy 2-core machine that convoy cost more than the writes.
  void take_turn() {
    std::unique_lock lock(mutex_);
    ++waiting_;
    writer_free_.wait(lock, [this] { return !busy_; });
    --waiting_;
    busy_ = true;
  }

  // The turn's end: commits the group when nobody else is waiting to add to it or it
  // is full (the fsync is paid while the writer is held: SQLite holds its write lock
  // until COMMIT returns anyway), then passes the writer on.
  void end_turn() {
    bool finish = false;
    {
      std::lock_guard lock(mutex_);
      finish = open_ && ((waiting_ == 0 && queue_.empty()) || members_ >= max_group_);
    }
    if (finish) {
      finish_group();
    }
    bool anyone_waiting = false;
    {
      std::lock_guard lock(mutex_);
      busy_ = false;
      anyone_waiting = waiting_ > 0;
      if (!anyone_waiting && !queue_.empty()) {
        if (queue_.front()->resume) {
          combiner_wakeup_.notify_one();  // a suspended caller's body: the combiner takes it
        } else {
          queue_.front()->wakeup.notify_one();  // its caller combines next
        }
      }
    }
    if (anyone_waiting) {
      writer_free_.notify_one();
    }
  }

  void roll_back_member() noexcept {
    try {
      writer_.exec_cached("ROLLBACK TO member");
      writer_.exec_cached("RELEASE member");
    } catch (const StoreError&) {
      // Handled below: whether the group's transaction survived is what matters.
    }
    if (open_ && !writer_.in_transaction()) {
      // SQLite rolled the whole transaction back (an I/O error, out of memory): the
      // members already released into it are lost with it.
      fail_group("SQLite rolled back a group of writes after an error in one of them");
    }
  }

  void finish_group() noexcept {
    if (members_ == 0) {
      try {
        writer_.exec_cached("ROLLBACK");  // only rolled-back members: nothing to make durable
      } catch (const StoreError&) {
      }
      open_ = false;
      return;
    }
    try {
      writer_.exec_cached("COMMIT");
    } catch (const StoreError& e) {
      fail_group(e.what());
      return;
    }
    complete(*current_, {});
  }

  void fail_group(const std::string& why) noexcept {
    if (writer_.in_transaction()) {
      try {
        writer_.exec_cached("ROLLBACK");
      } catch (const StoreError&) {
      }
    }
    complete(*current_, why.empty() ? std::string("group commit failed") : why);
  }

  void complete(Outcome& outcome, const std::string& error) noexcept {
    std::vector<util::Suspension::Resume> resumes;
    {
      std::lock_guard lock(mutex_);
      if (error.empty()) {
        stats_.members += members_;
        ++stats_.commits;
      } else {
        ++stats_.failed_commits;
      }
      outcome.done = true;
      outcome.error = error;
      for (Job* job : group_jobs_) {
        if (auto resume = wake_caller(*job)) {
          resumes.push_back(std::move(resume));
        }
      }
    }
    group_jobs_.clear();
    open_ = false;
    members_ = 0;
    current_.reset();
    group_done_.notify_all();
    for (auto& resume : resumes) {
      resume();
    }
  }

  void wait_for(const Outcome& outcome) {
    std::unique_lock lock(mutex_);
    group_done_.wait(lock, [&outcome] { return outcome.done; });
    throw_if_failed(outcome);
  }

  Connection& writer_;
  const int max_group_;
  // Owned by the thread holding the writer (busy_), read by no other.
  bool open_ = false;
  int members_ = 0;
  std::shared_ptr<Outcome> current_;
  std::vector<Job*> group_jobs_;  // the run() bodies kept in the open group
  // Guarded by mutex_.
  mutable std::mutex mutex_;
  std::condition_variable writer_free_;
  std::condition_variable group_done_;
  bool busy_ = false;       // a thread holds the writer
  int waiting_ = 0;         // threads in take_turn
  std::deque<Job*> queue_;  // run() bodies not run yet
  std::condition_variable combiner_wakeup_;
  bool stopping_ = false;

  GroupCommitStats stats_;
  std::thread combiner_;  // last: starts once everything above is initialized
};

}  // namespace inereg::store::sqlite
