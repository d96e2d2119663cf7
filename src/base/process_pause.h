// Pausing a process for fault injection. kill(SIGSTOP) returns before the signal has stopped
// every thread of the target: on a loaded machine a "paused" member went on answering for a
// moment. pause_process() waits until the kernel shows every thread stopped.
#pragma once

#include <sys/types.h>

#include <chrono>

namespace chorus::base {

// Whether every thread of `pid` is stopped (state T in /proc/PID/task/TID/stat).
bool all_threads_stopped(pid_t pid);

// Sends SIGSTOP, then waits up to `patience` for every thread to stop. False if the signal
// could not be sent or the threads did not all stop in time (the signal stays sent).
bool pause_process(pid_t pid, std::chrono::milliseconds patience = std::chrono::seconds(5));

}  // namespace chorus::base
