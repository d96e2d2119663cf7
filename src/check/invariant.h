// The checkers' assertions: the shared mechanism of base/invariant.h. A checker that ran on with
// a broken invariant could report a pass that is not one.
#pragma once

#include "base/invariant.h"

#define CHORUS_CHECK_INVARIANT(condition) CHORUS_ASSERT(condition)
