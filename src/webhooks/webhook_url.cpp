#include "webhooks/webhook_url.hpp"

#include <boost/url/parse.hpp>

namespace inereg::webhooks {
namespace {

ParsedWebhookUrl refuse(std::string error) {
  return ParsedWebhookUrl{std::nullopt, std::move(error)};
}

}  // namespace

ParsedWebhookUrl parse_webhook_url(std::string_view url) {
  // A copy: Boost.URL 1.81 views must not outlive (or read past) their text.
  const std::string text(url);
  const auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) {
    return refuse("not an absolute URL");
  }
  const auto& u = *parsed;
  WebhookTarget target;
  const std::string scheme(u.scheme());
  if (scheme == "https") {
    target.tls = true;
  } else if (scheme == "http") {
    target.tls = false;
  } else {
    return refuse("the URL must start with https://");
  }
  if (u.has_userinfo()) {
    return refuse("the URL must not carry a user name or password");
  }
  if (u.has_fragment()) {
    return refuse("the URL must not have a #fragment");
  }
  bool loopback = false;
  switch (u.host_type()) {
    case boost::urls::host_type::ipv4: {
      target.host = u.host_ipv4_address().to_string();
      loopback = (u.host_ipv4_address().to_uint() >> 24) == 127;
      target.host_header = target.host;
      break;
    }
    case boost::urls::host_type::ipv6:
      target.host = u.host_ipv6_address().to_string();
      loopback = u.host_ipv6_address().is_loopback();
      target.host_header = "[" + target.host + "]";
      break;
    case boost::urls::host_type::name:
      target.host = u.host_name();
      loopback = target.host == "localhost";
      target.host_header = target.host;
      break;
    default:
      return refuse("the URL must name a host");
  }
  if (target.host.empty()) {
    return refuse("the URL must name a host");
  }
  if (!target.tls && !loopback) {
    return refuse("webhook URLs must use https:// (http:// is accepted only for loopback hosts)");
  }
  if (u.has_port()) {
    target.port = std::string(u.port());
    if (target.port.empty()) {
      return refuse("the URL has an empty port");
    }
    target.host_header += ":" + target.port;
  } else {
    target.port = target.tls ? "443" : "80";
  }
  target.target = u.encoded_path().empty() ? "/" : std::string(u.encoded_path());
  if (u.has_query()) {
    target.target += '?';
    target.target += u.encoded_query();
  }
  return ParsedWebhookUrl{std::move(target), {}};
}

}  // namespace inereg::webhooks
