// The core's safety assertions: the shared mechanism of base/invariant.h, named in this
// namespace for the core and its drivers.
#pragma once

#include "base/invariant.h"

namespace chorus::raft {
using base::FatalHandler;
using base::invariant_failed;
using base::set_fatal_handler;
}  // namespace chorus::raft
