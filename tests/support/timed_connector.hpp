#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>

#include "ine/credential.hpp"
#include "ine/situation.hpp"
#include "registry/connector.hpp"

// A registry connector standing in for a remote upstream, for tests and benchmarks
// (never for src/): every lookup is answered after a delay on the connector's own
// event-loop thread (one asio timer per lookup), as an HTTP connector answers from its
// event loop. A script decides each reply; delayed_table() answers from an in-memory
// snapshot like a registry would. Counts lookups and the peak waiting at once.
namespace inereg::testing {

class TimedConnector final : public registry::RegistryConnector {
 public:
  struct Reply {
    std::chrono::milliseconds delay{0};
    registry::LookupOutcome outcome;
  };
  // Called on the caller's thread of ask(); must be thread-safe.
  using Script = std::function<Reply(const registry::Lookup&)>;

  explicit TimedConnector(Script script)
      : script_(std::move(script)), work_(boost::asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}
  // Unanswered lookups are dropped without calling `done`, as a process that dies
  // would: the pipeline must cope (their leases expire).
  ~TimedConnector() override {
    work_.reset();
    io_.stop();
    thread_.join();
  }
  TimedConnector(const TimedConnector&) = delete;
  TimedConnector& operator=(const TimedConnector&) = delete;

  void ask(const registry::Lookup& lookup, Done done) override {
    Reply reply = script_(lookup);
    started_.fetch_add(1);
    const int waiting = waiting_.fetch_add(1) + 1;
    int peak = peak_.load();
    while (waiting > peak && !peak_.compare_exchange_weak(peak, waiting)) {
    }
    auto timer = std::make_shared<boost::asio::steady_timer>(io_, reply.delay);
    timer->async_wait([this, timer, done = std::move(done),
                       outcome = std::move(reply.outcome)](const boost::system::error_code& error) mutable {
      waiting_.fetch_sub(1);
      if (error) {
        return;
      }
      done(std::move(outcome));
      answered_.fetch_add(1);
    });
  }

  registry::ConnectorStats stats() const override {
    registry::ConnectorStats stats;
    stats.in_flight = waiting_.load();
    stats.requests = started_.load();
    return stats;
  }

  int started() const { return started_.load(); }
  int answered() const { return answered_.load(); }  // `done` calls that returned
  int peak_waiting() const { return peak_.load(); }

 private:
  Script script_;
  std::atomic<int> started_{0};
  std::atomic<int> answered_{0};
  std::atomic<int> waiting_{0};
  std::atomic<int> peak_{0};
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

inline registry::LookupOutcome verdict(int situation) {
  return registry::LookupOutcome::verdict(situation);
}

inline registry::LookupOutcome unavailable(std::string reason, std::optional<std::int64_t> retry_after_ms = {}) {
  return registry::LookupOutcome::unavailable(registry::LookupOutcome::Cause::kTransient, std::move(reason),
                                              retry_after_ms);
}

// Answers every lookup after `delay` from `situations` (lookup key, as
// ine::lookup_keys gives it → situation), trying the lookup's forms in order; no
// match is the registry's "not found", as the local registry answers.
inline TimedConnector::Script delayed_table(std::chrono::milliseconds delay,
                                            std::shared_ptr<const std::unordered_map<std::string, int>> situations) {
  return [delay, situations = std::move(situations)](const registry::Lookup& lookup) {
    for (const auto& key : lookup.forms) {
      if (const auto it = situations->find(key.canonical); it != situations->end()) {
        return TimedConnector::Reply{delay, verdict(it->second)};
      }
    }
    return TimedConnector::Reply{delay, verdict(ine::kSituationNotFound)};
  };
}

}  // namespace inereg::testing
