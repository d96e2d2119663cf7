// Thread names, so that `top -H`, `ps -L`, perf and gdb tell the node loop from the peer
// writers and gRPC's threads. Linux keeps the first 15 characters.
#pragma once

#include <string>
#include <string_view>

namespace chorus::base {

// Names the calling thread (truncated to 15 characters).
void name_this_thread(std::string_view name);

// The calling thread's name as the kernel reports it.
std::string this_thread_name();

}  // namespace chorus::base
