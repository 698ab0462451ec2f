#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "store/records.hpp"

// The sessionToken of created sessions and the verification URL built on it
// (public_url + "/v/" + token). Pure functions; thread-safe.
namespace inereg::api {

// Veriff's sessionToken is a JWT; ours is HS256 over the session id, so it is stable
// for a session and verifiable by inereg alone.
std::string make_session_token(const store::Session& session, const std::string& key);

// The session id a token made with `key` carries; nullopt for anything else (bad
// shape, bad signature, no session_id claim). Never throws.
std::optional<std::string> session_id_from_token(std::string_view token, const std::string& key);

}  // namespace inereg::api
