#include "cli/commands.hpp"

#include <fcntl.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <fstream>
#include <functional>
#include <iostream>
#include <system_error>

#include "admin/integrations.hpp"
#include "admin/key_rotation.hpp"
#include "admin/registry_answer.hpp"
#include "app/service.hpp"
#include "cli/demo.hpp"
#include "registry/curp_registry.hpp"
#include "registry/reference_upstream.hpp"
#include "registry/registry_file.hpp"
#include "registry/registry_import.hpp"
#include "sessions/retention_sweeper.hpp"
#include "sessions/workflow.hpp"
#include "util/time.hpp"
#include "webhooks/webhook_url.hpp"

namespace inereg::cli {
namespace {

// Options every command that touches the database shares.
struct StoreOptions {
  std::optional<std::string> config_file;
  std::optional<std::string> db;
};

void add_store_options(CLI::App& command, StoreOptions& options) {
  command.add_option("--config", options.config_file, "TOML config file")->check(CLI::ExistingFile);
  command.add_option("--db", options.db, "database URL (default sqlite:inereg.db)");
}

void setup_logging(const std::string& level) {
  // Logs go to stderr so that stdout carries only a command's result (e.g. --json).
  auto logger = spdlog::stderr_color_mt("inereg");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
}

// The flags of `options` as settings, applied after the file and the environment.
std::vector<config::Override> flag_settings(const StoreOptions& options) {
  std::vector<config::Override> flags;
  if (options.db) {
    flags.push_back({"db", *options.db, "--db"});
  }
  return flags;
}

config::Config load(const StoreOptions& options) {
  return config::load_config(options.config_file, flag_settings(options));
}

// Runs a command body, turning the errors an operator can fix into a message and exit 1.
template <typename F>
void guarded(F&& body) {
  try {
    body();
  } catch (const config::ConfigError& e) {
    std::cerr << "inereg: " << e.what() << "\n";
    throw CLI::RuntimeError(1);
  } catch (const store::StoreError& e) {
    std::cerr << "inereg: " << e.what() << "\n";
    throw CLI::RuntimeError(1);
  } catch (const std::system_error& e) {
    std::cerr << "inereg: " << e.what() << "\n";
    throw CLI::RuntimeError(1);
  }
}

// --demo without a master key: keep one beside the demo database so that restarts can
// still open the secrets they sealed.
std::string demo_master_key(const std::string& db_url) {
  const std::string path = db_url.substr(db_url.find(':') + 1) + ".demo-key";
  std::ifstream existing(path);
  std::string key;
  if (existing >> key && auth::SecretBox::from_hex(key)) {
    return key;
  }
  key = auth::random_master_key_hex();
  // Created 0600 (and made so if it existed): the key must never be readable by others,
  // not even between its creation and a chmod.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd < 0 || ::fchmod(fd, S_IRUSR | S_IWUSR) != 0) {
    if (fd >= 0) {
      ::close(fd);
    }
    throw std::system_error(errno, std::generic_category(), "cannot write " + path);
  }
  const std::string line = key + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  if (!written) {
    throw std::system_error(errno, std::generic_category(), "cannot write " + path);
  }
  return key;
}

// The admin commands (integration, registry) apply pending migrations, as `migrate`
// does: an operator runs them deliberately, one process at a time (the first is often
// `integration create` on a new database), and migrations only add, so a node of the
// previous release keeps working on the result. Only `serve`, started by the dozen in
// a rollout, refuses to change a shared schema (store::startup_migrations).
// With a master key, behind the sealing layer, so that a command reads and writes
// sessions as `serve` does (sessions/sealing_store.hpp).
std::unique_ptr<store::Store> open_for_command(const config::Config& config) {
  if (config.master_key.empty()) {
    return store::open_store(config.db, store::Migrations::kApply, config.store);
  }
  return app::open_sealed_store(config, store::Migrations::kApply);
}

// The origins as browsers send them; exits 1 naming the first that is not an origin.
std::vector<std::string> normalized_origins(const std::vector<std::string>& origins) {
  std::vector<std::string> normalized;
  for (const auto& origin : origins) {
    auto canonical = admin::normalize_cors_origin(origin);
    if (!canonical) {
      std::cerr << "inereg: " << origin
                << " is not a browser origin (scheme://host[:port], http or https, no path or wildcard)\n";
      throw CLI::RuntimeError(1);
    }
    normalized.push_back(std::move(*canonical));
  }
  std::sort(normalized.begin(), normalized.end());
  normalized.erase(std::unique(normalized.begin(), normalized.end()), normalized.end());
  return normalized;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    out += (out.empty() ? "" : " ") + item;
  }
  return out;
}

// `inereg registry serve-upstream`: a registry upstream (docs/UPSTREAM.md) answering from
// a registry CSV, for running the whole chain without an aggregator and for benches.
void add_serve_upstream_command(CLI::App& parent) {
  auto* serve = parent.add_subcommand(
      "serve-upstream", "Serve a registry CSV as an HTTP registry upstream (docs/UPSTREAM.md), for tests and benches");
  auto options = std::make_shared<registry::ReferenceUpstreamOptions>();
  auto listen = std::make_shared<std::string>("127.0.0.1:8090");
  auto snapshot_file = std::make_shared<std::string>();
  auto delay_ms = std::make_shared<std::int64_t>(0);
  serve->add_option("--listen", *listen, "HOST:PORT to listen on (default 127.0.0.1:8090)");
  serve->add_option("--snapshot", *snapshot_file, "registry CSV: " + std::string(registry::kRegistryCsvHeader))
      ->required()
      ->check(CLI::ExistingFile);
  serve->add_option("--delay-ms", *delay_ms, "wait this long before each answer (a slow registry)")
      ->check(CLI::Range(0LL, 600'000LL));
  serve->add_option("--token", options->token, "require Authorization: Bearer TOKEN");
  serve->add_option("--threads", options->io_threads, "I/O threads (default 2)")->check(CLI::Range(1, 256));
  serve->callback([options, listen, snapshot_file, delay_ms] {
    guarded([&] {
      setup_logging("info");
      auto address = config::parse_listen(*listen);
      options->host = std::move(address.host);
      options->port = address.port;
      options->delay = std::chrono::milliseconds(*delay_ms);
      std::ifstream input(*snapshot_file);
      auto snapshot = registry::load_snapshot(input);
      if (snapshot.bad_lines > 0) {
        spdlog::warn("{}: skipped {} bad line(s); first: {}", *snapshot_file, snapshot.bad_lines,
                     snapshot.first_problem);
      }
      const auto records = snapshot.situations.size();
      registry::ReferenceUpstream server(*options, std::move(snapshot));
      server.listen();
      server.run(true, [&] {
        spdlog::info("serve-upstream listening on {}:{}{} ({} records, delay {} ms)", options->host, server.port(),
                     options->path, records, *delay_ms);
      });
    });
  });
}

// --decision-url / --event-url / --ine-url / --curp-url / --ine-curp-url of `integration
// create` and `set-webhooks`. Unset options leave the stored URL as it is; an empty
// string clears it.
struct WebhookUrlOptions {
  std::optional<std::string> decision;
  std::optional<std::string> event;
  std::optional<std::string> ine;
  std::optional<std::string> curp;
  std::optional<std::string> ine_curp;
};

void add_webhook_url_options(CLI::App& command, WebhookUrlOptions& options) {
  command.add_option("--decision-url", options.decision, "decision webhook URL (\"\" clears)");
  command.add_option("--event-url", options.event, "event webhook URL: started/submitted (\"\" clears)");
  command.add_option("--ine-url", options.ine, "INE registry webhook URL (\"\" clears)");
  command.add_option("--curp-url", options.curp, "CURP registry webhook URL (\"\" clears)");
  command.add_option("--ine-curp-url", options.ine_curp, "INE+CURP registry webhook URL (\"\" clears)");
}

// `current` with the options applied; exits 1 naming the option of a refused URL.
store::WebhookUrls apply_webhook_urls(store::WebhookUrls current, const WebhookUrlOptions& options) {
  const std::pair<const char*, const std::optional<std::string>*> given[] = {{"--decision-url", &options.decision},
                                                                             {"--event-url", &options.event},
                                                                             {"--ine-url", &options.ine},
                                                                             {"--curp-url", &options.curp},
                                                                             {"--ine-curp-url", &options.ine_curp}};
  for (const auto& [name, value] : given) {
    if (*value && !(*value)->empty()) {
      const auto parsed = webhooks::parse_webhook_url(**value);
      if (!parsed.target) {
        std::cerr << "inereg: " << name << ": " << parsed.error << "\n";
        throw CLI::RuntimeError(1);
      }
    }
  }
  current.decision = options.decision.value_or(current.decision);
  current.event = options.event.value_or(current.event);
  current.ine = options.ine.value_or(current.ine);
  current.curp = options.curp.value_or(current.curp);
  current.ine_curp = options.ine_curp.value_or(current.ine_curp);
  return current;
}

bool any_given(const WebhookUrlOptions& options) {
  return options.decision || options.event || options.ine || options.curp || options.ine_curp;
}

// --checks of `integration create` and `set-checks`: which registry checks the
// integration's new sessions get.
void add_checks_option(CLI::App& command, std::string& checks) {
  command.add_option("--checks", checks, "registry checks of new sessions: ine, curp or both (default ine)")
      ->check(CLI::IsMember({"ine", "curp", "both"}));
}

std::string or_dash(const std::string& text) {
  return text.empty() ? "-" : text;
}

// A period of an integration (recheck.interval, retention) as an operator writes it: a
// whole number of days, hours or minutes ("30d", "12h", "90m"), or "off" (0: never).
constexpr std::pair<char, store::TimeMs> kIntervalUnits[] = {{'d', 86'400'000}, {'h', 3'600'000}, {'m', 60'000}};

std::optional<store::TimeMs> parse_period(const std::string& text) {
  if (text == "off") {
    return 0;
  }
  if (text.size() < 2) {
    return std::nullopt;
  }
  for (const auto& [unit, unit_ms] : kIntervalUnits) {
    if (text.back() != unit) {
      continue;
    }
    const std::string digits = text.substr(0, text.size() - 1);
    if (digits.size() > 6 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    const store::TimeMs count = std::stoll(digits);
    return count > 0 ? std::optional(count * unit_ms) : std::nullopt;
  }
  return std::nullopt;
}

// The inverse of parse_period, in the largest unit that divides it.
std::string format_period(store::TimeMs interval_ms) {
  for (const auto& [unit, unit_ms] : kIntervalUnits) {
    if (interval_ms > 0 && interval_ms % unit_ms == 0) {
      return std::to_string(interval_ms / unit_ms) + unit;
    }
  }
  return interval_ms > 0 ? std::to_string(interval_ms) + "ms" : "off";
}

// "  ine URL  curp URL  ine-curp URL" ("-" when unset), for the list and set-webhooks output.
std::string registry_webhooks_text(const store::WebhookUrls& urls) {
  return "  ine " + or_dash(urls.ine) + "  curp " + or_dash(urls.curp) + "  ine-curp " + or_dash(urls.ine_curp);
}

// Writes `header` and `count` lines from `next_line` to `out` (registry generate,
// generate-curp); exits 1 when the file cannot be written.
void write_lines(const std::string& out, std::string_view header, std::int64_t count,
                 const std::function<std::string()>& next_line) {
  std::ofstream file(out, std::ios::trunc);
  if (!file) {
    std::cerr << "inereg: cannot write " << out << "\n";
    throw CLI::RuntimeError(1);
  }
  file << header << "\n";
  for (std::int64_t i = 0; i < count; ++i) {
    file << next_line() << "\n";
  }
  file.close();
  if (!file) {
    std::cerr << "inereg: writing " << out << " failed\n";
    throw CLI::RuntimeError(1);
  }
  std::cerr << "wrote " << count << " synthetic records to " << out << "\n";
}

// An import's progress line, on a terminal only.
std::function<void(std::int64_t)> import_progress(bool terminal) {
  return [terminal](std::int64_t lines) {
    if (terminal) {
      std::cerr << "\rread " << lines << " lines" << std::flush;
    }
  };
}

// Prints an import's bad lines (which never echo values) and its count; exits 1 when
// nothing was imported because of them.
void report_import(const std::string& file_name, const registry::ImportReport& report) {
  if (::isatty(STDERR_FILENO) == 1) {
    std::cerr << "\n";
  }
  for (const auto& problem : report.problems) {
    std::cerr << file_name << ":" << problem.line << ": " << problem.message << "\n";
  }
  if (report.bad_lines > static_cast<std::int64_t>(report.problems.size())) {
    std::cerr << "(" << report.bad_lines - static_cast<std::int64_t>(report.problems.size())
              << " more bad lines not listed)\n";
  }
  if (report.duplicates > 0) {
    std::cerr << report.duplicates << " line(s) repeated a credential of an earlier line and replaced it\n";
  }
  std::cout << "imported " << report.imported << " records, " << report.bad_lines << " bad line(s)\n";
  if (report.imported == 0 && !report.problems.empty()) {
    throw CLI::RuntimeError(1);
  }
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto* serve = app.add_subcommand("serve", "Run the HTTP API and the check workers");
  auto options = std::make_shared<StoreOptions>();
  auto listen = std::make_shared<std::optional<std::string>>();
  auto demo = std::make_shared<bool>(false);
  add_store_options(*serve, *options);
  serve->add_option("--listen", *listen, "HOST:PORT to listen on (default 127.0.0.1:8080)");
  serve->add_flag("--demo", *demo,
                  "demo mode: a demo integration, a generated registry, and signed curl commands to try");
  serve->callback([options, listen, demo] {
    guarded([&] {
      auto flags = flag_settings(*options);
      if (*listen) {
        flags.push_back({"listen", **listen, "--listen"});
      }
      auto config = config::load_config(options->config_file, flags);
      if (*demo) {
        // The demo's own database and key apply only where the operator set none, which
        // is known once every other source is read: they join the flags, loaded again.
        std::string db = config.db;
        if (!options->db && db == config::Config().db) {
          db = "sqlite:inereg-demo.db";  // keep demo data out of the default database
          flags.push_back({"db", db, "--demo"});
        }
        if (config.master_key.empty()) {
          flags.push_back({"master_key", demo_master_key(db), "--demo"});
        }
        config = config::load_config(options->config_file, flags);
      }
      setup_logging(config.log_level);
      app::Service service(std::move(config), /*handle_signals=*/true);
      if (*demo) {
        std::cout << prepare_demo(service) << std::flush;
      }
      service.run();
    });
  });
}

// `inereg migrate`: applies pending migrations and prints the schema version. Run once
// before starting (or rolling out) nodes on a shared PostgreSQL database.
void add_migrate_command(CLI::App& app) {
  auto* migrate = app.add_subcommand("migrate", "Apply pending database migrations and print the schema version");
  auto options = std::make_shared<StoreOptions>();
  add_store_options(*migrate, *options);
  migrate->callback([options] {
    guarded([&] {
      const auto config = load(*options);
      auto store = open_for_command(config);
      std::cout << "database schema at version " << store->schema_version() << "\n";
    });
  });
}

void add_integration_commands(CLI::App& app) {
  auto* integration = app.add_subcommand("integration", "Manage integrations (API keys and shared secrets)");
  integration->require_subcommand(1);

  auto* create = integration->add_subcommand("create", "Create an integration and print its API key and secret");
  auto create_options = std::make_shared<StoreOptions>();
  auto name = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto create_origins = std::make_shared<std::vector<std::string>>();
  add_store_options(*create, *create_options);
  create->add_option("--name", *name, "integration name")->required();
  create->add_flag("--json", *json, "print one JSON object {id,name,apiKey,sharedSecret}");
  create->add_option("--cors-origin", *create_origins,
                     "browser origin allowed to create sessions with @veriff/js-sdk (repeatable), e.g. "
                     "https://shop.example.com");

  auto create_urls = std::make_shared<WebhookUrlOptions>();
  add_webhook_url_options(*create, *create_urls);
  auto create_checks = std::make_shared<std::string>();
  add_checks_option(*create, *create_checks);
  create->callback([create_options, name, json, create_urls, create_origins, create_checks] {
    guarded([&] {
      const auto origins = normalized_origins(*create_origins);
      const auto config = load(*create_options);
      const auto box = app::secret_box_from(config);
      const auto urls = apply_webhook_urls({}, *create_urls);  // refuses a bad URL before creating anything
      auto store = open_for_command(config);
      const auto created = admin::create_integration(*store, box, *name, util::wall_clock_ms(), origins);
      if (urls.any()) {
        store->set_integration_webhooks(created.id, urls);
      }
      if (!create_checks->empty()) {
        store->set_integration_registry_checks(created.id, store::parse_registry_checks(*create_checks).value());
      }
      if (*json) {
        boost::json::object out{{"id", created.id},
                                {"name", created.name},
                                {"apiKey", created.api_key},
                                {"sharedSecret", created.shared_secret}};
        std::cout << boost::json::serialize(out) << "\n";
      } else {
        std::cout << "Integration " << created.name << " (" << created.id << ")\n"
                  << "API key:       " << created.api_key << "\n"
                  << "Shared secret: " << created.shared_secret << "\n"
                  << "The shared secret is shown only now; store it safely.\n";
      }
    });
  });

  auto* list = integration->add_subcommand("list", "List integrations");
  auto list_options = std::make_shared<StoreOptions>();
  auto list_json = std::make_shared<bool>(false);
  add_store_options(*list, *list_options);
  list->add_flag("--json", *list_json, "print a JSON array");
  list->callback([list_options, list_json] {
    guarded([&] {
      const auto config = load(*list_options);
      auto store = open_for_command(config);
      boost::json::array all;
      for (const auto& i : store->list_integrations()) {
        const auto urls = store->find_integration_webhooks(i.id).value_or(store::WebhookUrls{});
        if (*list_json) {
          all.push_back(
              boost::json::object{{"id", i.id},
                                  {"name", i.name},
                                  {"apiKey", i.api_key},
                                  {"active", i.active},
                                  {"activeSecrets", i.secrets.size()},
                                  {"createdAt", util::format_iso8601_ms(i.created_at)},
                                  {"corsOrigins", boost::json::array(i.cors_origins.begin(), i.cors_origins.end())},
                                  {"registryChecks", store::registry_checks_name(i.registry_checks)},
                                  {"decisionWebhookUrl", urls.decision},
                                  {"eventWebhookUrl", urls.event},
                                  {"ineWebhookUrl", urls.ine},
                                  {"curpWebhookUrl", urls.curp},
                                  {"ineCurpWebhookUrl", urls.ine_curp},
                                  {"recheckInterval", format_period(i.recheck_interval_ms)},
                                  {"retention", format_period(i.retention_ms)},
                                  {"deliveredWebhookRetention", format_period(i.delivered_webhook_retention_ms)}});
        } else {
          std::cout << i.id << "  " << i.name << "  api key " << i.api_key << "  " << (i.active ? "active" : "inactive")
                    << "  " << i.secrets.size() << " secret(s)"
                    << "  checks " << store::registry_checks_name(i.registry_checks)
                    << (i.cors_origins.empty() ? "" : "  cors origins " + joined(i.cors_origins)) << "\n"
                    << "    webhooks: decision " << or_dash(urls.decision) << "  event " << or_dash(urls.event)
                    << registry_webhooks_text(urls) << "\n"
                    << "    recheck.interval " << format_period(i.recheck_interval_ms) << "  retention "
                    << format_period(i.retention_ms) << "  delivered webhooks kept "
                    << format_period(i.delivered_webhook_retention_ms) << "\n";
        }
      }
      if (*list_json) {
        std::cout << boost::json::serialize(all) << "\n";
      }
    });
  });

  auto* set_webhooks = integration->add_subcommand(
      "set-webhooks", "Set (or with \"\" clear) an integration's webhook URLs; https://, or http:// on loopback");
  auto set_options = std::make_shared<StoreOptions>();
  auto set_id = std::make_shared<std::string>();
  auto set_urls = std::make_shared<WebhookUrlOptions>();
  add_store_options(*set_webhooks, *set_options);
  set_webhooks->add_option("ID", *set_id, "integration id")->required();
  add_webhook_url_options(*set_webhooks, *set_urls);
  set_webhooks->callback([set_options, set_id, set_urls] {
    guarded([&] {
      if (!any_given(*set_urls)) {
        std::cerr
            << "inereg: give at least one of --decision-url, --event-url, --ine-url, --curp-url, --ine-curp-url\n";
        throw CLI::RuntimeError(1);
      }
      const auto config = load(*set_options);
      auto store = open_for_command(config);
      const auto current = store->find_integration_webhooks(*set_id);
      if (!current) {
        std::cerr << "inereg: no integration with that id\n";
        throw CLI::RuntimeError(1);
      }
      const auto urls = apply_webhook_urls(*current, *set_urls);
      store->set_integration_webhooks(*set_id, urls);
      std::cout << "webhooks of " << *set_id << ": decision " << or_dash(urls.decision) << "  event "
                << or_dash(urls.event) << registry_webhooks_text(urls) << "\n";
    });
  });

  auto* set_checks = integration->add_subcommand(
      "set-checks", "Set which registry checks an integration's new sessions get: ine, curp or both");
  auto checks_options = std::make_shared<StoreOptions>();
  auto checks_id = std::make_shared<std::string>();
  auto checks = std::make_shared<std::string>();
  add_store_options(*set_checks, *checks_options);
  set_checks->add_option("ID", *checks_id, "integration id")->required();
  add_checks_option(*set_checks, *checks);
  set_checks->get_option("--checks")->required();
  set_checks->callback([checks_options, checks_id, checks] {
    guarded([&] {
      const auto config = load(*checks_options);
      auto store = open_for_command(config);
      if (!store->set_integration_registry_checks(*checks_id, store::parse_registry_checks(*checks).value())) {
        std::cerr << "inereg: no integration with that id\n";
        throw CLI::RuntimeError(1);
      }
      std::cout << "registry checks of " << *checks_id << ": " << *checks << "\n";
    });
  });

  auto* rotate = integration->add_subcommand(
      "rotate-secret", "Add a new shared secret; the old one keeps working until revoke-old-secrets");
  auto rotate_options = std::make_shared<StoreOptions>();
  auto rotate_id = std::make_shared<std::string>();
  add_store_options(*rotate, *rotate_options);
  rotate->add_option("--id", *rotate_id, "integration id")->required();
  rotate->callback([rotate_options, rotate_id] {
    guarded([&] {
      const auto config = load(*rotate_options);
      const auto box = app::secret_box_from(config);
      auto store = open_for_command(config);
      const auto secret = admin::rotate_secret(*store, box, *rotate_id, util::wall_clock_ms());
      if (!secret) {
        std::cerr << "inereg: no integration with that id\n";
        throw CLI::RuntimeError(1);
      }
      std::cout << *secret << "\n";
    });
  });

  auto* revoke =
      integration->add_subcommand("revoke-old-secrets", "Revoke every shared secret of an integration but the newest");
  auto revoke_options = std::make_shared<StoreOptions>();
  auto revoke_id = std::make_shared<std::string>();
  add_store_options(*revoke, *revoke_options);
  revoke->add_option("--id", *revoke_id, "integration id")->required();
  revoke->callback([revoke_options, revoke_id] {
    guarded([&] {
      const auto config = load(*revoke_options);
      auto store = open_for_command(config);
      std::cout << "revoked " << store->revoke_older_integration_secrets(*revoke_id, util::wall_clock_ms())
                << " secret(s)\n";
    });
  });

  auto* set_origins = integration->add_subcommand(
      "set-cors-origins",
      "Replace the browser origins allowed to create sessions (CORS, for @veriff/js-sdk); none clears them");
  auto set_origins_options = std::make_shared<StoreOptions>();
  auto set_origins_id = std::make_shared<std::string>();
  auto set_origins_list = std::make_shared<std::vector<std::string>>();
  add_store_options(*set_origins, *set_origins_options);
  set_origins->add_option("ID", *set_origins_id, "integration id")->required();
  set_origins->add_option("ORIGIN", *set_origins_list, "origins, e.g. https://shop.example.com http://127.0.0.1:3000");
  set_origins->callback([set_origins_options, set_origins_id, set_origins_list] {
    guarded([&] {
      const auto origins = normalized_origins(*set_origins_list);
      const auto config = load(*set_origins_options);
      auto store = open_for_command(config);
      if (!store->set_integration_cors_origins(*set_origins_id, origins)) {
        std::cerr << "inereg: no integration with that id\n";
        throw CLI::RuntimeError(1);
      }
      std::cout << *set_origins_id << " allows "
                << (origins.empty() ? std::string("no browser origins") : joined(origins)) << "\n";
    });
  });

  auto* set_recheck = integration->add_subcommand(
      "set-recheck", "Re-check the integration's decided credentials on a schedule (recheck.interval), or stop");
  auto set_recheck_options = std::make_shared<StoreOptions>();
  auto set_recheck_id = std::make_shared<std::string>();
  auto interval = std::make_shared<std::string>();
  add_store_options(*set_recheck, *set_recheck_options);
  set_recheck->add_option("ID", *set_recheck_id, "integration id")->required();
  set_recheck
      ->add_option("--interval", *interval,
                   "time after a session's last registry check when it is checked again: 30d, 12h, 90m; "
                   "off stops scheduled re-checks")
      ->required();
  set_recheck->callback([set_recheck_options, set_recheck_id, interval] {
    guarded([&] {
      const auto interval_ms = parse_period(*interval);
      if (!interval_ms) {
        std::cerr << "inereg: --interval must be a whole number of days, hours or minutes (30d, 12h, 90m) or off\n";
        throw CLI::RuntimeError(1);
      }
      const auto config = load(*set_recheck_options);
      auto store = open_for_command(config);
      if (!store->set_integration_recheck_interval(*set_recheck_id, *interval_ms)) {
        std::cerr << "inereg: no integration with that id\n";
        throw CLI::RuntimeError(1);
      }
      std::cout << *set_recheck_id << " recheck.interval " << format_period(*interval_ms) << "\n";
    });
  });

  auto* set_retention = integration->add_subcommand(
      "set-retention",
      "Purge the integration's personal data a time after each decision, and delivered webhook rows after delivery");
  auto set_retention_options = std::make_shared<StoreOptions>();
  auto set_retention_id = std::make_shared<std::string>();
  auto personal_data = std::make_shared<std::optional<std::string>>();
  auto delivered_webhooks = std::make_shared<std::optional<std::string>>();
  add_store_options(*set_retention, *set_retention_options);
  set_retention->add_option("ID", *set_retention_id, "integration id")->required();
  set_retention->add_option("--personal-data", *personal_data,
                            "time after a session's decision (or expiry) when its personal data is purged: 30d, "
                            "12h, 90m; off keeps it until DELETE");
  set_retention->add_option("--delivered-webhooks", *delivered_webhooks,
                            "time after delivery when a delivered webhook row is removed; off keeps them");
  set_retention->callback([set_retention_options, set_retention_id, personal_data, delivered_webhooks] {
    guarded([&] {
      if (!*personal_data && !*delivered_webhooks) {
        std::cerr << "inereg: give --personal-data, --delivered-webhooks or both\n";
        throw CLI::RuntimeError(1);
      }
      std::optional<store::TimeMs> personal_ms;
      std::optional<store::TimeMs> webhooks_ms;
      for (auto [text, period] :
           {std::pair{personal_data.get(), &personal_ms}, std::pair{delivered_webhooks.get(), &webhooks_ms}}) {
        if (*text) {
          *period = parse_period(**text);
          if (!*period) {
            std::cerr << "inereg: a retention period is a whole number of days, hours or minutes (30d, 12h, 90m) or "
                         "off\n";
            throw CLI::RuntimeError(1);
          }
        }
      }
      const auto config = load(*set_retention_options);
      auto store = open_for_command(config);
      const auto current = store->find_integration(*set_retention_id);
      if (!current) {
        std::cerr << "inereg: no integration with that id\n";
        throw CLI::RuntimeError(1);
      }
      const auto retention_ms = personal_ms.value_or(current->retention_ms);
      const auto delivered_ms = webhooks_ms.value_or(current->delivered_webhook_retention_ms);
      store->set_integration_retention(*set_retention_id, retention_ms, delivered_ms);
      std::cout << *set_retention_id << " retention " << format_period(retention_ms) << "  delivered webhooks kept "
                << format_period(delivered_ms) << "\n";
    });
  });

  for (const bool activate : {false, true}) {
    auto* command = integration->add_subcommand(
        activate ? "activate" : "deactivate",
        activate ? "Let an integration call the API again" : "Refuse every request of an integration (401, 1804)");
    auto command_options = std::make_shared<StoreOptions>();
    auto id = std::make_shared<std::string>();
    add_store_options(*command, *command_options);
    command->add_option("--id", *id, "integration id")->required();
    command->callback([command_options, id, activate] {
      guarded([&] {
        const auto config = load(*command_options);
        auto store = open_for_command(config);
        if (!store->set_integration_active(*id, activate)) {
          std::cerr << "inereg: no integration with that id\n";
          throw CLI::RuntimeError(1);
        }
        std::cout << (activate ? "activated " : "deactivated ") << *id << "\n";
      });
    });
  }
}

void add_registry_commands(CLI::App& app) {
  auto* registry =
      app.add_subcommand("registry", "The registry: local snapshot, re-checks, recorded answers, a reference upstream");
  registry->require_subcommand(1);
  add_serve_upstream_command(*registry);

  auto* generate = registry->add_subcommand("generate", "Write synthetic credential records (CSV)");
  auto count = std::make_shared<std::int64_t>(0);
  auto out = std::make_shared<std::string>();
  auto seed = std::make_shared<std::uint64_t>(std::random_device{}());
  generate->add_option("--count", *count, "number of records")->required()->check(CLI::Range(1LL, 100'000'000LL));
  generate->add_option("--out", *out, "output file")->required();
  generate->add_option("--seed", *seed, "random seed (same seed, same records)");
  generate->callback([count, out, seed] {
    registry::SyntheticRegistry synthetic(*seed);
    write_lines(*out, registry::kRegistryCsvHeader, *count,
                [&synthetic] { return registry::format_registry_row(synthetic.next()); });
  });

  auto* generate_curp =
      registry->add_subcommand("generate-curp", "Write synthetic CURP records with valid check digits (CSV)");
  auto curp_count = std::make_shared<std::int64_t>(0);
  auto curp_out = std::make_shared<std::string>();
  auto curp_seed = std::make_shared<std::uint64_t>(std::random_device{}());
  generate_curp->add_option("--count", *curp_count, "number of records")
      ->required()
      ->check(CLI::Range(1LL, 100'000'000LL));
  generate_curp->add_option("--out", *curp_out, "output file")->required();
  generate_curp->add_option("--seed", *curp_seed, "random seed (same seed, same records)");
  generate_curp->callback([curp_count, curp_out, curp_seed] {
    registry::SyntheticCurps synthetic(*curp_seed);
    write_lines(*curp_out, registry::kCurpCsvHeader, *curp_count,
                [&synthetic] { return registry::format_curp_row(synthetic.next()); });
  });

  auto* import_curp = registry->add_subcommand(
      "import-curp", "Load a CURP CSV as the local RENAPO snapshot (stored as keyed hashes, never in clear)");
  auto import_curp_options = std::make_shared<StoreOptions>();
  auto curp_file_name = std::make_shared<std::string>();
  add_store_options(*import_curp, *import_curp_options);
  import_curp->add_option("FILE", *curp_file_name, "CSV file: " + std::string(registry::kCurpCsvHeader))
      ->required()
      ->check(CLI::ExistingFile);
  import_curp->callback([import_curp_options, curp_file_name] {
    guarded([&] {
      const auto config = load(*import_curp_options);
      const auto hash = app::curp_registry_keys(app::secret_box_from(config)).current;
      auto store = open_for_command(config);
      std::ifstream input(*curp_file_name);
      report_import(*curp_file_name,
                    registry::import_curp_registry(*store, input, hash, import_progress(::isatty(STDERR_FILENO) == 1)));
    });
  });

  auto* recheck = registry->add_subcommand(
      "recheck",
      "Queue re-checks of decided sessions' credentials now (history: GET /v1/sessions/{id}/ine-registry/rechecks)");
  auto recheck_options = std::make_shared<StoreOptions>();
  auto recheck_session = std::make_shared<std::optional<std::string>>();
  auto recheck_integration = std::make_shared<std::optional<std::string>>();
  auto decided_before = std::make_shared<std::optional<std::string>>();
  add_store_options(*recheck, *recheck_options);
  auto* session_option = recheck->add_option("--session", *recheck_session, "one session");
  auto* integration_option =
      recheck->add_option("--integration", *recheck_integration, "every session of this integration …");
  recheck
      ->add_option("--decided-before", *decided_before,
                   "… decided before this date (YYYY-MM-DD, UTC midnight) or time (ISO 8601)")
      ->needs(integration_option);
  session_option->excludes(integration_option);
  integration_option->needs("--decided-before");
  recheck->callback([recheck_options, recheck_session, recheck_integration, decided_before] {
    guarded([&] {
      store::RecheckSelection which;
      if (*recheck_session) {
        which.session_id = **recheck_session;
      } else if (*recheck_integration) {
        const std::string& text = **decided_before;
        which.integration_id = **recheck_integration;
        which.decided_before = util::parse_iso8601(util::is_calendar_date(text) ? text + "T00:00:00Z" : text);
        if (!which.decided_before) {
          std::cerr << "inereg: --decided-before must be YYYY-MM-DD or an ISO 8601 time\n";
          throw CLI::RuntimeError(1);
        }
      } else {
        std::cerr << "inereg: give --session ID, or --integration ID --decided-before DATE\n";
        throw CLI::RuntimeError(1);
      }
      const auto config = load(*recheck_options);
      auto store = open_for_command(config);
      // Queuing sends no webhook: a re-check's webhook comes with its answer, from serve.
      sessions::SessionWorkflow sessions(*store, nullptr);
      const auto queued = sessions.request_rechecks(which, store::recheck_by::kOperator, util::wall_clock_ms());
      if (queued == 0 && which.session_id) {
        std::cerr << "inereg: no session with that id has a registry result to re-check\n";
        throw CLI::RuntimeError(1);
      }
      std::cout << "queued " << queued << " re-check(s); a running server starts them at recheck.rate_per_second\n";
    });
  });

  // `inereg registry answer --session ID`: what the registry said for a session's result
  // (its answer body, opened with the master key; personal data, printed for the operator
  // who asks and logged nowhere).
  auto* answer = registry->add_subcommand("answer", "Show the registry's answer recorded with a session's result");
  auto answer_options = std::make_shared<StoreOptions>();
  auto session_id = std::make_shared<std::string>();
  add_store_options(*answer, *answer_options);
  answer->add_option("--session", *session_id, "session id")->required();
  answer->callback([answer_options, session_id] {
    guarded([&] {
      const auto config = load(*answer_options);
      const auth::AnswerBox answers(app::secret_box_from(config));
      auto store = open_for_command(config);
      const auto shown = admin::show_registry_answer(*store, answers, *session_id);
      if (!shown) {
        std::cerr << "inereg: that session has no registry result\n";
        throw CLI::RuntimeError(1);
      }
      std::cout << "source: " << (shown->source.empty() ? "(not recorded)" : shown->source) << "\n"
                << "checked at: " << util::format_iso8601_ms(shown->checked_at) << "\n";
      if (shown->unreadable) {
        std::cerr << "inereg: the answer does not open with this master key\n";
        throw CLI::RuntimeError(1);
      }
      if (!shown->answer) {
        std::cout << "answer: none kept (the source gives no answer body)\n";
        return;
      }
      std::cout << "answer (" << shown->answer->size() << " bytes):\n" << *shown->answer << "\n";
    });
  });

  // `inereg registry import FILE|-`: a new INE snapshot file, then activated (registry_import.hpp).
  auto* import = registry->add_subcommand(
      "import",
      "Load a registry CSV (plain or gzip; - reads stdin) as a new local registry snapshot (keyed hashes, never in "
      "clear); the one it replaces is kept for a rollback");
  auto import_options = std::make_shared<StoreOptions>();
  auto file_name = std::make_shared<std::string>();
  auto threads = std::make_shared<int>(2);
  add_store_options(*import, *import_options);
  import->add_option("FILE", *file_name, "CSV file: " + std::string(registry::kRegistryCsvHeader) + "; - for stdin")
      ->required()
      ->check(CLI::ExistingFile | CLI::IsMember({"-"}));
  import->add_option("--threads", *threads, "parsing and hashing threads (default 2)")->check(CLI::Range(1, 8));
  import->callback([import_options, file_name, threads] {
    guarded([&] {
      const auto config = load(*import_options);
  auto store = open_for_command(config);
  auto local = app::local_snapshot_options(config, app::secret_box_from(config));
  if (local.dir.empty()) {
    std::cerr << "inereg: set registry.snapshot_dir (INEREG_REGISTRY_SNAPSHOT_DIR): where every node keeps the "
                 "snapshot files\n";
    throw CLI::RuntimeError(1);
  }
  const bool from_stdin = *file_name == "-";
  const int fd = from_stdin ? STDIN_FILENO : ::open(file_name->c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::cerr << "inereg: cannot read " << *file_name << "\n";
    throw CLI::RuntimeError(1);
  }
  registry::SnapshotImportOptions options{local.dir, local.key, *threads, util::wall_clock_ms,
                                          import_progress(::isatty(STDERR_FILENO) == 1)};
  const auto report = registry::import_registry(*store, fd, options);
  if (!from_stdin) {
    ::close(fd);
  }
  report_import(from_stdin ? "stdin" : *file_name, report);
});
}  // namespace inereg::cli
);

// `inereg registry status`: the active INE snapshot and the one a rollback returns to.
auto* status = registry->add_subcommand("status", "Show the active local registry snapshot and the previous one");
auto status_options = std::make_shared<StoreOptions>();
add_store_options(*status, *status_options);
status->callback([status_options] {
  guarded([&] {
    const auto config = load(*status_options);
    auto store = open_for_command(config);
    const auto state = store->find_registry_snapshot(store::kIneSnapshot);
    const auto show = [](std::string_view label, const std::optional<store::SnapshotFileRecord>& record) {
      if (!record) {
        std::cout << label << ": none\n";
        return;
      }
      std::cout << label << ": " << record->file << "\n  rows " << record->row_count << "\n  imported at "
                << util::format_iso8601_ms(record->imported_at) << "\n  source sha256 " << record->source_sha256
                << "\n";
    };
    show("active", state.active);
    show("previous", state.previous);
    if (!state.active) {
      const auto legacy = store->registry_entry_count();
      if (legacy > 0) {
        std::cout << "legacy table: " << legacy
                  << " rows with identifiers in clear (answering until the next registry import replaces them)\n";
      }
    }
  });
});

auto* rollback = registry->add_subcommand(
    "rollback", "Make the previous local registry snapshot active again (a second rollback undoes the first)");
auto rollback_options = std::make_shared<StoreOptions>();
add_store_options(*rollback, *rollback_options);
rollback->callback([rollback_options] {
  guarded([&] {
    const auto config = load(*rollback_options);
    auto store = open_for_command(config);
    if (!store->rollback_registry_snapshot(store::kIneSnapshot)) {
      std::cerr << "inereg: there is no previous registry snapshot to return to\n";
      throw CLI::RuntimeError(1);
    }
    const auto state = store->find_registry_snapshot(store::kIneSnapshot);
    std::cout << "active: " << state.active.value().file << " (" << state.active->row_count << " rows)\n";
  });
});
}

// `inereg webhook list|redeliver`: the outbox, read and re-queued in the store directly.
// Bodies (personal data) are never printed, only their size.
void add_webhook_commands(CLI::App& app) {
  auto* webhook = app.add_subcommand("webhook", "Webhook deliveries: history and redelivery");
  webhook->require_subcommand(1);

  auto* list = webhook->add_subcommand("list", "List webhook deliveries (newest first) with their attempts");
  auto list_options = std::make_shared<StoreOptions>();
  auto session = std::make_shared<std::optional<std::string>>();
  auto state = std::make_shared<std::optional<std::string>>();
  auto limit = std::make_shared<int>(100);
  auto json = std::make_shared<bool>(false);
  add_store_options(*list, *list_options);
  list->add_option("--session", *session, "only deliveries of this session");
  list->add_option("--state", *state, "only deliveries in this state")
      ->check(CLI::IsMember({"pending", "delivered", "failed"}));
  list->add_option("--limit", *limit, "at most this many deliveries (default 100)")->check(CLI::Range(1, 100'000));
  list->add_flag("--json", *json, "print a JSON array");
  list->callback([list_options, session, state, limit, json] {
    guarded([&] {
      const auto config = load(*list_options);
      auto store = open_for_command(config);
      store::DeliveryFilter filter;
      filter.session_id = *session;
      if (*state) {
        filter.state = store::delivery_state_from_name(**state);
      }
      filter.limit = *limit;
      boost::json::array all;
      for (const auto& d : store->list_webhook_deliveries(filter)) {
        boost::json::array attempts;
        for (const auto& a : d.history) {
          attempts.push_back(boost::json::object{
              {"time", util::format_iso8601_ms(a.attempted_at)},
              {"httpStatus", a.http_status ? boost::json::value(*a.http_status) : boost::json::value(nullptr)},
              {"error", a.error.empty() ? boost::json::value(nullptr) : boost::json::value(a.error.c_str())},
              {"durationMs", a.duration_ms}});
        }
        if (*json) {
          all.push_back(boost::json::object{
              {"id", d.id},
              {"integrationId", d.integration_id},
              {"sessionId", d.session_id},
              {"kind", store::webhook_kind_name(d.kind)},
              {"url", d.url},
              {"state", store::delivery_state_name(d.state)},
              {"attempts", d.attempts},
              {"nextAttemptAt", util::format_iso8601_ms(d.next_attempt_at)},
              {"lastStatus", d.last_status ? boost::json::value(*d.last_status) : boost::json::value(nullptr)},
              {"lastError", d.last_error ? boost::json::value(d.last_error->c_str()) : boost::json::value(nullptr)},
              {"createdAt", util::format_iso8601_ms(d.created_at)},
              {"deliveredAt", d.delivered_at ? boost::json::value(util::format_iso8601_ms(*d.delivered_at).c_str())
                                             : boost::json::value(nullptr)},
              {"redeliveryOf", d.redelivery_of ? boost::json::value(*d.redelivery_of) : boost::json::value(nullptr)},
              {"bodyBytes", d.body_bytes},
              {"history", std::move(attempts)}});
          continue;
        }
        std::cout << d.id << "  " << store::webhook_kind_name(d.kind) << "  session " << d.session_id << "  "
                  << store::delivery_state_name(d.state) << "  " << d.attempts << " attempt(s)  " << d.url << "  "
                  << d.body_bytes << " bytes";
        if (d.redelivery_of) {
          std::cout << "  redelivery of " << *d.redelivery_of;
        }
        if (d.state == store::DeliveryState::kPending && d.attempts > 0) {
          std::cout << "  next " << util::format_iso8601_ms(d.next_attempt_at);
        }
        std::cout << "\n";
        for (const auto& a : d.history) {
          std::cout << "    " << util::format_iso8601_ms(a.attempted_at) << "  "
                    << (a.http_status ? "HTTP " + std::to_string(*a.http_status) : a.error) << "  " << a.duration_ms
                    << " ms\n";
        }
      }
      if (*json) {
        std::cout << boost::json::serialize(all) << "\n";
      }
    });
  });

  auto* redeliver = webhook->add_subcommand(
      "redeliver",
      "Queue a copy of a delivery (same body, the integration's current URL, a fresh retry window); the original "
      "keeps its history");
  auto redeliver_options = std::make_shared<StoreOptions>();
  auto delivery_id = std::make_shared<std::int64_t>(0);
  add_store_options(*redeliver, *redeliver_options);
  redeliver->add_option("DELIVERY_ID", *delivery_id, "the delivery to send again")->required();
  redeliver->callback([redeliver_options, delivery_id] {
    guarded([&] {
      const auto config = load(*redeliver_options);
      auto store = open_for_command(config);
      // The copy is queued as is: no session change composes webhooks here.
      sessions::SessionWorkflow sessions(*store, nullptr);
      const auto result = sessions.redeliver(*delivery_id, util::wall_clock_ms());
      using Outcome = sessions::RedeliverResult::Outcome;
      switch (result.outcome) {
        case Outcome::kQueued:
          std::cout << "queued delivery " << result.delivery_id << " (a copy of " << *delivery_id << ")\n";
          return;
        case Outcome::kNotFound:
          std::cerr << "inereg: no webhook delivery with that id\n";
          break;
        case Outcome::kBodyErased:
          std::cerr << "inereg: the session was deleted and the webhook body erased with its data\n";
          break;
        case Outcome::kNoUrl:
          std::cerr << "inereg: the integration has no webhook URL of that kind now (integration set-webhooks)\n";
          break;
      }
      throw CLI::RuntimeError(1);
    });
  });
}

void add_keys_commands(CLI::App& app) {
  auto* keys = app.add_subcommand("keys", "Master key management");
  keys->require_subcommand(1);
  // `inereg keys rotate`: master_key is the new key, previous_master_key the one being
  // replaced; `serve` runs with both meanwhile (docs/DEPLOYMENT.md, "Rotating the master key").
  auto* rotate = keys->add_subcommand(
      "rotate", "Re-seal every data key and integration secret under master_key (previous_master_key: the old key)");
  auto options = std::make_shared<StoreOptions>();
  auto batch_size = std::make_shared<int>(500);
  add_store_options(*rotate, *options);
  rotate->add_option("--batch-size", *batch_size, "rows re-sealed per transaction")
      ->check(CLI::Range(1, 100'000))
      ->capture_default_str();
  rotate->callback([options, batch_size] {
    guarded([&] {
      const auto config = load(*options);
      if (config.previous_master_key.empty()) {
        std::cerr << "inereg: set previous_master_key (INEREG_PREVIOUS_MASTER_KEY) to the key being replaced and "
                     "master_key to the new one\n";
        throw CLI::RuntimeError(1);
      }
      const auto both = app::secret_box_from(config);
      const auto current_only = *auth::SecretBox::from_hex(config.master_key);
      auto store = open_for_command(config);
      admin::RotationOptions rotation;
      rotation.batch_size = *batch_size;
      rotation.after_batch = [](const admin::RotationProgress& p) {
        std::cout << "re-sealed so far: " << p.data_keys_resealed << " data keys, " << p.secrets_resealed
                  << " integration secrets\n"
                  << std::flush;
      };
      const auto done = admin::rotate_master_key(*store, app::key_ring_from(config), both, current_only, rotation);
      std::cout << "done: " << done.data_keys_resealed << " data keys and " << done.secrets_resealed
                << " integration secrets re-sealed under key id " << auth::master_key_id(current_only) << "\n";
      if (done.data_keys_unopenable > 0 || done.secrets_unopenable > 0) {
        std::cerr << "inereg: " << done.data_keys_unopenable << " data keys and " << done.secrets_unopenable
                  << " integration secrets open under neither key; they are left as they are\n";
        throw CLI::RuntimeError(1);
      }
    });
  });
}

void add_retention_commands(CLI::App& app) {
  auto* retention = app.add_subcommand("retention", "Retention: what was purged, and a sweep on demand");
  retention->require_subcommand(1);

  auto* status = retention->add_subcommand(
      "status", "Show each integration's retention, what was purged and pruned so far, and the last sweep");
  auto status_options = std::make_shared<StoreOptions>();
  auto status_json = std::make_shared<bool>(false);
  add_store_options(*status, *status_options);
  status->add_flag("--json", *status_json, "print a JSON object");
  status->callback([status_options, status_json] {
    guarded([&] {
      const auto config = load(*status_options);
      auto store = open_for_command(config);
      const auto report = store->retention_report();
      const auto time_or_null = [](const std::optional<store::TimeMs>& at) -> boost::json::value {
        return at ? boost::json::value(util::format_iso8601_ms(*at)) : boost::json::value(nullptr);
      };
      boost::json::array integrations;
      for (const auto& i : store->list_integrations()) {
        const auto found = std::find_if(report.integrations.begin(), report.integrations.end(),
                                        [&](const store::RetentionCounts& c) { return c.integration_id == i.id; });
        store::RetentionCounts counts;  // none yet: zeros
        if (found != report.integrations.end()) {
          counts = *found;
        }
        if (*status_json) {
          integrations.push_back(
              boost::json::object{{"id", i.id},
                                  {"name", i.name},
                                  {"retention", format_period(i.retention_ms)},
                                  {"deliveredWebhookRetention", format_period(i.delivered_webhook_retention_ms)},
                                  {"sessionsPurged", counts.sessions_purged},
                                  {"webhooksPruned", counts.webhooks_pruned},
                                  {"lastPurgedAt", time_or_null(counts.last_purged_at)},
                                  {"lastPrunedAt", time_or_null(counts.last_pruned_at)}});
        } else {
          std::cout << i.id << "  " << i.name << "  retention " << format_period(i.retention_ms)
                    << "  delivered webhooks kept " << format_period(i.delivered_webhook_retention_ms) << "\n"
                    << "    sessions purged " << counts.sessions_purged << " (last "
                    << (counts.last_purged_at ? util::format_iso8601_ms(*counts.last_purged_at) : "-")
                    << ")  delivered webhooks pruned " << counts.webhooks_pruned << " (last "
                    << (counts.last_pruned_at ? util::format_iso8601_ms(*counts.last_pruned_at) : "-") << ")\n";
        }
      }
      const auto& run = report.last_run;
      if (*status_json) {
        boost::json::value last_run = nullptr;
        if (run) {
          last_run = boost::json::object{{"at", util::format_iso8601_ms(run->ran_at)},
                                         {"sessionsPurged", run->sessions_purged},
                                         {"webhooksPruned", run->webhooks_pruned}};
        }
        std::cout << boost::json::serialize(boost::json::object{{"integrations", integrations}, {"lastRun", last_run}})
                  << "\n";
      } else if (run) {
        std::cout << "last sweep " << util::format_iso8601_ms(run->ran_at) << ": " << run->sessions_purged
                  << " session(s) purged, " << run->webhooks_pruned << " delivered webhook(s) pruned\n";
      } else {
        std::cout << "no retention sweep has run on this database\n";
      }
    });
  });

  auto* run = retention->add_subcommand("run", "Sweep once now (as every serving node does each interval)");
  auto run_options = std::make_shared<StoreOptions>();
  add_store_options(*run, *run_options);
  run->callback([run_options] {
    guarded([&] {
      const auto config = load(*run_options);
      setup_logging(config.log_level);  // the audit lines to stderr; stdout carries the result
      auto store = open_for_command(config);
      // Purging queues no webhooks: no composer.
      sessions::SessionWorkflow sessions(*store, nullptr);
      sessions::RetentionSweeper sweeper(*store, sessions, config.retention, util::wall_clock_ms);
      const auto done = sweeper.sweep_once();
      std::cout << done.sessions_purged << " session(s) purged, " << done.webhooks_pruned
                << " delivered webhook(s) pruned\n";
    });
  });
}

}  // namespace inereg::cli
