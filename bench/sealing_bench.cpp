// bench/sealing_bench: what sealing at rest (issue 15) adds to a read that returns a
// session's personal data: Store::find_session on a real SQLite file, through the
// sealing layer (sessions/sealing_store.hpp) and straight on the backend, plus the
// crypto alone (open the data key, open the ten sealed columns).
//   build/bench/sealing_bench [iterations]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include <unistd.h>

#include "auth/answer_box.hpp"
#include "auth/key_ring.hpp"
#include "registry/registry_file.hpp"
#include "sessions/sealing_store.hpp"
#include "store/store.hpp"

namespace {

using Clock = std::chrono::steady_clock;

template <typename F>
double micros_per_call(int iterations, F&& call) {
  const auto start = Clock::now();
  for (int i = 0; i < iterations; ++i) {
    call(i);
  }
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count() / iterations;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace inereg;
  const int iterations = argc > 1 ? std::stoi(argv[1]) : 20'000;
  const auto dir = std::filesystem::temp_directory_path() / ("sealing_bench_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto master = *auth::SecretBox::from_hex(auth::random_master_key_hex());
  const std::string url = "sqlite:" + (dir / "bench.db").string();
  auto sealed = sessions::make_sealing_store(store::open_store(url), auth::KeyRing(master), auth::AnswerBox(master));
  auto raw = store::open_store(url);

  store::Integration integration{"i-1", "bench", "k-1", true, 0, {}, {}, 0, store::RegistryChecks::kIne};
  raw->create_integration(integration, master.seal("secret"));
  constexpr int kSessions = 1000;
  registry::SyntheticRegistry synthetic(15);  // identifiers with valid check digits
  for (int i = 0; i < kSessions; ++i) {
    const auto credential = synthetic.make("G", 1).credential;
    store::Session s;
    s.id = "s-sealed-" + std::to_string(i);
    s.integration_id = "i-1";
    s.status = "created";
    s.vendor_data = "vendor-data-" + std::to_string(i);
    s.person_json = R"({"firstName":"JUAN","lastName":"PEREZ","ineIdentifier":")" + credential.citizen_id + R"("})";
    s.document_json = R"({"number":")" + credential.cic + R"(","country":"MX","type":"ID_CARD"})";
    s.credential = credential;
    sealed->insert_session(s);
    s.id = "s-clear-" + std::to_string(i);
    raw->insert_session(s);
  }

  const double clear_us =
      micros_per_call(iterations, [&](int i) { (void)raw->find_session("s-clear-" + std::to_string(i % kSessions)); });
  const double sealed_us = micros_per_call(
      iterations, [&](int i) { (void)sealed->find_session("s-sealed-" + std::to_string(i % kSessions)); });

  // The crypto alone: the data key and ten columns, as find_session opens them.
  const auth::KeyRing ring(master);
  const auto [key, sealed_key] = ring.new_data_key("s-1");
  const auth::SealedDataKey& stored = sealed_key;  // a lambda cannot capture a structured binding in clang 14
  std::vector<std::string> columns;
  for (int c = 0; c < 10; ++c) {
    columns.push_back(key.seal("a value of some thirty bytes..", "sessions:s-1:" + std::to_string(c)));
  }
  const double crypto_us = micros_per_call(iterations, [&](int) {
    const auto opened = ring.open("s-1", stored);
    for (int c = 0; c < 10; ++c) {
      (void)opened->open(columns[static_cast<std::size_t>(c)], "sessions:s-1:" + std::to_string(c));
    }
  });
  std::printf("find_session, SQLite, %d calls: clear %.2f us, sealed %.2f us (+%.2f us); crypto alone %.2f us\n",
              iterations, clear_us, sealed_us, sealed_us - clear_us, crypto_us);
  std::filesystem::remove_all(dir);
  return 0;
}
