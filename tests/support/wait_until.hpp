#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string_view>
#include <thread>

namespace inereg::testing {

// The one way a test waits for something to happen: polls `condition` (a callable
// returning bool) until it holds or `timeout` has passed. Between polls it sleeps 1 ms,
// doubling up to 20 ms, so a quick condition is seen at once and a slow one (an HTTP
// round trip, a query, a child process) is not polled in a busy loop. The condition is
// evaluated once more at the deadline before the wait fails.
//
// Returns success, or a failure saying "timed out after N ms waiting for <what>". It is
// [[nodiscard]]: a test asserts it (`ASSERT_TRUE(wait_until(...)) << more context;`),
// and harness code that is not a test throws with its message(). `condition` may
// throw to give up early (e.g. when the child process it waits on has exited).
template <typename Condition>
[[nodiscard]] ::testing::AssertionResult wait_until(Condition&& condition, std::chrono::milliseconds timeout,
                                                    std::string_view what) {
  using Clock = std::chrono::steady_clock;
  constexpr std::chrono::milliseconds kLongestPause{20};
  const auto deadline = Clock::now() + timeout;
  std::chrono::milliseconds pause{1};
  while (!condition()) {
    const auto now = Clock::now();
    if (now >= deadline) {
      return ::testing::AssertionFailure() << "timed out after " << timeout.count() << " ms waiting for " << what;
    }
    std::this_thread::sleep_for(std::min<Clock::duration>(pause, deadline - now));
    pause = std::min(pause * 2, kLongestPause);
  }
  return ::testing::AssertionSuccess();
}

}  // namespace inereg::testing
