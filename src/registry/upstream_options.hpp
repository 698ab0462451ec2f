#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "registry/circuit_breaker.hpp"
#include "registry/configured_mapping.hpp"

namespace inereg::registry {

// How the HTTP upstream connector reaches and protects a registry upstream (the
// `registry.*` config keys, docs/DEPLOYMENT.md). Immutable once built.
struct UpstreamOptions {
  std::string url;                            // http(s)://host[:port]/path the lookups are POSTed to
  std::string auth_header = "Authorization";  // header carrying the credential below
  std::string auth_value;                     // e.g. "Bearer …" or an API key; secret: never logged
  std::string ca_file;                        // PEM CA bundle for https; empty = the system's
  int io_threads = 1;                         // event-loop threads of the connector
  // One HTTP exchange (connect + TLS + request + answer). Registries answer in 2–7 s (INE,
  // the aggregators), Tu Identidad in 5–10 s: a shorter limit would cut real answers off
  // and ask again, doubling the load on a slow registry.
  std::int64_t attempt_timeout_ms = 15'000;
  std::int64_t lookup_timeout_ms = 45'000;  // a whole lookup: every form, attempt and backoff
  int max_attempts = 3;                     // per lookup form, first try included
  std::int64_t backoff_base_ms = 200;       // full jitter: sleep uniform(0, min(max, base·2^n))
  std::int64_t backoff_max_ms = 2'000;
  CircuitBreakerOptions breaker;
  int max_in_flight = 4'096;                   // lookups running at once; more are refused (rejected_by_cap)
  std::int64_t cap_retry_after_ms = 250;       // the retry hint a refused lookup carries
  std::int64_t rate_limit_default_ms = 1'000;  // a 429 without a usable Retry-After
  std::int64_t rate_limit_max_ms = 3'600'000;  // a longer Retry-After is capped to this
  std::size_t max_response_bytes = std::size_t{64} * 1024;  // a bigger answer is not a verdict
  // Keep-alive connections kept per io thread; unset: that thread's share of max_in_flight,
  // as many as its lookups can use at once. With thousands of slow lookups in flight, a
  // smaller pool closes a connection for want of room at nearly every answer, and the
  // next lookup pays a new handshake (and leaves a TIME_WAIT port) for it.
  std::optional<int> max_idle_connections;
  // The answer kept with a result (LookupOutcome::answer, stored sealed) is the body's
  // first this many bytes: the operator sees what the registry said, the database and
  // the result cache do not grow with a vendor's verbosity.
  std::size_t answer_max_bytes = std::size_t{16} * 1024;
};

// One registry source, a `[source.NAME]` section (docs/UPSTREAM.md, "Mappings"): where
// it is, how it authenticates, and how it is spoken — a preset, any part of which the
// body_* and verdict keys replace. Immutable once loaded.
struct SourceOptions {
  std::string name;                // [a-z0-9]+; recorded with each result it gives
  std::string mapping = "inereg";  // a preset (preset_names()) or "custom" (every part given)
  std::string url;
  std::string auth_header;    // "" = the mapping's
  std::string auth_value;     // secret: never logged
  std::string auth_user;      // HTTP Basic, with auth_password (instead of auth_value)
  std::string auth_password;  // secret: never logged
  std::string ca_file;
  std::optional<std::string> body_eh;
  std::optional<std::string> body_d;
  std::optional<std::string> body_c;
  std::optional<std::vector<VerdictField>> verdict;
};

// Which connector the service asks (`registry.kind`), and the optional result cache.
struct RegistryOptions {
  std::string kind = "local";  // "local" (the imported snapshot) or "http" (upstream sources)
  // Shared by every HTTP source; its url, auth_* and ca_file are the one source of a
  // configuration without [source.*] sections (named "upstream", inereg's protocol).
  UpstreamOptions upstream;
  std::vector<SourceOptions> sources;  // [source.NAME], as first named
  std::vector<std::string> order;      // registry.sources: failover order of the sources' names
  // The CURP source (issue 16): "local" (the imported RENAPO snapshot) or "http" (an
  // upstream at curp_url speaking inereg's CURP protocol, the "inereg_curp" mapping,
  // with the shared options above, registry.auth_* included).
  std::string curp_kind = "local";
  std::string curp_url;
  // The INE snapshot files (registry import): their directory, "" = beside the SQLite
  // database (`<file>.snapshots`; required with PostgreSQL), and how often a node asks
  // the database which file is active.
  std::string snapshot_dir;
  std::int64_t snapshot_check_ms = 1'000;
  std::int64_t cache_ttl_ms = 0;  // verdicts kept this long; 0 = no cache
  std::size_t cache_max_entries = 100'000;
};

// The name of the source registry.url describes when no [source.*] section is given.
inline constexpr std::string_view kImplicitSourceName = "upstream";

// The HTTP sources in failover order. Throws std::invalid_argument naming the problem:
// no source, registry.url beside [source.*] sections, an order that names an undefined
// source, names one twice or leaves one out (several sources need registry.sources), a
// source without url, with both auth_value and auth_user, or whose mapping is unknown
// or incomplete (mapping_problem).
std::vector<SourceOptions> sources_in_order(const RegistryOptions& options);

// The name CURP results of the HTTP CURP source carry.
inline constexpr std::string_view kCurpSourceName = "curp";

// The HTTP CURP source registry.curp_url describes (mapping "inereg_curp", the shared
// credential and CA file). Throws std::invalid_argument when curp_url is not set.
SourceOptions curp_source(const RegistryOptions& options);

// A source's mapping: its preset with the source's body_* and verdict in place.
// Throws std::invalid_argument as above.
MappingSpec mapping_of(const SourceOptions& source);

// The shared HTTP options with the source's url, CA file and credential (HTTP Basic
// becomes an Authorization header; the mapping names the header otherwise).
UpstreamOptions connection_of(const UpstreamOptions& shared, const SourceOptions& source, const MappingSpec& mapping);

// The keep-alive connections each of `io_threads` connector threads keeps:
// max_idle_connections if set, else the thread's share of max_in_flight (rounded up).
std::size_t idle_connections_per_thread(const UpstreamOptions& options, int io_threads);

}  // namespace inereg::registry
