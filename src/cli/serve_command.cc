// chorus serve (placeholder until the server lands).
#include "cli/commands.h"

namespace chorus::cli {

void add_server_commands(CLI::App&, Job&) {}

}  // namespace chorus::cli
