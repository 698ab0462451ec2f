#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "api/messages.hpp"

namespace inereg::http {

// What the server decides per request from its request line, before the body is read.
struct RoutePolicy {
  std::size_t max_body_bytes = std::size_t{1024} * 1024;
  bool blocking = false;  // run on the blocking pool even where GETs run inline
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 = any free port (tests)
  int io_threads = 2;
  int blocking_threads = 4;  // run writes (POST/PATCH/DELETE), which wait on fsync
  bool inline_reads = true;  // GETs on the I/O threads; false when reads cross the network
  std::size_t max_header_bytes = std::size_t{16} * 1024;
  std::size_t max_body_bytes = std::size_t{1024} * 1024;
  std::chrono::milliseconds read_timeout{30'000};   // a started request must arrive within this
  std::chrono::milliseconds idle_timeout{60'000};   // keep-alive connections idle longer are closed
  std::chrono::milliseconds drain_timeout{30'000};  // in-flight requests get this long on shutdown
  // Per-route body limit and thread choice (media uploads are larger, media downloads
  // heavier); empty: max_body_bytes and inline_reads for every request.
  std::function<RoutePolicy(std::string_view method, std::string_view path)> route_policy;
};

using Handler = std::function<api::ApiResponse(const api::ApiRequest&)>;

// HTTP/1.1 server on Boost.Beast with C++20 coroutines: one coroutine per connection
// (read → handle → write → keep-alive), each on one of `io_threads` single-threaded
// io_contexts (round-robin), so connections need no strands. With `inline_reads`, GET
// handlers run on the I/O threads (SQLite point reads, a few microseconds); everything
// else hops to a blocking pool (commits wait on fsync; PostgreSQL waits on the
// network). Shutdown drains: stop accepting, close idle keep-alive connections, let
// in-flight requests finish (up to drain_timeout), then run() returns.
class HttpServer {
 public:
  HttpServer(ServerOptions options, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens; throws std::system_error if the address is unavailable.
  void listen();
  // The bound port (useful after listening on port 0).
  std::uint16_t port() const;
  // Serves until stop() or SIGINT/SIGTERM (when handle_signals) and the drain completes.
  // `on_ready` runs once the signal handlers are installed, before serving.
  void run(bool handle_signals, const std::function<void()>& on_ready = {});
  // Starts the drain; safe from any thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace inereg::http
