#include "app/service_metrics.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstddef>
#include <string_view>

#include "vision/mrz_reader.hpp"

namespace inereg::app {
namespace {

constexpr store::TimeMs kQueueDepthRefreshMs = 1'000;
constexpr store::TimeMs kQueueDepthCostFactor = 100;
// However slow one count was (a cold connection on a loaded database can take 100 ms and
// more), the figure is never older than this.
constexpr store::TimeMs kQueueDepthStalestMs = 5'000;

constexpr std::array<std::string_view, 5> kStatusClasses = {"1xx", "2xx", "3xx", "4xx", "5xx"};

// The label of requests no route matched.
constexpr std::string_view kUnroutedLabel = "other";

// The index of `label` in `labels`, appended if new.
std::size_t label_index(std::vector<std::string_view>& labels, std::string_view label) {
  const auto found = std::find(labels.begin(), labels.end(), label);
  if (found != labels.end()) {
    return static_cast<std::size_t>(found - labels.begin());
  }
  labels.push_back(label);
  return labels.size() - 1;
}

metrics::HistogramSnapshot upstream_latency(const registry::ConnectorStats& stats) {
  metrics::HistogramSnapshot histogram;
  histogram.bounds = stats.latency_bounds_s;
  histogram.buckets = stats.latency_buckets;
  histogram.sum = stats.latency_sum_s;
  histogram.count = stats.latency_count;
  return histogram;
}

}  // namespace

ServiceMetrics::ServiceMetrics(store::Store& store, const sessions::SessionWorkflow& sessions,
                               const checks::CheckRunner& checks, const registry::RegistryConnector& connector,
                               std::span<const api::Route> routes, Clock clock, TransportSources transport)
    : store_(store),
      sessions_(sessions),
      checks_(checks),
      connector_(connector),
      clock_(std::move(clock)),
      transport_(std::move(transport)) {
  // Labels are resolved here, once, so counting a request needs no lookup.
  for (const api::Route& route : routes) {
    label_of_route_.push_back(label_index(labels_, route.metrics_label));
  }
  label_of_route_.push_back(label_index(labels_, kUnroutedLabel));  // http::Routing::kNoRoute
  requests_ = std::vector<StatusCounters>(labels_.size());
}

void ServiceMetrics::count_request(const http::Routing& routing, int status) {
  // kNoRoute (the largest number) lands on the last entry, the unrouted one.
  const std::size_t route = std::min(routing.route, label_of_route_.size() - 1);
  const int status_class = std::clamp(status / 100, 1, 5) - 1;
  requests_[label_of_route_[route]][static_cast<std::size_t>(status_class)].add();
}

std::int64_t ServiceMetrics::queue_depth() {
  std::lock_guard lock(depth_mutex_);
  const store::TimeMs now = clock_();
  if (!depth_next_read_at_ || now >= *depth_next_read_at_) {
    try {
      depth_ = store_.pending_check_count();
    } catch (const std::exception& e) {
      // Keep the last figure; the scrape itself must not fail because of the store.
      spdlog::warn("metrics: counting pending checks failed: {}", e.what());
    }
    depth_next_read_at_ = next_queue_depth_read(now, clock_() - now);
  }
  return depth_;
}

store::TimeMs ServiceMetrics::next_queue_depth_read(store::TimeMs started, store::TimeMs took) {
  return started + std::clamp(took * kQueueDepthCostFactor, kQueueDepthRefreshMs, kQueueDepthStalestMs);
}

std::string ServiceMetrics::render() {
  metrics::TextWriter out;
  const auto& pipeline = checks_.metrics();
  out.gauge("inereg_check_queue_depth",
            "Check jobs pending in the store (counted at most once a second and 1 % of the time, at least every 5 s).",
            queue_depth());
  out.gauge("inereg_check_lookups_in_flight", "Registry lookups started by the check pipeline and not answered yet.",
            pipeline.lookups_in_flight.value());
  out.counter("inereg_check_attempts_total", "Registry lookups started by the check pipeline.",
              pipeline.attempts.value());
  out.header("inereg_check_outcomes_total",
             "Check outcomes: verdicts recorded (active, inactive), lookups without a verdict (unavailable), "
             "and outcomes refused because the job's lease was no longer ours (lost_lease).",
             "counter");
  out.sample("inereg_check_outcomes_total", {{"outcome", "active"}}, pipeline.verdicts_active.value());
  out.sample("inereg_check_outcomes_total", {{"outcome", "inactive"}}, pipeline.verdicts_inactive.value());
  out.sample("inereg_check_outcomes_total", {{"outcome", "unavailable"}}, pipeline.unavailable.value());
  out.sample("inereg_check_outcomes_total", {{"outcome", "lost_lease"}}, pipeline.lost_leases.value());
  out.counter("inereg_check_retries_total", "Check attempts rescheduled after a lookup without a verdict.",
              pipeline.retries.value());
  out.counter("inereg_check_lookup_timeouts_total", "Registry lookups given up at their deadline.",
              pipeline.timeouts.value());
  out.counter("inereg_check_store_errors_total", "Store calls of the check pipeline that failed.",
              pipeline.store_errors.value());
  out.histogram("inereg_check_lookup_duration_seconds", "Registry lookup time as the check pipeline saw it.",
                pipeline.lookup_seconds.snapshot());
  out.header("inereg_check_document_readings_total",
             "Checks whose credential was read from document images, by outcome: a credential to look up, "
             "unreadable or contradicting the typed data (both decided resubmission_requested).",
             "counter");
  out.sample("inereg_check_document_readings_total", {{"outcome", "credential"}}, pipeline.documents_read.value());
  out.sample("inereg_check_document_readings_total", {{"outcome", "unreadable"}},
             pipeline.documents_unreadable.value());
  out.sample("inereg_check_document_readings_total", {{"outcome", "mismatch"}}, pipeline.documents_mismatch.value());
  out.header("inereg_check_document_unreadable_total",
             "Unreadable documents by why their first image did not read (the verification page's reasons).",
             "counter");
  for (std::size_t i = 1; i < vision::kReadFailureKinds; ++i) {
    const std::string_view failure = vision::read_failure_name(static_cast<vision::ReadFailure>(i));
    out.sample("inereg_check_document_unreadable_total", {{"reason", failure}},
               pipeline.documents_unreadable_by_failure.at(i).value());
  }
  out.header("inereg_check_rechecks_total",
             "Re-checks of decided sessions recorded, by outcome: the same verdict, a changed verdict (INE webhook "
             "queued), or no answer after every attempt.",
             "counter");
  out.sample("inereg_check_rechecks_total", {{"outcome", "same"}}, pipeline.rechecks_same_verdict.value());
  out.sample("inereg_check_rechecks_total", {{"outcome", "changed"}}, pipeline.rechecks_changed_verdict.value());
  out.sample("inereg_check_rechecks_total", {{"outcome", "no_answer"}}, pipeline.rechecks_no_answer.value());

  const auto stats = connector_.stats();
  out.gauge("inereg_registry_in_flight", "Upstream registry calls running now.", stats.in_flight);
  out.counter("inereg_registry_requests_total", "Upstream registry attempts started.", stats.requests);
  out.counter("inereg_registry_failures_total", "Upstream registry attempts without a usable answer.", stats.failures);
  out.counter("inereg_registry_rate_limited_total", "Upstream registry attempts answered 429.", stats.rate_limited);
  out.counter("inereg_registry_rejected_by_cap_total", "Lookups refused because the upstream in-flight cap was full.",
              stats.rejected_by_cap);
  out.gauge("inereg_registry_breaker_state", "Upstream circuit breaker: 0 closed, 1 half-open, 2 open.",
            stats.breaker_state);
  out.histogram("inereg_registry_upstream_duration_seconds", "Upstream registry call time.", upstream_latency(stats));

  using Batched = sessions::SessionWorkflow::Batched;
  constexpr std::array<std::pair<Batched, std::string_view>, 4> kBatched{{{Batched::kSubmit, "submit"},
                                                                          {Batched::kStart, "start"},
                                                                          {Batched::kMedia, "upload"},
                                                                          {Batched::kDelete, "delete"}}};
  std::array<store::BatchedCallsStats, kBatched.size()> batched;
  for (std::size_t i = 0; i < kBatched.size(); ++i) {
    batched[i] = sessions_.batching(kBatched[i].first).done;
  }
  out.header("inereg_store_batches_total",
             "PostgreSQL transactions that served concurrent workflow calls of one kind together (SQLite groups "
             "commits instead: 0).",
             "counter");
  for (std::size_t i = 0; i < kBatched.size(); ++i) {
    out.sample("inereg_store_batches_total", {{"kind", kBatched[i].second}}, batched[i].batches);
  }
  out.header("inereg_store_batched_calls_total", "Workflow calls served by those transactions, by kind.", "counter");
  for (std::size_t i = 0; i < kBatched.size(); ++i) {
    out.sample("inereg_store_batched_calls_total", {{"kind", kBatched[i].second}}, batched[i].calls);
  }

  const http::ServerStats server = transport_.server();
  out.gauge("inereg_http_connections", "HTTP connections open now.", server.connections);
  out.counter("inereg_http_connections_refused_total",
              "HTTP connections closed at accept because http.max_connections were open.", server.connections_refused);
  out.gauge("inereg_http_body_bytes_in_flight",
            "Bytes reserved for request bodies being read or handled (cap: http.max_body_bytes_in_flight).",
            server.body_bytes_in_flight);
  out.counter("inereg_http_bodies_refused_total",
              "Requests answered 503 because their body would pass http.max_body_bytes_in_flight.",
              server.bodies_refused);
  out.counter("inereg_http_refused_before_body_total",
              "Requests refused from their headers (credentials, route) before their body was read.",
              server.refused_before_body);
  out.counter("inereg_http_connections_moved_total",
              "HTTP connections moved to the pinned I/O thread on the CPU their packets arrive on.",
              server.connections_moved);
  out.gauge("inereg_http_handlers_suspended",
            "Request handlers suspended on their I/O thread now: SQLite writes waiting for their group's commit.",
            server.handlers_suspended);
  const auto throttled = transport_.auth_throttle();
  out.counter("inereg_auth_failures_delayed_total",
              "Failed authentications answered late (auth.failures_before_delay passed).", throttled.delayed);
  out.counter("inereg_auth_failures_refused_total",
              "Failed authentications answered 429 (auth.failures_before_429 passed).", throttled.refused);

  out.header("inereg_http_requests_total", "HTTP requests answered, by route class and status class.", "counter");
  for (std::size_t label = 0; label < requests_.size(); ++label) {
    for (std::size_t status = 0; status < kStatusClasses.size(); ++status) {
      const auto count = requests_[label][status].value();
      if (count > 0) {
        out.sample("inereg_http_requests_total", {{"route", labels_[label]}, {"code", kStatusClasses[status]}}, count);
      }
    }
  }
  return out.take();
}

}  // namespace inereg::app
