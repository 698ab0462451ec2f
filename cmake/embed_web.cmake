# Writes OUTPUT, a C++ source defining inereg::api::web_asset(name): the exact text of
# each file of INPUTS (the verification page's web/ sources), by file name, so the
# binary serves the page of its own source tree with nothing fetched from elsewhere.
# Run by CMakeLists.txt as a build step whenever one of INPUTS changes.
include("${CMAKE_CURRENT_LIST_DIR}/embed_bytes.cmake")
set(arrays "")
set(entries "")
set(index 0)
foreach(input IN LISTS INPUTS)
  embed_bytes_initializer("${input}" bytes)
  get_filename_component(name "${input}" NAME)
  string(APPEND arrays "constexpr char kAsset${index}[] = ${bytes};\n")
  string(APPEND entries "      {\"${name}\", {kAsset${index}, sizeof kAsset${index}}},\n")
  math(EXPR index "${index} + 1")
endforeach()
file(WRITE "${OUTPUT}.tmp"
  "// Generated from web/ by cmake/embed_web.cmake. Do not edit.\n"
  "#include <utility>\n\n"
  "#include \"api/web_assets.hpp\"\n\n"
  "namespace inereg::api {\n"
  "namespace {\n\n"
  "${arrays}\n"
  "}  // namespace\n\n"
  "std::optional<std::string_view> web_asset(std::string_view name) {\n"
  "  static constexpr std::pair<std::string_view, std::string_view> kAssets[] = {\n"
  "${entries}"
  "  };\n"
  "  for (const auto& [asset, text] : kAssets) {\n"
  "    if (asset == name) {\n"
  "      return text;\n"
  "    }\n"
  "  }\n"
  "  return std::nullopt;\n"
  "}\n\n"
  "}  // namespace inereg::api\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
