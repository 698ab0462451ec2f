# Writes OUTPUT, a C++ source defining inereg::api::openapi_yaml() as the exact text of
# INPUT (docs/openapi.yaml), so the binary serves the document of its own source tree.
# Run by CMakeLists.txt as a build step whenever INPUT changes.
include("${CMAKE_CURRENT_LIST_DIR}/embed_bytes.cmake")
embed_bytes_initializer("${INPUT}" bytes)
file(WRITE "${OUTPUT}.tmp"
  "// Generated from docs/openapi.yaml by cmake/embed_openapi.cmake. Do not edit.\n"
  "#include \"api/openapi_document.hpp\"\n\n"
  "namespace inereg::api {\n\n"
  "std::string_view openapi_yaml() {\n"
  "  static constexpr char kDocument[] = ${bytes};\n"
  "  return {kDocument, sizeof kDocument};\n"
  "}\n\n"
  "}  // namespace inereg::api\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
