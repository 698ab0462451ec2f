#include "registry/reference_upstream.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <thread>
#include <vector>

#include "ine/situation.hpp"
#include "registry/registry_file.hpp"
#include "registry/upstream_protocol.hpp"
#include "util/io_context.hpp"

namespace inereg::registry {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

bhttp::response<bhttp::string_body> json_response(bhttp::status status, std::string body, unsigned version,
                                                  bool keep_alive) {
  bhttp::response<bhttp::string_body> response{status, version};
  response.set(bhttp::field::server, "inereg-reference-upstream");
  response.set(bhttp::field::content_type, "application/json");
  response.keep_alive(keep_alive);
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

std::string error_body(std::string_view message) {
  return boost::json::serialize(boost::json::object{{"error", message}});
}

}  // namespace

Snapshot load_snapshot(std::istream& csv) {
  Snapshot snapshot;
  std::string line;
  std::int64_t number = 0;
  while (std::getline(csv, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (number == 1 && line == kRegistryCsvHeader) {
      continue;
    }
    if (line.empty()) {
      continue;
    }
    auto parsed = parse_registry_line(line);
    if (auto* problem = std::get_if<std::string>(&parsed)) {
      if (snapshot.bad_lines++ == 0) {
        snapshot.first_problem = "line " + std::to_string(number) + ": " + *problem;
      }
      continue;
    }
    const auto entry = to_registry_entry(std::get<RegistryRow>(parsed));
    snapshot.situations[entry.lookup_key] = entry.situation;
  }
  return snapshot;
}

struct ReferenceUpstream::Impl {
  Impl(ReferenceUpstreamOptions o, Snapshot s) : options(std::move(o)), snapshot(std::move(s)) {
    for (int i = 0; i < std::max(1, options.io_threads); ++i) {
      contexts.push_back(std::make_unique<asio::io_context>(1));
      util::with_reactor(*contexts.back());
    }
    acceptor.emplace(*contexts.front());
    signals.emplace(*contexts.front());
  }

  const ReferenceUpstreamOptions options;
  const Snapshot snapshot;  // read-only once serving: shared by all threads without a lock
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::signal_set> signals;
  std::size_t next_context = 0;

  // The answer to one request; `delay` applies only to well-formed lookups, as the
  // bench models a slow registry, not a slow error path.
  bhttp::response<bhttp::string_body> answer(const bhttp::request<bhttp::string_body>& request, bool& delayed) const {
    const bool keep_alive = request.keep_alive();
    const unsigned version = request.version();
    delayed = false;
    const std::string_view target(request.target().data(), request.target().size());
    if (target != options.path) {
      return json_response(bhttp::status::not_found, error_body("no such path"), version, keep_alive);
    }
    if (request.method() != bhttp::verb::post) {
      auto response = json_response(bhttp::status::method_not_allowed, error_body("POST only"), version, keep_alive);
      response.set(bhttp::field::allow, "POST");
      return response;
    }
    if (!options.token.empty() && request[bhttp::field::authorization] != "Bearer " + options.token) {
      return json_response(bhttp::status::unauthorized, error_body("missing or wrong token"), version, keep_alive);
    }
    const auto key = canonical_key_from_request(request.body());
    if (!key) {
      return json_response(bhttp::status::bad_request, error_body("not a lookup request"), version, keep_alive);
    }
    const auto it = snapshot.situations.find(*key);
    delayed = true;
    return json_response(bhttp::status::ok,
                         upstream_answer_body(it == snapshot.situations.end() ? ine::kSituationNotFound : it->second),
                         version, keep_alive);
  }

  asio::awaitable<void> serve(beast::tcp_stream stream) {
    beast::flat_buffer buffer;
    asio::steady_timer delay(stream.get_executor());
    for (;;) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(options.max_body_bytes);
      stream.expires_after(options.idle_timeout);
      auto [read_error, read] = co_await bhttp::async_read(stream, buffer, parser, kAwait);
      if (read_error) {
        if (read_error == bhttp::error::body_limit) {
          auto response = json_response(bhttp::status::payload_too_large, error_body("body too large"), 11, false);
          co_await bhttp::async_write(stream, response, kAwait);
        }
        break;
      }
      bool delayed = false;
      auto response = answer(parser.get(), delayed);
      if (delayed && options.delay.count() > 0) {
        stream.expires_never();
        delay.expires_after(options.delay);
        co_await delay.async_wait(kAwait);
      }
      stream.expires_after(options.idle_timeout);
      auto [write_error, written] = co_await bhttp::async_write(stream, response, kAwait);
      if (write_error || response.need_eof()) {
        break;
      }
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      asio::io_context& target = *contexts[next_context++ % contexts.size()];
      auto [error, socket] = co_await acceptor->async_accept(target, kAwait);
      if (error == asio::error::operation_aborted) {
        co_return;
      }
      if (error) {
        spdlog::warn("serve-upstream: accept failed: {}", error.message());
        asio::steady_timer pause(acceptor->get_executor(), std::chrono::milliseconds(50));
        co_await pause.async_wait(kAwait);
        continue;
      }
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      auto executor = socket.get_executor();
      asio::co_spawn(executor, serve(beast::tcp_stream(std::move(socket))), asio::detached);
    }
  }

  void stop_all() {
    for (auto& context : contexts) {
      context->stop();
    }
  }
};

ReferenceUpstream::ReferenceUpstream(ReferenceUpstreamOptions options, Snapshot snapshot)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(snapshot))) {}

ReferenceUpstream::~ReferenceUpstream() = default;

void ReferenceUpstream::listen() {
  const tcp::endpoint endpoint(asio::ip::make_address(impl_->options.host), impl_->options.port);
  impl_->acceptor->open(endpoint.protocol());
  impl_->acceptor->set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor->bind(endpoint);
  impl_->acceptor->listen(asio::socket_base::max_listen_connections);
}

std::uint16_t ReferenceUpstream::port() const {
  return impl_->acceptor->local_endpoint().port();
}

void ReferenceUpstream::run(bool handle_signals, const std::function<void()>& on_ready) {
  if (handle_signals) {
    impl_->signals->add(SIGINT);
    impl_->signals->add(SIGTERM);
    impl_->signals->async_wait([this](beast::error_code error, int) {
      if (!error) {
        impl_->stop_all();
      }
    });
  }
  asio::co_spawn(*impl_->contexts.front(), impl_->accept_loop(), asio::detached);
  if (on_ready) {
    on_ready();
  }
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl_->contexts.size(); ++i) {
    threads.emplace_back([this, i] {
      auto keep_running = asio::make_work_guard(*impl_->contexts[i]);
      impl_->contexts[i]->run();
    });
  }
  impl_->contexts.front()->run();
  for (auto& thread : threads) {
    thread.join();
  }
}

void ReferenceUpstream::stop() {
  asio::post(*impl_->contexts.front(), [this] { impl_->stop_all(); });
}

}  // namespace inereg::registry
