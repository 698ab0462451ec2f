#include "app/service.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/system/system_error.hpp>

#include "auth/signing.hpp"
#include "registry/caching_connector.hpp"
#include "registry/http_upstream.hpp"
#include "util/time.hpp"
#include "webhooks/payloads.hpp"

namespace inereg::app {

auth::SecretBox secret_box_from(const config::Config& config) {
  if (config.master_key.empty()) {
    throw config::ConfigError(
        "no master key: set master_key in the config file or INEREG_MASTER_KEY (64 hex characters, e.g. from "
        "`openssl rand -hex 32`), or run with --demo");
  }
  auto box = auth::SecretBox::from_hex(config.master_key);
  if (!box) {
    throw config::ConfigError("the master key must be exactly 64 hex characters");
  }
  return *box;
}

std::unique_ptr<registry::RegistryConnector> make_registry_connector(const config::Config& config, store::Store& store,
                                                                     const auth::SecretBox& secret_box) {
  std::unique_ptr<registry::RegistryConnector> connector;
  if (config.registry.kind == "http") {
    if (config.registry.upstream.url.empty()) {
      throw config::ConfigError("registry.kind is http but registry.url (INEREG_REGISTRY_URL) is not set");
    }
    try {
      connector = std::make_unique<registry::HttpUpstreamConnector>(config.registry.upstream);
    } catch (const std::invalid_argument& e) {
      throw config::ConfigError(e.what());
    } catch (const boost::system::system_error& e) {
      throw config::ConfigError("registry.ca_file cannot be used: " + e.code().message());
    }
    spdlog::info("registry: HTTP upstream (attempt {} ms, lookup {} ms, {} attempts, in-flight cap {})",
                 config.registry.upstream.attempt_timeout_ms, config.registry.upstream.lookup_timeout_ms,
                 config.registry.upstream.max_attempts, config.registry.upstream.max_in_flight);
  } else {
    connector = std::make_unique<registry::LocalRegistry>(store);
  }
  if (config.registry.cache_ttl_ms <= 0) {
    return connector;
  }
  // A key of its own, derived from the master key like the session token key: cache
  // keys reveal nothing without the master key, and the same credential maps to the
  // same entry only within this deployment.
  const std::string cache_key = secret_box.keyed_hash_hex("inereg registry cache key");
  return std::make_unique<registry::CachingConnector>(
      std::move(connector), registry::CacheOptions{config.registry.cache_ttl_ms, config.registry.cache_max_entries},
      [cache_key](std::string_view inputs) { return auth::hmac_sha256_hex(cache_key, inputs); },
      [] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
      });
}

Service::Service(config::Config config)
    : config_(std::move(config)),
      secret_box_(secret_box_from(config_)),
      // PostgreSQL: refuses a schema that is behind (`inereg migrate` applies it once,
      // before a rollout); the embedded SQLite file migrates itself here.
      store_(store::open_store(config_.db, store::startup_migrations(config_.db))) {
  // Session changes queue their webhooks in the same transaction (store/outbox.hpp).
  store_->set_outbox_composer(std::make_shared<webhooks::WebhookPayloads>());
  registry_ = make_registry_connector(config_, *store_, secret_box_);
  checks_ = std::make_unique<checks::CheckRunner>(*store_, *registry_, config_.checks, util::wall_clock_ms);
  metrics_ = std::make_unique<ServiceMetrics>(*store_, *checks_, *registry_, util::wall_clock_ms);
  directory_ = std::make_unique<auth::IntegrationDirectory>(*store_, secret_box_, config_.integration_cache_ms,
                                                            util::wall_clock_ms);
  // SQLite reads are local point reads (microseconds): GETs run on the I/O threads. A
  // PostgreSQL read is a network round trip, which would stall every connection of
  // that I/O thread: GETs take the blocking pool like writes.
  config_.http.inline_reads = config_.db.starts_with("sqlite:");
  api::MediaOptions media;
  media.max_upload_bytes = config_.media_max_upload_bytes;
  media.limits = config_.media_limits;
  config_.http.route_policy = [media, default_limit = config_.http.max_body_bytes](std::string_view method,
                                                                                   std::string_view path) {
    return http::RoutePolicy{api::max_body_bytes_for(method, path, media, default_limit),
                             api::needs_blocking_pool(method, path)};
  };
  server_ = std::make_unique<http::HttpServer>(config_.http, [this](const api::ApiRequest& request) {
    auto response = api_->handle(request);
    metrics_->count_request(request, response.status);
    return response;
  });
  server_->listen();
  if (config_.public_url.empty()) {
    const bool ipv6 = config_.http.host.find(':') != std::string::npos;
    const std::string host = ipv6 ? "[" + config_.http.host + "]" : config_.http.host;
    config_.public_url = fmt::format("http://{}:{}", host, server_->port());
  }
  api::ApiOptions options;
  options.public_url = config_.public_url;
  options.session_token_key = secret_box_.keyed_hash_hex("inereg session token key");
  options.result_cache_ms = config_.result_cache_ms;
  options.delete_enabled = config_.delete_enabled;
  options.delete_limit = config_.delete_limit;
  options.cors_cache_ms = config_.integration_cache_ms;
  if (config_.metrics_enabled) {
    options.metrics_page = [this] { return metrics_->render(); };
  }
  options.media = media;
  options.page = config_.page;
  api_ = std::make_unique<api::Api>(*store_, *directory_, options, util::wall_clock_ms, [this] { checks_->wake(); });
  webhooks_ = std::make_unique<webhooks::DeliveryWorker>(*store_, *directory_, config_.webhooks, util::wall_clock_ms);
  expiry_ = std::make_unique<sessions::ExpirySweeper>(*store_, config_.sessions, util::wall_clock_ms,
                                                      [this](int) { webhooks_->wake(); });
}

Service::~Service() = default;

void Service::run(bool handle_signals) {
  // Counted before the workers start, which would otherwise race the count.
  const auto pending = store_->pending_check_count();
  checks_->start();
  webhooks_->start();
  expiry_->start();
  server_->run(handle_signals, [&] {
    spdlog::info("inereg listening on {}:{} ({} pending checks)", config_.http.host, server_->port(), pending);
  });
  expiry_->stop();
  checks_->stop();
  // After the checks: a check finishing during shutdown queues webhooks that are sent
  // now if the worker is quick, or after the restart otherwise (they are in the store).
  webhooks_->stop();
  spdlog::info("inereg stopped");
}

}  // namespace inereg::app
