#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

// The per-session request rate of the verification page's endpoints, which a browser
// reaches with nothing but the session token. Kept in this node's memory (a write to the
// database per page request would cost more than the limit protects): behind a load
// balancer without affinity each node counts on its own. What must hold across nodes is
// stored: the media limits, and the tries (SessionWorkflow::count_unreadable_photo).
namespace inereg::api {

class PageGuard {
 public:
  // `requests_per_minute`: page requests (open, photos, submit) of one session in a
  // fixed one-minute window; 0 = no limit.
  explicit PageGuard(int requests_per_minute);

  // True when `session_id` may make one more request at `now` (milliseconds), and counts it.
  // Thread-safe.
  bool admit(std::string_view session_id, std::int64_t now);
  // Drops the session's count (submitted: its token is refused from now on).
  void forget(std::string_view session_id);

 private:
  struct Counts {
    std::int64_t window_start = 0;
    int requests = 0;
  };
  // Above this many sessions, those idle for an hour are forgotten (their pages are
  // long closed, or their sessions expired).
  static constexpr std::size_t kMaxSessions = 100'000;
  static constexpr std::int64_t kIdleMs = 3'600'000;

  Counts& counts_of(std::string_view session_id, std::int64_t now);

  const int requests_per_minute_;
  std::mutex mutex_;
  std::unordered_map<std::string, Counts> sessions_;
};

}  // namespace inereg::api
