#include "registry/stack_builder.hpp"

#include "registry/forms_in_turn.hpp"
#include "registry/http_source.hpp"
#include "registry/local_registry.hpp"
#include "registry/resilience/attempt_meter.hpp"
#include "registry/resilience/breaker_guard.hpp"
#include "registry/resilience/in_flight_cap.hpp"
#include "registry/resilience/rate_limit_gate.hpp"
#include "registry/resilience/retry.hpp"
#include "registry/resilience/sources_in_order.hpp"
#include "registry/resilience/time_budget.hpp"

namespace inereg::registry {
namespace {

// The top of every stack the builder returns: stops the layers (and so their threads)
// while all of them still exist.
class Stack final : public ConnectorLayer {
 public:
  using ConnectorLayer::ConnectorLayer;
  ~Stack() override { stop(); }
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;
  void ask(const Lookup& lookup, Done done) override { inner().ask(lookup, std::move(done)); }
};

// Wraps `inner` in a Layer built from the remaining arguments.
template <typename Layer, typename... Args>
std::unique_ptr<RegistryConnector> wrap(std::unique_ptr<RegistryConnector> inner, Args&&... args) {
  return std::make_unique<Layer>(std::move(inner), std::forward<Args>(args)...);
}

// One source's stack: the form order, and what protects that source (its own retries,
// 429 gate and breaker), down to the HTTP exchange.
std::unique_ptr<RegistryConnector> source_layers(const UpstreamOptions& options,
                                                 std::unique_ptr<UpstreamMapping> mapping) {
  using std::chrono::milliseconds;
  auto stack = wrap<AttemptMeter>(std::make_unique<HttpSource>(options, std::move(mapping)));
  stack = wrap<TimeBudget>(std::move(stack), milliseconds(options.attempt_timeout_ms));
  stack = wrap<BreakerGuard>(std::move(stack), options.breaker);
  stack =
      wrap<RateLimitGate>(std::move(stack), RateLimitOptions{options.rate_limit_default_ms, options.rate_limit_max_ms});
  stack = wrap<RetryWithBackoff>(std::move(stack),
                                 RetryOptions{options.max_attempts, options.backoff_base_ms, options.backoff_max_ms},
                                 std::make_unique<ThreadTimers>());
  return wrap<FormsInTurn>(std::move(stack));
}

// What bounds a whole lookup, over however many sources it asks.
std::unique_ptr<RegistryConnector> lookup_layers(const UpstreamOptions& options,
                                                 std::unique_ptr<RegistryConnector> sources) {
  auto stack = wrap<TimeBudget>(std::move(sources), std::chrono::milliseconds(options.lookup_timeout_ms));
  return wrap<InFlightCap>(std::move(stack), options.max_in_flight, options.cap_retry_after_ms);
}

// One HTTP source with its configured mapping and its own layers. A transport error
// names registry.url, the implicit source's key; a section's is its own.
SourcesInOrder::Source http_source(const UpstreamOptions& shared, const SourceOptions& source) {
  auto mapping = mapping_of(source);
  const auto connection = connection_of(shared, source, mapping);
  try {
    return {source.name, source_layers(connection, std::make_unique<ConfiguredMapping>(std::move(mapping)))};
  } catch (const std::invalid_argument& e) {
    std::string problem = e.what();
    if (source.name == kCurpSourceName && problem.starts_with("registry.url")) {
      problem.replace(0, std::string_view("registry.url").size(), "registry.curp_url");
    } else if (source.name != kImplicitSourceName && problem.starts_with("registry.url")) {
      problem.replace(0, std::string_view("registry.url").size(), "source." + source.name + ".url");
    }
    throw std::invalid_argument(problem);
  }
}

std::unique_ptr<RegistryConnector> http_layers(const RegistryOptions& options) {
  std::vector<SourcesInOrder::Source> sources;
  for (const auto& source : sources_in_order(options)) {
    sources.push_back(http_source(options.upstream, source));
  }
  return lookup_layers(options.upstream, std::make_unique<SourcesInOrder>(std::move(sources)));
}

// A snapshot in the store, answering inline, as the one source `name`.
std::unique_ptr<RegistryConnector> local_source(std::string_view name, std::unique_ptr<RegistryConnector> snapshot) {
  std::vector<SourcesInOrder::Source> sources;
  sources.push_back({std::string(name), wrap<FormsInTurn>(std::move(snapshot))});
  return std::make_unique<SourcesInOrder>(std::move(sources));
}

// The top of every stack: the result cache when configured, then Stack.
std::unique_ptr<RegistryConnector> cached_stack(const RegistryOptions& options,
                                                std::unique_ptr<RegistryConnector> stack,
                                                CachingConnector::KeyedHash keyed_hash) {
  if (options.cache_ttl_ms > 0) {
    stack = wrap<CachingConnector>(std::move(stack), CacheOptions{options.cache_ttl_ms, options.cache_max_entries},
                                   std::move(keyed_hash), [] { return steady_ms(std::chrono::steady_clock::now()); });
  }
  return wrap<Stack>(std::move(stack));
}

}  // namespace

std::unique_ptr<RegistryConnector> make_upstream_connector(const UpstreamOptions& options,
                                                           std::unique_ptr<UpstreamMapping> mapping) {
  return wrap<Stack>(lookup_layers(options, source_layers(options, std::move(mapping))));
}

std::unique_ptr<RegistryConnector> make_http_connector(const RegistryOptions& options) {
  return wrap<Stack>(http_layers(options));
}

std::unique_ptr<RegistryConnector> make_registry_connector(const RegistryOptions& options, store::Store& store,
                                                           CachingConnector::KeyedHash keyed_hash,
                                                           LocalSnapshotOptions local) {
  auto stack = options.kind == "http"
                   ? http_layers(options)
                   : local_source(kLocalSourceName, std::make_unique<LocalRegistry>(store, std::move(local)));
  return cached_stack(options, std::move(stack), std::move(keyed_hash));
}

std::unique_ptr<RegistryConnector> make_curp_connector(const RegistryOptions& options, store::Store& store,
                                                       CachingConnector::KeyedHash keyed_hash, CurpKeys curp_keys) {
  std::unique_ptr<RegistryConnector> stack;
  if (options.curp_kind == "http") {
    std::vector<SourcesInOrder::Source> sources;
    sources.push_back(http_source(options.upstream, curp_source(options)));
    stack = lookup_layers(options.upstream, std::make_unique<SourcesInOrder>(std::move(sources)));
  } else {
    stack = local_source(kLocalSourceName, std::make_unique<LocalCurpRegistry>(store, std::move(curp_keys)));
  }
  return cached_stack(options, std::move(stack), std::move(keyed_hash));
}

}  // namespace inereg::registry
