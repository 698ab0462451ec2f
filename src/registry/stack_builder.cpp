#include "registry/stack_builder.hpp"

#include "registry/forms_in_turn.hpp"
#include "registry/http_source.hpp"
#include "registry/local_registry.hpp"
#include "registry/resilience/attempt_meter.hpp"
#include "registry/resilience/breaker_guard.hpp"
#include "registry/resilience/in_flight_cap.hpp"
#include "registry/resilience/rate_limit_gate.hpp"
#include "registry/resilience/retry.hpp"
#include "registry/resilience/time_budget.hpp"
#include "registry/upstream_protocol.hpp"

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

std::unique_ptr<RegistryConnector> upstream_layers(const UpstreamOptions& options,
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
  stack = wrap<FormsInTurn>(std::move(stack));
  stack = wrap<TimeBudget>(std::move(stack), milliseconds(options.lookup_timeout_ms));
  return wrap<InFlightCap>(std::move(stack), options.max_in_flight, options.cap_retry_after_ms);
}

// The top of a source's stack: the result cache when configured, then Stack.
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
  return wrap<Stack>(upstream_layers(options, std::move(mapping)));
}

std::unique_ptr<RegistryConnector> make_registry_connector(const RegistryOptions& options, store::Store& store,
                                                           CachingConnector::KeyedHash keyed_hash) {
  auto stack = options.kind == "http" ? upstream_layers(options.upstream, std::make_unique<IneregMapping>())
                                      : wrap<FormsInTurn>(std::make_unique<LocalRegistry>(store));
  return cached_stack(options, std::move(stack), std::move(keyed_hash));
}

std::unique_ptr<RegistryConnector> make_curp_connector(const RegistryOptions& options, store::Store& store,
                                                       CachingConnector::KeyedHash keyed_hash, CurpHash curp_hash) {
  std::unique_ptr<RegistryConnector> stack;
  if (options.curp_kind == "http") {
    UpstreamOptions upstream = options.upstream;
    upstream.url = options.curp_url;
    stack = upstream_layers(upstream, std::make_unique<CurpMapping>());
  } else {
    stack = wrap<FormsInTurn>(std::make_unique<LocalCurpRegistry>(store, std::move(curp_hash)));
  }
  return cached_stack(options, std::move(stack), std::move(keyed_hash));
}

}  // namespace inereg::registry
