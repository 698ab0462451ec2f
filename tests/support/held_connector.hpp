#pragma once

#include <mutex>
#include <vector>

#include "registry/connector.hpp"

// A registry connector that holds each lookup until the test answers it: the scripted
// inner source the registry layers are unit-tested against (no sockets, no threads).
namespace inereg::testing {

class HeldConnector final : public registry::RegistryConnector {
 public:
  void ask(const registry::Lookup& lookup, Done done) override {
    std::lock_guard lock(mutex_);
    asked_.push_back(lookup);
    held_.push_back(std::move(done));
  }
  void stop() override {
    std::lock_guard lock(mutex_);
    ++stops_;
  }

  // Answers every held lookup; returns how many.
  int answer(const registry::LookupOutcome& outcome) {
    std::vector<Done> held;
    {
      std::lock_guard lock(mutex_);
      held.swap(held_);
    }
    for (auto& done : held) {
      done(outcome);
    }
    return static_cast<int>(held.size());
  }
  // Answers the oldest held lookup; false when none is held.
  bool answer_next(const registry::LookupOutcome& outcome) {
    Done done;
    {
      std::lock_guard lock(mutex_);
      if (held_.empty()) {
        return false;
      }
      done = std::move(held_.front());
      held_.erase(held_.begin());
    }
    done(outcome);
    return true;
  }

  int calls() const {
    std::lock_guard lock(mutex_);
    return static_cast<int>(asked_.size());
  }
  int held() const {
    std::lock_guard lock(mutex_);
    return static_cast<int>(held_.size());
  }
  std::vector<registry::Lookup> asked() const {
    std::lock_guard lock(mutex_);
    return asked_;
  }
  int stops() const {
    std::lock_guard lock(mutex_);
    return stops_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<registry::Lookup> asked_;
  std::vector<Done> held_;
  int stops_ = 0;
};

}  // namespace inereg::testing
