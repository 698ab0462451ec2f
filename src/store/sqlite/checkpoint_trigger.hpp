#pragma once

// When the SQLite store's Checkpointer (sqlite_store.cpp) copies the WAL back into the
// database file: once every `pages_per_checkpoint` pages appended to the WAL, counted
// from the sizes SQLite's WAL hook reports after each commit.
//
// Not whenever the WAL is that long: SQLite starts the WAL over only when a write begins
// while no reader is using it, which under steady reads and writes is seldom, so the WAL
// stays past any threshold. Asking at every commit past it kept the checkpoint thread
// running back to back, ~45 checkpoints (two fsyncs each) a second under 64 writing
// connections, and the writers' COMMITs waited behind their disk flushes
// (bench/README.md, "Writes").
namespace inereg::store::sqlite {

class CheckpointTrigger {
 public:
  explicit CheckpointTrigger(int pages_per_checkpoint) : every_(pages_per_checkpoint) {}

  // After a commit, with the WAL's size in pages: whether a checkpoint is due now.
  bool committed(int wal_pages) {
    // A size below the last one: SQLite started the WAL over, and all of it is new.
    const int appended = wal_pages >= wal_pages_ ? wal_pages - wal_pages_ : wal_pages;
    wal_pages_ = wal_pages;
    appended_ += appended;
    if (appended_ < every_) {
      return false;
    }
    appended_ = 0;
    return true;
  }

 private:
  const int every_;
  int wal_pages_ = 0;  // after the last commit
  int appended_ = 0;   // since the last checkpoint was due
};

}  // namespace inereg::store::sqlite
