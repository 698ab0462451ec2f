// Webhooks end to end: the real `inereg` binary delivers to a real receiver written in
// Node (tests/support/webhook_receiver.js) that verifies every signature the way
// integrators do, over the raw bytes AND over JSON.stringify(JSON.parse(body)). The
// receiver fails on purpose (500 / hang / connection reset) and the server restarts
// (SIGTERM, SIGKILL) in the middle; every webhook must still arrive, verified.
#include <gtest/gtest.h>

#include <signal.h>

#include <boost/json.hpp>
#include <map>
#include <optional>
#include <set>

#include "functional/harness.hpp"
#include "support/test_certificate.hpp"
#include "support/wait_until.hpp"

namespace inereg::functional {
namespace {

constexpr milliseconds kDeliveryTimeout{60'000};

// Quick retries, so that a test sees several attempts in seconds; a lease above the
// attempt timeout, as the config requires.
const EnvVars kFastWebhooks{{"INEREG_WEBHOOKS_POLL_MS", "50"},
                            {"INEREG_WEBHOOKS_FIRST_RETRY_MS", "100"},
                            {"INEREG_WEBHOOKS_RETRY_INTERVAL_MS", "400"},
                            {"INEREG_WEBHOOKS_TIMEOUT_MS", "1000"},
                            {"INEREG_WEBHOOKS_LEASE_MS", "3000"}};

EnvVars with(EnvVars base, const EnvVars& extra) {
  for (const auto& [name, value] : extra) {
    base[name] = value;
  }
  return base;
}

// The Node receiver as a child process on a free loopback port; over HTTPS with `tls`
// (its control endpoints then on a second, plain port).
class Receiver {
 public:
  Receiver(const Workspace& workspace, const Integration& integration, int fail_first, const std::string& mode,
           const std::optional<testing::TestCertificate>& tls = std::nullopt)
      : tls_(tls.has_value()) {
    const std::string node = INEREG_NODE;
    if (node.empty()) {
      throw std::runtime_error("node is missing: the webhook tests need Node.js (scripts/setup.sh installs it)");
    }
    SpawnOptions options;
    options.args = {INEREG_WEBHOOK_RECEIVER,
                    "--secret",
                    integration.secret,
                    "--api-key",
                    integration.api_key,
                    "--fail-first",
                    std::to_string(fail_first),
                    "--mode",
                    mode};
    if (tls) {
      options.args.insert(options.args.end(),
                          {"--tls-cert", tls->certificate.string(), "--tls-key", tls->private_key.string()});
    }
    options.output_dir = workspace.dir().path() / ("receiver-" + std::to_string(++instances_));
    std::filesystem::create_directories(options.output_dir);
    process_ = std::make_unique<ChildProcess>(node, options);
    const auto listening = testing::wait_until(
        [&] {
          const std::string out = process_->stdout_text();
          if (const auto at = out.find("listening ");
              at != std::string::npos && out.find('\n', at) != std::string::npos) {
            port_ = static_cast<std::uint16_t>(std::stoi(out.substr(at + 10)));
            const auto control = out.find("control ");
            control_port_ =
                control == std::string::npos ? port_ : static_cast<std::uint16_t>(std::stoi(out.substr(control + 8)));
            return true;
          }
          if (!process_->running()) {
            throw std::runtime_error("webhook receiver exited: " + process_->stderr_text());
          }
          return false;
        },
        kStartTimeout, "the webhook receiver to listen");
    if (!listening) {
      throw std::runtime_error(std::string(listening.message()) + ": " + process_->stderr_text());
    }
  }

  std::string url(const std::string& path) const {
    return (tls_ ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port_) + path;
  }

  boost::json::object state() const {
    const auto reply = testing::http_call(control_port_, {"GET", "/_control/deliveries", "", {}});
    return boost::json::parse(reply.body).as_object();
  }
  boost::json::array accepted() const { return state().at("accepted").as_array(); }

  void behave(int fail_first, const std::string& mode) const {
    const auto body = boost::json::serialize(boost::json::object{{"failFirst", fail_first}, {"mode", mode}});
    ASSERT_EQ(testing::http_call(control_port_, {"POST", "/_control/behaviour", body, {}}).status, 200);
  }

  // Waits until `count` deliveries were accepted (a test failure at the deadline);
  // returns every delivery accepted by then.
  boost::json::array wait_for(std::size_t count, milliseconds timeout = kDeliveryTimeout) const {
    boost::json::array all;
    EXPECT_TRUE(testing::wait_until(
        [&] {
          all = accepted();
          return all.size() >= count;
        },
        timeout, std::to_string(count) + " accepted webhook deliveries"));
    return all;
  }

 private:
  static inline int instances_ = 0;
  bool tls_;
  std::unique_ptr<ChildProcess> process_;
  std::uint16_t port_ = 0;
  std::uint16_t control_port_ = 0;
};

// Points the integration's three webhook URLs at the receiver through the CLI.
void set_webhooks(const Workspace& workspace, const Integration& integration, const Receiver& receiver) {
  const auto result =
      workspace.cli({"integration", "set-webhooks", integration.id, "--decision-url", receiver.url("/decision"),
                     "--event-url", receiver.url("/events"), "--ine-url", receiver.url("/ine")});
  ASSERT_EQ(result.exit_code(), 0) << result.err;
}

std::string text(const boost::json::value& value, std::string_view key) {
  const auto* member = value.as_object().if_contains(key);
  return member != nullptr && member->is_string() ? std::string(member->as_string()) : std::string();
}

// The session a delivered webhook is about, whatever its kind.
std::string session_of(const boost::json::object& body) {
  if (const auto* id = body.if_contains("sessionId")) {
    return std::string(id->as_string());  // INE webhook
  }
  if (const auto* v = body.if_contains("verification")) {
    return std::string(v->at("id").as_string());  // decision webhook
  }
  return std::string(body.at("id").as_string());  // event webhook
}

// "events:7001", "ine", "decision": what a delivery is, for counting.
std::string kind_of(const boost::json::value& delivery) {
  const std::string path = text(delivery, "path");
  if (path == "/events") {
    const auto body = boost::json::parse(text(delivery, "body")).as_object();
    return "events:" + std::to_string(body.at("code").as_int64());
  }
  return path.substr(1);
}

// Every accepted delivery was verified both ways, is byte-equal to JSON.stringify's
// output, and carries the integration's API key and the JSON content type.
void expect_verified(const boost::json::array& accepted, const Integration& integration) {
  for (const auto& d : accepted) {
    const auto& o = d.as_object();
    EXPECT_TRUE(o.at("rawMatches").as_bool()) << text(d, "path");
    EXPECT_TRUE(o.at("stringifyMatches").as_bool()) << text(d, "path");
    EXPECT_TRUE(o.at("byteEqualToStringify").as_bool()) << text(d, "path");
    EXPECT_EQ(text(d, "authClient"), integration.api_key);
    EXPECT_EQ(text(d, "contentType"), "application/json");
  }
}

// (session, kind) -> how many times it arrived.
std::map<std::pair<std::string, std::string>, int> tally(const boost::json::array& accepted) {
  std::map<std::pair<std::string, std::string>, int> counts;
  for (const auto& d : accepted) {
    const auto body = boost::json::parse(text(d, "body")).as_object();
    ++counts[{session_of(body), kind_of(d)}];
  }
  return counts;
}

std::string path_of(const std::string& url) {
  const auto scheme_end = url.find("://");
  return url.substr(url.find('/', scheme_end + 3));
}

// The verification URL of a created session, from the create response.
struct CreatedSession {
  std::string id;
  std::string url_path;
};

CreatedSession create(const ApiClient& client, const std::string& body) {
  const auto reply = client.create_session_raw(body);
  if (reply.status != 201) {
    throw std::runtime_error("create session: " + reply.body);
  }
  const auto v = boost::json::parse(reply.body).at("verification");
  return {std::string(v.at("id").as_string()), path_of(std::string(v.at("url").as_string()))};
}

// Deliveries not yet recorded as delivered. The receiver answers 200 before the worker
// records the delivery, so right after the receiver has seen everything the last record
// may trail it by a moment: wait (bounded) for the count to reach 0.
std::int64_t undelivered_once_recorded(const Workspace& workspace) {
  std::int64_t undelivered = -1;
  EXPECT_TRUE(testing::wait_until(
      [&] {
        undelivered = query_int(workspace, "SELECT COUNT(*) FROM webhook_deliveries WHERE state <> 'delivered'");
        return undelivered == 0;
      },
      kDeliveryTimeout, "every webhook delivery recorded as delivered"));
  return undelivered;
}

class WebhookFailures : public ::testing::TestWithParam<std::string> {};

TEST_P(WebhookFailures, EveryWebhookArrivesVerifiedAfterTheReceiverRecovers) {
  constexpr int kFailFirst = 4;
  Workspace workspace;
  const auto integration = create_integration(workspace, "acme");
  const auto rows = generate_and_import(workspace, 200, 21);
  Receiver receiver(workspace, integration, kFailFirst, GetParam());
  set_webhooks(workspace, integration, receiver);
  Server server(workspace, kFastWebhooks);
  const ApiClient client(server.port(), integration.api_key, integration.secret);

  const std::vector<CsvRow> credentials = {
      first_row(rows, [](const CsvRow& r) { return r.model >= "E" && r.situation == 1; }),
      first_row(rows, [](const CsvRow& r) { return r.model == "D"; }),
      unregistered_credential("H"),
  };
  std::vector<std::string> sessions;
  for (std::size_t i = 0; i < credentials.size(); ++i) {
    const auto created = create(client, session_body_for(credentials[i]));
    if (i == 0) {
      // The end user opens the verification URL: the session starts (event 7001).
      const auto page = testing::http_call(server.port(), {"GET", created.url_path, "", {}});
      EXPECT_EQ(page.status, 200);
      EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
    }
    ASSERT_EQ(client.submit(created.id).status, 200);
    sessions.push_back(created.id);
  }
  const std::size_t expected = 3 * credentials.size() + 1;  // submitted, INE, decision each; one started
  const auto accepted = receiver.wait_for(expected);
  ASSERT_EQ(accepted.size(), expected) << boost::json::serialize(receiver.state());
  EXPECT_TRUE(receiver.state().at("rejected").as_array().empty());
  expect_verified(accepted, integration);

  const auto counts = tally(accepted);
  for (const auto& id : sessions) {
    EXPECT_EQ(counts.count({id, "events:7002"}), 1U) << id;
    EXPECT_EQ(counts.count({id, "ine"}), 1U) << id;
    EXPECT_EQ(counts.count({id, "decision"}), 1U) << id;
  }
  EXPECT_EQ(counts.count({sessions[0], "events:7001"}), 1U);

  // The decision webhook is the GET decision body, byte for byte; the INE webhook's
  // details are the GET ine-registry body.
  for (const auto& d : accepted) {
    const auto body = boost::json::parse(text(d, "body")).as_object();
    const std::string id = session_of(body);
    if (kind_of(d) == "decision") {
      EXPECT_EQ(text(d, "body"), client.decision(id).body);
    } else if (kind_of(d) == "ine") {
      const auto registry = client.ine_registry(id);
      ASSERT_EQ(registry.status, 200);
      EXPECT_EQ(boost::json::serialize(body.at("data").at("details")), registry.body);
      EXPECT_EQ(body.at("data").at("code").as_int64(), 200);
    }
  }
  // The failures were real attempts, recorded, and every delivery ended delivered.
  EXPECT_EQ(undelivered_once_recorded(workspace), 0);
  EXPECT_GE(query_int(workspace, "SELECT COUNT(*) FROM webhook_attempts"),
            static_cast<std::int64_t>(expected + kFailFirst));
  EXPECT_GE(query_int(workspace, "SELECT COUNT(*) FROM webhook_attempts WHERE http_status = 200"),
            static_cast<std::int64_t>(expected));
  const auto status = server.terminate();
  ASSERT_TRUE(status && status->exited && status->code == 0) << server.process().stderr_text();
  // Bodies never reach the log.
  EXPECT_EQ(server.process().stderr_text().find("PRUEBA"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(ReceiverModes, WebhookFailures, ::testing::Values("500", "hang", "reset"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param == "500" ? std::string("Http500") : info.param;
                         });

class WebhookRestart : public ::testing::TestWithParam<int> {};

TEST_P(WebhookRestart, NoWebhookIsLostAndRedeliverSendsTheSameBytes) {
  Workspace workspace;
  const auto integration = create_integration(workspace, "acme");
  const auto rows = generate_and_import(workspace, 200, 22);
  Receiver receiver(workspace, integration, 1'000'000, "500");  // down until told otherwise
  set_webhooks(workspace, integration, receiver);
  std::vector<std::string> sessions;
  {
    Server server(workspace, kFastWebhooks);
    const ApiClient client(server.port(), integration.api_key, integration.secret);
    for (int i = 0; i < 3; ++i) {
      const auto row = first_row(rows, [i](const CsvRow& r) { return r.line > 2 + 10 * i && r.model >= "E"; });
      const auto id = client.create_session(session_body_for(row));
      ASSERT_EQ(client.submit(id).status, 200);
      sessions.push_back(id);
    }
    // Every webhook queued, and a failed attempt of each recorded, before the stop.
    ASSERT_TRUE(testing::wait_until(
        [&] { return query_int(workspace, "SELECT COUNT(DISTINCT delivery_id) FROM webhook_attempts") >= 9; },
        kDeliveryTimeout, "a failed attempt of each of the 9 webhooks"));
    ASSERT_EQ(query_int(workspace, "SELECT COUNT(*) FROM webhook_deliveries"), 9);
    if (GetParam() == SIGTERM) {
      const auto status = server.terminate();
      ASSERT_TRUE(status && status->exited && status->code == 0) << server.process().stderr_text();
    } else {
      EXPECT_EQ(server.kill().signal, SIGKILL);
    }
  }
  EXPECT_TRUE(receiver.accepted().empty());
  receiver.behave(0, "500");
  Server server(workspace, kFastWebhooks);
  const auto accepted = receiver.wait_for(9);
  ASSERT_EQ(accepted.size(), 9U);
  expect_verified(accepted, integration);
  const auto counts = tally(accepted);
  for (const auto& id : sessions) {
    for (const char* kind : {"events:7002", "ine", "decision"}) {
      EXPECT_EQ(counts.count({id, kind}), 1U) << id << " " << kind;
    }
  }
  EXPECT_EQ(undelivered_once_recorded(workspace), 0);

  // Redeliver a decision webhook through the CLI: the receiver gets the same bytes again.
  const auto listed = workspace.cli({"webhook", "list", "--session", sessions[1], "--json"});
  ASSERT_EQ(listed.exit_code(), 0) << listed.err;
  const auto deliveries = boost::json::parse(listed.out).as_array();
  ASSERT_EQ(deliveries.size(), 3U);
  std::int64_t decision_id = 0;
  for (const auto& d : deliveries) {
    EXPECT_EQ(text(d, "state"), "delivered");
    EXPECT_GE(d.at("history").as_array().size(), 2U);  // failed before the restart, then delivered
    if (text(d, "kind") == "decision") {
      decision_id = d.at("id").as_int64();
    }
  }
  ASSERT_NE(decision_id, 0);
  const auto redelivered = workspace.cli({"webhook", "redeliver", std::to_string(decision_id)});
  ASSERT_EQ(redelivered.exit_code(), 0) << redelivered.err;
  const auto again = receiver.wait_for(10);
  ASSERT_EQ(again.size(), 10U);
  std::string original;
  for (std::size_t i = 0; i + 1 < again.size(); ++i) {
    if (text(again[i], "path") == "/decision" &&
        session_of(boost::json::parse(text(again[i], "body")).as_object()) == sessions[1]) {
      original = text(again[i], "body");
    }
  }
  EXPECT_EQ(text(again[9], "body"), original);
  expect_verified(again, integration);
  const auto relisted = workspace.cli({"webhook", "list", "--session", sessions[1], "--json"});
  const auto copies = boost::json::parse(relisted.out).as_array();
  ASSERT_EQ(copies.size(), 4U);
  EXPECT_EQ(copies[0].at("redeliveryOf").as_int64(), decision_id);  // newest first
  EXPECT_EQ(workspace.cli({"webhook", "redeliver", "999999"}).exit_code(), 1);
}

INSTANTIATE_TEST_SUITE_P(StopSignals, WebhookRestart, ::testing::Values(SIGTERM, SIGKILL),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return info.param == SIGTERM ? std::string("Sigterm") : std::string("Sigkill");
                         });

TEST(SessionLifecycle, ExpiryAndDeleteSendTheDecisionWebhook) {
  Workspace workspace;
  const auto integration = create_integration(workspace, "acme");
  Receiver receiver(workspace, integration, 0, "500");
  set_webhooks(workspace, integration, receiver);
  Server server(workspace, with(kFastWebhooks, {{"INEREG_SESSIONS_EXPIRE_AFTER_MS", "1000"},
                                                {"INEREG_SESSIONS_SWEEP_INTERVAL_MS", "100"}}));
  const ApiClient client(server.port(), integration.api_key, integration.secret);
  const std::string body = R"({"verification":{"vendorData":"lifecycle"}})";
  const auto never_opened = create(client, body);
  const auto opened = create(client, body);
  const auto deleted = create(client, body);
  ASSERT_EQ(testing::http_call(server.port(), {"GET", opened.url_path, "", {}}).status, 200);
  ASSERT_EQ(client.delete_session(deleted.id).status, 200);

  // started event + three decisions: expired, abandoned, and expired for the deletion.
  const auto accepted = receiver.wait_for(4);
  ASSERT_EQ(accepted.size(), 4U) << boost::json::serialize(receiver.state());
  expect_verified(accepted, integration);
  std::map<std::string, boost::json::object> decisions;
  for (const auto& d : accepted) {
    if (text(d, "path") == "/decision") {
      const auto parsed = boost::json::parse(text(d, "body")).as_object();
      decisions[session_of(parsed)] = parsed;
    }
  }
  ASSERT_EQ(decisions.size(), 3U);
  const std::map<std::string, std::string> expected{
      {never_opened.id, "expired"}, {opened.id, "abandoned"}, {deleted.id, "expired"}};
  for (const auto& [id, status] : expected) {
    const auto& v = decisions[id].at("verification");
    EXPECT_EQ(v.at("status").as_string(), status) << id;
    EXPECT_EQ(v.at("code").as_int64(), 9104) << id;
  }
  // GET decision agrees with the webhook, and an expired session cannot be submitted.
  for (const auto& d : accepted) {
    const auto parsed = boost::json::parse(text(d, "body")).as_object();
    if (text(d, "path") == "/decision" && session_of(parsed) != deleted.id) {
      EXPECT_EQ(text(d, "body"), client.decision(session_of(parsed)).body);
    }
  }
  const auto late = client.submit(never_opened.id);
  EXPECT_EQ(late.status, 400);
  EXPECT_EQ(json_string(late.body, "code"), "1304");
  // The verification page: unknown or tampered tokens are 404; a decided session's token
  // died with it (issue 13): 410, a refusal page.
  EXPECT_EQ(testing::http_call(server.port(), {"GET", never_opened.url_path, "", {}}).status, 410);
  EXPECT_EQ(testing::http_call(server.port(), {"GET", deleted.url_path, "", {}}).status, 404);
  EXPECT_EQ(testing::http_call(server.port(), {"GET", "/v/not-a-token", "", {}}).status, 404);
  // A character inside the signature (the last one carries unused bits).
  std::string tampered = opened.url_path;
  char& c = tampered[tampered.size() - 10];
  c = c == 'A' ? 'B' : 'A';
  EXPECT_EQ(testing::http_call(server.port(), {"GET", tampered, "", {}}).status, 404);
}

// A receiver over HTTPS with a self-signed certificate for 127.0.0.1 made when the test
// runs, a server trusting it through webhooks.ca_file or trusting another one, and a
// session its end user opens, which queues the `started` event webhook (7001).
class WebhookTls : public ::testing::Test {
 protected:
  void start(bool trust_the_receiver) {
    const auto presented = testing::make_loopback_certificate(workspace_.dir().path(), "receiver");
    const auto trusted =
        trust_the_receiver ? presented : testing::make_loopback_certificate(workspace_.dir().path(), "other");
    receiver_.emplace(workspace_, integration_, 0, "500", presented);
    set_webhooks(workspace_, integration_, *receiver_);
    server_.emplace(workspace_, with(kFastWebhooks, {{"INEREG_WEBHOOKS_CA_FILE", trusted.certificate.string()}}));
    const ApiClient client(server_->port(), integration_.api_key, integration_.secret);
    const auto created = create(client, R"({"verification":{"vendorData":"tls"}})");
    ASSERT_EQ(testing::http_call(server_->port(), {"GET", created.url_path, "", {}}).status, 200);
  }

  Workspace workspace_;
  const Integration integration_ = create_integration(workspace_, "acme");
  std::optional<Receiver> receiver_;
  std::optional<Server> server_;
};

// Trusted: the signed webhook arrives, over TLS.
TEST_F(WebhookTls, TheSignedWebhookArrivesOverTlsToAReceiverTrustedThroughTheCaFile) {
  ASSERT_NO_FATAL_FAILURE(start(true));
  const auto accepted = receiver_->wait_for(1);
  ASSERT_EQ(accepted.size(), 1U) << boost::json::serialize(receiver_->state());
  expect_verified(accepted, integration_);
  EXPECT_TRUE(accepted.front().as_object().at("encrypted").as_bool());
  EXPECT_EQ(kind_of(accepted.front()), "events:7001");
  EXPECT_EQ(undelivered_once_recorded(workspace_), 0);
}

// Not trusted: every attempt fails in the TLS handshake, is recorded and retried, and
// nothing is delivered; the receiver never sees a request.
TEST_F(WebhookTls, AReceiverWithAnUntrustedCertificateIsRefusedAndRetried) {
  ASSERT_NO_FATAL_FAILURE(start(false));
  const auto handshake_failures = [&] {
    return query_int(workspace_,
                     "SELECT COUNT(*) FROM webhook_attempts WHERE http_status IS NULL AND error LIKE "
                     "'tls handshake: %'");
  };
  EXPECT_TRUE(testing::wait_until([&] { return handshake_failures() >= 2; }, kDeliveryTimeout,
                                  "two failed TLS handshakes recorded"));
  EXPECT_EQ(query_int(workspace_, "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'delivered'"), 0);
  EXPECT_EQ(query_int(workspace_, "SELECT COUNT(*) FROM webhook_attempts WHERE http_status IS NOT NULL"), 0);
  EXPECT_EQ(receiver_->state().at("requests").as_int64(), 0);
  EXPECT_TRUE(receiver_->accepted().empty());
}

TEST(WebhookCli, SetWebhooksRefusesPlainHttpOutsideLoopbackAndClears) {
  Workspace workspace;
  const auto integration = create_integration(workspace, "acme");
  const auto refused =
      workspace.cli({"integration", "set-webhooks", integration.id, "--decision-url", "http://hooks.example/d"});
  EXPECT_EQ(refused.exit_code(), 1);
  EXPECT_NE(refused.err.find("https://"), std::string::npos) << refused.err;
  const auto set = workspace.cli({"integration", "set-webhooks", integration.id, "--decision-url",
                                  "https://hooks.example/d", "--ine-url", "http://127.0.0.1:9/ine"});
  ASSERT_EQ(set.exit_code(), 0) << set.err;
  auto listed = boost::json::parse(workspace.cli({"integration", "list", "--json"}).out).as_array();
  ASSERT_EQ(listed.size(), 1U);
  EXPECT_EQ(text(listed[0], "decisionWebhookUrl"), "https://hooks.example/d");
  EXPECT_EQ(text(listed[0], "ineWebhookUrl"), "http://127.0.0.1:9/ine");
  EXPECT_EQ(text(listed[0], "eventWebhookUrl"), "");
  ASSERT_EQ(workspace.cli({"integration", "set-webhooks", integration.id, "--decision-url", ""}).exit_code(), 0);
  listed = boost::json::parse(workspace.cli({"integration", "list", "--json"}).out).as_array();
  EXPECT_EQ(text(listed[0], "decisionWebhookUrl"), "");
  EXPECT_EQ(text(listed[0], "ineWebhookUrl"), "http://127.0.0.1:9/ine");  // untouched
  EXPECT_EQ(workspace.cli({"integration", "set-webhooks", "no-such-id", "--event-url", ""}).exit_code(), 1);
  const auto created =
      workspace.cli({"integration", "create", "--name", "b", "--json", "--event-url", "https://hooks.example/e"});
  ASSERT_EQ(created.exit_code(), 0) << created.err;
  EXPECT_EQ(workspace.cli({"integration", "create", "--name", "c", "--event-url", "ftp://x/"}).exit_code(), 1);
}

}  // namespace
}  // namespace inereg::functional
