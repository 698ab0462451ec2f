// Personal data sealed at rest and crypto-shredded on DELETE (issue 15, item 1), on the
// backend INEREG_TEST_BACKEND picks: the database's own files (SQLite file and WAL, or
// the PostgreSQL cluster's data directory) are searched for every identifier and for the
// card image's bytes.
#include <fstream>
#include <iterator>

#include "admin/key_rotation.hpp"
#include "auth/answer_box.hpp"
#include "auth/key_ring.hpp"
#include "auth/signing.hpp"
#include "service_fixture.hpp"
#include "sessions/sealing_store.hpp"
#include "store/store.hpp"
#include "util/base64.hpp"
#include "util/time.hpp"

namespace inereg::component {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(INEREG_TEST_DATA_DIR) + "/media/" + name, std::ios::binary);
  if (!in) {
    throw std::runtime_error("missing test fixture " + name);
  }
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string upload_body(std::string_view context, const std::string& bytes) {
  boost::json::object image{{"context", context}, {"content", util::base64_encode(bytes)}};
  return boost::json::serialize(boost::json::object{{"image", image}});
}

// Each needle found in some file of the database, with the file's name.
std::vector<std::string> found_in(const std::vector<std::filesystem::path>& files,
                                  const std::vector<std::string>& needles) {
  std::vector<std::string> found;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    const std::string bytes(std::istreambuf_iterator<char>(in), {});
    for (const auto& needle : needles) {
      if (bytes.find(needle) != std::string::npos) {
        found.push_back(file.filename().string() + " holds needle #" + std::to_string(&needle - needles.data()));
      }
    }
  }
  return found;
}

// 24-byte windows across the image, past its format header (shared by every JPEG).
std::vector<std::string> image_windows(const std::string& image) {
  std::vector<std::string> windows;
  for (std::size_t at = 32; at + 24 <= image.size(); at += image.size() / 8) {
    windows.push_back(image.substr(at, 24));
  }
  return windows;
}

// Sessions of `unknown_`, the credential the fixture's snapshot does not hold: the
// snapshot's lookup keys would otherwise hold its identifiers.
class SealedAtRestTest : public ComponentTest {
 protected:
  void upload(const std::string& id) {
    const std::string body = upload_body("document-front", image_);
    const auto reply =
        client_->send("POST", "/v1/sessions/" + id + "/media", body, auth::hmac_sha256_hex(client_->secret(), body));
    ASSERT_EQ(reply.status, 200) << reply.body;
  }

  std::vector<std::string> personal_needles() const {
    std::vector<std::string> needles = {unknown_.credential.cic, unknown_.credential.citizen_id, vendor_data_, "PEREZ"};
    if (!unknown_.credential.curp.empty()) {
      needles.push_back(unknown_.credential.curp);
    }
    for (auto& window : image_windows(image_)) {
      needles.push_back(std::move(window));
    }
    return needles;
  }

  // What the database's files hold now (PostgreSQL: its dirty pages written first).
  std::vector<std::filesystem::path> flushed_files() const {
    if (database().backend() == testing::Backend::kPostgres) {
      database().exec("CHECKPOINT");
    }
    return database().files();
  }

  const std::string vendor_data_ = "vd-sealed-7f3a91c2";
  const std::string image_ = fixture("tiny.jpg");
};

TEST_F(SealedAtRestTest, NoIdentifierNameOrImageByteIsInTheDatabaseFiles) {
  store::WebhookUrls urls;
  urls.decision = "http://127.0.0.1:9/decision";
  urls.ine = "http://127.0.0.1:9/ine";
  service().store().set_integration_webhooks(client_->integration_id(), urls);
  const std::string id = client_->create(ine_body(unknown_.credential, vendor_data_));
  upload(id);
  ASSERT_EQ(client_->patch_session(id, std::string(kSubmitBody)).status, 200);
  const auto decided = client_->wait_decision(id);
  // Sealed at rest, opened on the way out.
  EXPECT_EQ(text_of(decided.at("verification").at("person").at("ineIdentifier")), unknown_.credential.citizen_id);
  EXPECT_EQ(text_of(decided.at("verification").at("vendorData")), vendor_data_);
  EXPECT_GT(database().query_int("SELECT COUNT(*) FROM webhook_deliveries WHERE session_id = '" + id + "'"), 0);
  EXPECT_EQ(database().query_int("SELECT COUNT(*) FROM session_keys WHERE session_id = '" + id + "'"), 1);

  EXPECT_EQ(found_in(flushed_files(), personal_needles()), std::vector<std::string>{});
}

TEST_F(SealedAtRestTest, DeleteDestroysTheDataKeyAndQueuedWebhooksLoseTheirPersonalParts) {
  store::WebhookUrls urls;
  urls.event = "http://127.0.0.1:9/event";
  service().store().set_integration_webhooks(client_->integration_id(), urls);
  const std::string id = client_->create(ine_body(unknown_.credential, vendor_data_));
  upload(id);
  ASSERT_EQ(client_->patch_session(id, std::string(kSubmitBody)).status, 200);  // queues the event webhook
  client_->wait_decision(id);                                                   // a session under check is not deleted
  const std::string sealed_key =
      database().query_text("SELECT sealed_key FROM session_keys WHERE session_id = '" + id + "'");
  ASSERT_FALSE(sealed_key.empty());
  const std::string delivery_id =
      database().query_text("SELECT CAST(id AS TEXT) FROM webhook_deliveries WHERE session_id = '" + id + "'");
  ASSERT_FALSE(delivery_id.empty());

  ASSERT_EQ(client_->delete_session(id).status, 200);

  EXPECT_EQ(database().query_int("SELECT COUNT(*) FROM session_keys WHERE session_id = '" + id + "'"), 0);
  // What would still be sent: the body without vendorData (nor any identifier).
  const auto delivery = service().store().begin_write()->find_delivery(std::stoll(delivery_id));
  ASSERT_TRUE(delivery);
  const auto body = parse_object(delivery->body);
  EXPECT_TRUE(body.at("vendorData").is_null()) << delivery->body;
  EXPECT_EQ(text_of(body.at("id")), id);
  EXPECT_EQ(found_in(flushed_files(), personal_needles()), std::vector<std::string>{});
  if (database().backend() == testing::Backend::kSqlite) {
    // secure_delete zeroed the key's cell and the checkpoint after the DELETE emptied the
    // WAL: no file holds the sealed key any more. (PostgreSQL keeps it in its WAL and in
    // a dead tuple until vacuum; docs/DEPLOYMENT.md says what closes that.)
    EXPECT_EQ(found_in(database().files(), {sealed_key}), std::vector<std::string>{});
  }
}

// Retention's purge goes through the sealing layer: the data key goes in the purge's
// own transaction, as with a DELETE, and nothing personal is left in the files.
TEST_F(SealedAtRestTest, ARetentionPurgeDestroysTheDataKey) {
  const std::string id = client_->create(ine_body(unknown_.credential, vendor_data_));
  upload(id);
  ASSERT_EQ(client_->patch_session(id, std::string(kSubmitBody)).status, 200);
  client_->wait_decision(id);
  ASSERT_EQ(database().query_int("SELECT COUNT(*) FROM session_keys WHERE session_id = '" + id + "'"), 1);

  {
    const auto tx = service().store().begin_write();
    ASSERT_TRUE(tx->purge_personal_data(id, util::wall_clock_ms()));
    tx->commit();
  }

  EXPECT_EQ(database().query_int("SELECT COUNT(*) FROM session_keys WHERE session_id = '" + id + "'"), 0);
  EXPECT_EQ(database().query_int("SELECT COUNT(*) FROM sessions WHERE id = '" + id + "' AND purged_at IS NOT NULL"), 1);
  EXPECT_EQ(found_in(flushed_files(), personal_needles()), std::vector<std::string>{});
}

TEST_F(SealedAtRestTest, ASealedValueMovedToAnotherRowDoesNotOpen) {
  const std::string first = client_->create(ine_body(unknown_.credential, vendor_data_));
  const std::string second = client_->create(ine_body(deceased_.credential, "vd-other"));
  ASSERT_TRUE(service().store().find_session(second));

  // The first session's sealed CIC copied over the second's (as an attacker with write
  // access to the file could): the second's own key and row refuse it.
  database().exec("UPDATE sessions SET cic = (SELECT cic FROM sessions WHERE id = '" + first + "') WHERE id = '" +
                  second + "'");
  EXPECT_THROW(service().store().find_session(second), store::StoreError);
  const auto intact = service().store().find_session(first);
  ASSERT_TRUE(intact);
  EXPECT_EQ(intact->credential.cic, unknown_.credential.cic);

  // And a column moved within its own row: the CIC's sealed text in the OCR column.
  database().exec("UPDATE sessions SET ocr = cic WHERE id = '" + first + "'");
  EXPECT_THROW(service().store().find_session(first), store::StoreError);
}

TEST_F(SealedAtRestTest, ARotationStoppedAfterABatchIsFinishedByTheNextRun) {
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) {
    ids.push_back(client_->create(ine_body(unknown_.credential, "vd-" + std::to_string(i))));
  }
  const auto old_box = *auth::SecretBox::from_hex(service().config().master_key);
  const auto new_box = *auth::SecretBox::from_hex(auth::random_master_key_hex());
  const auth::KeyRing both_keys(new_box, old_box);
  const auto new_id = auth::master_key_id(new_box);
  admin::RotationOptions options;
  options.batch_size = 3;
  options.after_batch = [](const admin::RotationProgress&) { throw std::runtime_error("stopped as by a crash"); };
  EXPECT_THROW(admin::rotate_master_key(service().store(), both_keys, new_box.with_previous(old_box), new_box, options),
               std::runtime_error);
  EXPECT_EQ(database().query_int("SELECT COUNT(*) FROM session_keys WHERE key_id = '" + new_id + "'"), 3);

  // Mid-rotation, a node with both keys opens every session, whichever key seals it.
  auto both = sessions::make_sealing_store(store::open_store(database().url()), both_keys, auth::AnswerBox(new_box));
  for (const auto& id : ids) {
    EXPECT_EQ(both->find_session(id)->credential.cic, unknown_.credential.cic) << id;
  }

  options.after_batch = {};
  const auto done =
      admin::rotate_master_key(service().store(), both_keys, new_box.with_previous(old_box), new_box, options);
  EXPECT_EQ(done.data_keys_resealed, 4);
  EXPECT_EQ(done.secrets_resealed, 2);  // the fixture's two integrations
  EXPECT_EQ(done.data_keys_unopenable + done.secrets_unopenable, 0);

  // After it, the new key alone opens everything; the old key alone opens nothing.
  auto new_only = sessions::make_sealing_store(store::open_store(database().url()), auth::KeyRing(new_box),
                                               auth::AnswerBox(new_box));
  for (const auto& id : ids) {
    EXPECT_EQ(new_only->find_session(id)->credential.citizen_id, unknown_.credential.citizen_id) << id;
  }
  const auto integration = new_only->find_integration(client_->integration_id());
  ASSERT_TRUE(integration);
  EXPECT_EQ(new_box.open(integration->secrets.front().sealed), client_->secret());
  auto old_only = sessions::make_sealing_store(store::open_store(database().url()), auth::KeyRing(old_box),
                                               auth::AnswerBox(old_box));
  EXPECT_THROW(old_only->find_session(ids.front()), store::StoreError);
}

}  // namespace
}  // namespace inereg::component
