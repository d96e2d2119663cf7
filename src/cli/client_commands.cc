// chorus kv / chorus cluster (placeholder until the client commands land).
#include "cli/commands.h"

namespace chorus::cli {

void add_client_commands(CLI::App&, Job&) {}

}  // namespace chorus::cli
