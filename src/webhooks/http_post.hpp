#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include "http/resolver.hpp"
#include "webhooks/webhook_url.hpp"

namespace inereg::webhooks {

// What one POST came to: the receiver's HTTP status, or why there is none.
struct PostOutcome {
  std::optional<int> status;
  std::string error;  // transport error ("connect: Connection refused", "timeout", …); "" with a status
};

// At most this much of a receiver's answer is read; the body is ignored.
inline constexpr std::size_t kMaxResponseBytes = std::size_t{16} * 1024;

// POSTs `body` as application/json to `target` with `headers`, on the calling
// coroutine's executor; a new connection each time (deliveries are spread over many
// receivers, and the attempt must not depend on an earlier one). https verifies the
// certificate chain against `tls` (verification on) and the host name, with SNI.
// Name resolution (by `resolver`), connect, handshake, write and read share one
// deadline `timeout` from the start. Never throws.
boost::asio::awaitable<PostOutcome> post_json(boost::asio::ssl::context& tls, const WebhookTarget& target,
                                              const std::string& body,
                                              const std::vector<std::pair<std::string, std::string>>& headers,
                                              std::chrono::milliseconds timeout, const http::Resolver& resolver);

}  // namespace inereg::webhooks
