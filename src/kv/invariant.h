// The MVCC store's safety assertions: the shared mechanism of base/invariant.h. A replica whose
// state machine broke an invariant must stop rather than serve or replicate corrupt state.
#pragma once

#include "base/invariant.h"

namespace chorus::kv {
using base::FatalHandler;
using base::invariant_failed;
using base::set_fatal_handler;
}  // namespace chorus::kv

#define CHORUS_KV_ASSERT(condition) CHORUS_ASSERT(condition)
