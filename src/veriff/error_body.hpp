#pragma once

#include <string>
#include <string_view>

// Veriff's error body (veriff-api.md §3.1). Which error has which status, code and
// message is decided by the API's one error table (api/errors.cpp); this is only the
// shape the table's entries are written in.
namespace inereg::veriff {

// {"status":"fail","code":"1102","message":"…"}
std::string error_body(std::string_view code, std::string_view message);

// {"status":400,"code":"1305","message":"…"}: the variant DELETE /v1/sessions/{id}
// documents, with the HTTP status as a number.
std::string error_body_with_numeric_status(int http_status, std::string_view code, std::string_view message);

}  // namespace inereg::veriff
