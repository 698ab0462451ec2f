#pragma once

#include <memory>

#include "registry/connector.hpp"
#include "registry/curp_registry.hpp"
#include "registry/local_registry.hpp"
#include "registry/resilience/caching_connector.hpp"
#include "registry/upstream_mapping.hpp"
#include "registry/upstream_options.hpp"
#include "store/store.hpp"

// Where a connector stack is put together from the `registry.*` options: the one place
// that decides which layers wrap a source and in what order (docs/ARCHITECTURE.md).
// A stack stops its threads before it is destroyed, so no answer reaches a destroyed
// layer.
namespace inereg::registry {

// The source name results of the local snapshot carry.
inline constexpr std::string_view kLocalSourceName = "local";

// An HTTP upstream spoken through `mapping`, with every resilience layer, top to bottom:
//   InFlightCap (max_in_flight) → TimeBudget (lookup_timeout_ms) → FormsInTurn →
//   RetryWithBackoff (max_attempts, backoff_*) → RateLimitGate (rate_limit_*) →
//   BreakerGuard (breaker.*) → TimeBudget (attempt_timeout_ms) → AttemptMeter →
//   HttpSource (url, auth_*, ca_file, io_threads, max_response_bytes, max_idle_connections)
// Throws std::invalid_argument for an unusable URL and boost::system::system_error for
// an unreadable CA file.
std::unique_ptr<RegistryConnector> make_upstream_connector(const UpstreamOptions& options,
                                                           std::unique_ptr<UpstreamMapping> mapping);

// The HTTP sources of `options` in failover order, without the result cache (the
// "http" stack below). Throws as make_registry_connector.
std::unique_ptr<RegistryConnector> make_http_connector(const RegistryOptions& options);

// The connector `registry.kind` names, behind the result cache when cache_ttl_ms > 0:
//   "http":  InFlightCap → TimeBudget (lookup) → SourcesInOrder (registry.sources, failover)
//            → per source: FormsInTurn → RetryWithBackoff → … → HttpSource with its
//            ConfiguredMapping (sources_in_order, mapping_of, connection_of)
//   "local": SourcesInOrder ("local") → FormsInTurn → LocalRegistry (the imported snapshot)
// `keyed_hash` keys the cache; `local` says where the local snapshot files are; `store` holds the snapshot and must
// outlive the connector. Throws std::invalid_argument for sources that cannot be built (a bad URL, an incomplete
// mapping: sources_in_order) and boost::system::system_error for an unreadable CA file.
std::unique_ptr<RegistryConnector> make_registry_connector(const RegistryOptions& options, store::Store& store,
                                                           CachingConnector::KeyedHash keyed_hash,
                                                           LocalSnapshotOptions local);

// The CURP source `registry.curp_kind` names, behind the result cache when
// cache_ttl_ms > 0 (as the INE connector):
//   "http":  InFlightCap → TimeBudget (lookup) → SourcesInOrder ("curp") → FormsInTurn →
//            RetryWithBackoff → … → HttpSource with the "inereg_curp" ConfiguredMapping
//            at registry.curp_url (curp_source)
//   "local": SourcesInOrder ("local") → FormsInTurn → LocalCurpRegistry (the RENAPO
//            snapshot, keyed under `curp_keys`)
// Throws as make_registry_connector (std::invalid_argument when curp_url is unset).
std::unique_ptr<RegistryConnector> make_curp_connector(const RegistryOptions& options, store::Store& store,
                                                       CachingConnector::KeyedHash keyed_hash, CurpKeys curp_keys);

}  // namespace inereg::registry
