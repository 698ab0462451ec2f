#include "registry/http_upstream.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>

#include "ine/situation.hpp"
#include "registry/upstream_protocol.hpp"
#include "registry/upstream_transport.hpp"
#include "util/time.hpp"

namespace inereg::registry {
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr std::array kLatencyBoundsS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0};

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now().time_since_epoch()).count();
}

LookupOutcome unavailable(std::string reason, std::optional<std::int64_t> retry_after_ms = std::nullopt) {
  return LookupOutcome{LookupOutcome::Kind::kUnavailable, 0, std::move(reason), retry_after_ms};
}

LookupOutcome verdict(int situation) {
  return LookupOutcome{LookupOutcome::Kind::kVerdict, situation, {}, std::nullopt};
}

// What one HTTP attempt came to.
struct Attempt {
  enum class Kind {
    kAnswer,       // a catalog situation
    kRateLimited,  // 429: wait retry_after_ms before calling again
    kRetryable,    // transport error, timeout, 5xx: another attempt may succeed
    kFailed,       // the upstream answered, but not a verdict: retrying will not help
  };
  Kind kind = Kind::kRetryable;
  int situation = 0;
  std::int64_t retry_after_ms = 0;
  std::string reason;
};

bool is_json(std::string_view content_type) {
  constexpr std::string_view kJson = "application/json";
  if (content_type.size() < kJson.size()) {
    return false;
  }
  for (std::size_t i = 0; i < kJson.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(content_type[i])) != kJson[i]) {
      return false;
    }
  }
  return content_type.size() == kJson.size() || content_type[kJson.size()] == ';' || content_type[kJson.size()] == ' ';
}

}  // namespace

// One event-loop thread with its own io_context and connection pool: lookups are spread
// round-robin and stay on their lane, so the pool needs no lock.
struct Lane {
  Lane(const UpstreamEndpoint& endpoint, std::shared_ptr<asio::ssl::context> tls, const UpstreamOptions& options)
      : transport(io, endpoint, std::move(tls), options.max_response_bytes,
                  static_cast<std::size_t>(std::max(0, options.max_idle_connections))) {}
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  UpstreamTransport transport;
  std::thread thread;
};

struct HttpUpstreamConnector::Impl {
  Impl(UpstreamOptions o)
      : options(std::move(o)),
        endpoint(UpstreamEndpoint::parse(options.url)),
        tls(endpoint.tls ? make_client_tls_context(options.ca_file) : nullptr),
        breaker(options.breaker) {
    for (int i = 0; i < std::max(1, options.io_threads); ++i) {
      lanes.push_back(std::make_unique<Lane>(endpoint, tls, options));
    }
    for (auto& lane : lanes) {
      lane->thread = std::thread([&io = lane->io] { io.run(); });
    }
  }

  const UpstreamOptions options;
  const UpstreamEndpoint endpoint;
  const std::shared_ptr<asio::ssl::context> tls;
  CircuitBreaker breaker;
  std::atomic<std::int64_t> not_before_ms{0};  // the 429 gate, steady clock
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> next_lane{0};

  // Lookups admitted and not yet answered: finish() answers each exactly once, and
  // the destructor answers whatever the stopped event loops left.
  std::mutex pending_mutex;
  std::unordered_map<std::uint64_t, Done> pending;
  std::uint64_t next_id = 0;

  std::atomic<std::int64_t> in_flight{0};
  std::atomic<std::int64_t> requests{0};
  std::atomic<std::int64_t> failures{0};
  std::atomic<std::int64_t> rate_limited{0};
  std::atomic<std::int64_t> rejected_by_cap{0};
  std::array<std::atomic<std::int64_t>, kLatencyBoundsS.size() + 1> latency_counts{};  // last: +Inf
  std::atomic<std::int64_t> latency_sum_us{0};

  std::vector<std::unique_ptr<Lane>> lanes;  // last: destroyed first, with the coroutines they hold

  std::int64_t rate_limit_wait_ms() const { return std::max<std::int64_t>(0, not_before_ms.load() - steady_ms()); }

  void hold_off(std::int64_t wait_ms) {
    const std::int64_t until = steady_ms() + wait_ms;
    std::int64_t current = not_before_ms.load();
    while (current < until && !not_before_ms.compare_exchange_weak(current, until)) {
    }
  }

  void observe_latency(SteadyClock::duration elapsed) {
    const double seconds = std::chrono::duration<double>(elapsed).count();
    std::size_t bucket = 0;
    while (bucket < kLatencyBoundsS.size() && seconds > kLatencyBoundsS[bucket]) {
      ++bucket;
    }
    ++latency_counts[bucket];
    latency_sum_us += std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
  }

  void finish(std::uint64_t id, LookupOutcome outcome) {
    Done done;
    {
      std::lock_guard lock(pending_mutex);
      const auto it = pending.find(id);
      if (it == pending.end()) {
        return;
      }
      done = std::move(it->second);
      pending.erase(it);
    }
    --in_flight;
    done(std::move(outcome));
  }

  UpstreamRequest make_request(std::string body) const {
    UpstreamRequest request{bhttp::verb::post, endpoint.target, 11};
    request.set(bhttp::field::host, endpoint.host_header);
    request.set(bhttp::field::user_agent, "inereg");
    request.set(bhttp::field::content_type, "application/json");
    request.set(bhttp::field::accept, "application/json");
    if (!options.auth_value.empty()) {
      request.set(options.auth_header, options.auth_value);
    }
    request.keep_alive(true);
    request.body() = std::move(body);
    request.prepare_payload();
    return request;
  }

  Attempt classify(const ExchangeResult& exchange) const {
    if (exchange.error) {
      if (exchange.error == boost::beast::error::timeout) {
        return Attempt{Attempt::Kind::kRetryable, 0, 0, "the upstream did not answer within the attempt deadline"};
      }
      if (exchange.error == bhttp::error::body_limit) {
        return Attempt{Attempt::Kind::kFailed, 0, 0, "the upstream's answer exceeds registry.max_response_bytes"};
      }
      return Attempt{Attempt::Kind::kRetryable, 0, 0, "upstream connection failed: " + exchange.error.message()};
    }
    const auto& response = exchange.response;
    const int status = static_cast<int>(response.result_int());
    if (status == 429) {
      std::optional<std::int64_t> wait;
      if (const auto it = response.find(bhttp::field::retry_after); it != response.end()) {
        wait = parse_retry_after_ms(std::string_view(it->value().data(), it->value().size()), util::wall_clock_ms());
      }
      const std::int64_t wait_ms = std::min(wait.value_or(options.rate_limit_default_ms), options.rate_limit_max_ms);
      return Attempt{Attempt::Kind::kRateLimited, 0, wait_ms, "the upstream is rate limiting (429)"};
    }
    if (status >= 500 || status == 408) {
      return Attempt{Attempt::Kind::kRetryable, 0, 0, "the upstream answered HTTP " + std::to_string(status)};
    }
    if (status != 200) {
      return Attempt{Attempt::Kind::kFailed, 0, 0, "the upstream answered HTTP " + std::to_string(status)};
    }
    const auto content_type = response[bhttp::field::content_type];
    if (!is_json(std::string_view(content_type.data(), content_type.size()))) {
      return Attempt{Attempt::Kind::kFailed, 0, 0, "the upstream's answer is not application/json"};
    }
    const auto answer = parse_upstream_answer(response.body());
    if (!answer.situation) {
      return Attempt{Attempt::Kind::kFailed, 0, 0, answer.problem};
    }
    return Attempt{Attempt::Kind::kAnswer, *answer.situation, 0, {}};
  }

  asio::awaitable<Attempt> attempt_once(Lane& lane, const std::string& body, SteadyClock::time_point deadline) {
    ++requests;
    const auto started = SteadyClock::now();
    const auto request = make_request(body);
    const auto exchange = co_await lane.transport.exchange(request, deadline);
    observe_latency(SteadyClock::now() - started);
    auto attempt = classify(exchange);
    if (attempt.kind == Attempt::Kind::kRateLimited) {
      ++rate_limited;
    } else if (attempt.kind != Attempt::Kind::kAnswer) {
      ++failures;
    }
    co_return attempt;
  }

  // One lookup form: attempts with full-jitter backoff until an answer, a failure that
  // retrying cannot fix, the attempt budget or the lookup deadline.
  asio::awaitable<LookupOutcome> ask_form(Lane& lane, const ine::LookupKey& key, SteadyClock::time_point deadline) {
    const std::string body = upstream_request_body(key);
    thread_local std::mt19937_64 random{std::random_device{}()};
    std::string last_reason = "the lookup deadline passed before an attempt";
    for (int attempt_number = 1;; ++attempt_number) {
      if (SteadyClock::now() >= deadline) {
        break;
      }
      if (const auto wait = rate_limit_wait_ms(); wait > 0) {
        co_return unavailable("the upstream asked to wait (429 Retry-After)", wait);
      }
      const auto admission = breaker.admit(steady_ms());
      if (!admission.allowed) {
        co_return unavailable("the circuit breaker is open", admission.retry_after_ms);
      }
      const auto attempt_deadline =
          std::min(deadline, SteadyClock::now() + std::chrono::milliseconds(options.attempt_timeout_ms));
      const auto attempt = co_await attempt_once(lane, body, attempt_deadline);
      breaker.record(attempt.kind == Attempt::Kind::kAnswer        ? CircuitBreaker::Outcome::kSuccess
                     : attempt.kind == Attempt::Kind::kRateLimited ? CircuitBreaker::Outcome::kNeutral
                                                                   : CircuitBreaker::Outcome::kFailure,
                     admission.probe, steady_ms());
      switch (attempt.kind) {
        case Attempt::Kind::kAnswer:
          co_return verdict(attempt.situation);
        case Attempt::Kind::kRateLimited:
          hold_off(attempt.retry_after_ms);
          co_return unavailable(attempt.reason, attempt.retry_after_ms);
        case Attempt::Kind::kFailed:
          co_return unavailable(attempt.reason);
        case Attempt::Kind::kRetryable:
          last_reason = attempt.reason;
          break;
      }
      if (attempt_number >= options.max_attempts) {
        break;
      }
      const int exponent = std::min(attempt_number - 1, 30);
      const std::int64_t ceiling = std::min(options.backoff_max_ms, options.backoff_base_ms << exponent);
      std::uniform_int_distribution<std::int64_t> full_jitter(0, std::max<std::int64_t>(0, ceiling));
      const auto resume_at = SteadyClock::now() + std::chrono::milliseconds(full_jitter(random));
      if (resume_at >= deadline) {
        break;
      }
      asio::steady_timer backoff(lane.io, resume_at);
      co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    co_return unavailable(last_reason);
  }

  asio::awaitable<void> run_lookup(Lane& lane, std::vector<ine::LookupKey> keys, std::uint64_t id) {
    const auto deadline = SteadyClock::now() + std::chrono::milliseconds(options.lookup_timeout_ms);
    LookupOutcome outcome = verdict(ine::kSituationNotFound);
    for (const auto& key : keys) {
      outcome = co_await ask_form(lane, key, deadline);
      // Not found on this form may still be found on the next (ine::lookup_keys).
      if (outcome.kind != LookupOutcome::Kind::kVerdict || outcome.situation != ine::kSituationNotFound) {
        break;
      }
    }
    finish(id, std::move(outcome));
  }
};

HttpUpstreamConnector::HttpUpstreamConnector(UpstreamOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpUpstreamConnector::~HttpUpstreamConnector() {
  impl_->stopping = true;
  for (auto& lane : impl_->lanes) {
    lane->io.stop();
  }
  for (auto& lane : impl_->lanes) {
    lane->thread.join();
  }
  std::unordered_map<std::uint64_t, Done> left;
  {
    std::lock_guard lock(impl_->pending_mutex);
    left.swap(impl_->pending);
  }
  for (auto& [id, done] : left) {
    done(unavailable("connector stopped"));
  }
  impl_->lanes.clear();
}

void HttpUpstreamConnector::lookup(const ine::Credential& credential, Done done) {
  auto& impl = *impl_;
  auto keys = ine::lookup_keys(credential);
  if (keys.empty()) {
    done(unavailable("credential has no complete lookup form"));
    return;
  }
  if (impl.stopping) {
    done(unavailable("connector stopped"));
    return;
  }
  if (const auto wait = impl.rate_limit_wait_ms(); wait > 0) {
    done(unavailable("the upstream asked to wait (429 Retry-After)", wait));
    return;
  }
  if (const auto refusing = impl.breaker.refusing_for_ms(steady_ms()); refusing > 0) {
    done(unavailable("the circuit breaker is open", refusing));
    return;
  }
  if (++impl.in_flight > impl.options.max_in_flight) {
    --impl.in_flight;
    ++impl.rejected_by_cap;
    done(unavailable("too many registry lookups in flight (registry.max_in_flight)", impl.options.cap_retry_after_ms));
    return;
  }
  std::uint64_t id = 0;
  {
    std::lock_guard lock(impl.pending_mutex);
    id = impl.next_id++;
    impl.pending.emplace(id, std::move(done));
  }
  auto& lane = *impl.lanes[impl.next_lane++ % impl.lanes.size()];
  asio::co_spawn(lane.io, impl.run_lookup(lane, std::move(keys), id), asio::detached);
}

ConnectorStats HttpUpstreamConnector::stats() const {
  const auto& impl = *impl_;
  ConnectorStats stats;
  stats.in_flight = impl.in_flight.load();
  stats.requests = impl.requests.load();
  stats.failures = impl.failures.load();
  stats.rate_limited = impl.rate_limited.load();
  stats.rejected_by_cap = impl.rejected_by_cap.load();
  stats.breaker_state = static_cast<int>(impl.breaker.state(steady_ms()));
  std::int64_t cumulative = 0;
  for (std::size_t i = 0; i < kLatencyBoundsS.size(); ++i) {
    cumulative += impl.latency_counts[i].load();
    stats.latency_bounds_s.push_back(kLatencyBoundsS[i]);
    stats.latency_buckets.push_back(cumulative);
  }
  stats.latency_count = cumulative + impl.latency_counts.back().load();
  stats.latency_sum_s = static_cast<double>(impl.latency_sum_us.load()) / 1e6;
  return stats;
}

}  // namespace inereg::registry
