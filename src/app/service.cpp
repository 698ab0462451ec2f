#include "app/service.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/system/system_error.hpp>

#include "api/errors.hpp"
#include "auth/answer_box.hpp"
#include "auth/signing.hpp"
#include "registry/stack_builder.hpp"
#include "sessions/sealing_store.hpp"
#include "util/io_context.hpp"
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
  if (config.previous_master_key.empty()) {
    return *box;
  }
  const auto previous = auth::SecretBox::from_hex(config.previous_master_key);
  if (!previous) {
    throw config::ConfigError("the previous master key must be exactly 64 hex characters");
  }
  return box->with_previous(*previous);
}

auth::KeyRing key_ring_from(const config::Config& config) {
  const auto master = secret_box_from(config);
  if (config.previous_master_key.empty()) {
    return auth::KeyRing(master);
  }
  return auth::KeyRing(master, auth::SecretBox::from_hex(config.previous_master_key));
}

std::unique_ptr<store::Store> open_sealed_store(const config::Config& config, store::Migrations migrations) {
  return sessions::make_sealing_store(store::open_store(config.db, migrations, config.store), key_ring_from(config),
                                      auth::AnswerBox(secret_box_from(config)));
}

std::unique_ptr<registry::RegistryConnector> make_registry_connector(const config::Config& config, store::Store& store,
                                                                     const auth::SecretBox& secret_box) {
  const auto& options = config.registry;
  // A key of its own, derived from the master key like the session token key: cache
  // keys reveal nothing without the master key, and the same credential maps to the
  // same entry only within this deployment.
  const std::string cache_key = secret_box.keyed_hash_hex("inereg registry cache key");
  auto keyed_hash = [cache_key](std::string_view inputs) { return auth::hmac_sha256_hex(cache_key, inputs); };
  std::unique_ptr<registry::RegistryConnector> connector;
  try {
    connector =
        registry::make_registry_connector(options, store, keyed_hash, local_snapshot_options(config, secret_box));
  } catch (const std::invalid_argument& e) {
    throw config::ConfigError(e.what());
  } catch (const boost::system::system_error& e) {
    throw config::ConfigError("registry.ca_file cannot be used: " + e.code().message());
  }
  if (options.kind == "http") {
    std::string sources;
    for (const auto& source : registry::sources_in_order(options)) {
      sources += (sources.empty() ? "" : ", ") + source.name + " (" + source.mapping + ")";
    }
    spdlog::info(
        "registry: HTTP sources in failover order: {} (attempt {} ms, lookup {} ms, {} attempts, in-flight "
        "cap {})",
        sources, options.upstream.attempt_timeout_ms, options.upstream.lookup_timeout_ms, options.upstream.max_attempts,
        options.upstream.max_in_flight);
  }
  return connector;
}

registry::LocalSnapshotOptions local_snapshot_options(const config::Config& config, const auth::SecretBox& secret_box) {
  registry::LocalSnapshotOptions local;
  if (!config.registry.snapshot_dir.empty()) {
    local.dir = config.registry.snapshot_dir;
  } else if (config.db.starts_with("sqlite:")) {
    std::string path = config.db.substr(std::string_view("sqlite:").size());
    if (path.starts_with("//")) {
      path.erase(0, 2);
    }
    local.dir = path + ".snapshots";
  }
  // A key of its own, derived from the master key: the files' keys reveal no
  // identifier without the master key (registry/snapshot_file.hpp).
  constexpr std::string_view kSnapshotKeyText = "inereg ine registry snapshot key";
  local.key = secret_box.keyed_hash_hex(kSnapshotKeyText);
  if (const auto previous = secret_box.previous()) {
    local.previous_key = previous->keyed_hash_hex(kSnapshotKeyText);
  }
  local.check_ms = config.registry.snapshot_check_ms;
  local.steady_ms = [] { return registry::steady_ms(std::chrono::steady_clock::now()); };
  return local;
}

registry::CurpKeys curp_registry_keys(const auth::SecretBox& secret_box) {
  // A key of its own, derived from the master key: the snapshot's keys reveal no CURP
  // without the master key (curp_registry.hpp).
  const auto hash_under = [](const auth::SecretBox& box) -> registry::CurpHash {
    const std::string key = box.keyed_hash_hex("inereg curp registry key");
    return [key](std::string_view curp) { return auth::hmac_sha256_hex(key, curp); };
  };
  registry::CurpKeys keys{hash_under(secret_box), {}};
  if (const auto previous = secret_box.previous()) {
    keys.previous = hash_under(*previous);
  }
  return keys;
}

std::unique_ptr<registry::RegistryConnector> make_curp_connector(const config::Config& config, store::Store& store,
                                                                 const auth::SecretBox& secret_box) {
  const auto& options = config.registry;
  const std::string cache_key = secret_box.keyed_hash_hex("inereg curp cache key");
  auto keyed_hash = [cache_key](std::string_view inputs) { return auth::hmac_sha256_hex(cache_key, inputs); };
  try {
    return registry::make_curp_connector(options, store, keyed_hash, curp_registry_keys(secret_box));
  } catch (const std::invalid_argument& e) {
    throw config::ConfigError(e.what());
  } catch (const boost::system::system_error& e) {
    throw config::ConfigError("registry.ca_file cannot be used: " + e.code().message());
  }
}

namespace {

// The HTTP settings plus what the service decides from the rest of the config.
http::ServerOptions server_options(const config::Config& config) {
  http::ServerOptions options;
  static_cast<http::ServerSettings&>(options) = config.http;
  const auto address = config::parse_listen(config.listen);
  options.host = address.host;
  options.port = address.port;
  return options;
}

}  // namespace

Service::Service(config::Config config, bool handle_signals)
    : config_(std::move(config)),
      secret_box_(secret_box_from(config_)),
      // PostgreSQL: refuses a schema that is behind (`inereg migrate` applies it once,
      // before a rollout); the embedded SQLite file migrates itself here.
      // Every session's personal data sealed under its own data key (sessions/sealing_store.hpp).
      store_(open_sealed_store(config_, store::startup_migrations(config_.db))) {
  // Session changes queue their webhooks in the same transaction (sessions/workflow.hpp).
  sessions_ = std::make_unique<sessions::SessionWorkflow>(*store_, std::make_shared<webhooks::WebhookPayloads>());
  registry_ = make_registry_connector(config_, *store_, secret_box_);
  curp_registry_ = make_curp_connector(config_, *store_, secret_box_);
  checks::CheckRunnerOptions check_options = config_.checks;
  check_options.image_limits = config_.media.image;  // one setting: what uploads and the reader accept
  checks_ = std::make_unique<checks::CheckRunner>(
      *store_, *sessions_, *registry_, check_options, util::wall_clock_ms,
      [answers = auth::AnswerBox(secret_box_)](std::string_view session_id, std::string_view answer) {
        return answers.seal(session_id, answer);
      },
      curp_registry_.get());
  // A submit hands its job to this node's pipeline, claimed, when it has room.
  sessions_->set_check_intake(checks_.get());
  metrics_ = std::make_unique<ServiceMetrics>(
      *store_, *sessions_, *checks_, *registry_, api::routes(), util::wall_clock_ms,
      ServiceMetrics::TransportSources{[this] { return server_->stats(); },
                                       [this] { return api_->auth_throttle_stats(); }});
  directory_ = std::make_unique<auth::IntegrationDirectory>(*store_, secret_box_, config_.auth.integration_cache_ms,
                                                            util::wall_clock_ms);
  const auto http_options = server_options(config_);
  // The API serves the server (it exists once the port, and so public_url, is known):
  // each request is routed once, and the API and the metrics both read that routing.
  http::Application application;
  application.route = [this](std::string_view method, std::string_view path) { return api_->route(method, path); };
  application.handle = [this](const http::Request& request, const http::Routing& routing) {
    auto response = api_->handle(request, routing);
    metrics_->count_request(routing, response.status);
    return response;
  };
  application.admit = [this](const http::Request& head, const http::Routing& routing) {
    auto refusal = api_->admit(head, routing);
    if (refusal) {
      metrics_->count_request(routing, refusal->status);
    }
    return refusal;
  };
  application.watch_body = [this](const http::Request& head, const http::Routing& routing) {
    return api_->watch_body(head, routing);
  };
  application.refuse = api::refusal_response;
  server_ = std::make_unique<http::HttpServer>(http_options, std::move(application));
  server_->listen(handle_signals);
  const bool ipv6 = http_options.host.find(':') != std::string::npos;
  local_url_ = fmt::format("http://{}:{}", ipv6 ? "[" + http_options.host + "]" : http_options.host, server_->port());
  api::ApiOptions options;
  static_cast<api::ApiSettings&>(options) = config_.api;
  options.public_url = config_.public_url.empty() ? local_url_ : config_.public_url;
  options.session_token_key = secret_box_.keyed_hash_hex("inereg session token key");
  options.cors_cache_ms = config_.auth.integration_cache_ms;
  // Where reads run (api::Api::route): a SQLite read is local, a PostgreSQL read crosses the network.
  options.local_reads = config_.db.starts_with("sqlite:");
  if (config_.metrics.enabled) {
    options.metrics_page = [this] { return metrics_->render(); };
    options.metrics_token = config_.metrics.token;
  }
  options.media = config_.media;
  options.page = config_.page;
  api_ = std::make_unique<api::Api>(*store_, *sessions_, *directory_, options, util::wall_clock_ms);
  webhooks_ = std::make_unique<webhooks::DeliveryWorker>(*store_, *directory_, config_.webhooks, util::wall_clock_ms);
  expiry_ = std::make_unique<sessions::ExpirySweeper>(*sessions_, config_.sessions, util::wall_clock_ms,
                                                      [this](int) { webhooks_->wake(); });
  retention_ =
      std::make_unique<sessions::RetentionSweeper>(*store_, *sessions_, config_.retention, util::wall_clock_ms);
  rechecks_ = std::make_unique<checks::RecheckScheduler>(
      *store_, *sessions_, config_.checks.recheck, util::wall_clock_ms, [this](std::int64_t) { checks_->wake(); });
  // No cache (api.result_cache_ms = 0), nothing to sync: no thread.
  if (config_.api.result_cache_ms > 0) {
    result_cache_sync_ = std::make_unique<util::PeriodicThread>("result cache sync", api_->result_cache_sync_interval(),
                                                                [this] { api_->sync_result_cache(); });
  }
}

Service::~Service() = default;

void Service::run() {
  // Counted before the workers start, which would otherwise race the count.
  const auto pending = store_->pending_check_count();
  checks_->start();
  webhooks_->start();
  expiry_->start();
  retention_->start();
  rechecks_->start();
  if (result_cache_sync_) {
    result_cache_sync_->start();
  }
  server_->run([&] {
    spdlog::info("inereg listening on {}:{} ({} pending checks, sockets through {})",
                 config::parse_listen(config_.listen).host, server_->port(), pending, util::kIoBackend);
  });
  expiry_->stop();
  retention_->stop();
  rechecks_->stop();
  if (result_cache_sync_) {
    result_cache_sync_->stop();
  }
  checks_->stop();
  // After the checks: a check finishing during shutdown queues webhooks that are sent
  // now if the worker is quick, or after the restart otherwise (they are in the store).
  webhooks_->stop();
  spdlog::info("inereg stopped");
}

}  // namespace inereg::app
