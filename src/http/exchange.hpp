#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// What the server exchanges with the application it serves, without Beast types: the
// request and response, the routing of a request line, and the server's own refusals.
//
// The dependency points from the application down to this header, not from the server
// up to the API: the server asks the application to route each request line once and
// hands that routing back with the request, so http/ names no route, no handler and no
// Veriff body, and api/ (which implements Application) is testable without sockets.
namespace inereg::http {

// Sees a request's body as the server reads it: every byte, in order, in the pieces they
// arrive in, before the handler runs (a signature computed while the body arrives,
// instead of a second pass over it). The application makes it (Application::watch_body)
// and finds it again in Request::body_digest. Used by one request at a time.
class BodyDigest {
 public:
  virtual ~BodyDigest() = default;
  virtual void update(std::string_view piece) = 0;
};

struct Request {
  std::string_view method;  // "GET", "POST", ...
  std::string_view path;    // target without the query string
  std::string_view query;   // raw text after '?', empty if none
  std::string_view body;
  std::optional<std::string_view> auth_client;       // X-AUTH-CLIENT
  std::optional<std::string_view> hmac_signature;    // X-HMAC-SIGNATURE
  std::optional<std::string_view> legacy_signature;  // X-SIGNATURE
  std::optional<std::string_view> integration_id;    // vrf-integration-id ("flexible API keys", §4.4)
  std::optional<std::string_view> origin;            // Origin (browsers; CORS, §8.1)
  std::optional<std::string_view> authorization;     // Authorization (the metrics page's bearer token)
  std::string_view client_address;                   // the peer's IP address, as text
  // The application's digest of this body (Application::watch_body), fed all of it;
  // nullptr when none was asked for.
  BodyDigest* body_digest = nullptr;
};

// Name and value; a name is a constant (a string literal): every response names the same
// few fields, and a std::string of one was a heap allocation on every request.
using Headers = std::vector<std::pair<std::string_view, std::string>>;

struct Response {
  Response() = default;
  Response(int status_code, std::string json_body) : status(status_code), body(std::move(json_body)) {}

  int status = 200;
  std::string body;
  // A constant, as header names are (media's types are media::served_mimetype's);
  // empty: no Content-Type (204).
  std::string_view content_type = "application/json";
  Headers headers;
  // Sent only after this long (throttling), on a timer: no thread waits meanwhile.
  std::chrono::milliseconds delay{0};
};

// Where a request's handler runs.
enum class ThreadClass {
  kIoThread,      // inline on the connection's I/O thread: cheaper than a hop when it never waits
  kBlockingPool,  // on the blocking pool, so a wait (fsync, a network round trip) stalls no connection
  // On the connection's I/O thread as a stackful coroutine whose one kind of wait, for
  // another thread's work (util::Suspension: a group commit), suspends it while the
  // thread serves other connections. For handlers that otherwise never wait.
  kIoFiber,
};

// The application's routing of one request line, asked for once, before the body is
// read. The server reads the body limit and the thread class and hands the same value
// back with the request, so a request is never matched twice.
struct Routing {
  static constexpr std::size_t kNoRoute = std::numeric_limits<std::size_t>::max();

  std::size_t route = kNoRoute;  // the application's route number; the server never interprets it
  std::string_view id;           // the route's {id} path segment (a view into the request target)
  // A body limit above ServerOptions::max_body_bytes for this route (media uploads);
  // the server accepts the larger of the two, so 0 means the server's limit.
  std::size_t max_body_bytes = 0;
  ThreadClass thread = ThreadClass::kBlockingPool;
};

// Requests the server answers itself, before any handler runs.
enum class Refusal {
  kMalformedRequest,  // 400: not parseable as HTTP/1.1
  kBodyTooLarge,      // 413: the declared or received body exceeds the route's limit
  kHeaderTooLarge,    // 431: the request line and headers exceed ServerOptions::max_header_bytes
  // 503 with Retry-After: reading this body would take the bytes held in request
  // bodies above ServerOptions::max_body_bytes_in_flight.
  kOverloaded,
};

// What the server serves. Thread-safe: `route` and `refuse` run on the I/O threads,
// `handle` on the thread its routing names.
struct Application {
  // Routes `method path` (path without the query) from the request line alone.
  std::function<Routing(std::string_view method, std::string_view path)> route;
  // Asked once the headers are read and before any body byte is: an answer refuses the
  // request (the server sends it and closes the connection, the body unread), nullopt
  // lets the body be read. `head` is the request with an empty body. Optional.
  std::function<std::optional<Response>(const Request& head, const Routing& routing)> admit;
  // Asked once the request is admitted, before any body byte is read: a digest to feed
  // the body to as it is read (handed back in Request::body_digest), or nullptr. Optional.
  std::function<std::shared_ptr<BodyDigest>(const Request& head, const Routing& routing)> watch_body;
  // Answers `request` with the routing `route` gave for it.
  std::function<Response(const Request& request, const Routing& routing)> handle;
  // The answer to a refused request (the application owns the error bodies).
  std::function<Response(Refusal refusal)> refuse;
};

}  // namespace inereg::http
