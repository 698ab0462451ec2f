// auth::IntegrationDirectory against a real store (the backend INEREG_TEST_BACKEND
// picks): what each thread keeps of an integration it found (its own copy) expires with
// the shared entry, so a revoked secret or a deactivation still reaches every thread
// within the cache's time; and a directory never answers from another one's entries.
#include <gtest/gtest.h>

#include <spdlog/spdlog.h>

#include <thread>

#include "auth/integration_directory.hpp"
#include "auth/secret_box.hpp"
#include "store/store.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

namespace inereg::auth {
namespace {

constexpr std::int64_t kT0 = 1'700'000'000'000;
constexpr std::int64_t kTtl = 2'000;
constexpr std::string_view kApiKey = "0b3c8f4e-8d2a-4f7e-9a61-3c5d2e1f0a9b";

class IntegrationDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);
    store_ = store::open_store(database_.url());
    store::Integration integration;
    integration.id = "i1";
    integration.name = "acme";
    integration.api_key = std::string(kApiKey);
    integration.created_at = kT0;
    store_->create_integration(integration, box_.seal("first-secret"));
    directory_ = std::make_unique<IntegrationDirectory>(*store_, box_, kTtl, [this] { return now_; });
  }

  std::shared_ptr<const ResolvedIntegration> find_on_another_thread(IntegrationDirectory& directory) {
    std::shared_ptr<const ResolvedIntegration> found;
    std::thread([&] { found = directory.find_by_api_key(kApiKey); }).join();
    return found;
  }

  testing::TempDir dir_;
  testing::TestDatabase database_{dir_ / "directory.db"};
  std::unique_ptr<store::Store> store_;
  const SecretBox box_ = *SecretBox::from_hex(random_master_key_hex());
  std::int64_t now_ = kT0;
  std::unique_ptr<IntegrationDirectory> directory_;
};

TEST_F(IntegrationDirectoryTest, EachThreadKeepsItsOwnCopyWithTheSameValuesAndKeys) {
  const auto here = directory_->find_by_api_key(kApiKey);
  ASSERT_TRUE(here);
  EXPECT_EQ(directory_->find_by_api_key(kApiKey), here);  // this thread's copy, found again
  const auto there = find_on_another_thread(*directory_);
  ASSERT_TRUE(there);
  EXPECT_NE(there, here);  // not one object (one reference count) shared by the threads
  EXPECT_EQ(there->id, "i1");
  EXPECT_EQ(there->secrets, here->secrets);
  ASSERT_EQ(there->keys.size(), 1U);
  EXPECT_EQ(there->keys[0].sign_hex("message"), hmac_sha256_hex("first-secret", "message"));
}

TEST_F(IntegrationDirectoryTest, AThreadsCopyExpiresWithTheSharedEntry) {
  ASSERT_EQ(directory_->find_by_api_key(kApiKey)->secrets.size(), 1U);
  ASSERT_EQ(find_on_another_thread(*directory_)->secrets.size(), 1U);
  now_ += 1'000;
  store_->add_integration_secret("i1", box_.seal("second-secret"), now_);
  ASSERT_TRUE(store_->set_integration_active("i1", false));
  // Within the time the directory may answer from its cache: the kept copy.
  EXPECT_EQ(directory_->find_by_api_key(kApiKey)->secrets.size(), 1U);
  now_ = kT0 + kTtl;
  // Expired on every thread at once: both see the new secret and the deactivation.
  for (const auto& found : {directory_->find_by_api_key(kApiKey), find_on_another_thread(*directory_)}) {
    ASSERT_TRUE(found);
    EXPECT_FALSE(found->active);
    EXPECT_EQ(found->secrets, (std::vector<std::string>{"second-secret", "first-secret"}));
    EXPECT_EQ(found->keys.size(), 2U);
  }
}

TEST_F(IntegrationDirectoryTest, ADirectoryNeverAnswersFromAnotherDirectorysEntries) {
  ASSERT_TRUE(directory_->find_by_api_key(kApiKey));
  // A second directory over a store where the key names nothing (a test's next fixture,
  // possibly at the address of one destroyed before it).
  testing::TempDir other_dir;
  testing::TestDatabase other_database(other_dir / "other.db");
  const auto other_store = store::open_store(other_database.url());
  for (int i = 0; i < 3; ++i) {
    IntegrationDirectory other(*other_store, box_, kTtl, [this] { return now_; });
    EXPECT_FALSE(other.find_by_api_key(kApiKey));
  }
  EXPECT_TRUE(directory_->find_by_api_key(kApiKey));
}

}  // namespace
}  // namespace inereg::auth
