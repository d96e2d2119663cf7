// The storage layer's assertions: the shared mechanism of base/invariant.h. A broken invariant
// here means the disk image may be about to be corrupted, so the process stops instead of
// writing on.
#pragma once

#include "base/invariant.h"

#define STORAGE_ASSERT(condition) CHORUS_ASSERT(condition)
