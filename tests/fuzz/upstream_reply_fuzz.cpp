// Fuzz target of the upstream answer readers: every shipped mapping preset
// (registry/configured_mapping.hpp: inereg's own protocol and the vendors') reads the
// input as a reply body. The first byte picks the preset, the second the status and
// content type the reply came with; the rest is the body.
//
// Properties, besides "no crash, no sanitizer report": a verdict comes only from a
// 200 JSON answer and names a catalog situation; anything else is unavailable with a
// reason and no verdict.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "registry/configured_mapping.hpp"
#include "require.hpp"

namespace {

using inereg::registry::ConfiguredMapping;
using inereg::registry::LookupOutcome;

using inereg::fuzz::require;

const std::vector<ConfiguredMapping>& mappings() {
  static const auto built = [] {
    std::vector<ConfiguredMapping> out;
    for (const auto& name : inereg::registry::preset_names()) {
      out.emplace_back(*inereg::registry::preset_mapping(name));
    }
    return out;
  }();
  return built;
}

struct ReplyHead {
  int status;
  std::string_view content_type;
};

// What the HTTP source hands a mapping (it answers 429, 408 and 5xx itself).
constexpr std::array<ReplyHead, 8> kHeads = {{
    {200, "application/json"},
    {200, "application/json; charset=utf-8"},
    {200, "Application/JSON"},
    {200, "text/html"},
    {200, ""},
    {404, "application/json"},
    {400, "application/json"},
    {401, "application/json"},
}};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) {
    return 0;
  }
  const auto& all = mappings();
  const ConfiguredMapping& mapping = all[data[0] % all.size()];
  const ReplyHead& head = kHeads[data[1] % kHeads.size()];
  const std::string_view body(reinterpret_cast<const char*>(data + 2), size - 2);

  const LookupOutcome outcome = mapping.read_reply({head.status, head.content_type, body});
  if (outcome.kind == LookupOutcome::Kind::kVerdict) {
    require(head.status == 200 && inereg::registry::is_json_content_type(head.content_type));
    require(inereg::registry::catalog_situation(std::to_string(outcome.situation)).has_value());
  } else {
    require(!outcome.reason.empty() && outcome.cause != LookupOutcome::Cause::kNone);
  }
  return 0;
}
