#pragma once

// Whether this build runs under AddressSanitizer, for the few tests whose figure or
// situation means nothing there (peak RSS, no file descriptor left). GCC defines
// __SANITIZE_ADDRESS__; clang 14 (scripts/test.sh's ASan build) answers only through
// __has_feature, so a test that asked for the macro alone ran under clang's ASan anyway.
#if defined(__SANITIZE_ADDRESS__)
#define INEREG_UNDER_ADDRESS_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define INEREG_UNDER_ADDRESS_SANITIZER 1
#endif
#endif
