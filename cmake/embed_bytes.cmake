# For cmake/embed_openapi.cmake and cmake/embed_web.cmake: a file's exact bytes as the
# initializer of a C++ char array, `{'\x2f', ...}`. Not a string literal: the OpenAPI
# document is longer than the 65,536 characters a compiler must accept in one (clang
# -Wpedantic refuses it), and any text can be embedded, whatever it contains.
function(embed_bytes_initializer file out_var)
  file(READ "${file}" hex HEX)
  if(hex STREQUAL "")
    # A C++ array cannot have no element, and an empty page or document is a mistake.
    message(FATAL_ERROR "${file} is empty: nothing to embed")
  endif()
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
  set(${out_var} "{\n    ${bytes}}" PARENT_SCOPE)
endfunction()
