// `inereg serve` with registry.kind = http: checks go to a registry upstream (the fake,
// or the real `inereg registry serve-upstream`), and only a real registry verdict
// decides a session.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <regex>

#include "functional/harness.hpp"
#include "support/fake_upstream.hpp"
#include "support/wait_until.hpp"

namespace inereg::functional {
namespace {

using testing::FakeReply;
using testing::FakeUpstream;

// serve pointed at `url`, retrying pending checks quickly so the test need not wait.
EnvVars http_registry_env(const std::string& url) {
  return {{"INEREG_REGISTRY_KIND", "http"},
          {"INEREG_REGISTRY_URL", url},
          {"INEREG_REGISTRY_ATTEMPT_TIMEOUT_MS", "2000"},
          {"INEREG_REGISTRY_MAX_ATTEMPTS", "1"},
          {"INEREG_REGISTRY_BREAKER_FAILURES", "0"},
          {"INEREG_CHECKS_RETRY_BASE_MS", "50"},
          {"INEREG_CHECKS_RETRY_MAX_MS", "200"}};
}

void expect_pending(const ApiClient& client, const std::string& session_id) {
  const auto pending = client.ine_registry(session_id);
  EXPECT_EQ(pending.status, 404) << pending.body;
  EXPECT_TRUE(pending.has_header("retry-after")) << pending.body;
  const auto decision = client.decision(session_id);
  ASSERT_EQ(decision.status, 200) << decision.body;
  EXPECT_TRUE(boost::json::parse(decision.body).at("verification").is_null()) << decision.body;
}

TEST(HttpRegistry, ACheckStaysPendingWhileTheUpstreamFailsAndCompletesWhenItRecovers) {
  FakeUpstream fake;
  fake.set_reply(FakeReply::server_error(503));
  Workspace workspace;
  const auto integration = create_integration(workspace, "acme");
  Server server(workspace, http_registry_env(fake.url()));
  const ApiClient client(server.port(), integration.api_key, integration.secret);

  const auto row = unregistered_credential("G");
  const auto session_id = client.create_session(session_body_for(row));
  ASSERT_EQ(client.submit(session_id).status, 200);
  // The check asked, failed, and was retried: still no decision.
  ASSERT_TRUE(testing::wait_until([&] { return fake.requests() >= 3; }, kCheckTimeout, "3 upstream requests"));
  expect_pending(client, session_id);
  const auto asked = boost::json::parse(fake.received().front().body).as_object();
  EXPECT_EQ(asked.at("cic").as_string(), row.cic);
  EXPECT_EQ(asked.at("idCiudadano").as_string(), row.citizen_id);

  fake.set_reply(FakeReply::situation(1));
  const auto answer = client.poll_ine_registry(session_id);
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.body, R"({"active":true,"documentState":"La credencial esta vigente"})");
  const auto decision = client.decision(session_id);
  EXPECT_EQ(boost::json::parse(decision.body).at("verification").at("status").as_string(), "approved");
  EXPECT_TRUE(server.terminate().has_value());
}

TEST(HttpRegistry, OnlyARealVerdictAnswersActiveFalse) {
  FakeUpstream fake;
  // Answers that look like a "no" but are not a registry verdict, in turn.
  std::atomic<int> turn{0};
  fake.set_handler([&turn](const testing::FakeRequest&) {
    switch (turn++ % 5) {
      case 0:
        return FakeReply::server_error(404);
      case 1:
        return FakeReply::message_code("4");  // INE service error
      case 2:
        return FakeReply::malformed();
      case 3:
        return FakeReply::situation(99);  // outside the catalog
      default:
        return FakeReply::hang();
    }
  });
  Workspace workspace;
  const auto integration = create_integration(workspace, "acme");
  auto env = http_registry_env(fake.url());
  env["INEREG_REGISTRY_ATTEMPT_TIMEOUT_MS"] = "200";
  Server server(workspace, env);
  const ApiClient client(server.port(), integration.api_key, integration.secret);

  const auto session_id = client.create_session(session_body_for(unregistered_credential("E")));
  ASSERT_EQ(client.submit(session_id).status, 200);
  ASSERT_TRUE(testing::wait_until([&] { return fake.requests() >= 6; }, kCheckTimeout, "6 upstream requests"));
  expect_pending(client, session_id);

  fake.set_handler(nullptr);
  fake.set_reply(FakeReply::situation(21));  // the registry's real "not found"
  const auto answer = client.poll_ine_registry(session_id);
  ASSERT_EQ(answer.status, 200) << answer.body;
  const auto body = boost::json::parse(answer.body).as_object();
  EXPECT_FALSE(body.at("active").as_bool());
  EXPECT_EQ(body.at("documentState").as_string(), kNotFoundState);
  EXPECT_TRUE(server.terminate().has_value());
}

// Two vendor sources in failover order, as an operator configures them through the
// environment: the first (Nubarium) is down, the second (NuFi) answers. The result
// records the source that answered; the vendor's answer is kept sealed (no byte of it
// in the database or the log) and `inereg registry answer` shows it to the operator.
TEST(HttpRegistry, VendorSourcesFailOverRecordTheSourceAndKeepTheAnswerSealed) {
  FakeUpstream nubarium;
  nubarium.set_reply(FakeReply::server_error(503));
  FakeUpstream nufi;
  FakeReply vigente;
  vigente.body = R"({"code":200,"status":"Success","message":"Operación exitosa.","data":[{"activa":true,)"
                 R"("estado":"La credencial esta vigente","comentarios":["MARCA-RESPUESTA-91"]}]})";
  nufi.set_reply(vigente);
  Workspace workspace;
  const auto integration = create_integration(workspace, "acme");
  auto env = http_registry_env("");
  env.erase("INEREG_REGISTRY_URL");
  env["INEREG_REGISTRY_SOURCES"] = "primary,backup";
  env["INEREG_SOURCE_PRIMARY_MAPPING"] = "nubarium";
  env["INEREG_SOURCE_PRIMARY_URL"] = nubarium.url();
  env["INEREG_SOURCE_PRIMARY_AUTH_USER"] = "user";
  env["INEREG_SOURCE_PRIMARY_AUTH_PASSWORD"] = "password-secreto-1";
  env["INEREG_SOURCE_BACKUP_MAPPING"] = "nufi";
  env["INEREG_SOURCE_BACKUP_URL"] = nufi.url();
  env["INEREG_SOURCE_BACKUP_AUTH_VALUE"] = "clave-secreta-2";
  Server server(workspace, env);
  const ApiClient client(server.port(), integration.api_key, integration.secret);

  const auto session_id = client.create_session(session_body_for(unregistered_credential("H")));
  ASSERT_EQ(client.submit(session_id).status, 200);
  const auto answer = client.poll_ine_registry(session_id);
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.body, R"({"active":true,"documentState":"La credencial esta vigente"})");
  EXPECT_GE(nubarium.requests(), 1);
  EXPECT_EQ(nufi.received().front().headers.at("ocp-apim-subscription-key"), "clave-secreta-2");
  EXPECT_EQ(query_int(workspace, "SELECT COUNT(*) FROM ine_results WHERE source = 'backup'"), 1);
  EXPECT_EQ(query_int(workspace, "SELECT COUNT(*) FROM ine_results WHERE sealed_answer LIKE '%MARCA%'"), 0);
  EXPECT_EQ(query_int(workspace, "SELECT COUNT(*) FROM ine_results WHERE sealed_answer = ''"), 0);
  ASSERT_TRUE(server.terminate().has_value());
  const auto log = server.process().stderr_text();
  for (const char* secret : {"MARCA-RESPUESTA", "password-secreto-1", "clave-secreta-2"}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << secret << " must not reach the log";
  }

  const auto shown = workspace.cli({"registry", "answer", "--session", session_id});
  EXPECT_EQ(shown.exit_code(), 0) << shown.err;
  EXPECT_NE(shown.out.find("source: backup"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("MARCA-RESPUESTA-91"), std::string::npos) << shown.out;
  const auto unknown = workspace.cli({"registry", "answer", "--session", "00000000-0000-4000-8000-000000000000"});
  EXPECT_EQ(unknown.exit_code(), 1);
}

// `inereg registry serve-upstream` as a child; returns once it listens.
struct ReferenceUpstreamProcess {
  ReferenceUpstreamProcess(const Workspace& workspace, const std::string& snapshot, const std::string& token) {
    SpawnOptions options;
    options.args = {"registry", "serve-upstream", "--listen", "127.0.0.1:0", "--snapshot",
                    snapshot,   "--token",        token,      "--delay-ms",  "20"};
    options.env = workspace.env();
    options.cwd = workspace.dir().path();
    options.output_dir = workspace.dir() / "upstream";
    std::filesystem::create_directories(options.output_dir);
    process = std::make_unique<ChildProcess>(binary_path(), options);
    static const std::regex kListening(R"(serve-upstream listening on 127\.0\.0\.1:(\d+)(/\S+))");
    const auto listening = testing::wait_until(
        [&] {
          std::smatch match;
          const std::string text = process->stderr_text();
          if (std::regex_search(text, match, kListening)) {
            url = "http://127.0.0.1:" + match[1].str() + match[2].str();
            return true;
          }
          if (!process->running()) {
            throw std::runtime_error("serve-upstream exited: " + text);
          }
          return false;
        },
        kStartTimeout, "serve-upstream to listen");
    if (!listening) {
      throw std::runtime_error(std::string(listening.message()) + ": " + process->stderr_text());
    }
  }
  std::unique_ptr<ChildProcess> process;
  std::string url;
};

TEST(HttpRegistry, ServeUpstreamAnswersEveryModelFromASnapshotThroughTheWholeChain) {
  Workspace workspace;
  const auto integration = create_integration(workspace, "acme");
  const auto file = workspace.dir() / "upstream-snapshot.csv";
  const auto generated =
      workspace.cli({"registry", "generate", "--count", "2000", "--out", file.string(), "--seed", "23"});
  ASSERT_EQ(generated.exit_code(), 0) << generated.err;
  const auto rows = read_registry_csv(file);
  ReferenceUpstreamProcess upstream(workspace, file.string(), "s3cret-token");

  auto env = http_registry_env(upstream.url);
  env["INEREG_REGISTRY_AUTH_VALUE"] = "Bearer s3cret-token";
  Server server(workspace, env);
  const ApiClient client(server.port(), integration.api_key, integration.secret);

  const std::vector<CsvRow> cases = {
      first_row(rows, [](const CsvRow& r) { return r.model >= "E" && r.situation == 1; }),
      first_row(rows, [](const CsvRow& r) { return r.model >= "E" && !expected_answer(r.situation).active; }),
      first_row(rows, [](const CsvRow& r) { return r.model == "D"; }),
      first_row(rows, [](const CsvRow& r) { return r.model == "C"; }),
      unregistered_credential("H"),
  };
  for (const auto& row : cases) {
    SCOPED_TRACE("model " + row.model + " situation " + std::to_string(row.situation) + " line " +
                 std::to_string(row.line));
    const auto expected =
        row.line == 0 ? ExpectedAnswer{false, std::string(kNotFoundState)} : expected_answer(row.situation);
    const auto session_id = client.create_session(session_body_for(row));
    ASSERT_EQ(client.submit(session_id).status, 200);
    const auto answer = client.poll_ine_registry(session_id);
    ASSERT_EQ(answer.status, 200) << answer.body;
    const auto body = boost::json::parse(answer.body).as_object();
    EXPECT_EQ(body.at("active").as_bool(), expected.active) << answer.body;
    EXPECT_EQ(body.at("documentState").as_string(), expected.document_state) << answer.body;
  }
  // The token is a secret: neither process logs it.
  EXPECT_EQ(server.process().stderr_text().find("s3cret-token"), std::string::npos);
  EXPECT_TRUE(server.terminate().has_value());
  upstream.process->send_signal(SIGTERM);
  const auto stopped = upstream.process->wait_for(kStopTimeout);
  ASSERT_TRUE(stopped.has_value());
  EXPECT_TRUE(stopped->exited && stopped->code == 0) << describe(*stopped);
}

TEST(HttpRegistry, ServeRefusesAnHttpRegistryWithoutAUsableUrl) {
  Workspace workspace;
  const auto missing = workspace.cli({"serve", "--listen", "127.0.0.1:0"}, {{"INEREG_REGISTRY_KIND", "http"}});
  EXPECT_EQ(missing.exit_code(), 1);
  EXPECT_NE(missing.err.find("registry.url"), std::string::npos) << missing.err;
  const auto bad = workspace.cli({"serve", "--listen", "127.0.0.1:0"},
                                 {{"INEREG_REGISTRY_KIND", "http"}, {"INEREG_REGISTRY_URL", "ftp://127.0.0.1/x"}});
  EXPECT_EQ(bad.exit_code(), 1);
  EXPECT_NE(bad.err.find("registry.url"), std::string::npos) << bad.err;
  const auto kind = workspace.cli({"serve", "--listen", "127.0.0.1:0"}, {{"INEREG_REGISTRY_KIND", "remote"}});
  EXPECT_EQ(kind.exit_code(), 1);
  EXPECT_NE(kind.err.find("registry.kind"), std::string::npos) << kind.err;
}

}  // namespace
}  // namespace inereg::functional
