// Fuzz target of the configuration loader (config/config.hpp): the input as the text of
// the TOML file `inereg serve --config` reads, with no INEREG_* variables and no flags.
// The text goes to load_config_text, which is load_config(file) without the read (the
// same parser, checks and messages): writing and reading a file per input took half of
// the target's CPU time (bench/README.md, "Fuzzing"); the read itself is tested in
// tests/unit/config_test.cpp.
//
// Properties, besides "no crash, no sanitizer report": the loader answers a Config or
// a ConfigError, never another exception; a ConfigError never repeats the value of a
// master_key the file sets.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "require.hpp"

namespace {

using inereg::fuzz::require;

// What messages call the file (as they would name its path).
const std::string kFileName = "/etc/inereg/fuzz.toml";

// The value of a `master_key = "…"` line when a message could repeat it only by
// leaking it: at least 16 hex digits (no message text is such a run), and nowhere else
// in the input or the file's name (which an "unknown setting" message names).
std::string master_key_value(std::string_view input) {
  constexpr std::string_view kSetting = "\nmaster_key = \"";
  const auto at = input.find(kSetting);
  if (at == std::string_view::npos) {
    return {};
  }
  const auto open = at + kSetting.size() - 1;
  const auto close = input.find('"', open + 1);
  if (close == std::string_view::npos || close - open - 1 < 16) {
    return {};
  }
  const std::string_view value = input.substr(open + 1, close - open - 1);
  const bool hex =
      std::all_of(value.begin(), value.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
  if (!hex || input.find(value, close) != std::string_view::npos || kFileName.find(value) != std::string::npos) {
    return {};
  }
  return std::string(value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    (void)inereg::config::load_config_text(input, kFileName);
  } catch (const inereg::config::ConfigError& e) {
    const std::string key = master_key_value(input);
    require(key.empty() || std::string_view(e.what()).find(key) == std::string_view::npos);
  } catch (...) {
    require(false);
  }
  return 0;
}
