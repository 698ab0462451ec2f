// Fuzz target of the webhook URL parser (webhooks/webhook_url.hpp): the input as an
// integration's callback URL.
//
// Properties, besides "no crash, no sanitizer report": a URL is either a target or
// an error; plain http only to a loopback host; the host, Host header and request
// target carry no byte that could end or split an HTTP header line (no CR, LF, NUL,
// space or other control), the port is a number in 1–65535 and the target starts
// with '/'.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "require.hpp"
#include "webhooks/webhook_url.hpp"

namespace {

using inereg::fuzz::require;

bool header_safe(std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) {
      return false;
    }
  }
  return true;
}

bool valid_port(std::string_view port) {
  if (port.empty() || port.size() > 5) {
    return false;
  }
  int value = 0;
  for (const char c : port) {
    if (c < '0' || c > '9') {
      return false;
    }
    value = value * 10 + (c - '0');
  }
  return value >= 1 && value <= 65535;
}

bool loopback(std::string_view host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view url(reinterpret_cast<const char*>(data), size);
  const auto parsed = inereg::webhooks::parse_webhook_url(url);
  require(parsed.target.has_value() == parsed.error.empty());
  if (!parsed.target) {
    return 0;
  }
  const auto& target = *parsed.target;
  require(!target.host.empty() && header_safe(target.host) && header_safe(target.host_header));
  require(header_safe(target.target) && target.target.starts_with('/'));
  require(valid_port(target.port));
  require(target.tls || loopback(target.host));
  return 0;
}
