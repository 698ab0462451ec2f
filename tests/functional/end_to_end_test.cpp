// The whole product as an operator and an integrator meet it: the CLI prepares the
// integration and the registry, `inereg serve` answers the Veriff API over HTTP.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "auth/signing.hpp"
#include "functional/harness.hpp"

namespace inereg::functional {
namespace {

struct Case {
  std::string label;
  CsvRow row;
  ExpectedAnswer expected;
};

TEST(EndToEnd, CliPreparedServiceAnswersIneRegistryForEveryLookupForm) {
  Workspace workspace;
  const auto integration = create_integration(workspace, "acme");
  const auto rows = generate_and_import(workspace, 2000, 11);

  const auto eh_vigente = first_row(rows, [](const CsvRow& r) {
    return (r.model == "E" || r.model == "F" || r.model == "G" || r.model == "H") && r.situation == 1;
  });
  const auto eh_not_active =
      first_row(rows, [](const CsvRow& r) { return r.model >= "E" && !expected_answer(r.situation).active; });
  const auto model_d = first_row(rows, [](const CsvRow& r) { return r.model == "D"; });
  const auto model_c = first_row(rows, [](const CsvRow& r) { return r.model == "C"; });
  const std::vector<Case> cases = {
      {"E-H vigente", eh_vigente, {true, std::string(kVigenteState)}},
      {"E-H situation " + std::to_string(eh_not_active.situation), eh_not_active,
       expected_answer(eh_not_active.situation)},
      {"D situation " + std::to_string(model_d.situation), model_d, expected_answer(model_d.situation)},
      {"C situation " + std::to_string(model_c.situation), model_c, expected_answer(model_c.situation)},
      {"not in the registry", unregistered_credential("G"), {false, std::string(kNotFoundState)}},
  };

  Server server(workspace);
  const ApiClient client(server.port(), integration.api_key, integration.secret);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label + " (registry line " + std::to_string(c.row.line) + ")");
    const auto created = client.create_session_raw(session_body_for(c.row));
    ASSERT_EQ(created.status, 201) << created.body;
    const auto verification = boost::json::parse(created.body).at("verification").as_object();
    EXPECT_EQ(verification.at("status").as_string(), "created");
    const std::string session_id(verification.at("id").as_string());

    const auto submitted = client.submit(session_id);
    ASSERT_EQ(submitted.status, 200) << submitted.body;

    const auto answer = client.poll_ine_registry(session_id);
    ASSERT_EQ(answer.status, 200) << answer.body;
    const auto body = boost::json::parse(answer.body).as_object();
    EXPECT_EQ(body.size(), 2u) << answer.body;
    EXPECT_EQ(body.at("active").as_bool(), c.expected.active) << answer.body;
    EXPECT_EQ(body.at("documentState").as_string(), c.expected.document_state) << answer.body;
    EXPECT_EQ(answer.header("x-auth-client"), integration.api_key);
    EXPECT_EQ(answer.header("x-hmac-signature"), auth::hmac_sha256_hex(integration.secret, answer.body));

    const auto decision = client.decision(session_id);
    ASSERT_EQ(decision.status, 200) << decision.body;
    const auto decision_json = boost::json::parse(decision.body);
    const auto& decided = decision_json.at("verification");
    ASSERT_TRUE(decided.is_object()) << decision.body;
    EXPECT_EQ(decided.at("status").as_string(), c.expected.active ? "approved" : "declined") << decision.body;
  }

  // Veriff's documented example, byte for byte.
  const auto vigente_id = client.create_session(session_body_for(eh_vigente));
  ASSERT_EQ(client.submit(vigente_id).status, 200);
  const auto exact = client.poll_ine_registry(vigente_id);
  EXPECT_EQ(exact.status, 200);
  EXPECT_EQ(exact.body, R"({"active":true,"documentState":"La credencial esta vigente"})");

  const auto stopped = server.terminate();
  ASSERT_TRUE(stopped.has_value()) << "serve did not stop on SIGTERM";
  EXPECT_TRUE(stopped->exited && stopped->code == 0) << describe(*stopped);
}

TEST(EndToEnd, InvalidCredentialIsRejectedNamingTheField) {
  Workspace workspace;
  const auto integration = create_integration(workspace, "acme");
  Server server(workspace);
  const ApiClient client(server.port(), integration.api_key, integration.secret);
  const auto reply = client.create_session_raw(
      R"({"verification":{"person":{"ineIdentifier":"12345"},"document":{"number":"123456789","country":"MX","type":"ID_CARD"}}})");
  EXPECT_EQ(reply.status, 400) << reply.body;
  EXPECT_EQ(json_string(reply.body, "code"), "1104") << reply.body;
  EXPECT_NE(json_string(reply.body, "message").find("person.ineIdentifier"), std::string::npos) << reply.body;
}

}  // namespace
}  // namespace inereg::functional
