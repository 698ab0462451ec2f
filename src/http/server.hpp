#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "http/exchange.hpp"

namespace inereg::http {

// What the operator sets (`http.*` in the config).
struct ServerSettings {
  int io_threads = 2;
  // Run what waits and cannot suspend: every PostgreSQL call (a network round trip), media
  // and page uploads (decoding, MRZ reading; their writes hold the thread until their
  // group's fsync). SQLite's creates, submits and deletes wait as coroutines instead
  // (ThreadClass::kIoFiber). Sized when every write held a thread here: 4 capped POST
  // /v1/sessions near 2,800/s on the reference VM, 64 reached ~5,700/s (bench/README.md).
  int blocking_threads = 64;
  std::size_t max_header_bytes = std::size_t{16} * 1024;
  std::size_t max_body_bytes = std::size_t{1024} * 1024;  // a route may allow more (Routing::max_body_bytes)
  std::chrono::milliseconds read_timeout{30'000};         // a started request must arrive within this
  std::chrono::milliseconds idle_timeout{60'000};         // keep-alive connections idle longer are closed
  std::chrono::milliseconds drain_timeout{30'000};        // in-flight requests get this long on shutdown
  // Memory bounds whatever the clients do: connections beyond this are closed as soon
  // as they are accepted, and a body that would take the bytes held in request bodies
  // (declared length, or the route's limit when chunked) above the second is refused
  // 503 before it is read.
  int max_connections = 4096;
  std::size_t max_body_bytes_in_flight = std::size_t{256} * 1024 * 1024;
  // With as many I/O threads as CPUs the process may run on, each thread is pinned to
  // one CPU and a connection is served by the thread on the CPU its packets arrive on
  // (the kernel records it per socket), checked at accept and every
  // kRequestsBetweenPlacementChecks requests: the client's wake-ups and ours then stay on
  // one CPU instead of crossing to the other as inter-processor interrupts, each an exit
  // on both sides in a VM (bench/README.md). Ignored with fewer or more threads than CPUs.
  bool pin_io_threads = true;
};

// How often a served connection's packets' CPU is read again: a client thread that moved
// to another CPU takes its connections along after two such checks agree.
inline constexpr std::uint32_t kRequestsBetweenPlacementChecks = 256;

// What the server counts, for the metrics page. Read with relaxed loads.
struct ServerStats {
  std::int64_t connections = 0;           // open now
  std::int64_t connections_refused = 0;   // closed at accept: max_connections reached
  std::int64_t body_bytes_in_flight = 0;  // reserved for bodies being read or handled now
  std::int64_t bodies_refused = 0;        // 503: max_body_bytes_in_flight reached
  std::int64_t refused_before_body = 0;   // answered by Application::admit, body unread
  std::int64_t connections_moved = 0;     // to the I/O thread on their packets' CPU, after accept
  std::int64_t handlers_suspended = 0;    // handler coroutines waiting now (a quick write's commit)
};

// The settings plus what the service wires in when it builds the server.
struct ServerOptions : ServerSettings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 = any free port (tests)
};

// HTTP/1.1 server on Boost.Beast with C++20 coroutines: one coroutine per connection
// (read → route → read body → handle → write → keep-alive), each on one of `io_threads`
// single-threaded io_contexts (round-robin, or the one on the connection's CPU when the
// threads are pinned), so connections need no strands. The
// application routes each request line once (Application::route); that routing sets
// the body limit and whether the handler runs inline on the I/O thread, as a coroutine
// there (suspended while it waits for another thread's work: util::Suspension), or on
// the blocking pool. Shutdown drains: stop accepting, close idle keep-alive connections,
// let in-flight requests finish (up to drain_timeout), then run() returns.
class HttpServer {
 public:
  HttpServer(ServerOptions options, Application application);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens; throws std::system_error if the address is unavailable. With
  // `handle_signals`, SIGINT and SIGTERM are caught from before the port accepts and
  // start the drain once run() runs.
  void listen(bool handle_signals);
  // The bound port (useful after listening on port 0).
  std::uint16_t port() const;
  ServerStats stats() const;
  // Serves until stop() or a caught signal and the drain completes. `on_ready` runs
  // once, before serving.
  void run(const std::function<void()>& on_ready = {});
  // Starts the drain; safe from any thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace inereg::http
