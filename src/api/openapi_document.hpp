#pragma once

#include <string_view>

namespace inereg::api {

// docs/openapi.yaml, embedded at build time (CMake generates the definition from the
// file, so the served document is always the one in the source tree).
std::string_view openapi_yaml();

}  // namespace inereg::api
