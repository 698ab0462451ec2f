#pragma once

#include <memory>

#include "api/api.hpp"
#include "app/service_metrics.hpp"
#include "auth/integration_directory.hpp"
#include "auth/key_ring.hpp"
#include "auth/secret_box.hpp"
#include "checks/check_runner.hpp"
#include "checks/recheck_scheduler.hpp"
#include "config/config.hpp"
#include "http/server.hpp"
#include "registry/connector.hpp"
#include "registry/curp_registry.hpp"
#include "registry/local_registry.hpp"
#include "sessions/expiry_sweeper.hpp"
#include "sessions/retention_sweeper.hpp"
#include "store/store.hpp"
#include "util/periodic_thread.hpp"
#include "webhooks/delivery_worker.hpp"

namespace inereg::app {

// The running service, wired from a Config: store → registry connector → check
// runner, integration directory → API → HTTP server. `inereg serve` and the component
// tests both build exactly this.
class Service {
 public:
  // Opens the store and binds the listening socket. With `handle_signals`, SIGINT and
  // SIGTERM are caught from before the port accepts, and run() drains on them. Throws
  // config::ConfigError if the master key is missing or malformed, store::StoreError,
  // std::system_error.
  Service(config::Config config, bool handle_signals);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  std::uint16_t port() const { return server_->port(); }
  // Runs the check workers and serves until stop() (or a caught signal); then drains the
  // HTTP server and lets running checks finish.
  void run();
  void stop() { server_->stop(); }

  store::Store& store() { return *store_; }
  api::Api& api() { return *api_; }
  const auth::SecretBox& secret_box() const { return secret_box_; }
  const config::Config& config() const { return config_; }
  // http://HOST:PORT of the bound socket (the port chosen when listening on port 0).
  const std::string& local_url() const { return local_url_; }

 private:
  const config::Config config_;  // as loaded; runtime values derived from it live below
  auth::SecretBox secret_box_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<sessions::SessionWorkflow> sessions_;
  std::unique_ptr<registry::RegistryConnector> registry_;       // make_registry_connector()
  std::unique_ptr<registry::RegistryConnector> curp_registry_;  // make_curp_connector()
  std::unique_ptr<checks::CheckRunner> checks_;
  std::unique_ptr<ServiceMetrics> metrics_;
  std::unique_ptr<auth::IntegrationDirectory> directory_;
  std::unique_ptr<api::Api> api_;
  std::unique_ptr<http::HttpServer> server_;
  std::unique_ptr<webhooks::DeliveryWorker> webhooks_;
  std::unique_ptr<sessions::ExpirySweeper> expiry_;
  std::unique_ptr<sessions::RetentionSweeper> retention_;
  std::unique_ptr<checks::RecheckScheduler> rechecks_;
  std::unique_ptr<util::PeriodicThread> result_cache_sync_;  // Api::sync_result_cache; null without a cache
  std::string local_url_;
};

// The connector `registry.kind` names (the local snapshot or an HTTP upstream), behind
// the result cache when registry.cache_ttl_ms > 0. Throws config::ConfigError for an
// unusable registry.url or CA file.
std::unique_ptr<registry::RegistryConnector> make_registry_connector(const config::Config& config, store::Store& store,
                                                                     const auth::SecretBox& secret_box);

// The CURP source `registry.curp_kind` names (the local RENAPO snapshot or an HTTP
// upstream), behind the result cache when registry.cache_ttl_ms > 0. Throws
// config::ConfigError for an unusable registry.curp_url or CA file.
std::unique_ptr<registry::RegistryConnector> make_curp_connector(const config::Config& config, store::Store& store,
                                                                 const auth::SecretBox& secret_box);

// The keyed hashes that key the local RENAPO snapshot (registry/curp_registry.hpp), from
// a key derived from the master key (current) and, during a rotation, from the previous
// master key: `registry import-curp` (current) and the service agree on them.
registry::CurpKeys curp_registry_keys(const auth::SecretBox& secret_box);

// Where the INE snapshot files are and the key they are hashed under (a key of its own,
// derived from the master key): registry.snapshot_dir, else `<sqlite file>.snapshots`;
// with PostgreSQL and no snapshot_dir the dir is empty (no file can be used).
registry::LocalSnapshotOptions local_snapshot_options(const config::Config& config, const auth::SecretBox& secret_box);

// The master key from the config, or ConfigError saying how to provide one. With
// previous_master_key (during `inereg keys rotate`) it also opens what that key sealed.
auth::SecretBox secret_box_from(const config::Config& config);

// The key-encryption keys of the sessions' data keys: the master key's, and the previous
// master key's during a rotation. ConfigError as secret_box_from.
auth::KeyRing key_ring_from(const config::Config& config);

// The configured store behind the sealing layer (sessions/sealing_store.hpp): what
// `serve` and every command that reads or writes sessions open.
std::unique_ptr<store::Store> open_sealed_store(const config::Config& config, store::Migrations migrations);

}  // namespace inereg::app
