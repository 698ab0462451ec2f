#include "checks/lookup_pace.hpp"

#include <algorithm>

namespace inereg::checks {

LookupPace::LookupPace(int per_second, int burst)
    : interval_(std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(1)) / std::max(1, per_second)),
      burst_(std::max(1, burst)) {}

int LookupPace::take(Clock::time_point now, int wanted) {
  base_ = std::max(base_, now - interval_ * burst_);
  const auto available = static_cast<int>(std::min<Clock::rep>((now - base_) / interval_, burst_));
  const int taken = std::clamp(wanted, 0, available);
  base_ += interval_ * taken;
  return taken;
}

void LookupPace::give_back(int unused) {
  base_ -= interval_ * std::max(0, unused);
}

LookupPace::Clock::time_point LookupPace::next_allowed() const {
  return base_ + interval_;
}

}  // namespace inereg::checks
