// One `chorus chaos` run from start to verdict: start the members, run the workloads while the
// injector breaks things, heal, read back, check, report, clean up.
#pragma once

#include "chaos/options.h"

namespace chorus::chaos {

// Exit status: 0 only when every checker passed; 1 on a violation or a cluster that did not
// recover; 2 when the run could not be set up; 130 when interrupted (SIGINT, SIGTERM, SIGHUP:
// the members are stopped and removed first).
int run_chaos(const ChaosOptions& options);

}  // namespace chorus::chaos
