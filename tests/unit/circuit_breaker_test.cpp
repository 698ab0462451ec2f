#include <gtest/gtest.h>

#include "registry/circuit_breaker.hpp"

// The breaker's state machine, with time passed in.
namespace inereg::registry {
namespace {

using State = CircuitBreaker::State;
using Outcome = CircuitBreaker::Outcome;

void fail(CircuitBreaker& breaker, std::int64_t now) {
  const auto admission = breaker.admit(now);
  ASSERT_TRUE(admission.allowed);
  breaker.record(Outcome::kFailure, admission.probe, now);
}

TEST(CircuitBreaker, OpensAfterConsecutiveFailuresAndRefusesUntilOpenDuration) {
  CircuitBreaker breaker({.consecutive_failures = 3, .open_ms = 1000});
  fail(breaker, 0);
  fail(breaker, 1);
  EXPECT_EQ(breaker.state(2), State::kClosed);
  fail(breaker, 2);
  EXPECT_EQ(breaker.state(3), State::kOpen);
  const auto refused = breaker.admit(500);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_ms, 502);
  EXPECT_EQ(breaker.refusing_for_ms(500), 502);
  EXPECT_EQ(breaker.state(1002), State::kHalfOpen);
}

TEST(CircuitBreaker, ASuccessResetsTheConsecutiveCount) {
  CircuitBreaker breaker({.consecutive_failures = 2});
  fail(breaker, 0);
  breaker.record(Outcome::kSuccess, breaker.admit(1).probe, 1);
  fail(breaker, 2);
  EXPECT_EQ(breaker.state(3), State::kClosed);
  fail(breaker, 3);
  EXPECT_EQ(breaker.state(4), State::kOpen);
}

TEST(CircuitBreaker, HalfOpenLetsOnlyTheProbesThroughAndClosesAfterTheirSuccess) {
  CircuitBreaker breaker({.consecutive_failures = 1, .open_ms = 100, .half_open_probes = 2});
  fail(breaker, 0);
  const auto first = breaker.admit(100);
  const auto second = breaker.admit(100);
  const auto third = breaker.admit(100);
  EXPECT_TRUE(first.allowed && first.probe);
  EXPECT_TRUE(second.allowed && second.probe);
  EXPECT_FALSE(third.allowed);
  breaker.record(Outcome::kSuccess, true, 101);
  EXPECT_EQ(breaker.state(101), State::kHalfOpen);
  EXPECT_FALSE(breaker.admit(101).allowed);  // the second probe is still out
  breaker.record(Outcome::kSuccess, true, 102);
  EXPECT_EQ(breaker.state(102), State::kClosed);
  EXPECT_TRUE(breaker.admit(102).allowed);
}

TEST(CircuitBreaker, AFailedProbeReopensForAnotherFullDuration) {
  CircuitBreaker breaker({.consecutive_failures = 1, .open_ms = 100});
  fail(breaker, 0);
  const auto probe = breaker.admit(150);
  ASSERT_TRUE(probe.probe);
  breaker.record(Outcome::kFailure, true, 160);
  EXPECT_EQ(breaker.state(200), State::kOpen);
  EXPECT_EQ(breaker.refusing_for_ms(200), 60);
  EXPECT_EQ(breaker.state(260), State::kHalfOpen);
}

TEST(CircuitBreaker, NeutralOutcomesNeitherOpenNorClose) {
  CircuitBreaker breaker({.consecutive_failures = 1, .open_ms = 100});
  breaker.record(Outcome::kNeutral, breaker.admit(0).probe, 0);
  EXPECT_EQ(breaker.state(0), State::kClosed);
  fail(breaker, 1);
  const auto probe = breaker.admit(101);
  breaker.record(Outcome::kNeutral, probe.probe, 102);  // a 429 probe says nothing of health
  EXPECT_EQ(breaker.state(102), State::kHalfOpen);
  EXPECT_TRUE(breaker.admit(103).probe);  // the probe slot is free again
}

TEST(CircuitBreaker, FailureRateOverAFullWindowOpensIt) {
  CircuitBreaker breaker({.consecutive_failures = 0, .failure_rate_percent = 50, .window = 4, .open_ms = 100});
  fail(breaker, 0);
  breaker.record(Outcome::kSuccess, false, 1);
  fail(breaker, 2);
  EXPECT_EQ(breaker.state(3), State::kClosed);  // 2 of 3: the window is not full yet
  breaker.record(Outcome::kSuccess, false, 3);
  EXPECT_EQ(breaker.state(4), State::kOpen);  // 2 of 4 = 50 %
}

TEST(CircuitBreaker, OutcomesOfCallsAdmittedBeforeItOpenedAreIgnored) {
  CircuitBreaker breaker({.consecutive_failures = 1, .open_ms = 100});
  const auto early = breaker.admit(0);
  fail(breaker, 1);
  breaker.record(Outcome::kSuccess, early.probe, 2);
  EXPECT_EQ(breaker.state(2), State::kOpen);
}

}  // namespace
}  // namespace inereg::registry
