#pragma once

#include <optional>
#include <string_view>

// The verification page's sources (web/: HTML templates, CSS, JavaScript, texts),
// compiled into the binary by cmake/embed_web.cmake.
namespace inereg::api {

// The exact text of web/<name> ("page.js", "texts.json", ...); nullopt for any other name.
std::optional<std::string_view> web_asset(std::string_view name);

}  // namespace inereg::api
