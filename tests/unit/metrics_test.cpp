#include "metrics/metrics.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "app/service_metrics.hpp"

namespace inereg::metrics {
namespace {

TEST(Histogram, BucketsAreCumulativeAndUpperBoundsInclusive) {
  Histogram histogram({0.1, 0.5, 1});
  histogram.observe(0.05);
  histogram.observe(0.1);  // on the bound: counted in le="0.1"
  histogram.observe(0.3);
  histogram.observe(2);  // only in +Inf
  const auto snapshot = histogram.snapshot();
  EXPECT_EQ(snapshot.buckets, (std::vector<std::int64_t>{2, 3, 3}));
  EXPECT_EQ(snapshot.count, 4);
  EXPECT_DOUBLE_EQ(snapshot.sum, 2.45);
}

TEST(Histogram, ConcurrentObservationsAreAllCounted) {
  Histogram histogram(latency_buckets_seconds());
  Counter counter;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10'000; ++i) {
        histogram.observe(0.002);
        counter.add();
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(histogram.snapshot().count, 40'000);
  EXPECT_EQ(histogram.snapshot().buckets[1], 40'000);  // le="0.005"
  EXPECT_EQ(histogram.snapshot().buckets[0], 0);       // le="0.001"
  EXPECT_EQ(counter.value(), 40'000);
}

TEST(StripedCounter, SumsWhatEveryThreadAddedOnItsOwnStripe) {
  StripedCounter counter;
  // More threads than stripes: threads share stripes, each stripe gets some.
  std::vector<std::thread> threads;
  for (int t = 0; t < 20; ++t) {
    threads.emplace_back([&counter, t] {
      for (int i = 0; i < 1'000; ++i) {
        counter.add(t + 1);
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(counter.value(), 1'000 * (20 * 21 / 2));
  counter.add();
  EXPECT_EQ(counter.value(), 1'000 * (20 * 21 / 2) + 1);
}

TEST(TextWriter, WritesTheExpositionFormat) {
  TextWriter out;
  out.counter("inereg_things_total", "Things done.", 3);
  out.gauge("inereg_level", "A level.", -2);
  out.header("inereg_labelled_total", "With \\ and\nnewline.", "counter");
  out.sample("inereg_labelled_total", {{"kind", "a\"b\\c"}, {"code", "2xx"}}, 7);
  HistogramSnapshot histogram{{0.5, 1}, {1, 2}, 1.25, 3};
  out.histogram("inereg_seconds", "Time.", histogram);
  EXPECT_EQ(out.text(),
            "# HELP inereg_things_total Things done.\n"
            "# TYPE inereg_things_total counter\n"
            "inereg_things_total 3\n"
            "# HELP inereg_level A level.\n"
            "# TYPE inereg_level gauge\n"
            "inereg_level -2\n"
            "# HELP inereg_labelled_total With \\\\ and\\nnewline.\n"
            "# TYPE inereg_labelled_total counter\n"
            "inereg_labelled_total{kind=\"a\\\"b\\\\c\",code=\"2xx\"} 7\n"
            "# HELP inereg_seconds Time.\n"
            "# TYPE inereg_seconds histogram\n"
            "inereg_seconds_bucket{le=\"0.5\"} 1\n"
            "inereg_seconds_bucket{le=\"1\"} 2\n"
            "inereg_seconds_bucket{le=\"+Inf\"} 3\n"
            "inereg_seconds_sum 1.25\n"
            "inereg_seconds_count 3\n");
}

}  // namespace
}  // namespace inereg::metrics

namespace inereg::app {
namespace {

// The queue depth's COUNT costs the database more as the queue grows: a cheap count is
// repeated after a second, a costly one only after a hundred times its own duration.
TEST(QueueDepthRefresh, AtMostOnceASecondAndOnePercentOfTheTime) {
  EXPECT_EQ(ServiceMetrics::next_queue_depth_read(10'000, 0), 11'000);
  EXPECT_EQ(ServiceMetrics::next_queue_depth_read(10'000, 3), 11'000);
  EXPECT_EQ(ServiceMetrics::next_queue_depth_read(10'000, 10), 11'000);
  EXPECT_EQ(ServiceMetrics::next_queue_depth_read(10'000, 45), 14'500);
}

TEST(QueueDepthRefresh, OneSlowCountLeavesTheGaugeStaleForAtMostFiveSeconds) {
  EXPECT_EQ(ServiceMetrics::next_queue_depth_read(10'000, 51), 15'000);
  EXPECT_EQ(ServiceMetrics::next_queue_depth_read(10'000, 400), 15'000);
}

}  // namespace
}  // namespace inereg::app
