#include "functional/harness.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <csignal>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "auth/signing.hpp"
#include "ine/situation.hpp"
#include "registry/registry_file.hpp"
#include "support/wait_until.hpp"

namespace inereg::functional {
namespace {

constexpr std::string_view kSubmitBody = R"({"verification":{"status":"submitted"}})";

std::vector<std::string> split(const std::string& line, char separator) {
  std::vector<std::string> cells;
  std::stringstream stream(line);
  std::string cell;
  while (std::getline(stream, cell, separator)) {
    cells.push_back(cell);
  }
  if (!line.empty() && line.back() == separator) {
    cells.emplace_back();
  }
  return cells;
}

std::runtime_error child_failure(const std::string& what, ChildProcess& child) {
  std::string state = "still running";
  if (auto status = child.wait_for(milliseconds(0))) {
    state = describe(*status);
  }
  return std::runtime_error(what + " (" + state + "); stderr:\n" + child.stderr_text());
}

testing::HttpCall signed_get(const std::string& target, const std::string& api_key, const std::string& secret,
                             const std::string& signed_id) {
  testing::HttpCall call;
  call.method = "GET";
  call.target = target;
  call.headers = {{"X-AUTH-CLIENT", api_key}, {"X-HMAC-SIGNATURE", auth::hmac_sha256_hex(secret, signed_id)}};
  return call;
}

}  // namespace

std::string binary_path() {
  return INEREG_BINARY;
}

std::string random_master_key_hex() {
  std::random_device device;
  std::uniform_int_distribution<int> nibble(0, 15);
  std::string key;
  for (int i = 0; i < 64; ++i) {
    key.push_back("0123456789abcdef"[nibble(device)]);
  }
  return key;
}

Workspace::Workspace() : database_(dir_ / "db"), master_key_(random_master_key_hex()) {}

EnvVars Workspace::env(const EnvVars& extra) const {
  // The registry snapshot files: beside the database for SQLite by default, but
  // PostgreSQL needs a directory named (every node of a multi-node test shares it).
  EnvVars vars{{"INEREG_MASTER_KEY", master_key_},
               {"INEREG_DB", db_url()},
               {"INEREG_LOG_LEVEL", "info"},
               {"INEREG_REGISTRY_SNAPSHOT_DIR", (dir_.path() / "snapshots").string()}};
  for (const auto& [name, value] : extra) {
    vars[name] = value;
  }
  return vars;
}

CliResult Workspace::cli(const std::vector<std::string>& args, const EnvVars& extra) const {
  return cli_with_env(args, env(extra));
}

CliResult Workspace::cli_with_env(const std::vector<std::string>& args, const EnvVars& env) const {
  SpawnOptions options;
  options.args = args;
  options.env = env;
  options.cwd = dir_.path();
  options.output_dir = dir_.path();
  return run_program(binary_path(), options);
}

Integration create_integration(const Workspace& workspace, const std::string& name) {
  const auto result = workspace.cli({"integration", "create", "--name", name, "--json"});
  if (result.exit_code() != 0) {
    throw std::runtime_error("integration create failed: " + describe(result.status) + "\n" + result.err);
  }
  const auto object = boost::json::parse(result.out).as_object();
  return Integration{std::string(object.at("id").as_string()), std::string(object.at("name").as_string()),
                     std::string(object.at("apiKey").as_string()), std::string(object.at("sharedSecret").as_string())};
}

std::vector<CsvRow> read_registry_csv(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<CsvRow> rows;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (number == 1) {
      continue;  // header
    }
    const auto cells = split(line, ',');
    if (cells.size() != 7) {
      throw std::runtime_error("unexpected registry line " + std::to_string(number) + ": " + line);
    }
    rows.push_back(CsvRow{number, cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], std::stoi(cells[6])});
  }
  return rows;
}

std::string session_body_for(const CsvRow& row) {
  boost::json::object person{{"firstName", "PRUEBA"}, {"lastName", "SINTETICA"}};
  boost::json::object document{{"country", "MX"}, {"type", "ID_CARD"}};
  if (row.model == "C") {
    document["number"] = row.elector_key;
    document["issueNumber"] = row.emission_number;
    person["ifeIdentifier"] = row.ocr;
  } else if (row.model == "D") {
    document["number"] = row.cic;
    person["ifeIdentifier"] = row.ocr;
  } else {
    document["number"] = row.cic;
    person["ineIdentifier"] = row.citizen_id;
  }
  boost::json::object verification{{"person", person}, {"document", document}, {"vendorData", "functional"}};
  return boost::json::serialize(boost::json::object{{"verification", verification}});
}

std::vector<CsvRow> generate_and_import(const Workspace& workspace, int count, int seed) {
  const auto file = workspace.dir() / ("registry-" + std::to_string(seed) + ".csv");
  const auto generated = workspace.cli({"registry", "generate", "--count", std::to_string(count), "--out",
                                        file.string(), "--seed", std::to_string(seed)});
  if (generated.exit_code() != 0) {
    throw std::runtime_error("registry generate failed: " + generated.err);
  }
  const auto imported = workspace.cli({"registry", "import", file.string()});
  const std::string expected = "imported " + std::to_string(count) + " records, 0 bad line(s)\n";
  if (imported.exit_code() != 0 || imported.out != expected) {
    throw std::runtime_error("registry import: " + describe(imported.status) + " " + imported.out + imported.err);
  }
  return read_registry_csv(file);
}

CsvRow first_row(const std::vector<CsvRow>& rows, const std::function<bool(const CsvRow&)>& predicate) {
  const auto it = std::find_if(rows.begin(), rows.end(), predicate);
  if (it == rows.end()) {
    throw std::runtime_error("no registry row of the kind the test needs");
  }
  return *it;
}

CsvRow unregistered_credential(const std::string& model) {
  // Test registries use small seeds; this one is never imported.
  registry::SyntheticRegistry synthetic(987'654'321);
  const auto row = synthetic.make(model, ine::kSituationVigente);
  const auto& c = row.credential;
  return CsvRow{0, row.model, c.cic, c.citizen_id, c.ocr, c.elector_key, c.emission_number, row.situation};
}

ExpectedAnswer expected_answer(int situation) {
  const auto policy = ine::policy_for_situation(situation);
  if (!policy) {
    throw std::runtime_error("situation " + std::to_string(situation) + " is not in the catalog");
  }
  return ExpectedAnswer{policy->active, std::string(policy->document_state)};
}

std::pair<std::uint16_t, int> wait_for_listening(ChildProcess& child, milliseconds timeout) {
  static const std::regex kListening(R"(inereg listening on 127\.0\.0\.1:(\d+) \((\d+) pending checks,)");
  std::smatch match;
  std::string text;
  const auto listening = testing::wait_until(
      [&] {
        text = child.stderr_text();
        if (std::regex_search(text, match, kListening)) {
          return true;
        }
        if (!child.running()) {
          throw child_failure("inereg serve exited before listening", child);
        }
        return false;
      },
      timeout, "inereg serve to report listening");
  if (!listening) {
    throw child_failure(listening.message(), child);
  }
  return {static_cast<std::uint16_t>(std::stoi(match[1].str())), std::stoi(match[2].str())};
}

void wait_for_health(ChildProcess& child, std::uint16_t port, milliseconds timeout) {
  std::string last_error;
  const auto healthy = testing::wait_until(
      [&] {
        try {
          if (testing::http_call(port, {"GET", "/healthz", "", {}}).status == 200) {
            return true;
          }
          last_error = "healthz not 200";
        } catch (const std::exception& e) {
          last_error = e.what();
        }
        if (!child.running()) {
          throw child_failure("inereg serve exited before it was healthy: " + last_error, child);
        }
        return false;
      },
      timeout, "inereg serve to answer /healthz with 200");
  if (!healthy) {
    throw child_failure(std::string(healthy.message()) + ": " + last_error, child);
  }
}

Server::Server(const Workspace& workspace, const EnvVars& extra_env, const std::vector<std::string>& extra_args) {
  SpawnOptions options;
  options.args = {"serve", "--listen", "127.0.0.1:0"};
  options.args.insert(options.args.end(), extra_args.begin(), extra_args.end());
  // Idle workers look for due jobs often, so that restarts pick pending checks up quickly.
  EnvVars env = workspace.env({{"INEREG_CHECKS_POLL_MS", "50"}});
  for (const auto& [name, value] : extra_env) {
    env[name] = value;
  }
  options.env = env;
  options.cwd = workspace.dir().path();
  options.output_dir = workspace.dir().path();
  process_ = std::make_unique<ChildProcess>(binary_path(), options);
  std::tie(port_, pending_at_start_) = wait_for_listening(*process_, kStartTimeout);
  // The signal handlers are in place once requests are served: only then is SIGTERM
  // the graceful stop a test expects.
  wait_for_health(*process_, port_, kStartTimeout);
}

std::optional<ExitStatus> Server::terminate(milliseconds timeout) {
  process_->send_signal(SIGTERM);
  return process_->wait_for(timeout);
}

ExitStatus Server::kill() {
  return process_->kill_and_wait();
}

HttpReply ApiClient::create_session_raw(const std::string& body) const {
  testing::HttpCall call;
  call.method = "POST";
  call.target = "/v1/sessions";
  call.body = body;
  call.headers = {{"Content-Type", "application/json"},
                  {"X-AUTH-CLIENT", api_key_},
                  {"X-HMAC-SIGNATURE", auth::hmac_sha256_hex(secret_, body)}};
  return testing::http_call(port_, call);
}

std::string ApiClient::create_session(const std::string& body) const {
  const auto reply = create_session_raw(body);
  if (reply.status != 201) {
    throw std::runtime_error("create session: HTTP " + std::to_string(reply.status) + " " + reply.body);
  }
  return std::string(boost::json::parse(reply.body).at("verification").at("id").as_string());
}

HttpReply ApiClient::submit(const std::string& session_id) const {
  testing::HttpCall call;
  call.method = "PATCH";
  call.target = "/v1/sessions/" + session_id;
  call.body = std::string(kSubmitBody);
  call.headers = {{"Content-Type", "application/json"},
                  {"X-AUTH-CLIENT", api_key_},
                  {"X-HMAC-SIGNATURE", auth::hmac_sha256_hex(secret_, kSubmitBody)}};
  return testing::http_call(port_, call);
}

HttpReply ApiClient::delete_session(const std::string& session_id) const {
  testing::HttpCall call;
  call.method = "DELETE";
  call.target = "/v1/sessions/" + session_id;
  call.headers = {{"X-AUTH-CLIENT", api_key_}, {"X-HMAC-SIGNATURE", auth::hmac_sha256_hex(secret_, session_id)}};
  return testing::http_call(port_, call);
}

HttpReply ApiClient::ine_registry(const std::string& session_id, const std::string& secret) const {
  return testing::http_call(port_, signed_get("/v1/sessions/" + session_id + "/decision/ine-registry?version=v1",
                                              api_key_, secret, session_id));
}

HttpReply ApiClient::decision(const std::string& session_id) const {
  return testing::http_call(port_,
                            signed_get("/v1/sessions/" + session_id + "/decision", api_key_, secret_, session_id));
}

HttpReply ApiClient::ine_rechecks(const std::string& session_id) const {
  return testing::http_call(
      port_, signed_get("/v1/sessions/" + session_id + "/ine-registry/rechecks", api_key_, secret_, session_id));
}

HttpReply ApiClient::poll_ine_registry(const std::string& session_id, milliseconds timeout) const {
  HttpReply reply;
  EXPECT_TRUE(testing::wait_until(
      [&] {
        reply = ine_registry(session_id);
        return reply.status != 404;
      },
      timeout, "the INE registry answer of session " + session_id));
  return reply;
}

HttpReply poll_until_ok(std::uint16_t port, const testing::HttpCall& call, milliseconds timeout) {
  HttpReply reply;
  EXPECT_TRUE(testing::wait_until(
      [&] {
        reply = testing::http_call(port, call);
        return reply.status == 200;
      },
      timeout, "a 200 from " + call.target));
  return reply;
}

std::int64_t query_int(const Workspace& workspace, const std::string& sql) {
  return workspace.database().query_int(sql);
}

std::string json_string(const std::string& body, const std::string& key) {
  boost::system::error_code ec;
  const auto value = boost::json::parse(body, ec);
  if (ec || !value.is_object()) {
    return {};
  }
  const auto* field = value.as_object().if_contains(key);
  if (field == nullptr || !field->is_string()) {
    return {};
  }
  return std::string(field->as_string());
}

}  // namespace inereg::functional
