#include "webhooks/http_post.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace inereg::webhooks {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string describe(std::string_view step, const beast::error_code& error) {
  if (error == beast::error::timeout) {
    return std::string(step) + ": timeout";
  }
  return std::string(step) + ": " + error.message();
}

template <typename Stream>
asio::awaitable<PostOutcome> exchange(Stream& stream, const WebhookTarget& target, const std::string& body,
                                      const std::vector<std::pair<std::string, std::string>>& headers) {
  http::request<http::string_body> request{http::verb::post, target.target, 11};
  request.set(http::field::host, target.host_header);
  request.set(http::field::user_agent, "inereg-webhooks");
  request.set(http::field::content_type, "application/json");
  request.set(http::field::connection, "close");
  for (const auto& [name, value] : headers) {
    request.set(name, value);
  }
  request.body() = body;
  request.prepare_payload();
  auto [write_error, written] = co_await http::async_write(stream, request, asio::as_tuple(asio::use_awaitable));
  if (write_error) {
    co_return PostOutcome{std::nullopt, describe("write", write_error)};
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBytes);
  auto [read_error, read] = co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
  // The status line is what counts: a body over the limit, or a connection closed
  // before its end, does not undo an answer already given.
  if (parser.is_header_done()) {
    co_return PostOutcome{parser.get().result_int(), {}};
  }
  co_return PostOutcome{std::nullopt, describe("read", read_error)};
}

}  // namespace

asio::awaitable<PostOutcome> post_json(asio::ssl::context& tls, const WebhookTarget& target, const std::string& body,
                                       const std::vector<std::pair<std::string, std::string>>& headers,
                                       std::chrono::milliseconds timeout, const inereg::http::Resolver& resolver) {
  try {
    const auto executor = co_await asio::this_coro::executor;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const auto resolved = co_await inereg::http::resolve_by(resolver, target.host, target.port, deadline);
    if (resolved.error) {
      co_return PostOutcome{std::nullopt, describe("resolve", resolved.error)};
    }
    const auto& endpoints = resolved.endpoints;
    if (!target.tls) {
      beast::tcp_stream stream(executor);
      stream.expires_at(deadline);
      auto [connect_error, endpoint] = co_await stream.async_connect(endpoints, asio::as_tuple(asio::use_awaitable));
      if (connect_error) {
        co_return PostOutcome{std::nullopt, describe("connect", connect_error)};
      }
      auto outcome = co_await exchange(stream, target, body, headers);
      co_return outcome;
    }
    beast::ssl_stream<beast::tcp_stream> stream(executor, tls);
    // SNI, and the certificate must name the host (chain verification is set on `tls`).
    if (SSL_set_tlsext_host_name(stream.native_handle(), target.host.c_str()) != 1) {
      co_return PostOutcome{std::nullopt, "tls: cannot set the server name"};
    }
    stream.set_verify_mode(asio::ssl::verify_peer);
    stream.set_verify_callback(asio::ssl::host_name_verification(target.host));
    beast::get_lowest_layer(stream).expires_at(deadline);
    auto [connect_error, endpoint] =
        co_await beast::get_lowest_layer(stream).async_connect(endpoints, asio::as_tuple(asio::use_awaitable));
    if (connect_error) {
      co_return PostOutcome{std::nullopt, describe("connect", connect_error)};
    }
    auto [handshake_error] =
        co_await stream.async_handshake(asio::ssl::stream_base::client, asio::as_tuple(asio::use_awaitable));
    if (handshake_error) {
      co_return PostOutcome{std::nullopt, describe("tls handshake", handshake_error)};
    }
    auto outcome = co_await exchange(stream, target, body, headers);
    co_return outcome;
  } catch (const std::exception& e) {
    co_return PostOutcome{std::nullopt, std::string("post: ") + e.what()};
  }
}

}  // namespace inereg::webhooks
