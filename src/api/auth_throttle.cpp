#include "api/auth_throttle.hpp"

#include <algorithm>

namespace inereg::api {

AuthThrottle::Verdict AuthThrottle::record_failure(std::string_view api_key, std::string_view address,
                                                   std::int64_t now_ms) {
  // The worse of the key's and the address's windows decides.
  Window worst{now_ms, 0};
  {
    std::lock_guard lock(mutex_);
    for (const auto& [table, key] : {std::pair{&by_key_, api_key}, std::pair{&by_address_, address}}) {
      if (!key.empty()) {
        const Window counted = count(*table, key, now_ms);
        if (counted.failures > worst.failures) {
          worst = counted;
        }
      }
    }
  }
  Verdict verdict;
  if (settings_.failures_before_429 > 0 && worst.failures > settings_.failures_before_429) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    const std::int64_t remaining_ms = worst.start_ms + settings_.failure_window_ms - now_ms;
    verdict.retry_after_s = std::max<std::int64_t>(1, (remaining_ms + 999) / 1000);
  } else if (worst.failures > settings_.failures_before_delay) {
    delayed_.fetch_add(1, std::memory_order_relaxed);
    verdict.delay = std::chrono::milliseconds(settings_.failure_delay_ms);
  }
  return verdict;
}

AuthThrottle::Window AuthThrottle::count(std::unordered_map<std::string, Window>& table, std::string_view key,
                                         std::int64_t now_ms) {
  auto found = table.find(std::string(key));
  if (found == table.end()) {
    bound(table, now_ms);
    found = table.emplace(std::string(key), Window{now_ms, 0}).first;
  }
  Window& window = found->second;
  if (now_ms - window.start_ms >= settings_.failure_window_ms) {
    window = Window{now_ms, 0};
  }
  ++window.failures;
  return window;
}

void AuthThrottle::bound(std::unordered_map<std::string, Window>& table, std::int64_t now_ms) {
  if (table.size() < kMaxTracked) {
    return;
  }
  std::erase_if(table,
                [&](const auto& entry) { return now_ms - entry.second.start_ms >= settings_.failure_window_ms; });
  if (table.size() >= kMaxTracked) {
    table.clear();  // all within their window: forget them rather than grow without bound
  }
}

}  // namespace inereg::api
