// A TCP port on 127.0.0.1 that the kernel just handed out and that is free again: for harnesses
// that start member processes on loopback (chorus demo, chorus chaos, the integration tests).
// Another process may take it before the member binds it (the race every loopback harness
// has); the member then fails to start and says so. 0 when no port could be had.
#pragma once

namespace chorus::base {

int free_loopback_port();

}  // namespace chorus::base
