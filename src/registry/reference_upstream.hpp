#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <string>
#include <unordered_map>

// `inereg registry serve-upstream`: a registry upstream speaking docs/UPSTREAM.md,
// answering from a registry CSV snapshot. Lets an operator run the whole chain without
// an aggregator, and is the slow upstream of the benches (a timer-based delay, so
// thousands of lookups wait at once without a thread each).
namespace inereg::registry {

// Canonical lookup key (ine::LookupKey::canonical) → catalog situation.
struct Snapshot {
  std::unordered_map<std::string, int> situations;
  std::int64_t bad_lines = 0;  // skipped; the first problem is in `first_problem`
  std::string first_problem;
};

// Reads a registry CSV (registry_file.hpp format, header first).
Snapshot load_snapshot(std::istream& csv);

struct ReferenceUpstreamOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = any free port
  int io_threads = 2;
  std::chrono::milliseconds delay{0};  // added before every answer
  std::string token;                   // when set, requests must carry "Authorization: Bearer <token>"
  std::string path = "/v1/lookup";     // lookups are POSTed here
  std::size_t max_body_bytes = std::size_t{16} * 1024;
  std::chrono::milliseconds idle_timeout{60'000};
};

// HTTP/1.1 server on Boost.Beast, one coroutine per keep-alive connection, spread over
// io_threads single-threaded io_contexts. Answers:
//   200 {"situacion":N} (21 when the snapshot has no such credential),
//   400 for a body that is not a lookup request, 401 without the token,
//   404 for another path, 405 for another method.
class ReferenceUpstream {
 public:
  ReferenceUpstream(ReferenceUpstreamOptions options, Snapshot snapshot);
  ~ReferenceUpstream();
  ReferenceUpstream(const ReferenceUpstream&) = delete;
  ReferenceUpstream& operator=(const ReferenceUpstream&) = delete;

  // Binds and listens; throws std::system_error if the address is unavailable.
  void listen();
  std::uint16_t port() const;
  // Serves until stop() or, with handle_signals, SIGINT/SIGTERM. `on_ready` runs once
  // serving is about to start.
  void run(bool handle_signals, const std::function<void()>& on_ready = {});
  // Safe from any thread.
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace inereg::registry
