// Secret rotation and deactivation done with the CLI while the server runs: what an
// integrator's requests see at each step.
#include <gtest/gtest.h>

#include "auth/signing.hpp"
#include "functional/harness.hpp"

namespace inereg::functional {
namespace {

void expect_answer_signed_with(const HttpReply& reply, const std::string& api_key, const std::string& secret) {
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.body, R"({"active":true,"documentState":"La credencial esta vigente"})");
  EXPECT_EQ(reply.header("x-auth-client"), api_key);
  // The server answers with the secret the request was verified with.
  EXPECT_EQ(reply.header("x-hmac-signature"), auth::hmac_sha256_hex(secret, reply.body));
}

void expect_unauthorized(const HttpReply& reply, const std::string& code, const std::string& api_key) {
  EXPECT_EQ(reply.status, 401) << reply.body;
  EXPECT_EQ(json_string(reply.body, "code"), code) << reply.body;
  EXPECT_EQ(reply.header("x-auth-client"), api_key);
  EXPECT_FALSE(reply.has_header("x-hmac-signature")) << "a 401 is not signed";
}

TEST(SecretRotation, OldAndNewSecretsUntilRevokedThenDeactivation) {
  Workspace workspace;
  const auto integration = create_integration(workspace, "acme");
  const auto rows = generate_and_import(workspace, 100, 21);
  const auto vigente = first_row(rows, [](const CsvRow& r) { return r.model >= "E" && r.situation == 1; });

  // No integration cache: the server sees each CLI change on the next request.
  Server server(workspace, {{"INEREG_AUTH_INTEGRATION_CACHE_MS", "0"}});
  const ApiClient client(server.port(), integration.api_key, integration.secret);
  const auto session_id = client.create_session(session_body_for(vigente));
  ASSERT_EQ(client.submit(session_id).status, 200);
  ASSERT_EQ(client.poll_ine_registry(session_id).status, 200);

  const auto rotated = workspace.cli({"integration", "rotate-secret", "--id", integration.id});
  ASSERT_EQ(rotated.exit_code(), 0) << rotated.err;
  ASSERT_FALSE(rotated.out.empty());
  const std::string new_secret = rotated.out.substr(0, rotated.out.find('\n'));
  EXPECT_EQ(rotated.out, new_secret + "\n") << "rotate-secret prints just the new secret";
  ASSERT_NE(new_secret, integration.secret);

  expect_answer_signed_with(client.ine_registry(session_id, integration.secret), integration.api_key,
                            integration.secret);
  expect_answer_signed_with(client.ine_registry(session_id, new_secret), integration.api_key, new_secret);

  const auto revoked = workspace.cli({"integration", "revoke-old-secrets", "--id", integration.id});
  ASSERT_EQ(revoked.exit_code(), 0) << revoked.err;
  EXPECT_EQ(revoked.out, "revoked 1 secret(s)\n");

  expect_unauthorized(client.ine_registry(session_id, integration.secret), "1818", integration.api_key);
  expect_answer_signed_with(client.ine_registry(session_id, new_secret), integration.api_key, new_secret);
  // The session of an integration stays its own after rotation: a new-secret client sees it.
  const ApiClient rotated_client(server.port(), integration.api_key, new_secret);
  EXPECT_EQ(rotated_client.decision(session_id).status, 200);

  const auto deactivated = workspace.cli({"integration", "deactivate", "--id", integration.id});
  ASSERT_EQ(deactivated.exit_code(), 0) << deactivated.err;
  expect_unauthorized(client.ine_registry(session_id, new_secret), "1804", integration.api_key);

  const auto activated = workspace.cli({"integration", "activate", "--id", integration.id});
  ASSERT_EQ(activated.exit_code(), 0) << activated.err;
  expect_answer_signed_with(client.ine_registry(session_id, new_secret), integration.api_key, new_secret);

  const auto status = server.terminate();
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(status->exited && status->code == 0) << describe(*status);
}

}  // namespace
}  // namespace inereg::functional
