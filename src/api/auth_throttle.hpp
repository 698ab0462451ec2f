#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

// Slows, then refuses, repeated failed authentication: per API key (a client guessing
// or replaying signatures for one integration) and per client address (one client
// trying many keys). Only failures are counted and only failures are slowed or
// refused, so a correctly signed request of the same integration, or from the same
// address, is always answered at once.
namespace inereg::api {

// `auth.*` in the config.
struct AuthThrottleSettings {
  std::int64_t failure_window_ms = 60'000;  // failures are counted in fixed windows this long
  int failures_before_delay = 10;           // within a window: later failures are answered late …
  std::int64_t failure_delay_ms = 500;      // … by this much (on a timer: no thread waits)
  int failures_before_429 = 50;             // and later still, 429 with Retry-After; 0 = never
};

class AuthThrottle {
 public:
  explicit AuthThrottle(AuthThrottleSettings settings) : settings_(settings) {}

  // How to answer one failed authentication.
  struct Verdict {
    std::chrono::milliseconds delay{0};         // hold the 401 this long
    std::optional<std::int64_t> retry_after_s;  // set: answer 429 with this Retry-After instead
  };

  // Counts one failure of `api_key` (empty when the request named none, or one that is
  // not a UUID: those are counted by address only) from `address` at `now_ms`.
  // Thread-safe.
  Verdict record_failure(std::string_view api_key, std::string_view address, std::int64_t now_ms);

  struct Stats {
    std::int64_t delayed = 0;  // failures answered late
    std::int64_t refused = 0;  // failures answered 429
  };
  Stats stats() const { return {delayed_.load(std::memory_order_relaxed), refused_.load(std::memory_order_relaxed)}; }

 private:
  struct Window {
    std::int64_t start_ms = 0;
    int failures = 0;
  };
  // Beyond this many keys and addresses, windows that have ended are dropped (and if
  // none has, all are): the table's memory is bounded whatever the clients send.
  static constexpr std::size_t kMaxTracked = 100'000;

  // Counts one failure of `key` in its current window; returns that window.
  Window count(std::unordered_map<std::string, Window>& table, std::string_view key, std::int64_t now_ms);
  void bound(std::unordered_map<std::string, Window>& table, std::int64_t now_ms);

  const AuthThrottleSettings settings_;
  std::mutex mutex_;
  std::unordered_map<std::string, Window> by_key_;
  std::unordered_map<std::string, Window> by_address_;
  std::atomic<std::int64_t> delayed_{0};
  std::atomic<std::int64_t> refused_{0};
};

}  // namespace inereg::api
