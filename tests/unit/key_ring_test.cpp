// auth::KeyRing and auth::DataKey (issue 15): data keys sealed under a key derived from
// the master key, named by its key id; values bound to where they belong.
#include <gtest/gtest.h>

#include "auth/key_ring.hpp"
#include "veriff/webhooks.hpp"

namespace inereg::auth {
namespace {

SecretBox fresh_master() {
  return *SecretBox::from_hex(random_master_key_hex());
}

TEST(KeyRing, ADataKeyOpensOnlyForItsSessionUnderAKeyTheRingHolds) {
  const auto master = fresh_master();
  const KeyRing ring(master);
  const auto [key, sealed] = ring.new_data_key("s-1");
  EXPECT_EQ(sealed.key_id, ring.current_key_id());
  EXPECT_EQ(sealed.key_id.size(), 16U);
  const auto value = key.seal("a sealed value", "sessions:s-1:cic");
  const auto opened = ring.open("s-1", sealed);
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->open(value, "sessions:s-1:cic"), "a sealed value");
  EXPECT_FALSE(opened->open(value, "sessions:s-2:cic"));  // another row
  EXPECT_FALSE(opened->open(value, "sessions:s-1:ocr"));  // another column
  EXPECT_FALSE(ring.open("s-2", sealed));                 // the key moved to another session
  EXPECT_FALSE(KeyRing(fresh_master()).open("s-1", sealed));
}

TEST(KeyRing, ResealMovesAKeyFromThePreviousMasterKeyToTheCurrentOne) {
  const auto old_master = fresh_master();
  const auto new_master = fresh_master();
  const auto [key, sealed] = KeyRing(old_master).new_data_key("s-1");
  const auto value = key.seal_bytes("image bytes", "media:m-1:bytes");

  const KeyRing during(new_master, old_master);
  ASSERT_TRUE(during.open("s-1", sealed));
  const auto resealed = during.reseal("s-1", sealed);
  ASSERT_TRUE(resealed);
  EXPECT_EQ(resealed->key_id, master_key_id(new_master));
  EXPECT_NE(resealed->key_id, master_key_id(old_master));

  const auto after = KeyRing(new_master).open("s-1", *resealed);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->open_bytes(value, "media:m-1:bytes"), "image bytes");
  EXPECT_FALSE(KeyRing(new_master).reseal("s-1", sealed));  // under neither of its keys
}

TEST(SecretBox, WithPreviousOpensWhatEitherKeySealedAndSealsUnderTheCurrent) {
  const auto old_master = fresh_master();
  const auto new_master = fresh_master();
  const auto both = new_master.with_previous(old_master);
  EXPECT_EQ(both.open(old_master.seal("secret")), "secret");
  EXPECT_EQ(new_master.open(both.seal("secret")), "secret");
  EXPECT_FALSE(old_master.open(both.seal("secret")));
}

TEST(WebhookBody, WithoutPersonalDataNullsThePersonalMembersAtAnyDepth) {
  const std::string body =
      R"({"status":"success","verification":{"id":"s-1","vendorData":"vd","endUserId":"u","person":{"firstName":"JUAN"},)"
      R"("document":{"number":"a sealed value"},"code":9001},"data":{"details":{"curp":"X"}}})";
  EXPECT_EQ(veriff::without_personal_data(body),
            R"({"status":"success","verification":{"id":"s-1","vendorData":null,"endUserId":null,"person":null,)"
            R"("document":null,"code":9001},"data":{"details":{"curp":null}}})");
  EXPECT_EQ(veriff::without_personal_data("not json"), "");
}

}  // namespace
}  // namespace inereg::auth
