// Check pipeline benchmark driver: the real checks::CheckRunner on a real store, with a
// registry connector that answers every lookup after a fixed delay on its own event
// loop (tests/support/timed_connector.hpp), as a remote upstream would.
//
//   pipeline_bench seed --db URL --checks N [--sessions-out FILE]
//       creates an integration (INEREG_MASTER_KEY seals its secret) and N submitted
//       sessions with synthetic credentials; writes `session_id signature` lines (for
//       wrk's ine_registry.lua) to FILE and `api_key` to FILE.key.
//   pipeline_bench run --db URL [--delay-ms 200] [--max-in-flight 512] [--batch 128]
//       [--workers 2] [--lease-ms 30000]
//       runs the pipeline until no job is pending; prints a `BENCH key=value` line:
//       completed checks, wall seconds, checks/s (overall and between 10% and 90% done),
//       peak lookups waiting at once, peak RSS.
//
// Seeding a SQLite file goes through one raw transaction (the same columns the store
// writes) instead of two fsync'd commits per session through the API: the submit path
// is measured by the HTTP benchmarks; here only the pipeline is. The registry verdicts
// come from the same seeded synthetic generator, so `run` needs the seed's N.
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <thread>

#include "admin/integrations.hpp"
#include "auth/secret_box.hpp"
#include "auth/signing.hpp"
#include "checks/check_runner.hpp"
#include "registry/registry_file.hpp"
#include "sessions/workflow.hpp"
#include "store/store.hpp"
#include "support/timed_connector.hpp"
#include "util/time.hpp"

namespace {

using namespace inereg;
using std::chrono::milliseconds;

constexpr std::uint64_t kRegistrySeed = 20'260'401;

[[noreturn]] void fail(const std::string& message) {
  std::cerr << "pipeline_bench: " << message << "\n";
  std::exit(2);
}

std::map<std::string, std::string> parse_flags(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string name = argv[i];
    if (!name.starts_with("--")) {
      fail("unexpected argument " + name);
    }
    flags[name.substr(2)] = argv[i + 1];
  }
  return flags;
}

std::string flag(const std::map<std::string, std::string>& flags, const std::string& name,
                 const std::string& fallback = "") {
  const auto it = flags.find(name);
  if (it != flags.end()) {
    return it->second;
  }
  if (fallback.empty()) {
    fail("--" + name + " is required");
  }
  return fallback;
}

// Synthetic credentials, the same sequence in `seed` and `run`.
std::vector<registry::RegistryRow> synthetic_rows(int count) {
  registry::SyntheticRegistry synthetic(kRegistrySeed);
  std::vector<registry::RegistryRow> rows;
  rows.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    rows.push_back(synthetic.next());
  }
  return rows;
}

std::string session_id(int i) {
  // A UUID-shaped id, so that the API accepts it in GET ine-registry.
  char text[40];
  std::snprintf(text, sizeof text, "00000000-0000-4000-8000-%012d", i);
  return text;
}

void sqlite_exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string message = error ? error : "?";
    sqlite3_free(error);
    fail("SQLite: " + message);
  }
}

// One transaction: N sessions (status submitted) and their pending check jobs.
void seed_sqlite(const std::string& path, const std::string& integration_id,
                 const std::vector<registry::RegistryRow>& rows, store::TimeMs now) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    fail("cannot open " + path);
  }
  sqlite3_busy_timeout(db, 10'000);
  sqlite_exec(db, "BEGIN IMMEDIATE");
  sqlite3_stmt* session = nullptr;
  sqlite3_stmt* job = nullptr;
  sqlite3_prepare_v2(db,
                     "INSERT INTO sessions(id, integration_id, status, attempt_id, person_json, document_json, "
                     "ine_document, cic, citizen_id, ocr, elector_key, emission_number, curp, created_at, "
                     "submitted_at) VALUES (?, ?, 'submitted', 'bench', '{}', '{}', 1, ?, ?, ?, ?, ?, ?, ?, ?)",
                     -1, &session, nullptr);
  sqlite3_prepare_v2(db, "INSERT INTO check_jobs(session_id, state, next_run_at) VALUES (?, 'pending', ?)", -1, &job,
                     nullptr);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto id = session_id(static_cast<int>(i));
    const auto& c = rows[i].credential;
    int column = 0;
    for (const std::string* text :
         {&id, &integration_id, &c.cic, &c.citizen_id, &c.ocr, &c.elector_key, &c.emission_number, &c.curp}) {
      sqlite3_bind_text(session, ++column, text->c_str(), -1, SQLITE_TRANSIENT);
    }
    sqlite3_bind_int64(session, ++column, now);
    sqlite3_bind_int64(session, ++column, now);
    if (sqlite3_step(session) != SQLITE_DONE) {
      fail(std::string("insert session: ") + sqlite3_errmsg(db));
    }
    sqlite3_reset(session);
    sqlite3_bind_text(job, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(job, 2, now);
    if (sqlite3_step(job) != SQLITE_DONE) {
      fail(std::string("insert job: ") + sqlite3_errmsg(db));
    }
    sqlite3_reset(job);
  }
  sqlite3_finalize(session);
  sqlite3_finalize(job);
  sqlite_exec(db, "COMMIT");
  sqlite3_close(db);
}

// Through the Store, several threads: PostgreSQL commits are network round trips.
void seed_through_store(store::Store& store, const std::string& integration_id,
                        const std::vector<registry::RegistryRow>& rows, store::TimeMs now) {
  constexpr int kThreads = 8;
  sessions::SessionWorkflow sessions(store, nullptr);  // the bench measures checks, not webhooks
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = static_cast<std::size_t>(t); i < rows.size(); i += kThreads) {
        store::Session s;
        s.id = session_id(static_cast<int>(i));
        s.integration_id = integration_id;
        s.ine_document = true;
        s.credential = rows[i].credential;
        s.created_at = now;
        sessions.create(s);
        sessions.submit(s.id, "bench", now);
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
}

int seed(const std::map<std::string, std::string>& flags) {
  const std::string url = flag(flags, "db");
  const int count = std::stoi(flag(flags, "checks"));
  const char* master_key = std::getenv("INEREG_MASTER_KEY");
  const auto box = auth::SecretBox::from_hex(master_key ? master_key : "");
  if (!box) {
    fail("INEREG_MASTER_KEY must hold 64 hex characters");
  }
  auto store = store::open_store(url);
  const auto integration = admin::create_integration(*store, *box, "pipeline-bench", util::wall_clock_ms());
  const auto rows = synthetic_rows(count);
  const auto started = std::chrono::steady_clock::now();
  if (url.starts_with("sqlite:")) {
    store.reset();
    seed_sqlite(url.substr(7), integration.id, rows, util::wall_clock_ms());
  } else {
    seed_through_store(*store, integration.id, rows, util::wall_clock_ms());
  }
  std::cerr << "seeded " << count << " submitted sessions in "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() << " s\n";
  if (const auto out = flags.find("sessions-out"); out != flags.end()) {
    std::ofstream sessions(out->second);
    for (int i = 0; i < count; ++i) {
      const auto id = session_id(i);
      sessions << id << " " << auth::hmac_sha256_hex(integration.shared_secret, id) << "\n";
    }
    std::ofstream(out->second + ".key") << integration.api_key << "\n";
  }
  return 0;
}

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;  // KiB on Linux
}

int run(const std::map<std::string, std::string>& flags) {
  const std::string url = flag(flags, "db");
  checks::CheckRunnerOptions options;
  options.max_in_flight = std::stoi(flag(flags, "max-in-flight", std::to_string(options.max_in_flight)));
  options.batch_size = std::stoi(flag(flags, "batch", std::to_string(options.batch_size)));
  options.workers = std::stoi(flag(flags, "workers", std::to_string(options.workers)));
  options.lease_ms = std::stoll(flag(flags, "lease-ms", std::to_string(options.lease_ms)));
  const auto delay = milliseconds(std::stoi(flag(flags, "delay-ms", "200")));

  auto store = store::open_store(url);
  const std::int64_t pending = store->pending_check_count();
  if (pending == 0) {
    fail("no pending checks: run `pipeline_bench seed` first");
  }
  // The verdicts of the seeded credentials (the same synthetic sequence).
  auto table = std::make_shared<std::unordered_map<std::string, int>>();
  for (const auto& row : synthetic_rows(static_cast<int>(pending))) {
    const auto entry = registry::to_registry_entry(row);
    (*table)[entry.lookup_key] = entry.situation;
  }
  testing::TimedConnector connector(testing::delayed_table(delay, table));
  sessions::SessionWorkflow sessions(*store, nullptr);  // as seeded: no webhooks
  checks::CheckRunner runner(*store, sessions, connector, options, util::wall_clock_ms);
  const auto& m = runner.metrics();
  const auto completed = [&] { return m.verdicts_active.value() + m.verdicts_inactive.value(); };

  std::cout << "RUNNING pending=" << pending << std::endl;  // the script starts wrk on this line
  const auto started = std::chrono::steady_clock::now();
  runner.start();
  std::optional<std::chrono::steady_clock::time_point> at_10, at_90;
  while (completed() < pending) {
    std::this_thread::sleep_for(milliseconds(20));
    const auto now = std::chrono::steady_clock::now();
    if (!at_10 && completed() * 10 >= pending) {
      at_10 = now;
    }
    if (!at_90 && completed() * 10 >= pending * 9) {
      at_90 = now;
    }
    if (m.store_errors.value() > 0 || now - started > std::chrono::minutes(10)) {
      break;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  runner.stop();
  const double steady =
      at_10 && at_90 ? static_cast<double>(pending) * 0.8 / std::chrono::duration<double>(*at_90 - *at_10).count() : 0;
  std::cout << "BENCH completed=" << completed() << " seconds=" << seconds << " checks_per_s=" << completed() / seconds
            << " steady_checks_per_s=" << steady << " peak_waiting=" << connector.peak_waiting()
            << " lookups=" << connector.started() << " retries=" << m.retries.value()
            << " lost_leases=" << m.lost_leases.value() << " store_errors=" << m.store_errors.value()
            << " peak_rss_mib=" << static_cast<double>(peak_rss_kib()) / 1024.0 << std::endl;
  return completed() == pending ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);  // one info line per completed check otherwise
  const std::string command = argc > 1 ? argv[1] : "";
  try {
    if (command == "seed") {
      return seed(parse_flags(argc, argv));
    }
    if (command == "run") {
      return run(parse_flags(argc, argv));
    }
  } catch (const std::exception& e) {
    fail(e.what());
  }
  std::cerr << "usage: pipeline_bench seed|run --db URL ... (see bench/pipeline_bench.cpp)\n";
  return 2;
}
