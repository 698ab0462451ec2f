#include <openssl/crypto.h>

#include <boost/asio/ip/address.hpp>

#include "api/api.hpp"
#include "api/errors.hpp"
#include "metrics/metrics.hpp"

namespace inereg::api {
namespace {

// True for 127.0.0.0/8, ::1 and their IPv4-mapped form.
bool is_loopback(std::string_view address) {
  boost::system::error_code ec;
  const auto parsed = boost::asio::ip::make_address(address, ec);
  if (ec) {
    return false;
  }
  if (parsed.is_v6() && parsed.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, parsed.to_v6()).is_loopback();
  }
  return parsed.is_loopback();
}

bool bearer_matches(const std::optional<std::string_view>& authorization, std::string_view token) {
  constexpr std::string_view kScheme = "Bearer ";
  if (!authorization || !authorization->starts_with(kScheme)) {
    return false;
  }
  const std::string_view sent = authorization->substr(kScheme.size());
  return sent.size() == token.size() && CRYPTO_memcmp(sent.data(), token.data(), token.size()) == 0;
}

}  // namespace

// Operators' page, not the API's: it carries counts only (no session ids, no personal
// data) but says how busy the service is and how its upstream fares, so it is not
// public on the API port. With metrics.token set it needs that bearer token; without,
// only a scraper on this host (a loopback client) is answered. Off (404, the same
// answer as any unknown path) when the operator disabled it; a client that may not see
// it gets that 404 too, unless it sent a wrong token (401).
ApiResponse Api::metrics_response(const ApiRequest& request) const {
  if (!options_.metrics_page) {
    return error_response(ErrorKind::kNotFound);
  }
  if (!options_.metrics_token.empty()) {
    if (!bearer_matches(request.authorization, options_.metrics_token)) {
      ApiResponse refusal = error_response(ErrorKind::kAuthenticationFailed);
      refusal.headers.emplace_back("WWW-Authenticate", "Bearer");
      return refusal;
    }
  } else if (!is_loopback(request.client_address)) {
    return error_response(ErrorKind::kNotFound);
  }
  ApiResponse response(200, options_.metrics_page());
  response.content_type = metrics::kContentType;
  return response;
}

}  // namespace inereg::api
