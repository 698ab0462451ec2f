#include "checks/check_runner.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <random>

#include "auth/secret_box.hpp"
#include "ine/situation.hpp"

namespace inereg::checks {

CheckRunner::CheckRunner(store::Store& store, registry::RegistryConnector& connector, CheckRunnerOptions options,
                         Clock clock)
    : store_(store),
      connector_(connector),
      options_(options),
      clock_(std::move(clock)),
      node_id_(auth::random_uuid_v4()) {}

CheckRunner::~CheckRunner() {
  stop();
}

void CheckRunner::start() {
  running_ = true;
  for (int i = 0; i < options_.workers; ++i) {
    threads_.emplace_back([this, i] { work(node_id_ + "/" + std::to_string(i)); });
  }
}

void CheckRunner::stop() {
  running_ = false;
  wakeup_.notify_all();
  for (auto& thread : threads_) {
    thread.join();
  }
  threads_.clear();
}

void CheckRunner::wake() {
  {
    std::lock_guard lock(mutex_);
    ++wake_generation_;
  }
  wakeup_.notify_one();
}

void CheckRunner::work(const std::string& owner) {
  while (running_) {
    bool ran = false;
    try {
      ran = run_one(owner);
    } catch (const std::exception& e) {
      // A store error must not kill the worker; the job's lease expires and it is retried.
      spdlog::error("check worker {}: {}", owner, e.what());
    }
    if (ran) {
      continue;
    }
    std::unique_lock lock(mutex_);
    const auto generation = wake_generation_;
    wakeup_.wait_for(lock, std::chrono::milliseconds(options_.poll_ms),
                     [&] { return !running_ || wake_generation_ != generation; });
  }
}

bool CheckRunner::run_one(const std::string& owner) {
  const auto claimed = store_.claim_check(owner, clock_(), options_.lease_ms);
  if (!claimed) {
    return false;
  }
  // Interim: waits for the lookup on this worker thread.
  std::promise<registry::LookupOutcome> answered;
  auto answer = answered.get_future();
  connector_.lookup(claimed->credential,
                    [&answered](registry::LookupOutcome outcome) { answered.set_value(std::move(outcome)); });
  const auto outcome = answer.get();
  std::optional<ine::SituationPolicy> policy;
  if (outcome.kind == registry::LookupOutcome::Kind::kVerdict) {
    policy = ine::policy_for_situation(outcome.situation);
  }
  if (!policy) {
    // Not a verdict: retry later with exponential backoff and jitter.
    const int exponent = std::min(claimed->attempts - 1, 20);
    const store::TimeMs backoff = std::min(options_.retry_max_ms, options_.retry_base_ms << exponent);
    std::uniform_int_distribution<store::TimeMs> jitter(0, backoff / 4);
    thread_local std::mt19937_64 random{std::random_device{}()};
    const store::TimeMs delay = backoff + jitter(random);
    spdlog::warn(
        "check for session {} not answered (attempt {}): {}; retrying in {} ms", claimed->session_id, claimed->attempts,
        outcome.kind == registry::LookupOutcome::Kind::kVerdict ? "registry returned a situation outside the catalog"
                                                                : outcome.reason,
        delay);
    store_.retry_check(claimed->session_id, owner, clock_() + delay);
    return true;
  }
  const store::IneResult result{policy->active, std::string(policy->document_state), policy->id, clock_()};
  const char* decision = policy->active ? store::session_status::kApproved : store::session_status::kDeclined;
  if (store_.complete_check(claimed->session_id, owner, result, decision, clock_())) {
    spdlog::info("check for session {} completed: situation {} active={}", claimed->session_id, policy->id,
                 policy->active);
  } else {
    spdlog::warn("check for session {} lost its lease before completing; another worker owns it", claimed->session_id);
  }
  return true;
}

}  // namespace inereg::checks
