// GET /metrics over real HTTP: Prometheus text whose figures move as checks run.
#include <regex>

#include "service_fixture.hpp"
#include "support/wait_until.hpp"

namespace inereg::component {
namespace {

using MetricsTest = ComponentTest;
using MetricsPendingTest = PendingChecksTest;

TEST_F(MetricsTest, PageIsPrometheusTextWithHelpAndType) {
  const auto reply = scrape(port());
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  for (const std::string name :
       {"inereg_check_queue_depth", "inereg_check_lookups_in_flight", "inereg_check_attempts_total",
        "inereg_check_outcomes_total", "inereg_check_retries_total", "inereg_check_lookup_duration_seconds",
        "inereg_registry_requests_total", "inereg_registry_failures_total", "inereg_registry_rate_limited_total",
        "inereg_registry_rejected_by_cap_total", "inereg_registry_breaker_state", "inereg_registry_in_flight",
        "inereg_registry_upstream_duration_seconds", "inereg_http_requests_total"}) {
    EXPECT_NE(reply.body.find("# HELP " + name + " "), std::string::npos) << name;
    EXPECT_NE(reply.body.find("# TYPE " + name + " "), std::string::npos) << name;
  }
  // Every line is a comment or `name{labels} value`.
  static const std::regex kLine(
      R"((# (HELP|TYPE) .*)|([a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [-+0-9.eInf]+))");
  std::istringstream lines(reply.body);
  std::string line;
  while (std::getline(lines, line)) {
    EXPECT_TRUE(std::regex_match(line, kLine)) << line;
  }
}

TEST_F(MetricsTest, FiguresMoveAsChecksRun) {
  const auto before = scrape(port()).body;
  const std::string active = R"(inereg_check_outcomes_total{outcome="active"})";
  const std::string inactive = R"(inereg_check_outcomes_total{outcome="inactive"})";
  EXPECT_EQ(sample(before, active), 0);
  EXPECT_EQ(sample(before, inactive), 0);
  EXPECT_EQ(sample(before, "inereg_check_attempts_total"), 0);
  EXPECT_EQ(sample(before, "inereg_check_lookup_duration_seconds_count"), 0);

  const auto first = client_->create_and_submit(ine_body(vigente_.credential));
  const auto second = client_->create_and_submit(ine_body(deceased_.credential));
  ASSERT_EQ(client_->wait_ine_registry(first).status, 200);
  ASSERT_EQ(client_->wait_ine_registry(second).status, 200);

  const auto after = scrape(port()).body;
  EXPECT_EQ(sample(after, active), 1) << after;
  EXPECT_EQ(sample(after, inactive), 1) << after;
  EXPECT_EQ(sample(after, "inereg_check_attempts_total"), 2);
  EXPECT_EQ(sample(after, R"(inereg_check_outcomes_total{outcome="unavailable"})"), 0);
  EXPECT_EQ(sample(after, R"(inereg_check_outcomes_total{outcome="lost_lease"})"), 0);
  EXPECT_EQ(sample(after, "inereg_check_lookup_duration_seconds_count"), 2);
  EXPECT_EQ(sample(after, R"(inereg_check_lookup_duration_seconds_bucket{le="+Inf"})"), 2);
  EXPECT_EQ(sample(after, "inereg_check_lookups_in_flight"), 0);
  EXPECT_GE(sample(after, R"(inereg_http_requests_total{route="create_session",code="2xx"})"), 2);
  EXPECT_GE(sample(after, R"(inereg_http_requests_total{route="update_session",code="2xx"})"), 2);
  EXPECT_GE(sample(after, R"(inereg_http_requests_total{route="ine_registry",code="2xx"})"), 2);
  EXPECT_TRUE(wait_for_sample(port(), "inereg_check_queue_depth", 0));
  // The two submits: batches of their own on PostgreSQL; SQLite does not batch.
  const double batched = testing::postgres_backend() ? 2 : 0;
  EXPECT_EQ(sample(after, R"(inereg_store_batched_calls_total{kind="submit"})"), batched);
  EXPECT_EQ(sample(after, R"(inereg_store_batches_total{kind="submit"})"), batched);
  EXPECT_EQ(sample(after, R"(inereg_store_batched_calls_total{kind="upload"})"), 0);
}

TEST_F(MetricsPendingTest, QueueDepthCountsPendingChecks) {
  EXPECT_TRUE(wait_for_sample(port(), "inereg_check_queue_depth", 0));
  client_->create_and_submit(ine_body(vigente_.credential));
  client_->create_and_submit(ine_body(deceased_.credential));
  EXPECT_TRUE(wait_for_sample(port(), "inereg_check_queue_depth", 2));
  const auto body = scrape(port()).body;
  EXPECT_EQ(sample(body, "inereg_check_attempts_total"), 0);
}

class MetricsDisabledTest : public ComponentTest {
 protected:
  ServiceOptions options() const override {
    ServiceOptions o;
    o.metrics_enabled = false;
    return o;
  }
};

TEST_F(MetricsDisabledTest, PageAnswersNotFound) {
  const auto reply = scrape(port());
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.body, kNotFoundBody);
}

class MetricsTokenTest : public ComponentTest {
 protected:
  ServiceOptions options() const override {
    ServiceOptions o;
    o.metrics_token = "scrape-token-7f3a";
    return o;
  }
};

TEST_F(MetricsTokenTest, ThePageNeedsTheBearerTokenEvenFromLoopback) {
  for (const auto& authorization : std::vector<std::optional<std::string>>{
           std::nullopt, "Bearer wrong-token-7f3a", "Bearer scrape-token-7f3", "scrape-token-7f3a"}) {
    testing::HttpCall call{"GET", "/metrics", "", {}};
    if (authorization) {
      call.headers.emplace_back("Authorization", *authorization);
    }
    const auto reply = testing::http_call(port(), call);
    EXPECT_EQ(reply.status, 401) << authorization.value_or("(none)");
    EXPECT_EQ(reply.header("www-authenticate"), "Bearer");
    EXPECT_EQ(reply.body.find("inereg_"), std::string::npos);
  }
  const auto reply = testing::http_call(
      port(), testing::HttpCall{"GET", "/metrics", "", {{"Authorization", "Bearer scrape-token-7f3a"}}});
  EXPECT_EQ(reply.status, 200);
  EXPECT_NE(reply.body.find("inereg_http_connections"), std::string::npos);
}

}  // namespace
}  // namespace inereg::component
