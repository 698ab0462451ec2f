#include "metrics/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace inereg::metrics {

std::int64_t StripedCounter::value() const {
  std::int64_t sum = 0;
  for (const auto& stripe : stripes_) {
    sum += stripe.value.load(std::memory_order_relaxed);
  }
  return sum;
}

std::size_t StripedCounter::this_thread_stripe() {
  static std::atomic<std::size_t> next{0};
  thread_local const std::size_t stripe = next.fetch_add(1, std::memory_order_relaxed) % kStripes;
  return stripe;
}

namespace {

std::string format_number(double value) {
  if (std::isinf(value)) {
    return value > 0 ? "+Inf" : "-Inf";
  }
  return fmt::format("{}", value);
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<std::int64_t>[bounds_.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    counts_[i].store(0, std::memory_order_relaxed);
  }
}

void Histogram::observe(double value) {
  const auto bucket =
      static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(std::llround(value * 1e6), std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

HistogramSnapshot Histogram::snapshot() const {
  HistogramSnapshot snapshot;
  snapshot.bounds = bounds_;
  std::int64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    snapshot.buckets.push_back(cumulative);
  }
  // The +Inf bucket is the count; read it as the sum of all buckets so that the text
  // is self-consistent (le="+Inf" == _count) even while observations land.
  snapshot.count = cumulative + counts_[bounds_.size()].load(std::memory_order_relaxed);
  snapshot.sum = static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6;
  return snapshot;
}

std::vector<double> latency_buckets_seconds() {
  return {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5, 10, 30};
}

void TextWriter::header(std::string_view name, std::string_view help, std::string_view type) {
  fmt::format_to(std::back_inserter(out_), "# HELP {} ", name);
  for (const char c : help) {  // HELP text escapes backslash and newline
    if (c == '\\') {
      out_ += "\\\\";
    } else if (c == '\n') {
      out_ += "\\n";
    } else {
      out_ += c;
    }
  }
  fmt::format_to(std::back_inserter(out_), "\n# TYPE {} {}\n", name, type);
}

void TextWriter::sample_line(std::string_view name, const Labels& labels, std::string_view value) {
  out_ += name;
  if (!labels.empty()) {
    out_ += '{';
    bool first = true;
    for (const auto& [label, label_value] : labels) {
      if (!first) {
        out_ += ',';
      }
      first = false;
      out_ += label;
      out_ += "=\"";
      for (const char c : label_value) {
        if (c == '\\' || c == '"') {
          out_ += '\\';
          out_ += c;
        } else if (c == '\n') {
          out_ += "\\n";
        } else {
          out_ += c;
        }
      }
      out_ += '"';
    }
    out_ += '}';
  }
  out_ += ' ';
  out_ += value;
  out_ += '\n';
}

void TextWriter::sample(std::string_view name, const Labels& labels, std::int64_t value) {
  sample_line(name, labels, std::to_string(value));
}

void TextWriter::counter(std::string_view name, std::string_view help, std::int64_t value) {
  header(name, help, "counter");
  sample(name, {}, value);
}

void TextWriter::gauge(std::string_view name, std::string_view help, std::int64_t value) {
  header(name, help, "gauge");
  sample(name, {}, value);
}

void TextWriter::histogram(std::string_view name, std::string_view help, const HistogramSnapshot& histogram) {
  header(name, help, "histogram");
  const std::string bucket_name = std::string(name) + "_bucket";
  for (std::size_t i = 0; i < histogram.bounds.size() && i < histogram.buckets.size(); ++i) {
    const std::string bound = format_number(histogram.bounds[i]);
    sample_line(bucket_name, {{"le", bound}}, std::to_string(histogram.buckets[i]));
  }
  sample_line(bucket_name, {{"le", "+Inf"}}, std::to_string(histogram.count));
  sample_line(std::string(name) + "_sum", {}, format_number(histogram.sum));
  sample_line(std::string(name) + "_count", {}, std::to_string(histogram.count));
}

}  // namespace inereg::metrics
