// The transport's lifecycle and its public entry points. The threads live in peer_inbound.cc
// (accept, read) and peer_outbound.cc (connect, write).
#include "net/peer_transport.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "net/hello.h"
#include "net/socket.h"

namespace chorus::net {

base::Result<std::unique_ptr<PeerTransport>, std::string> PeerTransport::start(
    PeerTransportOptions options) {
  if (options.self_id == 0) return std::string("self_id must not be 0 (0 means nobody in Raft)");
  if (options.max_frame_bytes < kHelloBytes) return std::string("max_frame_bytes is too small");
  base::Result<int, std::string> listening = listen_on(options.listen_host, options.listen_port);
  if (!listening.ok()) return listening.error();
  int wake[2] = {-1, -1};
  if (pipe2(wake, O_CLOEXEC) != 0) {
    const int error = errno;
    close(*listening);
    return "pipe: " + std::system_category().message(error);
  }
  // Not make_unique: the constructor is private.
  std::unique_ptr<PeerTransport> transport(
      new PeerTransport(std::move(options), *listening, wake[0], wake[1]));
  transport->acceptor_ = std::thread([raw = transport.get()] { raw->accept_loop(); });
  return transport;
}

PeerTransport::PeerTransport(PeerTransportOptions options, int listen_fd, int wake_read_fd,
                             int wake_write_fd)
    : options_(std::move(options)),
      listen_fd_(listen_fd),
      port_(local_port(listen_fd)),
      wake_read_fd_(wake_read_fd),
      wake_write_fd_(wake_write_fd) {}

PeerTransport::~PeerTransport() {
  stop();
}

void PeerTransport::set_peer(uint64_t id, const std::string& host, uint16_t port) {
  if (id == options_.self_id || id == 0) {
    log("ignoring set_peer(" + std::to_string(id) + "): not a peer id");
    return;
  }
  std::vector<std::unique_ptr<Peer>> exited;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    auto [it, added] = peers_.try_emplace(id);
    if (added) {
      it->second = std::make_unique<Peer>();
      Peer& peer = *it->second;
      peer.id = id;
      peer.host = host;
      peer.port = port;
      peer.writer = std::thread([this, &peer] { write_loop(peer); });
    } else if (it->second->host != host || it->second->port != port) {
      Peer& peer = *it->second;
      peer.host = host;
      peer.port = port;
      ++peer.address_version;
      if (peer.fd >= 0) shutdown(peer.fd, SHUT_RDWR);  // the writer redials the new address
      peer.wake.notify_all();
    }
    std::erase_if(removed_peers_, [&](std::unique_ptr<Peer>& peer) {
      if (!peer->writer_finished) return false;
      exited.push_back(std::move(peer));
      return true;
    });
  }
  for (std::unique_ptr<Peer>& peer : exited) peer->writer.join();
}

void PeerTransport::remove_peer(uint64_t id) {
  std::lock_guard lock(mutex_);
  if (stopping_) return;
  auto it = peers_.find(id);
  if (it != peers_.end()) {
    Peer& peer = *it->second;
    peer.removed = true;
    dropped_ += peer.queue.size();
    peer.queue.clear();
    if (peer.fd >= 0) shutdown(peer.fd, SHUT_RDWR);
    peer.wake.notify_all();
    // Joined later (set_peer or stop): remove_peer may run on a callback thread, even this
    // peer's own writer.
    removed_peers_.push_back(std::move(it->second));
    peers_.erase(it);
  }
  for (const std::unique_ptr<Inbound>& inbound : inbound_) {
    if (inbound->peer == id && inbound->fd >= 0) shutdown(inbound->fd, SHUT_RDWR);
  }
}

void PeerTransport::send(std::vector<raft::Message> messages) {
  uint64_t dropped = 0;
  uint64_t wrong_sender = 0;
  std::vector<InlineWrite> inline_writes;
  {
    std::lock_guard lock(mutex_);
    std::vector<Peer*> touched;
    for (raft::Message& message : messages) {
      if (message.from.value != options_.self_id) {
        ++wrong_sender;
        continue;
      }
      auto it = peers_.find(message.to.value);
      // Local messages never leave the node (raft::is_local); the receiver would refuse them.
      if (stopping_ || raft::is_local(message.type) || it == peers_.end() ||
          it->second->queue.size() >= options_.max_queued_messages) {
        ++dropped;
        continue;
      }
      Peer& peer = *it->second;
      if (peer.queue.empty()) touched.push_back(&peer);
      peer.queue.push_back(std::move(message));
    }
    for (Peer* peer : touched) {
      if (!may_write_inline(*peer)) {
        peer->wake.notify_one();
        continue;
      }
      peer->writing = true;
      inline_writes.push_back(InlineWrite{peer, peer->fd, take_batch_locked(*peer)});
    }
  }
  for (InlineWrite& write : inline_writes) write_inline(write);
  dropped_ += dropped + wrong_sender;
  if (wrong_sender > 0) {
    log("dropped " + std::to_string(wrong_sender) + " outbound message(s) whose from is not " +
        std::to_string(options_.self_id));
  }
}

void PeerTransport::stop() {
  std::lock_guard stop_lock(stop_mutex_);
  if (stopped_) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    // The wake pipe ends every poll() (accept, connect, read); shutdown() ends the send()s
    // blocked on a peer that does not read; notify ends the writers' waits.
    const char byte = 0;
    while (write(wake_write_fd_, &byte, 1) < 0 && errno == EINTR) {
    }
    for (auto& [id, peer] : peers_) {
      if (peer->fd >= 0) shutdown(peer->fd, SHUT_RDWR);
      peer->wake.notify_all();
    }
    for (std::unique_ptr<Peer>& peer : removed_peers_) {
      if (peer->fd >= 0) shutdown(peer->fd, SHUT_RDWR);
      peer->wake.notify_all();
    }
    for (std::unique_ptr<Inbound>& inbound : inbound_) {
      if (inbound->fd >= 0) shutdown(inbound->fd, SHUT_RDWR);
    }
  }
  // The acceptor first: after it, no inbound connection is added. stopping_ keeps set_peer and
  // remove_peer from touching the peer containers, so they can be walked without the lock.
  acceptor_.join();
  for (std::unique_ptr<Inbound>& inbound : inbound_) inbound->reader.join();
  for (auto& [id, peer] : peers_) peer->writer.join();
  for (std::unique_ptr<Peer>& peer : removed_peers_) peer->writer.join();
  close(listen_fd_);
  close(wake_read_fd_);
  close(wake_write_fd_);
  stopped_ = true;
}

PeerTransportStats PeerTransport::stats() const {
  return {sent_.load(), received_.load(), dropped_.load(), refused_connections_.load()};
}

void PeerTransport::log(const std::string& line) const {
  if (options_.log) options_.log("net[" + std::to_string(options_.self_id) + "]: " + line);
}

}  // namespace chorus::net
