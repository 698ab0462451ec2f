#include "admin/integrations.hpp"

#include <boost/url/parse.hpp>

#include <cctype>

namespace inereg::admin {

CreatedIntegration create_integration(store::Store& store, const auth::SecretBox& box, std::string_view name,
                                      store::TimeMs now, std::span<const std::string> cors_origins) {
  CreatedIntegration created{auth::random_uuid_v4(), std::string(name), auth::random_uuid_v4(), auth::random_uuid_v4()};
  store::Integration integration;
  integration.id = created.id;
  integration.name = created.name;
  integration.api_key = created.api_key;
  integration.active = true;
  integration.created_at = now;
  integration.cors_origins.assign(cors_origins.begin(), cors_origins.end());
  store.create_integration(integration, box.seal(created.shared_secret));
  return created;
}

std::optional<std::string> rotate_secret(store::Store& store, const auth::SecretBox& box,
                                         std::string_view integration_id, store::TimeMs now) {
  if (!store.find_integration(integration_id)) {
    return std::nullopt;
  }
  std::string secret = auth::random_uuid_v4();
  store.add_integration_secret(integration_id, box.seal(secret), now);
  return secret;
}

std::optional<std::string> normalize_cors_origin(std::string_view text) {
  const auto url = boost::urls::parse_absolute_uri(text);
  if (!url || url->has_userinfo() || url->has_query() || url->has_fragment() || url->encoded_host().empty() ||
      !(url->encoded_path().empty() || url->encoded_path() == "/")) {
    return std::nullopt;
  }
  const bool https = url->scheme_id() == boost::urls::scheme::https;
  if (!https && url->scheme_id() != boost::urls::scheme::http) {
    return std::nullopt;
  }
  std::string origin = https ? "https://" : "http://";
  for (const char c : url->encoded_host_and_port().substr(0, url->encoded_host().size())) {
    origin += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (url->has_port()) {
    // port_number() is 0 for an empty or out-of-range port.
    if (url->port_number() == 0) {
      return std::nullopt;
    }
    if (url->port_number() != (https ? 443 : 80)) {
      origin += ':';
      origin += std::to_string(url->port_number());
    }
  }
  return origin;
}

}  // namespace inereg::admin
