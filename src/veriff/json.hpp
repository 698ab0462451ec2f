#pragma once

#include <optional>
#include <string>

#include <boost/json.hpp>

// How every Veriff body inereg sends is written: compact JSON, byte-equal to
// JavaScript's JSON.stringify(JSON.parse(body)), so a client that re-serializes before
// checking the HMAC (Veriff's demo does) computes the same signature as one that signs
// the raw bytes (veriff-api.md §2.3).
namespace inereg::veriff {

// Compact JSON text as JavaScript's JSON.stringify writes it.
std::string to_json(const boost::json::value& value);

// null for an absent optional, the string otherwise.
boost::json::value string_or_null(const std::optional<std::string>& value);

// null for an empty text (a stored column that is not set yet), the string otherwise.
boost::json::value text_or_null(const std::string& text);

}  // namespace inereg::veriff
