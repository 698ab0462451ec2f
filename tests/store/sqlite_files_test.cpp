// The SQLite store's files: the database holds personal data, so its file and SQLite's
// -wal and -shm files are created readable by their owner only (0600), whatever the
// process umask; and the WAL is copied back into the database file while the store runs.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "store/sqlite/sqlite_store.hpp"
#include "support/temp_dir.hpp"
#include "support/wait_until.hpp"

namespace inereg::store {
namespace {

unsigned mode_of(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    ADD_FAILURE() << path << " does not exist";
    return 0;
  }
  return info.st_mode & 0777U;
}

// Restores the umask however the test ends.
class Umask {
 public:
  explicit Umask(mode_t mask) : previous_(::umask(mask)) {}
  ~Umask() { ::umask(previous_); }
  Umask(const Umask&) = delete;
  Umask& operator=(const Umask&) = delete;

 private:
  mode_t previous_;
};

TEST(SqliteFiles, DatabaseWalAndShmAreCreatedOwnerOnlyWhateverTheUmask) {
  for (const mode_t mask : {mode_t{0}, mode_t{022}}) {
    testing::TempDir dir;
    const std::string path = dir.file("private.db");
    const Umask umask(mask);
    const auto store = sqlite::open_sqlite_store(path, PoolOptions{.size = 2});
    // A write, so that the WAL and its index exist while the store is open.
    Integration integration;
    integration.id = "i1";
    integration.name = "acme";
    integration.api_key = "key-i1";
    store->create_integration(integration, "sealed");
    for (const auto* suffix : {"", "-wal", "-shm"}) {
      EXPECT_EQ(mode_of(path + suffix), 0600U) << "private.db" << suffix << " with umask 0" << std::oct << mask;
    }
  }
}

TEST(SqliteFiles, AnExistingFileKeepsTheModeTheOperatorGaveIt) {
  testing::TempDir dir;
  const std::string path = dir.file("shared.db");
  { const auto store = sqlite::open_sqlite_store(path, PoolOptions{.size = 1}); }
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  const auto store = sqlite::open_sqlite_store(path, PoolOptions{.size = 1});
  EXPECT_EQ(mode_of(path), 0640U);
}

// The Checkpointer (sqlite_store.cpp) copies the WAL into the database file in the
// background once 1,000 pages were appended; without it the file would grow only when the
// store closes. 24 integrations with a 1 MiB secret each append ~6,000 pages.
TEST(SqliteFiles, TheWalIsCopiedIntoTheDatabaseFileWhileTheStoreRuns) {
  testing::TempDir dir;
  const std::string path = dir.file("growing.db");
  const auto store = sqlite::open_sqlite_store(path, PoolOptions{.size = 1});
  const auto before = std::filesystem::file_size(path);
  const std::string big_secret(1 << 20, 's');
  for (int i = 0; i < 24; ++i) {
    Integration integration;
    integration.id = "i" + std::to_string(i);
    integration.name = "acme";
    integration.api_key = "key-" + integration.id;
    store->create_integration(integration, big_secret);
  }
  constexpr std::uintmax_t kCheckpointed = std::uintmax_t{12} << 20;  // at least 3,000 of the pages
  EXPECT_TRUE(testing::wait_until([&] { return std::filesystem::file_size(path) >= before + kCheckpointed; },
                                  std::chrono::seconds(20), "the database file to grow by 12 MiB"))
      << "file " << std::filesystem::file_size(path) << " bytes, " << before << " before the writes";
}

}  // namespace
}  // namespace inereg::store
