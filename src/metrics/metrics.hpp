#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Prometheus metrics without a client library: counters, gauges and fixed-bucket
// histograms that hot paths update with relaxed atomics (no locks, no allocation),
// and a writer for the text exposition format 0.0.4 that GET /metrics renders into.
namespace inereg::metrics {

// `metrics.*` in the config.
struct MetricsOptions {
  bool enabled = true;  // GET /metrics (Prometheus text)
  // Set: /metrics needs `Authorization: Bearer <token>` from any client. Empty: only
  // clients on a loopback address are answered (a scraper on the same host); others
  // get the 404 of an unknown path. Never logged.
  std::string token;
};

// What GET /metrics answers with.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

// Monotonic. Thread-safe.
class Counter {
 public:
  void add(std::int64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

// Monotonic, for counts that every request adds to from every I/O thread at once: each
// thread adds to its own cache line, so two cores do not pass one line back and forth on
// each request as they do with a Counter (bench/README.md, "Lines the I/O threads
// shared"). value() sums the stripes. Thread-safe.
class StripedCounter {
 public:
  void add(std::int64_t n = 1) { stripes_[this_thread_stripe()].value.fetch_add(n, std::memory_order_relaxed); }
  std::int64_t value() const;

 private:
  static constexpr std::size_t kStripes = 8;  // more than the I/O threads a deployment runs
  struct alignas(64) Stripe {
    std::atomic<std::int64_t> value{0};
  };
  // Threads take stripes in turn as they first count, the same for every StripedCounter.
  static std::size_t this_thread_stripe();
  std::array<Stripe, kStripes> stripes_;
};

// Goes up and down. Thread-safe.
class Gauge {
 public:
  void set(std::int64_t value) { value_.store(value, std::memory_order_relaxed); }
  void add(std::int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

// A histogram as Prometheus exposes it: cumulative counts per upper bound (`le`), the
// sum and the count of observations.
struct HistogramSnapshot {
  std::vector<double> bounds;         // ascending upper bounds, without +Inf
  std::vector<std::int64_t> buckets;  // cumulative count per bound
  double sum = 0;
  std::int64_t count = 0;
};

// Fixed buckets chosen at construction. observe() is lock-free: one atomic increment
// for the bucket, one for the count and one for the sum (kept in integer micro-units
// so it can be a plain atomic add). A snapshot taken while observations land may be
// off by those in flight, as with any Prometheus client. Thread-safe.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  HistogramSnapshot snapshot() const;

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::int64_t>[]> counts_;  // per bucket, not cumulative; last = +Inf
  std::atomic<std::int64_t> sum_micros_{0};
  std::atomic<std::int64_t> count_{0};
};

// Latency buckets in seconds, from 1 ms to 30 s: fits a local lookup and a slow upstream.
std::vector<double> latency_buckets_seconds();

using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

// Builds one exposition text. Each family is written once: HELP and TYPE, then its
// samples. Names must be valid Prometheus names (the callers' constants); label values
// are escaped.
class TextWriter {
 public:
  void counter(std::string_view name, std::string_view help, std::int64_t value);
  void gauge(std::string_view name, std::string_view help, std::int64_t value);
  void histogram(std::string_view name, std::string_view help, const HistogramSnapshot& histogram);

  // A family with labelled samples: header() once, then sample() per label set.
  void header(std::string_view name, std::string_view help, std::string_view type);
  void sample(std::string_view name, const Labels& labels, std::int64_t value);

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void sample_line(std::string_view name, const Labels& labels, std::string_view value);
  std::string out_;
};

}  // namespace inereg::metrics
