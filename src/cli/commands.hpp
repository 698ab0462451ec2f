#pragma once

#include <CLI/CLI.hpp>

// The `inereg` subcommands. Each add_* registers its subcommand and its callback.
namespace inereg::cli {

void add_serve_command(CLI::App& app);
void add_migrate_command(CLI::App& app);
void add_integration_commands(CLI::App& app);
void add_registry_commands(CLI::App& app);
void add_webhook_commands(CLI::App& app);
// `inereg keys rotate`: the master key rotation (admin/key_rotation.hpp).
void add_keys_commands(CLI::App& app);
void add_retention_commands(CLI::App& app);

}  // namespace inereg::cli
