// The peer transport: Raft messages over TCP between the members of one cluster.
//
// Each node dials every peer it sends to and only writes on that connection; it reads only on
// the connections its peers dialed (so a pair of nodes talks over two one-way connections, as
// etcd's rafthttp streams do). Every connection opens with a hello (hello.h), then carries one
// encoded message (message_codec.h) per frame (frame.h).
//
// Threads: one accepting; one reading per inbound connection; one writing per peer, which
// connects lazily (on the first message), redials with backoff and writes queued messages in
// batches. When a peer's connection is open and idle, send() writes a small batch itself,
// without blocking (MSG_DONTWAIT): that saves waking the writer, a context switch per batch on
// the path of every proposal; what the socket does not take at once is left to the writer.
// Callbacks run on these threads, never under the transport's lock, and never after stop() returns;
// they must not call stop() or destroy the transport, and stop() must not be called while holding a
// lock that a callback takes (stop() waits for running callbacks).
//
// Delivery is best effort, as Raft assumes of its network: a message may be dropped (queue
// full, connection lost), but is never duplicated or altered; the messages one connection
// carries arrive in the order they were sent (across a reconnect, Raft copes with reordering).
// See docs/net.md.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "net/frame.h"
#include "raft/types.h"

namespace chorus::net {

struct PeerTransportOptions {
  uint64_t cluster_id = 0;
  uint64_t self_id = 0;
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 0;  // 0: pick an ephemeral port (see port())
  size_t max_frame_bytes = kDefaultMaxFrameBytes;
  size_t max_queued_messages = 4096;  // per peer; beyond it messages are dropped (Raft retransmits)
  // Called from transport threads, for each valid inbound message.
  std::function<void(raft::Message)> deliver;
  // A send to this peer failed / connection lost (may be called often; caller rate-limits).
  std::function<void(uint64_t peer)> unreachable;
  // One human-readable line per notable event; called from several threads at once.
  std::function<void(const std::string&)> log;
};

struct PeerTransportStats {
  uint64_t sent = 0;                 // messages written to a connection
  uint64_t received = 0;             // messages delivered
  uint64_t dropped = 0;              // outbound and inbound messages thrown away
  uint64_t refused_connections = 0;  // inbound connections closed at the handshake
};

class PeerTransport {
 public:
  // Binds and listens; returns an error text if the address cannot be bound.
  static base::Result<std::unique_ptr<PeerTransport>, std::string> start(
      PeerTransportOptions options);
  ~PeerTransport();  // stops
  PeerTransport(const PeerTransport&) = delete;
  PeerTransport& operator=(const PeerTransport&) = delete;

  uint16_t port() const { return port_; }
  // Adds a peer or changes its address (its connection is then redialed).
  void set_peer(uint64_t id, const std::string& host, uint16_t port);
  // Closes its connections and refuses it from now on (until set_peer again). Its writer exits
  // on its own; an unreachable() callback for it may still arrive shortly after.
  void remove_peer(uint64_t id);
  // Non-blocking: queues each message for its destination (`to`).
  void send(std::vector<raft::Message> messages);
  // Idempotent; joins every thread; no callback after it returns.
  void stop();
  PeerTransportStats stats() const;

 private:
  struct Peer {
    uint64_t id = 0;
    std::string host;
    uint16_t port = 0;
    uint64_t address_version = 0;     // bumped whenever set_peer changes the address
    std::deque<raft::Message> queue;  // invariant: size() <= max_queued_messages
    std::condition_variable wake;
    int fd = -1;  // the outbound connection; opened and closed by the writer only, under mutex_
    // Someone (the writer, or send() on the caller's thread) is writing to fd outside the lock;
    // nobody else may write to it, and the writer must not close it, until this is false.
    bool writing = false;
    // The tail of frames that send() began on the wire but the socket did not take at once: the
    // writer sends it before anything else, and drops it with the connection.
    std::string unsent;
    uint64_t unsent_messages = 0;  // messages whose frames end in `unsent`
    // An inline write failed: the writer closes the connection and redials. Until then, and
    // while the writer waits to close the connection, send() leaves everything to the writer.
    std::string broken;
    bool closing = false;
    bool removed = false;
    bool writer_finished = false;
    std::thread writer;
  };
  struct Inbound {
    int fd = -1;  // closed by its reader only, under mutex_
    std::string remote;
    uint64_t peer = 0;  // the hello's `from`, once accepted
    bool finished = false;
    std::thread reader;
  };

  PeerTransport(PeerTransportOptions options, int listen_fd, int wake_read_fd, int wake_write_fd);

  // peer_inbound.cc
  void accept_loop();
  void read_loop(Inbound& inbound);
  bool read_hello(Inbound& inbound, FrameDecoder& decoder);
  bool deliver_frames(Inbound& inbound, FrameDecoder& decoder);
  void reap_finished_inbound();
  void finish_inbound(Inbound& inbound);

  // peer_outbound.cc
  // What send() writes on the caller's thread: the frames of `batch`, or nothing.
  struct InlineWrite {
    Peer* peer = nullptr;
    int fd = -1;
    std::vector<raft::Message> batch;
  };
  bool may_write_inline(const Peer& peer) const;
  void write_inline(InlineWrite& write);
  void write_loop(Peer& peer);
  bool wait_for_work(Peer& peer, std::unique_lock<std::mutex>& lock);
  bool exiting(Peer& peer);
  std::string connect_peer(Peer& peer);
  std::vector<raft::Message> take_batch_locked(Peer& peer);
  uint64_t encode_batch(const Peer& peer, const std::vector<raft::Message>& batch,
                        std::string& frames);
  std::string write_batch(Peer& peer, const std::string& unsent, uint64_t unsent_messages,
                          const std::vector<raft::Message>& batch);
  void finish_writing(Peer& peer);
  void close_outbound(Peer& peer);
  void drop_queue(Peer& peer);

  void log(const std::string& line) const;

  const PeerTransportOptions options_;
  const int listen_fd_;
  const uint16_t port_;
  // A pipe whose read end becomes readable, forever, when stop() begins: every poll() of the
  // transport's threads watches it.
  const int wake_read_fd_;
  const int wake_write_fd_;

  mutable std::mutex mutex_;
  bool stopping_ = false;  // guarded by mutex_; once true, the containers below no longer change
  std::map<uint64_t, std::unique_ptr<Peer>> peers_;
  std::vector<std::unique_ptr<Peer>> removed_peers_;  // writers still exiting
  std::list<std::unique_ptr<Inbound>> inbound_;

  std::mutex stop_mutex_;  // makes stop() idempotent and safe to call from two threads
  bool stopped_ = false;   // guarded by stop_mutex_
  std::thread acceptor_;

  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> received_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> refused_connections_{0};
};

}  // namespace chorus::net
