#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "http/resolver.hpp"

// The HTTP transport under the upstream connector: where to connect, and a keep-alive
// connection pool bound to one single-threaded io_context.
namespace inereg::registry {

// An upstream URL taken apart. `tls` for https.
struct UpstreamEndpoint {
  bool tls = false;
  std::string host;         // without brackets for IPv6
  std::string port;         // "80"/"443" when the URL has none
  std::string target;       // path and query, at least "/"
  std::string host_header;  // host[:port] as the Host header carries it

  // Throws std::invalid_argument naming what is wrong (never echoing credentials).
  static UpstreamEndpoint parse(const std::string& url);
};

// A TLS client context: peer verification on, against `ca_file` (PEM) or the system's
// trust store when empty. Throws boost::system::system_error if the file is unusable.
std::shared_ptr<boost::asio::ssl::context> make_client_tls_context(const std::string& ca_file);

using UpstreamRequest = boost::beast::http::request<boost::beast::http::string_body>;
using UpstreamResponse = boost::beast::http::response<boost::beast::http::string_body>;

struct ExchangeResult {
  boost::system::error_code error;  // transport error (timeout: boost::beast::error::timeout)
  UpstreamResponse response;        // valid without error
};

// Sends requests over pooled keep-alive connections. Lives on one io_context and is
// used only from coroutines running on it (single-threaded: no locks).
class UpstreamTransport {
 public:
  // `resolver` finds the endpoint's addresses (tests inject one; see http/resolver.hpp).
  UpstreamTransport(boost::asio::io_context& io, const UpstreamEndpoint& endpoint,
                    std::shared_ptr<boost::asio::ssl::context> tls, std::size_t max_response_bytes,
                    std::size_t max_idle_connections, http::Resolver resolver = http::system_resolver());
  ~UpstreamTransport();
  UpstreamTransport(const UpstreamTransport&) = delete;
  UpstreamTransport& operator=(const UpstreamTransport&) = delete;

  // One request/response exchange finished by `deadline`, name resolution included
  // (an unanswered lookup ends in boost::beast::error::timeout). Reuses an idle connection if
  // there is one; a reused connection the server had already closed (reset, EOF) is
  // replaced by a fresh one once, since lookups are idempotent. A connection goes back
  // to the pool only after a complete keep-alive exchange.
  boost::asio::awaitable<ExchangeResult> exchange(const UpstreamRequest& request,
                                                  std::chrono::steady_clock::time_point deadline);

  struct Connection;

 private:
  boost::asio::awaitable<ExchangeResult> connect(std::unique_ptr<Connection>& made,
                                                 std::chrono::steady_clock::time_point deadline);

  boost::asio::io_context& io_;
  const UpstreamEndpoint& endpoint_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  const std::size_t max_response_bytes_;
  const std::size_t max_idle_connections_;
  const http::Resolver resolver_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace inereg::registry
