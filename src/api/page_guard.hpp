#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

// Per-session limits of the verification page's endpoints, which a browser reaches with
// nothing but the session token: a request rate, and the number of unreadable card-back
// photos before the session is submitted as it is. Kept in this node's memory: a page is
// served by whichever node its requests reach, so behind a load balancer without
// affinity each node counts on its own (the stored media limits still hold across nodes).
namespace inereg::api {

class PageGuard {
 public:
  // `requests_per_minute`: page requests (open, photos, submit) of one session in a
  // fixed one-minute window; 0 = no limit.
  explicit PageGuard(int requests_per_minute);

  // True when `session_id` may make one more request at `now` (milliseconds), and counts it.
  // Thread-safe.
  bool admit(std::string_view session_id, std::int64_t now);
  // Counts one unreadable card-back photo of the session; returns how many so far.
  int count_failed_read(std::string_view session_id, std::int64_t now);
  // Drops the session's counts (submitted: its token is refused from now on).
  void forget(std::string_view session_id);

 private:
  struct Counts {
    std::int64_t window_start = 0;
    int requests = 0;
    int failed_reads = 0;
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
