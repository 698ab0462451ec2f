#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace inereg::webhooks {

// Where a webhook goes, parsed once from the integration's URL.
struct WebhookTarget {
  bool tls = true;
  std::string host;         // for resolving and SNI: a name or an IP, IPv6 without brackets
  std::string port;         // "443" / "80" when the URL names none
  std::string host_header;  // Host: host[:port], IPv6 in brackets
  std::string target;       // path and query, at least "/"
};

struct ParsedWebhookUrl {
  std::optional<WebhookTarget> target;
  std::string error;  // why the URL is refused, when target is empty
};

// Accepts https:// URLs, and http:// only for loopback hosts (localhost, 127.0.0.0/8,
// ::1: tests and demos on one machine). No user:password, no fragment.
ParsedWebhookUrl parse_webhook_url(std::string_view url);

}  // namespace inereg::webhooks
