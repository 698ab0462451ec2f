#include "checks/recheck_pace.hpp"

#include <algorithm>

namespace inereg::checks {
namespace {

constexpr int kBurstDivisor = 20;
constexpr std::int64_t kMicrosecondsPerMs = 1'000;

}  // namespace

RecheckPace::RecheckPace(store::Store& store, int per_second)
    : store_(store), pace_(per_second, std::max(1, per_second / kBurstDivisor)) {}

RecheckPace::Claimed RecheckPace::claim(std::string_view owner, store::TimeMs now, store::TimeMs lease_ms, int wanted) {
  const std::int64_t now_us = now * kMicrosecondsPerMs;
  const auto tx = store_.begin_write();
  const std::int64_t state_us = tx->lock_recheck_pace();
  Claimed claimed;
  claimed.allowed = std::min(std::max(0, wanted), pace_.available(state_us, now_us));
  std::int64_t next_state_us = state_us;
  if (claimed.allowed > 0) {
    claimed.rechecks = tx->claim_rechecks(owner, now, lease_ms, claimed.allowed);
    const auto taken = static_cast<int>(claimed.rechecks.size());
    if (taken > 0) {
      next_state_us = pace_.after_taking(state_us, now_us, taken);
      tx->set_recheck_pace(next_state_us);
    }
  }
  tx->commit();
  // Rounded up to the next millisecond: the caller's clock has no finer grain.
  claimed.next_allowed_at = (pace_.next_allowed_us(next_state_us) + kMicrosecondsPerMs - 1) / kMicrosecondsPerMs;
  return claimed;
}

}  // namespace inereg::checks
