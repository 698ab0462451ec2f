#pragma once

#include "http/exchange.hpp"

// What handlers see instead of Beast's types, so the API is testable and
// benchmarkable without sockets. They are the transport's Beast-free exchange types
// (http/exchange.hpp): the API implements the server's small Application interface
// rather than the server depending on the API.
namespace inereg::api {

using ApiRequest = http::Request;
using ApiResponse = http::Response;

}  // namespace inereg::api
