#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <functional>
#include <string>

// Host names to addresses for inereg's outbound HTTP clients (the registry's HTTP
// sources, webhook delivery), within the deadline of the attempt that needs them.
namespace inereg::http {

struct Resolution {
  boost::system::error_code error;  // boost::beast::error::timeout: not answered by the deadline
  boost::asio::ip::tcp::resolver::results_type endpoints;
};

// Resolves `host` and `port` on the calling coroutine's executor. A parameter of the
// clients rather than a fixed call so that tests can stand in for a name server that
// never answers (the system resolver reads /etc/resolv.conf, which tests must not
// touch).
using Resolver = std::function<boost::asio::awaitable<Resolution>(std::string host, std::string port)>;

// The system's resolver: getaddrinfo, on Asio's resolver thread.
Resolver system_resolver();

// `resolver`'s answer if it comes by `deadline`; otherwise, at the deadline, a
// Resolution with boost::beast::error::timeout. getaddrinfo cannot be cancelled
// (Asio's resolver cancel() takes effect only once the call returns), so a lookup past
// the deadline is abandoned rather than cancelled: it runs on, and its answer is
// dropped. Until it returns it still counts as work of the caller's io_context, so a
// run() that drains may wait for it (at most the system resolver's own timeouts).
// `resolver` is taken by value: a coroutine's reference parameter would dangle once the
// caller's temporary is gone (ASan caught it). Precondition: the caller's executor is
// single-threaded (the registry lanes' and the webhook worker's io_contexts are).
boost::asio::awaitable<Resolution> resolve_by(Resolver resolver, std::string host, std::string port,
                                              std::chrono::steady_clock::time_point deadline);

}  // namespace inereg::http
