#pragma once

#include <memory>

#include "registry/connector.hpp"
#include "registry/upstream_mapping.hpp"
#include "registry/upstream_options.hpp"

namespace inereg::registry {

// A source asking a registry upstream over HTTP/1.1 (or HTTPS, certificate and host
// name verified): one attempt per ask, for one lookup form, finished by the lookup's
// deadline. `mapping` says how the form becomes a request body and how a reply becomes
// a verdict; this class owns only HTTP: the event loops, a keep-alive connection pool
// per io thread, and the replies every vendor means alike — a transport error, a
// timeout, 408 or 5xx is Cause::kTransient, a 429 is Cause::kRateLimited carrying its
// Retry-After, a body over max_response_bytes is no verdict. Retries, breaker, gate and
// cap are layers above it (registry_builder.hpp).
//
// Thread-safe; never blocks the caller: the answer arrives on a source thread. stop()
// ends the event loops and answers the lookups still running ("connector stopped").
class HttpSource final : public RegistryConnector {
 public:
  // Uses url, auth_*, ca_file, io_threads, max_response_bytes, max_idle_connections,
  // answer_max_bytes (how much of a reply body LookupOutcome::answer keeps).
  // Throws std::invalid_argument for a URL that is not http(s)://host[:port][/path],
  // and boost::system::system_error for an unreadable CA file.
  HttpSource(const UpstreamOptions& options, std::unique_ptr<UpstreamMapping> mapping);
  ~HttpSource() override;
  HttpSource(const HttpSource&) = delete;
  HttpSource& operator=(const HttpSource&) = delete;

  void ask(const Lookup& lookup, Done done) override;
  void stop() override;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace inereg::registry
