// Pure parts of the webhooks and the session lifecycle: URL policy, retry schedule,
// session tokens, and the webhook settings.
#include <gtest/gtest.h>

#include <cstdlib>

#include "api/session_token.hpp"
#include "config/config.hpp"
#include "webhooks/delivery_worker.hpp"
#include "webhooks/webhook_url.hpp"

namespace inereg {
namespace {

using webhooks::parse_webhook_url;

TEST(WebhookUrl, HttpsAnywhereHttpOnlyOnLoopback) {
  const auto https = parse_webhook_url("https://hooks.example.com/veriff/decision?tenant=7");
  ASSERT_TRUE(https.target) << https.error;
  EXPECT_TRUE(https.target->tls);
  EXPECT_EQ(https.target->host, "hooks.example.com");
  EXPECT_EQ(https.target->port, "443");
  EXPECT_EQ(https.target->host_header, "hooks.example.com");
  EXPECT_EQ(https.target->target, "/veriff/decision?tenant=7");

  const auto loopback = parse_webhook_url("http://127.0.0.1:8081");
  ASSERT_TRUE(loopback.target) << loopback.error;
  EXPECT_FALSE(loopback.target->tls);
  EXPECT_EQ(loopback.target->port, "8081");
  EXPECT_EQ(loopback.target->host_header, "127.0.0.1:8081");
  EXPECT_EQ(loopback.target->target, "/");
  EXPECT_TRUE(parse_webhook_url("http://localhost/x").target);
  EXPECT_TRUE(parse_webhook_url("http://127.9.9.9/x").target);
  const auto ipv6 = parse_webhook_url("http://[::1]:9/x");
  ASSERT_TRUE(ipv6.target) << ipv6.error;
  EXPECT_EQ(ipv6.target->host, "::1");
  EXPECT_EQ(ipv6.target->host_header, "[::1]:9");

  for (const char* refused :
       {"http://hooks.example.com/x", "http://10.0.0.1/x", "http://128.0.0.1/x", "ftp://hooks.example.com/",
        "hooks.example.com/x", "", "https://user:pw@h.example/", "https://h.example/#frag", "https:///nohost",
        // Found by tests/fuzz/webhook_url_fuzz.cpp: a line break decoded into the Host
        // header, a host Boost.URL splits into an IPv4 address and a path, ports out of range.
        "https://h%0d%0aX-Injected:%20y.example/", "https://127.0.0.1.h.example/", "http://127.0.0.1.h.example/",
        "https://h.example:0/", "https://h.example:99999/", "https://h.example:/"}) {
    const auto parsed = parse_webhook_url(refused);
    EXPECT_FALSE(parsed.target) << refused;
    EXPECT_FALSE(parsed.error.empty()) << refused;
  }
  EXPECT_NE(parse_webhook_url("http://hooks.example.com/x").error.find("https://"), std::string::npos);
}

TEST(RetrySchedule, DoublesToTheIntervalAndGivesUpAfterTheMaxAge) {
  webhooks::DeliveryOptions options;  // the defaults: 1 min doubling, hourly, 7 days
  const store::TimeMs created = 1'000'000;
  EXPECT_EQ(webhooks::next_attempt_at(options, 1, created, created), created + 60'000);
  EXPECT_EQ(webhooks::next_attempt_at(options, 2, created, created), created + 120'000);
  EXPECT_EQ(webhooks::next_attempt_at(options, 6, created, created), created + 1'920'000);
  EXPECT_EQ(webhooks::next_attempt_at(options, 7, created, created), created + 3'600'000);
  EXPECT_EQ(webhooks::next_attempt_at(options, 500, created, created), created + 3'600'000);
  const store::TimeMs last_hour = created + options.max_age_ms - 3'600'000;
  EXPECT_EQ(webhooks::next_attempt_at(options, 100, created, last_hour), created + options.max_age_ms);
  EXPECT_FALSE(webhooks::next_attempt_at(options, 100, created, last_hour + 1));
  // Over 7 days of hourly retries, about 170 attempts: Veriff's policy.
  int attempts = 0;
  for (auto now = std::optional<store::TimeMs>(created); now; ++attempts) {
    now = webhooks::next_attempt_at(options, attempts + 1, created, *now);
  }
  EXPECT_GT(attempts, 160);
  EXPECT_LT(attempts, 180);
}

TEST(SessionToken, RoundTripsAndRefusesTamperingOrAnotherKey) {
  store::Session session;
  session.id = "0b9c3c0e-52c5-4b8f-9d6c-0c5a8f1f2a11";
  session.integration_id = "i1";
  session.created_at = 1'700'000'000'000;
  const std::string token = api::make_session_token(session, "key-1");
  EXPECT_EQ(api::session_id_from_token(token, "key-1"), session.id);
  EXPECT_FALSE(api::session_id_from_token(token, "key-2"));
  std::string tampered = token;
  tampered[tampered.find('.') + 3] ^= 1;  // a payload byte
  EXPECT_FALSE(api::session_id_from_token(tampered, "key-1"));
  for (const char* bad : {"", ".", "..", "abc", "a.b.c", "a.b", "%%%.###.$$$"}) {
    EXPECT_FALSE(api::session_id_from_token(bad, "key-1")) << bad;
  }
}

TEST(WebhookSettings, FromTheEnvironmentAndLeaseAboveTimeout) {
  ::setenv("INEREG_WEBHOOKS_MAX_IN_FLIGHT", "3", 1);
  ::setenv("INEREG_WEBHOOKS_TIMEOUT_MS", "2000", 1);
  ::setenv("INEREG_SESSIONS_EXPIRE_AFTER_MS", "5000", 1);
  const auto config = config::load_config(std::nullopt);
  EXPECT_EQ(config.webhooks.max_in_flight, 3);
  EXPECT_EQ(config.webhooks.timeout_ms, 2000);
  EXPECT_EQ(config.sessions.expire_after_ms, 5000);
  ::setenv("INEREG_WEBHOOKS_LEASE_MS", "2000", 1);
  EXPECT_THROW(config::load_config(std::nullopt), config::ConfigError);
  ::unsetenv("INEREG_WEBHOOKS_LEASE_MS");
  ::setenv("INEREG_WEBHOOKS_MAX_IN_FLIGHT", "0", 1);
  EXPECT_THROW(config::load_config(std::nullopt), config::ConfigError);
  for (const char* name : {"INEREG_WEBHOOKS_MAX_IN_FLIGHT", "INEREG_WEBHOOKS_TIMEOUT_MS",
                           "INEREG_SESSIONS_EXPIRE_AFTER_MS", "INEREG_WEBHOOKS_LEASE_MS"}) {
    ::unsetenv(name);
  }
}

}  // namespace
}  // namespace inereg
