#include "api/auth_throttle.hpp"

#include <gtest/gtest.h>

namespace inereg::api {
namespace {

constexpr AuthThrottleSettings kSettings{
    .failure_window_ms = 10'000, .failures_before_delay = 2, .failure_delay_ms = 250, .failures_before_429 = 4};
constexpr std::string_view kKey = "3c4f1f7e-5b1a-4c1e-9d6e-2f0a8b7c6d5e";

TEST(AuthThrottle, FailuresAreFirstAnsweredAtOnceThenLateThen429) {
  AuthThrottle throttle(kSettings);
  for (int failure = 1; failure <= 2; ++failure) {
    const auto verdict = throttle.record_failure(kKey, "127.0.0.1", 1'000);
    EXPECT_EQ(verdict.delay.count(), 0) << failure;
    EXPECT_FALSE(verdict.retry_after_s) << failure;
  }
  for (int failure = 3; failure <= 4; ++failure) {
    const auto verdict = throttle.record_failure(kKey, "127.0.0.1", 1'000);
    EXPECT_EQ(verdict.delay.count(), 250) << failure;
    EXPECT_FALSE(verdict.retry_after_s) << failure;
  }
  const auto refused = throttle.record_failure(kKey, "127.0.0.1", 4'500);
  ASSERT_TRUE(refused.retry_after_s);
  EXPECT_EQ(*refused.retry_after_s, 7);  // the window opened at 1 s and lasts 10 s: 6.5 s left, rounded up
  EXPECT_EQ(throttle.stats().delayed, 2);
  EXPECT_EQ(throttle.stats().refused, 1);
}

TEST(AuthThrottle, ANewWindowStartsAfresh) {
  AuthThrottle throttle(kSettings);
  for (int failure = 1; failure <= 5; ++failure) {
    (void)throttle.record_failure(kKey, "127.0.0.1", 0);
  }
  const auto later = throttle.record_failure(kKey, "127.0.0.1", 10'000);
  EXPECT_EQ(later.delay.count(), 0);
  EXPECT_FALSE(later.retry_after_s);
}

TEST(AuthThrottle, TheKeyIsCountedAcrossAddressesAndTheAddressAcrossKeys) {
  AuthThrottle by_key(kSettings);
  for (int failure = 1; failure <= 4; ++failure) {
    (void)by_key.record_failure(kKey, "10.0.0." + std::to_string(failure), 0);
  }
  EXPECT_TRUE(by_key.record_failure(kKey, "10.0.0.9", 0).retry_after_s);

  AuthThrottle by_address(kSettings);
  for (int failure = 1; failure <= 4; ++failure) {
    (void)by_address.record_failure("key-" + std::to_string(failure), "10.0.0.1", 0);
  }
  EXPECT_TRUE(by_address.record_failure("", "10.0.0.1", 0).retry_after_s);
  EXPECT_FALSE(by_address.record_failure("", "10.0.0.2", 0).retry_after_s) << "another address is not affected";
}

TEST(AuthThrottle, ZeroMeansNever429) {
  AuthThrottleSettings settings = kSettings;
  settings.failures_before_429 = 0;
  AuthThrottle throttle(settings);
  for (int failure = 1; failure <= 100; ++failure) {
    EXPECT_FALSE(throttle.record_failure(kKey, "127.0.0.1", 0).retry_after_s);
  }
}

}  // namespace
}  // namespace inereg::api
