#include "api/routes.hpp"

namespace inereg::api {
namespace {

constexpr std::string_view kIdSegment = "{id}";

// The next '/'-separated segment of `text` (which starts after a '/'); advances `text`
// past it and its slash. `more` tells whether a slash followed.
std::string_view next_segment(std::string_view& text, bool& more) {
  const std::size_t slash = text.find('/');
  const std::string_view segment = text.substr(0, slash);
  more = slash != std::string_view::npos;
  text.remove_prefix(more ? slash + 1 : text.size());
  return segment;
}

// Segment by segment, without allocating: this runs on every request.
bool matches(std::string_view pattern, std::string_view path, std::string_view& id) {
  if (pattern.empty() || path.empty() || pattern.front() != '/' || path.front() != '/') {
    return false;
  }
  pattern.remove_prefix(1);
  path.remove_prefix(1);
  for (;;) {
    bool pattern_more = false;
    bool path_more = false;
    const std::string_view expected = next_segment(pattern, pattern_more);
    const std::string_view actual = next_segment(path, path_more);
    if (expected == kIdSegment) {
      if (actual.empty()) {
        return false;
      }
      id = actual;
    } else if (expected != actual) {
      return false;
    }
    if (pattern_more != path_more) {
      return false;
    }
    if (!pattern_more) {
      return true;
    }
  }
}

}  // namespace

RouteMatch match_route(std::string_view method, std::string_view path) {
  for (const Route& route : routes()) {
    std::string_view id;
    if (route.method == method && matches(route.pattern, path, id)) {
      return RouteMatch{&route, id};
    }
  }
  return {};
}

}  // namespace inereg::api
