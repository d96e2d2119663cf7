// The few POSIX socket operations the peer transport needs, with errors as text.
//
// Every wait here also watches a `wake_fd` (the read end of the transport's stop pipe): once it
// is readable, waits return at once, so stop() never waits for a connect or a quiet peer.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace chorus::net {

// A listening TCP socket bound to a numeric address ("127.0.0.1", "::1", "0.0.0.0").
base::Result<int, std::string> listen_on(const std::string& host, uint16_t port);
uint16_t local_port(int fd);
// "host:port" of the other end, for log lines.
std::string remote_address(int fd);

// Waits until `listen_fd` has a connection to accept; -1 when woken or on error.
int accept_connection(int listen_fd, int wake_fd);

// Connects, giving up after `timeout` or when woken. The socket returned is blocking, has
// TCP_NODELAY (a Raft heartbeat must not wait for Nagle) and a send timeout of `send_timeout`
// (a peer that stops reading must not hold its writer forever).
base::Result<int, std::string> connect_to(const std::string& host, uint16_t port, int wake_fd,
                                          std::chrono::milliseconds timeout,
                                          std::chrono::milliseconds send_timeout);

// Writes what the socket takes now, without blocking (MSG_DONTWAIT, MSG_NOSIGNAL): how many
// bytes it took, and an error text if the connection failed (a full buffer is not an error).
struct PartialSend {
  size_t written = 0;
  std::string error;
};
PartialSend send_nonblocking(int fd, std::string_view data);

// Writes all of `data` (MSG_NOSIGNAL: a closed peer is an error, not a SIGPIPE).
// Returns an empty string or what went wrong.
std::string send_all(int fd, std::string_view data);

enum class ReadStatus { kData, kClosed, kTimedOut, kWoken, kError };
struct ReadOutcome {
  ReadStatus status = ReadStatus::kError;
  size_t bytes = 0;
  std::string error;
};
// Reads what is available, up to `capacity` bytes, waiting at most `timeout` (negative: no
// limit).
ReadOutcome read_some(int fd, char* buffer, size_t capacity, int wake_fd,
                      std::chrono::milliseconds timeout);

// For a socket we only write to: has the other end closed it, or written to it (which the
// protocol forbids)? Does not block.
bool closed_by_remote(int fd);

}  // namespace chorus::net
