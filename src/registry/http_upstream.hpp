#pragma once

#include <memory>

#include "registry/connector.hpp"
#include "registry/upstream_options.hpp"

namespace inereg::registry {

// Asks a registry upstream over HTTP/1.1 (or HTTPS, certificate and host name verified)
// with the JSON mapping of docs/UPSTREAM.md. Runs on its own event-loop threads and
// never blocks the caller: lookup() admits or refuses the lookup at once and the
// answer arrives on a connector thread.
//
// Per lookup: the credential's forms are asked in order (a "not found" on one form
// tries the next); each form gets up to max_attempts attempts with full-jitter
// backoff, all within lookup_timeout_ms, each attempt within attempt_timeout_ms.
// Shared by all lookups: a keep-alive connection pool per io thread, a circuit breaker,
// the 429 gate (no call before the upstream's Retry-After) and the in-flight cap.
// Only a catalog answer is a verdict; every failure is kUnavailable.
//
// Thread-safe. Destruction stops the event loops; lookups still running are answered
// kUnavailable ("connector stopped").
class HttpUpstreamConnector final : public RegistryConnector {
 public:
  // Throws std::invalid_argument for a URL that is not http(s)://host[:port][/path],
  // and boost::system::system_error for an unreadable CA file.
  explicit HttpUpstreamConnector(UpstreamOptions options);
  ~HttpUpstreamConnector() override;
  HttpUpstreamConnector(const HttpUpstreamConnector&) = delete;
  HttpUpstreamConnector& operator=(const HttpUpstreamConnector&) = delete;

  void lookup(const ine::Credential& credential, Done done) override;
  ConnectorStats stats() const override;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace inereg::registry
