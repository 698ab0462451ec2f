#pragma once

#include <string>

#include "http/exchange.hpp"

// The bytes of a response's status line and header fields, written by the server itself
// into a buffer its connection reuses, then sent with the body in one gathered write:
// no Beast message (one allocation per field), no serializer. They are exactly the
// bytes Beast's serializer wrote for the message the server used to build from a
// Response (tests/unit/response_head_test.cpp compares the two).
namespace inereg::http {

// Appends to `out`: "HTTP/<version> <code> <reason>\r\n", the fields, "\r\n". The fields,
// in order: Content-Type (when not empty), the response's headers, then Connection when
// the version's default does not say `keep_alive` ("close" on HTTP/1.1, "keep-alive" on
// HTTP/1.0), then Content-Length (the body's size; a HEAD answer sends these same bytes
// without the body). A field named again replaces the earlier one and takes the later
// place (Beast's set()). `version` is 10 or 11. The application never sets Connection,
// Content-Length or Transfer-Encoding: the server frames responses.
void append_response_head(const Response& response, unsigned version, bool keep_alive, std::string& out);

}  // namespace inereg::http
