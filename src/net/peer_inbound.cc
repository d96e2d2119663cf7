// The receiving side: accept connections, check their hello, decode and deliver their frames.
//
// Everything that arrives is untrusted: a connection is served only after a valid hello from a
// current peer of this cluster, and a message is delivered only if it decodes and its from/to
// match that hello. Anything else is logged and dropped, never obeyed.
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "base/thread_name.h"
#include "net/hello.h"
#include "net/message_codec.h"
#include "net/peer_transport.h"
#include "net/socket.h"

namespace chorus::net {
namespace {

// A connection must say hello this soon, or it is closed: a silent connection holds a thread.
constexpr std::chrono::milliseconds kHelloTimeout{5000};
// Bounds the threads (and memory) that connections can claim; a cluster needs a handful.
constexpr size_t kInboundConnectionsMax = 64;
constexpr size_t kReadChunkBytes = 64 << 10;

}  // namespace

void PeerTransport::accept_loop() {
  base::name_this_thread("peer-accept");
  for (;;) {
    const int fd = accept_connection(listen_fd_, wake_read_fd_);
    std::unique_lock lock(mutex_);
    if (stopping_) {
      if (fd >= 0) close(fd);
      return;
    }
    if (fd < 0) {
      // Out of descriptors, or the like: pause instead of spinning on the error.
      lock.unlock();
      log("accept failed; retrying shortly");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    lock.unlock();
    reap_finished_inbound();
    lock.lock();
    if (inbound_.size() >= kInboundConnectionsMax) {
      const std::string remote = remote_address(fd);
      close(fd);
      lock.unlock();
      ++refused_connections_;
      log("refused connection from " + remote + ": too many inbound connections");
      continue;
    }
    inbound_.push_back(std::make_unique<Inbound>());
    Inbound& inbound = *inbound_.back();
    inbound.fd = fd;
    inbound.remote = remote_address(fd);
    inbound.reader = std::thread([this, &inbound] { read_loop(inbound); });
  }
}

void PeerTransport::reap_finished_inbound() {
  std::list<std::unique_ptr<Inbound>> finished;
  {
    std::lock_guard lock(mutex_);
    for (auto it = inbound_.begin(); it != inbound_.end();) {
      auto current = it++;
      if ((*current)->finished) finished.splice(finished.end(), inbound_, current);
    }
  }
  for (std::unique_ptr<Inbound>& inbound : finished) inbound->reader.join();
}

void PeerTransport::read_loop(Inbound& inbound) {
  base::name_this_thread("peer-reader");
  // Until the hello is accepted, a frame larger than a hello is garbage: refusing it from its
  // header keeps an unauthenticated connection from making us buffer 64 MiB.
  FrameDecoder decoder(kHelloBytes);
  if (read_hello(inbound, decoder)) {
    decoder.set_max_frame_bytes(options_.max_frame_bytes);
    std::string buffer(kReadChunkBytes, '\0');
    while (deliver_frames(inbound, decoder)) {
      const ReadOutcome read = read_some(inbound.fd, buffer.data(), buffer.size(), wake_read_fd_,
                                         std::chrono::milliseconds(-1));
      if (read.status != ReadStatus::kData) {
        if (read.status != ReadStatus::kWoken) {
          log("connection from peer " + std::to_string(inbound.peer) + " (" + inbound.remote +
              ") ended" + (read.error.empty() ? "" : ": " + read.error));
        }
        break;
      }
      decoder.feed(std::string_view(buffer.data(), read.bytes));
    }
  }
  finish_inbound(inbound);
}

bool PeerTransport::read_hello(Inbound& inbound, FrameDecoder& decoder) {
  const auto deadline = std::chrono::steady_clock::now() + kHelloTimeout;
  char buffer[256];
  NextFrame frame = decoder.next();
  while (frame.outcome == FrameOutcome::kNeedMore) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    const ReadOutcome read = read_some(inbound.fd, buffer, sizeof(buffer), wake_read_fd_,
                                       std::max(left, std::chrono::milliseconds(0)));
    if (read.status == ReadStatus::kWoken) return false;
    if (read.status != ReadStatus::kData) {
      frame = {FrameOutcome::kError,
               {},
               read.status == ReadStatus::kTimedOut ? "no handshake within 5 s"
                                                    : "closed before the handshake"};
      break;
    }
    decoder.feed(std::string_view(buffer, read.bytes));
    frame = decoder.next();
  }
  std::optional<std::string> refusal;
  if (frame.outcome == FrameOutcome::kError) {
    refusal = frame.error;
  } else {
    ParsedHello parsed = parse_hello(frame.payload);
    if (!parsed.hello) {
      refusal = parsed.error;
    } else {
      // Checked under the lock that remove_peer takes, so that a peer removed from now on has
      // its connection closed, and one removed before is refused.
      std::lock_guard lock(mutex_);
      const HelloExpectation expected{options_.cluster_id, options_.self_id,
                                      [&](uint64_t id) { return peers_.contains(id); }};
      refusal = hello_refusal(*parsed.hello, expected);
      if (!refusal) inbound.peer = parsed.hello->from;
    }
  }
  if (refusal) {
    ++refused_connections_;
    log("refused connection from " + inbound.remote + ": " + *refusal);
    return false;
  }
  return true;
}

// Delivers every whole frame buffered; false when the connection must be closed.
bool PeerTransport::deliver_frames(Inbound& inbound, FrameDecoder& decoder) {
  for (;;) {
    NextFrame frame = decoder.next();
    if (frame.outcome == FrameOutcome::kNeedMore) return true;
    const std::string source = "peer " + std::to_string(inbound.peer) + " (" + inbound.remote + ")";
    if (frame.outcome == FrameOutcome::kError) {
      log("closing connection from " + source + ": " + frame.error);
      return false;
    }
    std::optional<raft::Message> message = decode_message(frame.payload);
    if (!message) {
      ++dropped_;
      log("closing connection from " + source + ": undecodable message");
      return false;
    }
    if (message->from.value != inbound.peer || message->to.value != options_.self_id) {
      ++dropped_;
      log("dropped a message from " + std::to_string(message->from.value) + " to " +
          std::to_string(message->to.value) + " on the connection of " + source);
      continue;
    }
    ++received_;
    if (options_.deliver) options_.deliver(std::move(*message));
  }
}

void PeerTransport::finish_inbound(Inbound& inbound) {
  std::lock_guard lock(mutex_);
  close(inbound.fd);
  inbound.fd = -1;
  inbound.finished = true;
}

}  // namespace chorus::net
