# Writes OUTPUT, a C++ source defining inereg::api::openapi_yaml() as the exact text of
# INPUT (docs/openapi.yaml), so the binary serves the document of its own source tree.
# Run by CMakeLists.txt as a build step whenever INPUT changes.
file(READ "${INPUT}" content)
set(delimiter "inereg_openapi")
string(FIND "${content}" ")${delimiter}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter )${delimiter}\"")
endif()
file(WRITE "${OUTPUT}.tmp"
  "// Generated from docs/openapi.yaml by cmake/embed_openapi.cmake. Do not edit.\n"
  "#include \"api/openapi_document.hpp\"\n\n"
  "namespace inereg::api {\n\n"
  "std::string_view openapi_yaml() {\n"
  "  static constexpr std::string_view kDocument = R\"${delimiter}(${content})${delimiter}\";\n"
  "  return kDocument;\n"
  "}\n\n"
  "}  // namespace inereg::api\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
