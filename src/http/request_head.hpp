#pragma once

#include <boost/beast/http.hpp>

#include <memory_resource>
#include <string_view>

#include "http/exchange.hpp"
#include "http/server.hpp"

// What the server reads from a parsed request head, as plain functions over Beast's
// request: the same code the connection coroutine runs, so the fuzz target of the
// request path (tests/fuzz/http_request_fuzz.cpp) exercises exactly it without sockets.
namespace inereg::http {

// A request head's fields come from an allocator the server hands each parser: on a
// connection, an arena over a buffer that every request reuses (http/server.cpp).
using FieldsAllocator = std::pmr::polymorphic_allocator<char>;
using BeastRequest =
    boost::beast::http::request<boost::beast::http::string_body, boost::beast::http::basic_fields<FieldsAllocator>>;
using BeastRequestParser = boost::beast::http::request_parser<boost::beast::http::string_body, FieldsAllocator>;

// RFC 9112 §6.1: a request's only acceptable transfer coding here is exactly
// "chunked". Anything else ("xchunked", "gzip", "chunked, identity", "gzip, chunked",
// or the field twice) is refused and the connection closed: a proxy in front may
// frame such a body differently, and reading on would let the rest of its bytes pass
// as a second, smuggled request.
bool acceptable_transfer_encoding(const BeastRequest& request);

// The method the application routes: HEAD is answered as GET would be (status and
// headers), without the body.
std::string_view routed_method(const BeastRequest& request);

// The largest body the server reads for a request `routing` routed: the larger of the
// server's limit and the route's own.
std::size_t body_limit(const ServerSettings& settings, const Routing& routing);

// The request as the application sees it, its views into `request` (body included,
// empty until the body is read) and `peer_address`.
Request exchange_of(const BeastRequest& request, std::string_view peer_address);

}  // namespace inereg::http
