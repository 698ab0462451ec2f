#pragma once

#include <array>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/auth_throttle.hpp"
#include "api/routes.hpp"
#include "checks/check_runner.hpp"
#include "http/exchange.hpp"
#include "http/server.hpp"
#include "metrics/metrics.hpp"
#include "registry/connector.hpp"
#include "sessions/workflow.hpp"
#include "store/store.hpp"

namespace inereg::app {

// The GET /metrics page of one running service: the check pipeline's counters, the
// registry connector's ConnectorStats, the queue depth from the store, the workflow's
// batches (PostgreSQL), and HTTP requests by route label (each route's metrics_label; no
// ids) and status class.
// Thread-safe.
class ServiceMetrics {
 public:
  using Clock = std::function<store::TimeMs()>;
  // `routes`: the table the server's routings number (api::routes()).
  // Read when the page is rendered: the HTTP server's counts and the API's throttling
  // of failed authentication (both exist after the metrics do).
  struct TransportSources {
    std::function<http::ServerStats()> server;
    std::function<api::AuthThrottle::Stats()> auth_throttle;
  };
  ServiceMetrics(store::Store& store, const sessions::SessionWorkflow& sessions, const checks::CheckRunner& checks,
                 const registry::RegistryConnector& connector, std::span<const api::Route> routes, Clock clock,
                 TransportSources transport);

  // Counts one answered request under its route's label ("other" when no route
  // matched): two array indexings and one relaxed atomic add.
  void count_request(const http::Routing& routing, int status);
  // The exposition text (format 0.0.4).
  std::string render();

  // When the queue depth is counted again after a count that began at `started` and took
  // `took`. It is a COUNT over the pending jobs, and every node's scrapes ask for it:
  // with 100,000 pending on PostgreSQL one count took ~51 ms of the database (12 % of its
  // statement time in the checks bench, whose poller scrapes 4 times a second). So a node
  // counts at most once a second and at most 1 % of the time (the next waits 100·took),
  // but at least every 5 s, so one slow count does not leave the gauge stale for long.
  static store::TimeMs next_queue_depth_read(store::TimeMs started, store::TimeMs took);

 private:
  using StatusCounters = std::array<metrics::StripedCounter, 5>;  // 1xx..5xx

  // Pending jobs, counted again when next_queue_depth_read says, however often the page
  // is scraped.
  std::int64_t queue_depth();

  store::Store& store_;
  const sessions::SessionWorkflow& sessions_;
  const checks::CheckRunner& checks_;
  const registry::RegistryConnector& connector_;
  const Clock clock_;
  const TransportSources transport_;
  std::mutex depth_mutex_;
  std::int64_t depth_ = 0;
  std::optional<store::TimeMs> depth_next_read_at_;
  std::vector<std::string_view> labels_;     // distinct, in table order, and "other"
  std::vector<std::size_t> label_of_route_;  // route number → index into labels_; one more for no route
  std::vector<StatusCounters> requests_;     // [label][status class]; never resized
};

}  // namespace inereg::app
