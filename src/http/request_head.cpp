#include "http/request_head.hpp"

#include <boost/beast/core/string.hpp>

#include <algorithm>
#include <optional>

namespace inereg::http {
namespace bhttp = boost::beast::http;

namespace {

std::optional<std::string_view> header(const BeastRequest& request, std::string_view name) {
  const auto it = request.find(name);
  if (it == request.end()) {
    return std::nullopt;
  }
  return std::string_view(it->value().data(), it->value().size());
}

}  // namespace

bool acceptable_transfer_encoding(const BeastRequest& request) {
  const auto count = request.count(bhttp::field::transfer_encoding);
  if (count == 0) {
    return true;
  }
  if (count > 1) {
    return false;
  }
  const auto value = request[bhttp::field::transfer_encoding];
  return boost::beast::iequals(std::string_view(value.data(), value.size()), "chunked");
}

std::string_view routed_method(const BeastRequest& request) {
  if (request.method() == bhttp::verb::head) {
    return "GET";
  }
  return {request.method_string().data(), request.method_string().size()};
}

std::size_t body_limit(const ServerSettings& settings, const Routing& routing) {
  return std::max(settings.max_body_bytes, routing.max_body_bytes);
}

Request exchange_of(const BeastRequest& request, std::string_view peer_address) {
  const std::string_view target(request.target().data(), request.target().size());
  const std::size_t question = target.find('?');
  Request exchange;
  exchange.method = routed_method(request);
  exchange.path = target.substr(0, question);
  exchange.query = question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  exchange.body = request.body();
  exchange.auth_client = header(request, "X-AUTH-CLIENT");
  exchange.hmac_signature = header(request, "X-HMAC-SIGNATURE");
  exchange.legacy_signature = header(request, "X-SIGNATURE");
  exchange.integration_id = header(request, "vrf-integration-id");
  exchange.origin = header(request, "Origin");
  exchange.authorization = header(request, "Authorization");
  exchange.client_address = peer_address;
  return exchange;
}

}  // namespace inereg::http
