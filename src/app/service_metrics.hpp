#pragma once

#include <array>
#include <functional>
#include <mutex>
#include <string>

#include "api/messages.hpp"
#include "checks/check_runner.hpp"
#include "metrics/metrics.hpp"
#include "registry/connector.hpp"
#include "store/store.hpp"

namespace inereg::app {

// The GET /metrics page of one running service: the check pipeline's counters, the
// registry connector's ConnectorStats, the queue depth from the store, and HTTP
// requests by route class and status class. Thread-safe.
class ServiceMetrics {
 public:
  using Clock = std::function<store::TimeMs()>;
  ServiceMetrics(store::Store& store, const checks::CheckRunner& checks, const registry::RegistryConnector& connector,
                 Clock clock);

  // Counts one answered request; a few comparisons and one relaxed atomic add.
  void count_request(const api::ApiRequest& request, int status);
  // The exposition text (format 0.0.4).
  std::string render();

  // Route classes of inereg_http_requests_total, by path shape (no ids in labels).
  enum RouteClass {
    kCreateSession,
    kUpdateSession,
    kDeleteSession,
    kDecision,
    kIneRegistry,
    kPerson,
    kHealth,
    kMetrics,
    kOther,
    kRouteClasses
  };
  static RouteClass route_class(std::string_view method, std::string_view path);

 private:
  // Pending jobs: a COUNT over the store, so run at most once a second however often
  // the page is scraped.
  std::int64_t queue_depth();

  store::Store& store_;
  const checks::CheckRunner& checks_;
  const registry::RegistryConnector& connector_;
  const Clock clock_;
  std::mutex depth_mutex_;
  std::int64_t depth_ = 0;
  std::optional<store::TimeMs> depth_read_at_;
  // [route class][status class 1xx..5xx]
  std::array<std::array<metrics::Counter, 5>, kRouteClasses> requests_;
};

}  // namespace inereg::app
