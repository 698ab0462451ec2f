#include "api/page_guard.hpp"

#include <iterator>

namespace inereg::api {
namespace {

constexpr std::int64_t kWindowMs = 60'000;

}  // namespace

PageGuard::PageGuard(int requests_per_minute) : requests_per_minute_(requests_per_minute) {}

PageGuard::Counts& PageGuard::counts_of(std::string_view session_id, std::int64_t now) {
  if (sessions_.size() >= kMaxSessions) {
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      it = now - it->second.window_start > kIdleMs ? sessions_.erase(it) : std::next(it);
    }
  }
  return sessions_[std::string(session_id)];
}

bool PageGuard::admit(std::string_view session_id, std::int64_t now) {
  if (requests_per_minute_ <= 0) {
    return true;
  }
  std::lock_guard lock(mutex_);
  Counts& counts = counts_of(session_id, now);
  if (now - counts.window_start >= kWindowMs) {
    counts.window_start = now;
    counts.requests = 0;
  }
  if (counts.requests >= requests_per_minute_) {
    return false;
  }
  ++counts.requests;
  return true;
}

void PageGuard::forget(std::string_view session_id) {
  std::lock_guard lock(mutex_);
  sessions_.erase(std::string(session_id));
}

}  // namespace inereg::api
