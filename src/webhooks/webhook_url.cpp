#include "webhooks/webhook_url.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <string>

namespace inereg::webhooks {
namespace {

ParsedWebhookUrl refuse(std::string error) {
  return ParsedWebhookUrl{std::nullopt, std::move(error)};
}

// A DNS name as it may go into the Host header: letters, digits, '-', '_' and '.'
// only. Boost.URL's host_name() is percent-decoded, so without this check
// "https://a%0d%0aX:%20y/" would put a line break into the request's headers (found by
// tests/fuzz/webhook_url_fuzz.cpp).
bool plain_host_name(std::string_view host) {
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
  });
}

// 1–65535 in decimal digits.
bool valid_port(std::string_view port) {
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  const int value = std::stoi(std::string(port));
  return value >= 1 && value <= 65535;
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
      if (!plain_host_name(target.host)) {
        return refuse("the URL's host must be a plain DNS name or an IP address");
      }
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
    if (!valid_port(target.port)) {
      return refuse("the URL's port must be a number from 1 to 65535");
    }
    target.host_header += ":" + target.port;
  } else {
    target.port = target.tls ? "443" : "80";
  }
  // After an authority the path is empty or starts with '/' (RFC 3986 §3.3). Boost.URL
  // 1.81 reads "https://127.0.0.1.example.com/" as the IPv4 host 127.0.0.1 and the path
  // ".example.com/": refused rather than delivered to another host than the URL names
  // (found by tests/fuzz/webhook_url_fuzz.cpp).
  if (!u.encoded_path().empty() && !u.encoded_path().starts_with('/')) {
    return refuse("the URL's host is not a valid name or address");
  }
  target.target = u.encoded_path().empty() ? "/" : std::string(u.encoded_path());
  if (u.has_query()) {
    target.target += '?';
    target.target += u.encoded_query();
  }
  return ParsedWebhookUrl{std::move(target), {}};
}

}  // namespace inereg::webhooks
