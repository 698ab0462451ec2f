// Issue 3 end to end, as Veriff's official headless integration demo does it
// (veriff-api.md §8.2): create a session (signed), upload the card images one request
// each (bare base64, a timestamp with an offset), PATCH submitted with frontState, list
// the media, then poll GET /v1/sessions/{id}/decision/ine-registry — against the real
// `inereg serve` over loopback, the registry imported through the CLI. No typed
// credential: the answer can only come from the MRZ read off the committed card image.
#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <boost/json.hpp>
#include <fstream>
#include <stdexcept>

#include "auth/signing.hpp"
#include "functional/harness.hpp"
#include "registry/registry_file.hpp"
#include "support/cards.hpp"
#include "support/wait_until.hpp"
#include "util/base64.hpp"
#include "util/time.hpp"

namespace inereg::functional {
namespace {

constexpr milliseconds kReadingTimeout{120'000};  // OCR on a loaded 2-core machine

std::string data_file(const std::string& relative) {
  return testing::read_binary_file(std::string(INEREG_TEST_DATA_DIR) + "/" + relative);
}

// A committed card back (tests/vision asserts the reader reads every one exactly).
const testing::CommittedCard& readable_card() {
  static const testing::CommittedCard card =
      testing::committed_card(std::string(INEREG_TEST_DATA_DIR) + "/cards", "card_0001.jpg");
  return card;
}

// "now" as Luxon's DateTime.now().toISO() writes it: local time with an offset.
std::string luxon_timestamp() {
  std::string utc = util::format_iso8601_ms(util::wall_clock_ms());  // ...T..:..:..mmmZ
  utc.pop_back();
  return utc + "+00:00";
}

// The demo's calls, signed over JSON.stringify(payload) (= the bytes sent) or the id.
class DemoClient {
 public:
  DemoClient(std::uint16_t port, Integration integration) : port_(port), integration_(std::move(integration)) {}

  HttpReply send(const std::string& method, const std::string& target, const std::string& body,
                 const std::string& signed_part) const {
    testing::HttpCall call;
    call.method = method;
    call.target = target;
    call.body = body;
    call.headers = {{"x-auth-client", integration_.api_key},
                    {"content-type", "application/json"},
                    {"x-hmac-signature", auth::hmac_sha256_hex(integration_.secret, signed_part)}};
    return testing::http_call(port_, call);
  }

  std::string create_session() const {
    const std::string body = boost::json::serialize(
        boost::json::object{{"verification",
                             {{"person", {{"firstName", "DATOS"}, {"lastName", "SINTETICOS"}}},
                              {"document", {{"country", "MX"}, {"type", "ID_CARD"}, {"category", "AB"}}}}}});
    const auto reply = send("POST", "/v1/sessions", body, body);
    EXPECT_EQ(reply.status, 201) << reply.body;
    return std::string(boost::json::parse(reply.body).at("verification").at("id").as_string());
  }

  void upload(const std::string& id, std::string_view context, std::string_view bytes) const {
    const std::string body = boost::json::serialize(boost::json::object{
        {"image", {{"context", context}, {"content", util::base64_encode(bytes)}, {"timestamp", luxon_timestamp()}}}});
    const auto reply = send("POST", "/v1/sessions/" + id + "/media", body, body);
    EXPECT_EQ(reply.status, 200) << context << ": " << reply.body;
  }

  void submit(const std::string& id) const {
    const std::string body = boost::json::serialize(boost::json::object{
        {"verification", {{"frontState", "done"}, {"status", "submitted"}, {"timestamp", luxon_timestamp()}}}});
    const auto reply = send("PATCH", "/v1/sessions/" + id, body, body);
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(boost::json::parse(reply.body).at("verification").at("status").as_string(), "submitted");
  }

  std::size_t media_count(const std::string& id) const {
    const auto reply = send("GET", "/v1/sessions/" + id + "/media", "", id);
    EXPECT_EQ(reply.status, 200) << reply.body;
    return boost::json::parse(reply.body).at("images").as_array().size();
  }

 private:
  std::uint16_t port_;
  Integration integration_;
};

class CardReadingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    integration_ = create_integration(workspace_, "demo");
    // The card's identity in the local registry (model H, vigente), imported like any
    // operator's snapshot.
    cic_ = readable_card().truth.cic;
    citizen_id_ = readable_card().truth.citizen_id;
    const auto csv = workspace_.dir() / "registry.csv";
    std::ofstream(csv) << registry::kRegistryCsvHeader << "\nH," << cic_ << "," << citizen_id_ << ",,,,1\n";
    const auto imported = workspace_.cli({"registry", "import", csv.string()});
    ASSERT_EQ(imported.exit_code(), 0) << imported.err;
    ASSERT_EQ(imported.out, "imported 1 records, 0 bad line(s)\n");
    // Tesseract's OpenMP threads only slow reads on a small machine.
    server_.emplace(workspace_, EnvVars{{"OMP_THREAD_LIMIT", "1"}});
  }

  Workspace workspace_;
  Integration integration_;
  std::string cic_;
  std::string citizen_id_;
  std::optional<Server> server_;
};

TEST_F(CardReadingTest, HeadlessDemoFlowGetsTheRegistryAnswerFromTheCardBack) {
  const DemoClient demo(server_->port(), integration_);
  const std::string id = demo.create_session();
  demo.upload(id, "face", data_file("media/tiny.jpg"));
  demo.upload(id, "document-front", data_file("media/tiny.jpg"));
  demo.upload(id, "document-back", readable_card().bytes);
  demo.submit(id);
  EXPECT_EQ(demo.media_count(id), 3U);

  const ApiClient client(server_->port(), integration_.api_key, integration_.secret);
  const auto answer = client.poll_ine_registry(id, kReadingTimeout);
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.body, R"({"active":true,"documentState":"La credencial esta vigente"})");
  EXPECT_EQ(answer.header("x-hmac-signature"), auth::hmac_sha256_hex(integration_.secret, answer.body));
  const auto decision = boost::json::parse(client.decision(id).body);
  EXPECT_EQ(decision.at("verification").at("status").as_string(), "approved");
  EXPECT_EQ(decision.at("verification").at("person").at("ineIdentifier").as_string(), citizen_id_);

  // The log names the session and outcome kinds, never what was read.
  const auto stopped = server_->terminate();
  ASSERT_TRUE(stopped.has_value());
  const std::string log = server_->process().stderr_text();
  EXPECT_NE(log.find("document reading for session " + id + ": credential"), std::string::npos) << log;
  for (const std::string& personal : {cic_, citizen_id_, readable_card().truth.line1, readable_card().truth.ocr}) {
    EXPECT_EQ(log.find(personal), std::string::npos) << "the log holds personal data";
  }
}

TEST_F(CardReadingTest, UnreadableCardIsResubmissionRequestedWithTheReason) {
  const DemoClient demo(server_->port(), integration_);
  const std::string id = demo.create_session();
  demo.upload(id, "document-back", testing::blank_png());
  demo.submit(id);

  const ApiClient client(server_->port(), integration_.api_key, integration_.secret);
  boost::json::value verification;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        const auto reply = client.decision(id);
        if (reply.status != 200) {
          throw std::runtime_error("GET decision answered " + std::to_string(reply.status) + ": " + reply.body);
        }
        verification = boost::json::parse(reply.body).at("verification");
        return !verification.is_null();
      },
      kReadingTimeout, "the decision of the unreadable card"));
  EXPECT_EQ(verification.at("status").as_string(), "resubmission_requested");
  EXPECT_EQ(verification.at("code").as_int64(), 9103);
  EXPECT_EQ(verification.at("reasonCode").as_int64(), 204);
  EXPECT_EQ(verification.at("reason").as_string(),
            "Poor image quality: the machine-readable zone of the document could not be read");
  EXPECT_EQ(client.ine_registry(id).status, 404);
}

// SIGKILL while the job is leased for reading (the read running or just recorded —
// either way, nothing may be lost or decided twice): the restarted node claims the job
// again after the lease, reads the card and answers once.
TEST_F(CardReadingTest, KilledWhileReadingTheJobIsReadAgainAndAnsweredOnce) {
  server_->kill();
  const EnvVars env{{"OMP_THREAD_LIMIT", "1"}, {"INEREG_CHECKS_LEASE_MS", "3000"}};
  server_.emplace(workspace_, env);
  const DemoClient demo(server_->port(), integration_);
  const std::string id = demo.create_session();
  demo.upload(id, "document-back", readable_card().bytes);
  demo.submit(id);
  const std::string leased_for_reading = "SELECT COUNT(*) FROM check_jobs WHERE session_id = '" + id +
                                         "' AND lease_owner IS NOT NULL AND CAST(read_document AS INTEGER) = 1";
  EXPECT_TRUE(testing::wait_until([&] { return query_int(workspace_, leased_for_reading) != 0; }, kReadingTimeout,
                                  "the job leased for reading"));
  server_->kill();

  server_.emplace(workspace_, env);
  const ApiClient client(server_->port(), integration_.api_key, integration_.secret);
  const auto answer = client.poll_ine_registry(id, kReadingTimeout);
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.body, R"({"active":true,"documentState":"La credencial esta vigente"})");
  EXPECT_EQ(query_int(workspace_, "SELECT COUNT(*) FROM ine_results WHERE session_id = '" + id + "'"), 1);
  EXPECT_EQ(query_int(workspace_, "SELECT COUNT(*) FROM check_jobs WHERE state = 'pending'"), 0);
  EXPECT_EQ(query_int(workspace_, "SELECT COUNT(*) FROM sessions WHERE id = '" + id + "' AND status = 'approved'"), 1);
}

}  // namespace
}  // namespace inereg::functional
