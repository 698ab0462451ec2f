#pragma once

#include <span>
#include <string_view>

#include "api/messages.hpp"

// The API's one route table: every fact of a route is in its one descriptor. The
// server routes each request line against it once (Api::route), and the tests compare
// it with docs/openapi.yaml, so a route cannot be served undocumented.
namespace inereg::api {

class Api;
struct Caller;

// How a route's requests are authenticated (veriff-api.md §2.2).
enum class Access {
  kPublic,                 // no API key: health, the OpenAPI document, the CORS preflight
  kBodySignatureOptional,  // API key; a signature over the raw body is verified when sent (POST /v1/sessions)
  kBodySigned,             // API key and a signature over the raw body (PATCH)
  kPathIdSigned,           // API key and a signature over the {id} path segment (GET, DELETE)
  // The verification page's routes: the {id} segment is a session token, which the
  // handler checks; no API key (a browser never holds the shared secret), no signature.
  kSessionToken,
};

// One matched request as a handler sees it.
struct RouteCall {
  const ApiRequest& request;
  std::string_view id;  // the {id} path segment as sent; empty when the pattern has none
  Caller* caller;       // the authenticated integration; null on kPublic and kSessionToken routes
};

using RouteHandler = ApiResponse (*)(Api& api, const RouteCall& call);

// How large a request body the route takes.
enum class BodySize {
  kDefault,      // http.max_body_bytes
  kMediaUpload,  // media.max_upload_bytes of base64 in its JSON envelope
  kPagePhoto,    // one raw photo from the verification page: the bytes that much base64 carries
};

// Which thread the route's handler runs on; Api::route resolves it per deployment.
enum class Threads {
  // Reads only: on the I/O thread where the store's reads are local point reads
  // (SQLite), on the blocking pool where each is a network round trip (PostgreSQL).
  kReadOnly,
  // A write that only computes, makes local reads and waits for nothing but its commit
  // (Store::write): where the store's reads are local (SQLite), a coroutine on the I/O
  // thread suspended while its group commits (its fsync paid on the store's own thread);
  // on the blocking pool where reads and commits are network round trips (PostgreSQL).
  kQuickWrite,
  // Always the blocking pool: writes (commits wait on fsync) and reads too heavy for an
  // I/O thread (GET /v1/media/{id} reads and signs up to ~18 MB).
  kBlocking,
};

// One route and everything the server, the API and the metrics need to know about it.
struct Route {
  std::string_view method;   // "GET", "POST", ...
  std::string_view pattern;  // "/v1/sessions/{id}/decision": literal segments and at most one {id}
  Access access;
  // Served to browser pages on other origins (CORS, veriff-api.md §8.1): only what
  // @veriff/js-sdk calls, since every other route needs the shared secret, which never
  // belongs in a browser.
  bool browser_cors = false;
  BodySize body_size = BodySize::kDefault;
  Threads threads;
  // The `route` label of inereg_http_requests_total; routes may share one.
  std::string_view metrics_label;
  RouteHandler handler;
};

// Every route, in table order. Defined beside the handlers (api.cpp).
std::span<const Route> routes();

struct RouteMatch {
  const Route* route = nullptr;  // null: no route has this method and path
  std::string_view id;
};

// The route for `method` and `path` (without query). An {id} matches one non-empty
// segment. A known path with another method does not match: the router answers it
// 404 like an unknown path (docs/ARCHITECTURE.md, "Routing").
RouteMatch match_route(std::string_view method, std::string_view path);

}  // namespace inereg::api
