#include "registry/upstream_mapping.hpp"

#include <cctype>

namespace inereg::registry {

bool is_json_content_type(std::string_view content_type) {
  constexpr std::string_view kJson = "application/json";
  if (content_type.size() < kJson.size()) {
    return false;
  }
  for (std::size_t i = 0; i < kJson.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(content_type[i])) != kJson[i]) {
      return false;
    }
  }
  return content_type.size() == kJson.size() || content_type[kJson.size()] == ';' || content_type[kJson.size()] == ' ';
}

}  // namespace inereg::registry
