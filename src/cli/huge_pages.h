// `chorus serve` can re-execute itself once so that glibc's malloc backs the heap with transparent
// huge pages (GLIBC_TUNABLES=glibc.malloc.hugetlb=1; the tunable is read only at process start).
//
// Why: a snapshot fork()s the server (node/snapshot_job.h), and fork copies the page tables of
// the whole heap while the node loop waits. With 4 KiB pages that took 7-25 ms for a member
// holding a million keys; with 2 MiB pages, 2-3 ms (bench/results/restart-2026-11-26.md).
//
// Opt-in: CHORUS_MALLOC_HUGE_PAGES=1. After the fork, the first write to a 2 MiB page copies the
// whole page (a write-heavy member may copy much of its heap during each snapshot), and a page
// fault may wait for memory compaction; Redis and MongoDB advise against THP for that reason
// (docs/storage.md). (Two ASan client tests that failed with it on were the test harness's
// fault: tests/integration/cluster.cc.) A GLIBC_TUNABLES that already names glibc.malloc.hugetlb is
// left as it is (setting it by hand has the same effect). Without THP in the kernel (or set to
// "never") the tunable does nothing.
#pragma once

namespace chorus::cli {

// Returns only when no re-execution is wanted or it failed (then the server runs as it is).
void reexec_with_huge_pages(char** argv);

// Whether this process runs with the tunable (for the start-up log).
bool malloc_uses_huge_pages();

}  // namespace chorus::cli
