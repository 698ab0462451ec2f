#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <string>

#include "sessions/workflow.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"
#include "webhooks/payloads.hpp"

// A Store on the backend named by the test parameter: "sqlite" (a real file in a temp
// dir) or "postgres" (a fresh database on the server INEREG_TEST_POSTGRES_URL names,
// dropped afterwards; skipped when unset), the session workflow over it with the real
// webhook composer, and one integration, "i1", with webhook URLs `urls` (empty: none).
namespace inereg::store {

// Every store test's clock starts here (the integration's creation time), and its
// claims hold their lease this long unless a test needs another.
inline constexpr TimeMs kT0 = 1'700'000'000'000;
inline constexpr TimeMs kLease = 1'000;

class BackendStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void open_store(const WebhookUrls& urls) {
    if (GetParam() == "sqlite") {
      store_ = another_handle();
    } else {
      const char* url = std::getenv(testing::kPostgresUrlVariable);
      if (url == nullptr || *url == '\0') {
        GTEST_SKIP() << testing::kPostgresUrlVariable << " is not set: run `scripts/pg-test-server.sh start DIR`";
      }
      admin_url_ = url;
      std::random_device random;
      database_ = "inereg_t_" + std::to_string(random()) + std::to_string(random());
      testing::PgConnection(admin_url_).query("CREATE DATABASE " + database_);
      store_ = another_handle();
    }
    sessions_ = std::make_unique<sessions::SessionWorkflow>(*store_, std::make_shared<webhooks::WebhookPayloads>());
    add_integration("i1", "acme");
    ASSERT_TRUE(store_->set_integration_webhooks("i1", urls));
  }

  // An integration `id` (API key "key-<id>"), created at kT0.
  void add_integration(const std::string& id, const std::string& name) {
    Integration integration;
    integration.id = id;
    integration.name = name;
    integration.api_key = "key-" + id;
    integration.created_at = kT0;
    store_->create_integration(integration, "sealed");
  }

  // A new Store on the test's database, as another node (or process) would open it.
  std::unique_ptr<Store> another_handle() {
    if (GetParam() == "sqlite") {
      return sqlite::open_sqlite_store(dir_.file("store.db"), PoolOptions{.size = 4});
    }
    return postgres::open_postgres_store(testing::with_database(admin_url_, database_), PoolOptions{.size = 4});
  }

  void TearDown() override {
    sessions_.reset();
    store_.reset();
    if (!database_.empty()) {
      testing::PgConnection(admin_url_).query("DROP DATABASE IF EXISTS " + database_ + " WITH (FORCE)");
    }
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<sessions::SessionWorkflow> sessions_;  // over store_, with the real webhook composer
  std::string admin_url_;
  std::string database_;
};

}  // namespace inereg::store
