// Fuzz target of the HTTP request path: raw bytes from a client, parsed by Beast with
// the server's limits, checked and routed as the connection coroutine does
// (http/request_head.hpp, Api::route), refused or admitted before the body (Api::admit:
// authentication from the headers), then handled (Api::handle: the signature, the
// handler). Up to kMaxRequests requests per input, as on a keep-alive connection.
//
// So that inputs can get past authentication, the harness fills three placeholders:
// {{KEY}} becomes the fuzz integration's API key and {{SESSION}} its session's id
// (anywhere in the input), and a signature header of exactly {{SIG}} the signature
// the route expects (over the body, or the {id} path segment).
//
// Properties, besides "no crash, no sanitizer report": never a 5xx from the API, no
// response signature on a 401 (FuzzService::serve); a routed {id} is one segment of
// the path.
#include <boost/beast/core/error.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/errors.hpp"
#include "api/routes.hpp"
#include "fuzz_service.hpp"
#include "http/request_head.hpp"
#include "http/server.hpp"

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using inereg::fuzz::FuzzService;
using inereg::fuzz::require;

constexpr int kMaxRequests = 4;

void replace_all(std::string& text, std::string_view placeholder, std::string_view value) {
  for (std::size_t at = text.find(placeholder); at != std::string::npos;
       at = text.find(placeholder, at + value.size())) {
    text.replace(at, placeholder.size(), value);
  }
}

// What the route signs: the {id} segment on path-signed routes, the body otherwise.
std::string_view signed_part(const inereg::http::Request& request, const inereg::http::Routing& routing) {
  if (routing.route != inereg::http::Routing::kNoRoute &&
      inereg::api::routes()[routing.route].access == inereg::api::Access::kPathIdSigned) {
    return routing.id;
  }
  return request.body;
}

// Feeds `bytes` to the parser until it stops (the head, or the whole message once
// eager); returns the bytes it consumed.
std::size_t feed(inereg::http::BeastRequestParser& parser, std::string_view bytes, beast::error_code& error) {
  std::size_t used = 0;
  while (!error && used < bytes.size() && !(parser.is_header_done() && !parser.eager()) && !parser.is_done()) {
    const std::size_t n = parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), error);
    if (error == bhttp::error::need_more) {
      error = {};
      break;  // the rest of the message never arrives: the server would wait, then time out
    }
    if (n == 0) {
      break;
    }
    used += n;
  }
  if (!error && used == bytes.size() && !parser.is_done() && parser.is_header_done() && parser.eager()) {
    parser.put_eof(error);  // the client closed: only a body read to EOF may end here
  }
  return used;
}

// One request from the front of `bytes`; returns the bytes it took, or npos when the
// connection would be closed after it (or without an answer).
std::size_t serve_one(FuzzService& service, std::string_view bytes) {
  const inereg::http::ServerSettings limits;
  inereg::http::BeastRequestParser parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser.body_limit(boost::none);
  beast::error_code error;
  std::size_t used = feed(parser, bytes, error);
  if (!error && !parser.is_header_done()) {
    return std::string_view::npos;  // an incomplete head: no answer before the read timeout
  }
  inereg::http::Routing routing;
  if (!error && !inereg::http::acceptable_transfer_encoding(parser.get())) {
    error = bhttp::error::bad_transfer_encoding;
  }
  if (!error) {
    const auto& head = parser.get();
    const std::string_view target(head.target().data(), head.target().size());
    const std::string_view path = target.substr(0, target.find('?'));
    routing = service.api().route(inereg::http::routed_method(head), path);
    if (!routing.id.empty()) {
      require(routing.id.data() >= path.data() && routing.id.data() + routing.id.size() <= path.data() + path.size());
      require(routing.id.find('/') == std::string_view::npos);
    }
    const std::size_t max_body = inereg::http::body_limit(limits, routing);
    parser.body_limit(max_body);
    const auto declared = parser.content_length();
    if (declared && *declared > max_body) {
      error = bhttp::error::body_limit;
    }
  }
  if (error) {
    // The server answers the refusal and closes the connection.
    (void)inereg::api::refusal_response(error == bhttp::error::header_limit ? inereg::http::Refusal::kHeaderTooLarge
                                        : error == bhttp::error::body_limit ? inereg::http::Refusal::kBodyTooLarge
                                                                            : inereg::http::Refusal::kMalformedRequest);
    return std::string_view::npos;
  }
  const bool body_follows = !parser.is_done();
  if (body_follows) {
    parser.eager(true);
    used += feed(parser, bytes.substr(used), error);
    if (error || !parser.is_done()) {
      return std::string_view::npos;
    }
  }
  const auto& request = parser.get();
  inereg::http::Request exchange = inereg::http::exchange_of(request, "127.0.0.1");
  // Computed once: when both signature headers ask for it, both views point into this
  // one string (assigning it again for the second would free what the first points to).
  const bool signature_wanted = exchange.hmac_signature == "{{SIG}}" || exchange.legacy_signature == "{{SIG}}";
  const std::string signature = signature_wanted ? service.signature(signed_part(exchange, routing)) : std::string();
  for (auto* header : {&exchange.hmac_signature, &exchange.legacy_signature}) {
    if (*header == "{{SIG}}") {
      *header = signature;
    }
  }
  (void)service.serve(exchange, body_follows);
  return request.keep_alive() ? used : std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzService& service = FuzzService::next_input();
  std::string bytes(reinterpret_cast<const char*>(data), size);
  replace_all(bytes, "{{KEY}}", service.api_key());
  replace_all(bytes, "{{SESSION}}", service.session_id());
  std::string_view rest = bytes;
  for (int i = 0; i < kMaxRequests && !rest.empty(); ++i) {
    const std::size_t used = serve_one(service, rest);
    if (used == std::string_view::npos || used == 0) {
      break;
    }
    rest.remove_prefix(used);
  }
  return 0;
}
