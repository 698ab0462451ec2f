#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "registry/connector.hpp"
#include "store/store.hpp"

namespace inereg::checks {

struct CheckRunnerOptions {
  int workers = 2;                  // threads running checks; 0 = accept jobs but run none
  store::TimeMs lease_ms = 30'000;  // a job whose worker died is taken over after this
  store::TimeMs poll_ms = 500;      // how often idle workers look for due jobs
  store::TimeMs retry_base_ms = 1'000;
  store::TimeMs retry_max_ms = 60'000;
};

// The durable check pipeline: workers claim due jobs from the store under a lease, ask
// the registry connector, and record the verdict and the decision in one transaction
// (Store::complete_check), so a check completes exactly once even when the process
// dies mid-check. A connector failure is never a verdict: the job is retried with
// exponential backoff. Thread-safe; start() once, stop() once.
class CheckRunner {
 public:
  using Clock = std::function<store::TimeMs()>;
  CheckRunner(store::Store& store, registry::RegistryConnector& connector, CheckRunnerOptions options, Clock clock);
  ~CheckRunner();
  CheckRunner(const CheckRunner&) = delete;
  CheckRunner& operator=(const CheckRunner&) = delete;

  void start();
  // Lets running checks finish, then joins the workers.
  void stop();
  // A job was queued: wake an idle worker now instead of at the next poll.
  void wake();

  // Runs one due job if there is one, on the calling thread; true if it ran one.
  bool run_one(const std::string& owner);

 private:
  void work(const std::string& owner);

  store::Store& store_;
  registry::RegistryConnector& connector_;
  const CheckRunnerOptions options_;
  const Clock clock_;
  const std::string node_id_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wakeup_;
  std::uint64_t wake_generation_ = 0;
  std::atomic<bool> running_{false};
};

}  // namespace inereg::checks
