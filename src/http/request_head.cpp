#include "http/request_head.hpp"

#include <boost/beast/core/string.hpp>

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

namespace inereg::http {
namespace bhttp = boost::beast::http;

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
  // One pass over the fields instead of a lookup per name (this runs on every
  // request); the first field of a name counts, as with a lookup.
  const std::array<std::pair<std::string_view, std::optional<std::string_view>*>, 6> wanted = {{
      {"X-AUTH-CLIENT", &exchange.auth_client},
      {"X-HMAC-SIGNATURE", &exchange.hmac_signature},
      {"X-SIGNATURE", &exchange.legacy_signature},
      {"vrf-integration-id", &exchange.integration_id},
      {"Origin", &exchange.origin},
      {"Authorization", &exchange.authorization},
  }};
  for (const auto& field : request) {
    const std::string_view name(field.name_string().data(), field.name_string().size());
    for (const auto& [wanted_name, slot] : wanted) {
      if (!*slot && boost::beast::iequals(name, wanted_name)) {
        *slot = std::string_view(field.value().data(), field.value().size());
        break;
      }
    }
  }
  exchange.client_address = peer_address;
  return exchange;
}

}  // namespace inereg::http
