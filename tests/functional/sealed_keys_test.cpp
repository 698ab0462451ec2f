// Personal data at rest with the real binary (issue 15): a deleted session's values stay
// unreadable after a SIGKILL, and `inereg keys rotate` moves a running deployment to a
// new master key, resumably, while `serve` accepts both keys.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "auth/key_ring.hpp"
#include "auth/signing.hpp"
#include "functional/harness.hpp"

namespace inereg::functional {
namespace {

// The files of the database holding `needle`, by name.
std::vector<std::string> files_holding(const Workspace& workspace, const std::string& needle) {
  std::vector<std::string> found;
  for (const auto& file : workspace.database().files()) {
    std::ifstream in(file, std::ios::binary);
    const std::string bytes(std::istreambuf_iterator<char>(in), {});
    if (bytes.find(needle) != std::string::npos) {
      found.push_back(file.filename().string());
    }
  }
  return found;
}

testing::HttpCall signed_call(std::string method, const std::string& session_id, const Integration& integration) {
  testing::HttpCall call;
  call.method = std::move(method);
  call.target = "/v1/sessions/" + session_id;
  call.headers = {{"X-AUTH-CLIENT", integration.api_key},
                  {"X-HMAC-SIGNATURE", auth::hmac_sha256_hex(integration.secret, session_id)}};
  return call;
}

std::string key_id_of(const std::string& master_key_hex) {
  return auth::master_key_id(*auth::SecretBox::from_hex(master_key_hex));
}

TEST(SealedAtRest, ADeletedSessionStaysUnreadableAfterASigkill) {
  Workspace workspace;
  const auto integration = create_integration(workspace, "acme");
  generate_and_import(workspace, 50, 31);
  // Not in the snapshot, whose lookup keys would otherwise hold its identifiers.
  const auto unknown = unregistered_credential("G");

  Server server(workspace);
  const ApiClient client(server.port(), integration.api_key, integration.secret);
  const auto session_id = client.create_session(session_body_for(unknown));
  ASSERT_EQ(client.submit(session_id).status, 200);
  ASSERT_EQ(client.poll_ine_registry(session_id).status, 200);
  const std::string sealed_key =
      workspace.database().query_text("SELECT sealed_key FROM session_keys WHERE session_id = '" + session_id + "'");
  ASSERT_FALSE(sealed_key.empty());

  const auto deleted = testing::http_call(server.port(), signed_call("DELETE", session_id, integration));
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  const auto status = server.kill();
  EXPECT_EQ(status.signal, SIGKILL) << describe(status);

  EXPECT_EQ(files_holding(workspace, unknown.cic), std::vector<std::string>{});
  EXPECT_EQ(files_holding(workspace, unknown.citizen_id), std::vector<std::string>{});
  if (workspace.database().backend() == testing::Backend::kSqlite) {
    EXPECT_EQ(files_holding(workspace, sealed_key), std::vector<std::string>{});
  }
  EXPECT_EQ(query_int(workspace, "SELECT COUNT(*) FROM session_keys"), 0);

  Server restarted(workspace);
  EXPECT_EQ(testing::http_call(restarted.port(), signed_call("GET", session_id, integration)).status, 404);
}

TEST(KeyRotation, ServeTakesBothKeysDuringTheRotationAndTheNewKeyAfter) {
  Workspace workspace;
  const std::string old_key = workspace.master_key();
  const std::string new_key = functional::random_master_key_hex();
  const auto integration = create_integration(workspace, "acme");
  const auto rows = generate_and_import(workspace, 50, 32);
  const auto vigente = first_row(rows, [](const CsvRow& r) { return r.model >= "E" && r.situation == 1; });

  std::vector<std::string> sessions;
  {
    Server server(workspace);
    const ApiClient client(server.port(), integration.api_key, integration.secret);
    for (int i = 0; i < 12; ++i) {
      sessions.push_back(client.create_session(session_body_for(vigente)));
      ASSERT_EQ(client.submit(sessions.back()).status, 200);
    }
    for (const auto& id : sessions) {
      ASSERT_EQ(client.poll_ine_registry(id).status, 200);
    }
    ASSERT_TRUE(server.terminate());
  }

  // Step 1: every node restarts with the new key and the previous one.
  const EnvVars both{{"INEREG_MASTER_KEY", new_key}, {"INEREG_PREVIOUS_MASTER_KEY", old_key}};
  Server during(workspace, both);
  const ApiClient client(during.port(), integration.api_key, integration.secret);
  ASSERT_EQ(client.decision(sessions.front()).status, 200);  // an old-key session, opened
  // The local INE snapshot file was made under the old key's derived key: during the
  // rotation it still answers (the previous key's), so checks go on.
  sessions.push_back(client.create_session(session_body_for(vigente)));  // sealed under the new key
  ASSERT_EQ(client.submit(sessions.back()).status, 200);
  const auto checked_during = client.poll_ine_registry(sessions.back());
  ASSERT_EQ(checked_during.status, 200);
  EXPECT_NE(checked_during.body.find("\"active\":true"), std::string::npos) << checked_during.body;

  // Step 2, online: re-seal in small batches. Then once more: nothing left to do.
  const auto rotated = workspace.cli({"keys", "rotate", "--batch-size", "5"}, both);
  ASSERT_EQ(rotated.exit_code(), 0) << rotated.err;
  EXPECT_NE(rotated.out.find("done: 12 data keys and 1 integration secrets re-sealed"), std::string::npos)
      << rotated.out;
  EXPECT_EQ(query_int(workspace, "SELECT COUNT(*) FROM session_keys WHERE key_id <> '" + key_id_of(new_key) + "'"), 0);
  const auto again = workspace.cli({"keys", "rotate"}, both);
  ASSERT_EQ(again.exit_code(), 0) << again.err;
  EXPECT_NE(again.out.find("done: 0 data keys and 0 integration secrets"), std::string::npos) << again.out;
  for (const auto& id : sessions) {
    EXPECT_EQ(client.decision(id).status, 200) << id;
  }
  // Before the previous key goes, the snapshot is imported again under the new one
  // (docs/DEPLOYMENT.md, "Rotating the master key").
  const auto reimported = workspace.cli({"registry", "import", (workspace.dir() / "registry-32.csv").string()}, both);
  ASSERT_EQ(reimported.exit_code(), 0) << reimported.err;
  ASSERT_TRUE(during.terminate());

  // Step 3: the new key alone reads everything, and the integration still authenticates.
  Server after(workspace, {{"INEREG_MASTER_KEY", new_key}});
  const ApiClient after_client(after.port(), integration.api_key, integration.secret);
  for (const auto& id : sessions) {
    const auto reply = after_client.decision(id);
    EXPECT_EQ(reply.status, 200) << reply.body;
    EXPECT_NE(reply.body.find(vigente.citizen_id), std::string::npos) << "the person data opened";
  }
  sessions.push_back(after_client.create_session(session_body_for(vigente)));
  ASSERT_EQ(after_client.submit(sessions.back()).status, 200);
  const auto checked_after = after_client.poll_ine_registry(sessions.back());
  ASSERT_EQ(checked_after.status, 200);
  EXPECT_NE(checked_after.body.find("\"active\":true"), std::string::npos) << checked_after.body;
  ASSERT_TRUE(after.terminate());

  // Without a previous key the command refuses to start.
  const auto refused = workspace.cli({"keys", "rotate"}, {{"INEREG_MASTER_KEY", new_key}});
  EXPECT_EQ(refused.exit_code(), 1);
}

}  // namespace
}  // namespace inereg::functional
