#include "registry/http_source.hpp"

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "registry/forms_in_turn.hpp"
#include "registry/upstream_protocol.hpp"  // parse_retry_after_ms
#include "registry/upstream_transport.hpp"
#include "util/io_context.hpp"
#include "util/time.hpp"

namespace inereg::registry {
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using Cause = LookupOutcome::Cause;

// One event-loop thread with its own io_context and connection pool: lookups are spread
// round-robin and stay on their lane, so the pool needs no lock.
struct Lane {
  Lane(const UpstreamEndpoint& endpoint, std::shared_ptr<asio::ssl::context> tls, const UpstreamOptions& options,
       int lanes)
      : transport(util::with_reactor(io), endpoint, std::move(tls), options.max_response_bytes,
                  idle_connections_per_thread(options, lanes)) {}
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  UpstreamTransport transport;
  std::thread thread;
};

struct HttpSource::Impl {
  Impl(const UpstreamOptions& options, std::unique_ptr<UpstreamMapping> m)
      : mapping(std::move(m)),
        endpoint(UpstreamEndpoint::parse(options.url)),
        tls(endpoint.tls ? make_client_tls_context(options.ca_file) : nullptr),
        auth_header(options.auth_header),
        auth_value(options.auth_value),
        answer_max_bytes(options.answer_max_bytes) {
    const int lane_count = std::max(1, options.io_threads);
    for (int i = 0; i < lane_count; ++i) {
      lanes.push_back(std::make_unique<Lane>(endpoint, tls, options, lane_count));
    }
    for (auto& lane : lanes) {
      lane->thread = std::thread([&io = lane->io] { io.run(); });
    }
  }

  const std::unique_ptr<UpstreamMapping> mapping;
  const UpstreamEndpoint endpoint;
  const std::shared_ptr<asio::ssl::context> tls;
  const std::string auth_header;
  const std::string auth_value;  // secret: never logged
  const std::size_t answer_max_bytes;
  std::atomic<std::size_t> next_lane{0};

  // Lookups asked and not yet answered: finish() answers each exactly once, and stop()
  // answers whatever the stopped event loops left.
  std::mutex pending_mutex;
  std::unordered_map<std::uint64_t, Done> pending;
  std::uint64_t next_id = 0;
  bool stopped = false;  // under pending_mutex

  std::vector<std::unique_ptr<Lane>> lanes;  // last: destroyed first, with the coroutines they hold

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
    done(std::move(outcome));
  }

  UpstreamRequest make_request(const ine::LookupKey& form) const {
    UpstreamRequest request{bhttp::verb::post, endpoint.target, 11};
    request.set(bhttp::field::host, endpoint.host_header);
    request.set(bhttp::field::user_agent, "inereg");
    request.set(bhttp::field::content_type, "application/json");
    request.set(bhttp::field::accept, "application/json");
    if (!auth_value.empty()) {
      request.set(auth_header, auth_value);
    }
    request.keep_alive(true);
    request.body() = mapping->request_body(form);
    request.prepare_payload();
    return request;
  }

  LookupOutcome classify(const ExchangeResult& exchange) const {
    if (exchange.error) {
      if (exchange.error == boost::beast::error::timeout) {
        return LookupOutcome::unavailable(Cause::kTransient, "the upstream did not answer within the attempt deadline");
      }
      if (exchange.error == bhttp::error::body_limit) {
        return LookupOutcome::unavailable(Cause::kNoVerdict,
                                          "the upstream's answer exceeds registry.max_response_bytes");
      }
      return LookupOutcome::unavailable(Cause::kTransient, "upstream connection failed: " + exchange.error.message());
    }
    const auto& response = exchange.response;
    const int status = static_cast<int>(response.result_int());
    if (status == 429) {
      std::optional<std::int64_t> retry_after;
      if (const auto it = response.find(bhttp::field::retry_after); it != response.end()) {
        retry_after =
            parse_retry_after_ms(std::string_view(it->value().data(), it->value().size()), util::wall_clock_ms());
      }
      return LookupOutcome::unavailable(Cause::kRateLimited, "the upstream is rate limiting (429)", retry_after);
    }
    if (status >= 500 || status == 408) {
      return LookupOutcome::unavailable(Cause::kTransient, "the upstream answered HTTP " + std::to_string(status));
    }
    const auto content_type = response[bhttp::field::content_type];
    auto outcome = mapping->read_reply(
        UpstreamReply{status, std::string_view(content_type.data(), content_type.size()), response.body()});
    outcome.answer = response.body().substr(0, answer_max_bytes);
    outcome.answered_at_ms = util::wall_clock_ms();
    return outcome;
  }

  asio::awaitable<void> attempt(Lane& lane, UpstreamRequest request, Deadline deadline, std::uint64_t id) {
    const auto exchange = co_await lane.transport.exchange(request, deadline);
    finish(id, classify(exchange));
  }
};

HttpSource::HttpSource(const UpstreamOptions& options, std::unique_ptr<UpstreamMapping> mapping)
    : impl_(std::make_unique<Impl>(options, std::move(mapping))) {}

HttpSource::~HttpSource() {
  stop();
}

void HttpSource::stop() {
  auto& impl = *impl_;
  {
    std::lock_guard lock(impl.pending_mutex);
    if (impl.stopped) {
      return;
    }
    impl.stopped = true;
  }
  for (auto& lane : impl.lanes) {
    lane->io.stop();
  }
  for (auto& lane : impl.lanes) {
    lane->thread.join();
  }
  std::unordered_map<std::uint64_t, Done> left;
  {
    std::lock_guard lock(impl.pending_mutex);
    left.swap(impl.pending);
  }
  for (auto& [id, done] : left) {
    done(LookupOutcome::unavailable(Cause::kRefused, "connector stopped"));
  }
}

void HttpSource::ask(const Lookup& lookup, Done done) {
  auto& impl = *impl_;
  auto request = impl.make_request(single_form(lookup));
  std::uint64_t id = 0;
  {
    std::unique_lock lock(impl.pending_mutex);
    if (impl.stopped) {
      lock.unlock();
      done(LookupOutcome::unavailable(Cause::kRefused, "connector stopped"));
      return;
    }
    id = impl.next_id++;
    impl.pending.emplace(id, std::move(done));
  }
  auto& lane = *impl.lanes[impl.next_lane++ % impl.lanes.size()];
  asio::co_spawn(lane.io, impl.attempt(lane, std::move(request), lookup.deadline, id), asio::detached);
}

}  // namespace inereg::registry
