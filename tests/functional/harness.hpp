#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "functional/process.hpp"
#include "support/http_client.hpp"
#include "support/test_database.hpp"

// What the functional tests share: a workspace per test (temp dir, a private database
// on the backend INEREG_TEST_BACKEND picks, fresh master key), the CLI as a one-shot child, `inereg serve` as a
// long-running child, and a small Veriff API client that signs like an integrator would.
namespace inereg::functional {

using testing::HttpReply;

inline constexpr std::string_view kVigenteState = "La credencial esta vigente";
inline constexpr std::string_view kNotFoundState =
    "No se obtuvieron datos de la consulta con los parámetros seleccionados";

// Deadlines: generous for a loaded 2-core machine; a passing run never waits them out.
inline constexpr milliseconds kStartTimeout{20'000};
inline constexpr milliseconds kCheckTimeout{20'000};
inline constexpr milliseconds kStopTimeout{10'000};

std::string binary_path();

// 64 random hex digits from the OS, independent of the code under test.
std::string random_master_key_hex();

// One test's private world. Children run with INEREG_MASTER_KEY (unless a test drops
// it) and INEREG_DB naming the test's own database (a file in the temp dir, or a fresh
// PostgreSQL database dropped with the workspace).
class Workspace {
 public:
  Workspace();

  const TempDir& dir() const { return dir_; }
  const std::string& db_url() const { return database_.url(); }
  const testing::TestDatabase& database() const { return database_; }
  const std::string& master_key() const { return master_key_; }
  // The variables every child gets: the master key, plus `extra` (which wins).
  EnvVars env(const EnvVars& extra = {}) const;

  // `inereg ARGS` with env() + extra, cwd = the temp dir.
  CliResult cli(const std::vector<std::string>& args, const EnvVars& extra = {}) const;
  // Same with the exact environment given (e.g. without a master key).
  CliResult cli_with_env(const std::vector<std::string>& args, const EnvVars& env) const;

 private:
  TempDir dir_;
  testing::TestDatabase database_;
  std::string master_key_;
};

struct Integration {
  std::string id;
  std::string name;
  std::string api_key;
  std::string secret;
};

// `integration create --name NAME --json` through the CLI; throws if it fails.
Integration create_integration(const Workspace& workspace, const std::string& name);

// A row of a registry CSV, read by the test itself (not by the parser under test).
struct CsvRow {
  int line = 0;  // 1-based line number in the file
  std::string model;
  std::string cic;
  std::string citizen_id;
  std::string ocr;
  std::string elector_key;
  std::string emission_number;
  int situation = 0;
};

std::vector<CsvRow> read_registry_csv(const std::filesystem::path& file);

// The create-session body that carries a credential of the row's model the way an
// integrator sends it (E–H: CIC + ineIdentifier; D: CIC + ifeIdentifier; C: clave de
// elector + issueNumber + ifeIdentifier), with country MX and type ID_CARD.
std::string session_body_for(const CsvRow& row);

// `registry generate` then `registry import` through the CLI; returns the rows.
std::vector<CsvRow> generate_and_import(const Workspace& workspace, int count, int seed);
// The first row matching `predicate`; throws if none does.
CsvRow first_row(const std::vector<CsvRow>& rows, const std::function<bool(const CsvRow&)>& predicate);
// A synthetic credential of `model` drawn from its own seed, never in any test's registry.
CsvRow unregistered_credential(const std::string& model);

// The answer the service gives for a registry situation.
struct ExpectedAnswer {
  bool active = false;
  std::string document_state;
};
ExpectedAnswer expected_answer(int situation);

// `inereg serve` on a free loopback port. The constructor returns once the server
// answers /healthz (so SIGTERM is handled from then on); it throws with the child's
// stderr if the server does not come up.
class Server {
 public:
  Server(const Workspace& workspace, const EnvVars& extra_env = {}, const std::vector<std::string>& extra_args = {});

  std::uint16_t port() const { return port_; }
  // The "(N pending checks)" figure of the startup line.
  int pending_at_start() const { return pending_at_start_; }
  ChildProcess& process() { return *process_; }

  // SIGTERM, then the exit status (nullopt if it did not exit within `timeout`).
  std::optional<ExitStatus> terminate(milliseconds timeout = kStopTimeout);
  ExitStatus kill();

 private:
  std::unique_ptr<ChildProcess> process_;
  std::uint16_t port_ = 0;
  int pending_at_start_ = -1;
};

// Polls `file` (the stderr of `child`) for the startup line; returns {port, pending}.
// Throws if the child exits or the deadline passes first.
std::pair<std::uint16_t, int> wait_for_listening(ChildProcess& child, milliseconds timeout);
void wait_for_health(ChildProcess& child, std::uint16_t port, milliseconds timeout);

// A Veriff API client for one integration, signing requests with `secret`.
class ApiClient {
 public:
  ApiClient(std::uint16_t port, std::string api_key, std::string secret)
      : port_(port), api_key_(std::move(api_key)), secret_(std::move(secret)) {}

  HttpReply create_session_raw(const std::string& body) const;
  // POST /v1/sessions; throws unless 201. Returns the session id.
  std::string create_session(const std::string& body) const;
  HttpReply submit(const std::string& session_id) const;
  // DELETE /v1/sessions/{id}.
  HttpReply delete_session(const std::string& session_id) const;
  HttpReply ine_registry(const std::string& session_id, const std::string& secret) const;
  HttpReply ine_registry(const std::string& session_id) const { return ine_registry(session_id, secret_); }
  HttpReply decision(const std::string& session_id) const;
  // GET /v1/sessions/{id}/ine-registry/rechecks (inereg's re-check history).
  HttpReply ine_rechecks(const std::string& session_id) const;
  // GET ine-registry until it is not a 404; at the deadline, a test failure naming the
  // wait and the last reply.
  HttpReply poll_ine_registry(const std::string& session_id, milliseconds timeout = kCheckTimeout) const;

  const std::string& secret() const { return secret_; }

 private:
  std::uint16_t port_;
  std::string api_key_;
  std::string secret_;
};

// Polls `call` until it returns 200; at the deadline, a test failure naming the wait and
// the last reply.
HttpReply poll_until_ok(std::uint16_t port, const testing::HttpCall& call, milliseconds timeout = kCheckTimeout);

// One integer from a query of the workspace's database (either backend), to check
// durable state the API does not expose (e.g. how many results a session has).
std::int64_t query_int(const Workspace& workspace, const std::string& sql);

// The parsed JSON body field or an empty string.
std::string json_string(const std::string& body, const std::string& key);

}  // namespace inereg::functional
