#pragma once

#include <functional>

namespace inereg::util {

// How code deep in a handler waits for another thread without blocking its own.
//
// A quick write on the SQLite backend (create, submit) runs on its connection's I/O
// thread as a stackful coroutine (http/server.cpp, ThreadClass::kIoFiber). Its only wait
// is for the group commit (store/sqlite/group_commit.hpp) that makes it durable; instead
// of sleeping there, the write hands its body to the store and suspends the coroutine,
// and the I/O thread serves its other connections until the commit resumes it. Without
// this, each write hopped to the blocking pool and back: measured at ~5 context switches
// per PATCH, a third of its CPU (bench/README.md, "Writes without the pool hop").
//
// Code that can wait this way asks current_suspension(); null means an ordinary thread,
// which blocks as before. Only the coroutine's own frame may be touched after await()
// returns what it waited for; between two awaits nothing else of its thread is held.
class Suspension {
 public:
  using Resume = std::function<void()>;

  // Calls start(resume) and returns once resume() has been called, from any thread,
  // exactly once. Meanwhile the thread runs other work; start must not block.
  virtual void await(const std::function<void(Resume)>& start) = 0;

 protected:
  ~Suspension() = default;
};

// The suspension of the coroutine running on this thread now; null elsewhere.
Suspension* current_suspension();

// Makes `suspension` this thread's current one for the scope (the coroutine's body),
// restoring the previous one after.
class ScopedSuspension {
 public:
  explicit ScopedSuspension(Suspension* suspension);
  ~ScopedSuspension();
  ScopedSuspension(const ScopedSuspension&) = delete;
  ScopedSuspension& operator=(const ScopedSuspension&) = delete;

 private:
  Suspension* previous_;
};

}  // namespace inereg::util
