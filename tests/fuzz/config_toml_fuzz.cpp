// Fuzz target of the configuration loader (config/config.hpp): the input as the TOML
// file `inereg serve --config` reads (written to a temp file, as load_config reads a
// path), with no INEREG_* variables and no flags.
//
// Properties, besides "no crash, no sanitizer report": the loader answers a Config or
// a ConfigError, never another exception; a ConfigError never repeats the value of a
// master_key the file sets.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

#include "config/config.hpp"
#include "require.hpp"

namespace {

using inereg::fuzz::require;

// One file per process, rewritten for each input and removed at exit; /dev/shm when
// there is one.
struct ConfigFile {
  ConfigFile() {
    const std::filesystem::path base = std::filesystem::is_directory("/dev/shm")
                                           ? std::filesystem::path("/dev/shm")
                                           : std::filesystem::temp_directory_path();
    path = (base / ("inereg-fuzz-config-" + std::to_string(::getpid()) + ".toml")).string();
  }
  ~ConfigFile() {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  }
  ConfigFile(const ConfigFile&) = delete;
  ConfigFile& operator=(const ConfigFile&) = delete;
  std::string path;
};

const std::string& config_file() {
  static const ConfigFile file;
  return file.path;
}

// The value of a `master_key = "…"` line when a message could repeat it only by
// leaking it: at least 16 hex digits (no message text is such a run), and nowhere else
// in the input or the file's path (which an "unknown setting" message names).
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
  if (!hex || input.find(value, close) != std::string_view::npos || config_file().find(value) != std::string::npos) {
    return {};
  }
  return std::string(value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  {
    std::ofstream out(config_file(), std::ios::binary | std::ios::trunc);
    out.write(input.data(), static_cast<std::streamsize>(input.size()));
  }
  try {
    (void)inereg::config::load_config(config_file());
  } catch (const inereg::config::ConfigError& e) {
    const std::string key = master_key_value(input);
    require(key.empty() || std::string_view(e.what()).find(key) == std::string_view::npos);
  } catch (...) {
    require(false);
  }
  return 0;
}
