// The sending side: one writer thread per peer dials it when there is something to send, says
// hello, then writes its queue in batches, many frames per send() call.
//
// A failed dial or a lost connection drops what is queued (Raft retransmits what matters, and a
// stale append or vote is worth nothing), reports the peer unreachable, and waits a backoff
// before dialing again.
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <utility>

#include "base/thread_name.h"
#include "net/backoff.h"
#include "net/hello.h"
#include "net/message_codec.h"
#include "net/peer_transport.h"
#include "net/socket.h"

namespace chorus::net {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kConnectTimeout{2000};
// A peer that accepts bytes this slowly is treated as gone; the connection is redialed.
constexpr std::chrono::milliseconds kSendTimeout{10000};
constexpr std::chrono::milliseconds kBackoffMin{10};
constexpr std::chrono::milliseconds kBackoffMax{1000};
// A connection lost sooner than this after it opened does not prove the peer healthy, so the
// backoff keeps growing: a peer that refuses our hello is not redialed at the rate we send.
constexpr std::chrono::milliseconds kHealthyConnectionMin{1000};
// Bounds of one batch (one send() call); a batch always takes at least one message.
constexpr size_t kBatchMessagesMax = 256;
constexpr size_t kBatchBytesMax = 1 << 20;
// send() writes a batch on the caller's thread only up to this size: larger ones (snapshot
// chunks, a follower catching up) would hold up the node loop, and are the writer's.
constexpr size_t kInlineBytesMax = 64 << 10;

}  // namespace

void PeerTransport::write_loop(Peer& peer) {
  base::name_this_thread("peer-writer");
  Backoff backoff(kBackoffMin, kBackoffMax, std::random_device{}() ^ peer.id);
  bool failure_reported = false;  // one log line per run of failed dials, not one per dial
  Clock::time_point connected_at;
  std::chrono::milliseconds delay{0};
  for (;;) {
    std::string error;
    bool connected = false;
    std::string unsent;
    uint64_t unsent_messages = 0;
    std::vector<raft::Message> batch;
    {
      std::unique_lock lock(mutex_);
      if (delay.count() > 0) {
        peer.wake.wait_for(lock, delay, [&] { return stopping_ || peer.removed; });
        delay = std::chrono::milliseconds(0);
      }
      if (!wait_for_work(peer, lock)) break;
      error = std::exchange(peer.broken, {});
      connected = peer.fd >= 0;
      if (error.empty() && connected) {
        // The connection is ours until finish_writing(): send() writes nothing meanwhile.
        peer.writing = true;
        unsent = std::exchange(peer.unsent, {});
        unsent_messages = std::exchange(peer.unsent_messages, 0);
        batch = take_batch_locked(peer);
      }
    }
    if (error.empty() && !connected) {
      error = connect_peer(peer);
      if (!error.empty()) {
        if (exiting(peer)) break;
        if (!failure_reported) {
          log("cannot connect to peer " + std::to_string(peer.id) + ": " + error);
          failure_reported = true;
        }
        drop_queue(peer);
        if (options_.unreachable) options_.unreachable(peer.id);
        delay = backoff.next();
        continue;
      }
      failure_reported = false;
      connected_at = Clock::now();
      log("connected to peer " + std::to_string(peer.id));
      continue;  // the queue is taken on the next turn, under the lock
    }
    if (error.empty()) {
      if (closed_by_remote(peer.fd)) {
        error = "closed by the peer";
        dropped_ += batch.size() + unsent_messages;
      } else {
        error = write_batch(peer, unsent, unsent_messages, batch);
      }
      finish_writing(peer);
    }
    if (error.empty()) continue;
    close_outbound(peer);
    if (!exiting(peer)) {
      log("lost connection to peer " + std::to_string(peer.id) + ": " + error);
      if (options_.unreachable) options_.unreachable(peer.id);
    }
    if (Clock::now() - connected_at < kHealthyConnectionMin) {
      delay = backoff.next();
    } else {
      backoff.reset();
    }
  }
  close_outbound(peer);
  drop_queue(peer);  // counted: stats().dropped covers every message send() accepted but lost
  std::lock_guard lock(mutex_);
  peer.writer_finished = true;
}

bool PeerTransport::may_write_inline(const Peer& peer) const {
  if (peer.fd < 0 || peer.writing || peer.closing || !peer.broken.empty() || !peer.unsent.empty()) {
    return false;
  }
  size_t bytes = 0;
  for (const raft::Message& message : peer.queue) {
    bytes += encoded_size_bound(message);
    if (bytes > kInlineBytesMax) return false;
  }
  return true;
}

void PeerTransport::write_inline(InlineWrite& write) {
  Peer& peer = *write.peer;
  std::string frames;
  const uint64_t framed = encode_batch(peer, write.batch, frames);
  PartialSend sent = send_nonblocking(write.fd, frames);
  std::lock_guard lock(mutex_);
  if (sent.written == frames.size()) {
    sent_ += framed;
  } else if (sent.error.empty()) {
    // The socket's buffer is full: the writer sends the rest, before anything queued after it.
    peer.unsent.assign(frames, sent.written);
    peer.unsent_messages = framed;
  } else {
    dropped_ += framed;
    peer.broken = std::move(sent.error);
  }
  peer.writing = false;
  // Only when there is something for the writer: waking it for nothing would cost the very
  // context switch that writing here saves.
  if (peer.closing || !peer.broken.empty() || !peer.unsent.empty() || !peer.queue.empty()) {
    peer.wake.notify_all();
  }
}

void PeerTransport::finish_writing(Peer& peer) {
  std::lock_guard lock(mutex_);
  peer.writing = false;
}

// Waits until there is something to send, or a broken connection to close; false when the
// writer must exit instead.
bool PeerTransport::wait_for_work(Peer& peer, std::unique_lock<std::mutex>& lock) {
  peer.wake.wait(lock, [&] {
    return stopping_ || peer.removed ||
           (!peer.writing && (!peer.queue.empty() || !peer.unsent.empty() || !peer.broken.empty()));
  });
  return !stopping_ && !peer.removed;
}

bool PeerTransport::exiting(Peer& peer) {
  std::lock_guard lock(mutex_);
  return stopping_ || peer.removed;
}

std::string PeerTransport::connect_peer(Peer& peer) {
  std::string host;
  uint16_t port = 0;
  uint64_t address_version = 0;
  {
    std::lock_guard lock(mutex_);
    host = peer.host;
    port = peer.port;
    address_version = peer.address_version;
  }
  base::Result<int, std::string> connected =
      connect_to(host, port, wake_read_fd_, kConnectTimeout, kSendTimeout);
  if (!connected.ok()) return host + ":" + std::to_string(port) + ": " + connected.error();
  const int fd = *connected;
  const Hello hello{options_.cluster_id, options_.self_id, peer.id};
  if (std::string error = send_all(fd, encode_frame(encode_hello(hello))); !error.empty()) {
    close(fd);
    return error;
  }
  std::lock_guard lock(mutex_);
  if (stopping_ || peer.removed || address_version != peer.address_version) {
    close(fd);
    return "address changed while dialing";
  }
  peer.fd = fd;
  return {};
}

std::vector<raft::Message> PeerTransport::take_batch_locked(Peer& peer) {
  std::vector<raft::Message> batch;
  size_t batch_bytes = 0;
  while (!peer.queue.empty() && batch.size() < kBatchMessagesMax) {
    const size_t message_bytes = encoded_size_bound(peer.queue.front());
    if (!batch.empty() && batch_bytes + message_bytes > kBatchBytesMax) break;
    batch_bytes += message_bytes;
    batch.push_back(std::move(peer.queue.front()));
    peer.queue.pop_front();
  }
  return batch;
}

// Appends the batch's frames; returns how many messages it framed.
uint64_t PeerTransport::encode_batch(const Peer& peer, const std::vector<raft::Message>& batch,
                                     std::string& frames) {
  std::string payload;
  uint64_t framed = 0;
  for (const raft::Message& message : batch) {
    payload.clear();
    append_message(payload, message);
    if (payload.size() > options_.max_frame_bytes) {
      // The receiver would refuse the frame and close the connection: drop just this message.
      ++dropped_;
      log("dropped a " + std::string(raft::to_string(message.type)) + " message of " +
          std::to_string(payload.size()) + " bytes to peer " + std::to_string(peer.id) +
          ": larger than max_frame_bytes");
      continue;
    }
    append_frame(frames, payload);
    ++framed;
  }
  return framed;
}

// Writes what an inline write left unsent, then the batch; returns the send error, if any.
std::string PeerTransport::write_batch(Peer& peer, const std::string& unsent,
                                       uint64_t unsent_messages,
                                       const std::vector<raft::Message>& batch) {
  std::string frames = unsent;
  const uint64_t framed = unsent_messages + encode_batch(peer, batch, frames);
  std::string error = send_all(peer.fd, frames);
  (error.empty() ? sent_ : dropped_) += framed;
  return error;
}

void PeerTransport::close_outbound(Peer& peer) {
  std::unique_lock lock(mutex_);
  // An inline write may still be using the descriptor; closing it now could hand its number to
  // another file that the write would then scribble on.
  peer.closing = true;
  peer.wake.wait(lock, [&] { return !peer.writing; });
  peer.closing = false;
  peer.broken.clear();
  // A frame's tail means nothing on a new connection.
  dropped_ += peer.unsent_messages;
  peer.unsent.clear();
  peer.unsent_messages = 0;
  if (peer.fd < 0) return;
  close(peer.fd);
  peer.fd = -1;
}

void PeerTransport::drop_queue(Peer& peer) {
  std::lock_guard lock(mutex_);
  dropped_ += peer.queue.size();
  peer.queue.clear();
}

}  // namespace chorus::net
