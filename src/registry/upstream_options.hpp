#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "registry/circuit_breaker.hpp"

namespace inereg::registry {

// How the HTTP upstream connector reaches and protects a registry upstream (the
// `registry.*` config keys, docs/DEPLOYMENT.md). Immutable once built.
struct UpstreamOptions {
  std::string url;                            // http(s)://host[:port]/path the lookups are POSTed to
  std::string auth_header = "Authorization";  // header carrying the credential below
  std::string auth_value;                     // e.g. "Bearer …" or an API key; secret: never logged
  std::string ca_file;                        // PEM CA bundle for https; empty = the system's
  int io_threads = 1;                         // event-loop threads of the connector
  std::int64_t attempt_timeout_ms = 5'000;    // one HTTP exchange (connect + TLS + request + answer)
  std::int64_t lookup_timeout_ms = 15'000;    // a whole lookup: every form, attempt and backoff
  int max_attempts = 3;                       // per lookup form, first try included
  std::int64_t backoff_base_ms = 200;         // full jitter: sleep uniform(0, min(max, base·2^n))
  std::int64_t backoff_max_ms = 2'000;
  CircuitBreakerOptions breaker;
  int max_in_flight = 256;                     // lookups running at once; more are refused (rejected_by_cap)
  std::int64_t cap_retry_after_ms = 250;       // the retry hint a refused lookup carries
  std::int64_t rate_limit_default_ms = 1'000;  // a 429 without a usable Retry-After
  std::int64_t rate_limit_max_ms = 3'600'000;  // a longer Retry-After is capped to this
  std::size_t max_response_bytes = std::size_t{64} * 1024;  // a bigger answer is not a verdict
  int max_idle_connections = 64;                            // keep-alive connections kept per io thread
};

// Which connector the service asks (`registry.kind`), and the optional result cache.
struct RegistryOptions {
  std::string kind = "local";  // "local" (the imported snapshot) or "http" (an upstream)
  UpstreamOptions upstream;
  // The CURP source (issue 16): "local" (the imported RENAPO snapshot) or "http" (an
  // upstream at curp_url, asked with the other upstream options above).
  std::string curp_kind = "local";
  std::string curp_url;
  std::int64_t cache_ttl_ms = 0;  // verdicts kept this long; 0 = no cache
  std::size_t cache_max_entries = 100'000;
};

}  // namespace inereg::registry
