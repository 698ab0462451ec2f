# Writes OUTPUT, a C++ source defining inereg::api::web_asset(name): the exact text of
# each file of INPUTS (the verification page's web/ sources), by file name, so the
# binary serves the page of its own source tree with nothing fetched from elsewhere.
# Run by CMakeLists.txt as a build step whenever one of INPUTS changes.
set(delimiter "inereg_web")
set(entries "")
foreach(input IN LISTS INPUTS)
  file(READ "${input}" content)
  string(FIND "${content}" ")${delimiter}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${input} contains the raw-string delimiter )${delimiter}\"")
  endif()
  get_filename_component(name "${input}" NAME)
  string(APPEND entries "      {\"${name}\", R\"${delimiter}(${content})${delimiter}\"},\n")
endforeach()
file(WRITE "${OUTPUT}.tmp"
  "// Generated from web/ by cmake/embed_web.cmake. Do not edit.\n"
  "#include <array>\n"
  "#include <utility>\n\n"
  "#include \"api/web_assets.hpp\"\n\n"
  "namespace inereg::api {\n\n"
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
