#include "registry/upstream_transport.hpp"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <optional>
#include <stdexcept>

namespace inereg::registry {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
constexpr std::uint32_t kMaxResponseHeaderBytes = 16 * 1024;

bool is_ip_literal(const std::string& host) {
  boost::system::error_code error;
  asio::ip::make_address(host, error);
  return !error;
}

// Errors meaning the server closed a kept-alive connection before answering: the
// request was not processed, so it may be sent again on a new connection.
bool is_stale_connection(const boost::system::error_code& error) {
  return error == bhttp::error::end_of_stream || error == asio::error::eof || error == asio::error::connection_reset ||
         error == asio::error::broken_pipe || error == ssl::error::stream_truncated;
}

}  // namespace

UpstreamEndpoint UpstreamEndpoint::parse(const std::string& url) {
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed) {
    throw std::invalid_argument("registry.url is not a valid URL");
  }
  UpstreamEndpoint endpoint;
  const auto scheme = parsed->scheme();
  if (scheme == "https") {
    endpoint.tls = true;
  } else if (scheme != "http") {
    throw std::invalid_argument("registry.url must start with http:// or https://");
  }
  if (parsed->has_userinfo()) {
    throw std::invalid_argument("registry.url must not carry credentials; use registry.auth_value");
  }
  endpoint.host = parsed->host_address();
  if (endpoint.host.empty()) {
    throw std::invalid_argument("registry.url has no host");
  }
  endpoint.port = parsed->has_port() ? std::string(parsed->port()) : (endpoint.tls ? "443" : "80");
  endpoint.target = std::string(parsed->encoded_path());
  if (endpoint.target.empty()) {
    endpoint.target = "/";
  }
  if (parsed->has_query()) {
    endpoint.target += "?" + std::string(parsed->encoded_query());
  }
  endpoint.host_header = std::string(parsed->encoded_host_and_port());
  return endpoint;
}

std::shared_ptr<ssl::context> make_client_tls_context(const std::string& ca_file) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  context->set_verify_mode(ssl::verify_peer);
  if (ca_file.empty()) {
    context->set_default_verify_paths();
  } else {
    context->load_verify_file(ca_file);
  }
  return context;
}

// One upstream connection, plain or TLS, with the read buffer its keep-alive
// exchanges share.
struct UpstreamTransport::Connection {
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;

  beast::tcp_stream& tcp() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
};

namespace {

template <typename Stream>
asio::awaitable<ExchangeResult> send_and_read(Stream& stream, beast::flat_buffer& buffer,
                                              const UpstreamRequest& request, std::size_t max_response_bytes) {
  ExchangeResult result;
  auto [write_error, written] = co_await bhttp::async_write(stream, request, kAwait);
  if (write_error) {
    result.error = write_error;
    co_return result;
  }
  bhttp::response_parser<bhttp::string_body> parser;
  parser.header_limit(kMaxResponseHeaderBytes);
  parser.body_limit(max_response_bytes);
  auto [read_error, read] = co_await bhttp::async_read(stream, buffer, parser, kAwait);
  if (read_error) {
    result.error = read_error;
    co_return result;
  }
  result.response = parser.release();
  co_return result;
}

}  // namespace

UpstreamTransport::UpstreamTransport(asio::io_context& io, const UpstreamEndpoint& endpoint,
                                     std::shared_ptr<ssl::context> tls, std::size_t max_response_bytes,
                                     std::size_t max_idle_connections, http::Resolver resolver)
    : io_(io),
      endpoint_(endpoint),
      tls_(std::move(tls)),
      max_response_bytes_(max_response_bytes),
      max_idle_connections_(max_idle_connections),
      resolver_(std::move(resolver)) {}

UpstreamTransport::~UpstreamTransport() = default;

asio::awaitable<ExchangeResult> UpstreamTransport::connect(std::unique_ptr<Connection>& made,
                                                           std::chrono::steady_clock::time_point deadline) {
  ExchangeResult result;
  // An IP literal resolves at once; a name within the exchange's deadline.
  auto resolved = co_await http::resolve_by(resolver_, endpoint_.host, endpoint_.port, deadline);
  if (resolved.error) {
    result.error = resolved.error;
    co_return result;
  }
  auto connection = std::make_unique<Connection>();
  if (endpoint_.tls) {
    connection->secure.emplace(io_, *tls_);
  } else {
    connection->plain.emplace(io_);
  }
  connection->tcp().expires_at(deadline);
  auto [connect_error, connected] = co_await connection->tcp().async_connect(resolved.endpoints, kAwait);
  if (connect_error) {
    result.error = connect_error;
    co_return result;
  }
  boost::system::error_code ignored;
  connection->tcp().socket().set_option(tcp::no_delay(true), ignored);
  if (endpoint_.tls) {
    // SNI names a host, never an IP address (RFC 6066 §3); the certificate is checked
    // against the host name or IP address either way.
    if (!is_ip_literal(endpoint_.host) &&
        SSL_set_tlsext_host_name(connection->secure->native_handle(), endpoint_.host.c_str()) != 1) {
      result.error = boost::system::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
      co_return result;
    }
    connection->secure->set_verify_callback(ssl::host_name_verification(endpoint_.host));
    auto [handshake_error] = co_await connection->secure->async_handshake(ssl::stream_base::client, kAwait);
    if (handshake_error) {
      result.error = handshake_error;
      co_return result;
    }
  }
  made = std::move(connection);
  co_return result;
}

asio::awaitable<ExchangeResult> UpstreamTransport::exchange(const UpstreamRequest& request,
                                                            std::chrono::steady_clock::time_point deadline) {
  std::unique_ptr<Connection> connection;
  bool reused = false;
  if (!idle_.empty()) {
    connection = std::move(idle_.back());
    idle_.pop_back();
    reused = true;
  }
  for (;;) {
    if (!connection) {
      auto connected = co_await connect(connection, deadline);
      if (connected.error) {
        co_return connected;
      }
    }
    connection->tcp().expires_at(deadline);
    ExchangeResult result;
    if (connection->secure) {
      result = co_await send_and_read(*connection->secure, connection->buffer, request, max_response_bytes_);
    } else {
      result = co_await send_and_read(*connection->plain, connection->buffer, request, max_response_bytes_);
    }
    if (result.error && reused && is_stale_connection(result.error)) {
      connection.reset();
      reused = false;
      continue;
    }
    if (!result.error && result.response.keep_alive() && idle_.size() < max_idle_connections_) {
      connection->tcp().expires_never();
      idle_.push_back(std::move(connection));
    }
    co_return result;
  }
}

}  // namespace inereg::registry
