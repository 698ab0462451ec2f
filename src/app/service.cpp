#include "app/service.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "util/time.hpp"

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

Service::Service(config::Config config)
    : config_(std::move(config)),
      secret_box_(secret_box_from(config_)),
      // PostgreSQL: refuses a schema that is behind (`inereg migrate` applies it once,
      // before a rollout); the embedded SQLite file migrates itself here.
      store_(store::open_store(config_.db, store::startup_migrations(config_.db))) {
  registry_ = std::make_unique<registry::LocalRegistry>(*store_);
  checks_ = std::make_unique<checks::CheckRunner>(*store_, *registry_, config_.checks, util::wall_clock_ms);
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
  server_ = std::make_unique<http::HttpServer>(
      config_.http, [this](const api::ApiRequest& request) { return api_->handle(request); });
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
  options.media = media;
  api_ = std::make_unique<api::Api>(*store_, *directory_, options, util::wall_clock_ms, [this] { checks_->wake(); });
}

Service::~Service() = default;

void Service::run(bool handle_signals) {
  // Counted before the workers start, which would otherwise race the count.
  const auto pending = store_->pending_check_count();
  checks_->start();
  server_->run(handle_signals, [&] {
    spdlog::info("inereg listening on {}:{} ({} pending checks)", config_.http.host, server_->port(), pending);
  });
  checks_->stop();
  spdlog::info("inereg stopped");
}

}  // namespace inereg::app
