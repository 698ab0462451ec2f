// Composition root: parses the command line and hands over to a subcommand.
#include <CLI/CLI.hpp>

#include "app/descriptor_limit.hpp"
#include "app/openmp_limit.hpp"
#include "cli/commands.hpp"

int main(int argc, char** argv) {
  inereg::app::limit_openmp_threads(argv);
  inereg::app::raise_descriptor_limit();
  CLI::App app{"inereg: Veriff-compatible INE registry checks, self-hosted"};
  app.require_subcommand(1);
  inereg::cli::add_serve_command(app);
  inereg::cli::add_migrate_command(app);
  inereg::cli::add_integration_commands(app);
  inereg::cli::add_registry_commands(app);
  inereg::cli::add_webhook_commands(app);
  inereg::cli::add_keys_commands(app);
  inereg::cli::add_retention_commands(app);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
