#include "checks/lookup_pace.hpp"

#include <algorithm>

namespace inereg::checks {
namespace {

constexpr std::int64_t kMicrosecondsPerSecond = 1'000'000;

}  // namespace

LookupPace::LookupPace(int per_second, int burst)
    : interval_us_((kMicrosecondsPerSecond + std::max(1, per_second) - 1) / std::max(1, per_second)),
      burst_(std::max(1, burst)) {}

std::int64_t LookupPace::full_at(std::int64_t state_us, std::int64_t now_us) const {
  return std::max(state_us, now_us - interval_us_ * burst_);
}

int LookupPace::available(std::int64_t state_us, std::int64_t now_us) const {
  const std::int64_t elapsed = now_us - full_at(state_us, now_us);
  return static_cast<int>(std::clamp<std::int64_t>(elapsed / interval_us_, 0, burst_));
}

std::int64_t LookupPace::after_taking(std::int64_t state_us, std::int64_t now_us, int taken) const {
  return full_at(state_us, now_us) + interval_us_ * std::max(0, taken);
}

}  // namespace inereg::checks
