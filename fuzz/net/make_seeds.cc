// Writes seed inputs for peer_decoder_fuzz: net_fuzz_seeds <dir>.
// Valid messages of every network type and valid streams (hello, then frames), so that the
// fuzzer starts from the shapes a real peer sends.
#include <cstdio>
#include <fstream>
#include <string>

#include "net/frame.h"
#include "net/hello.h"
#include "net/message_codec.h"

namespace {

using namespace chorus;
using namespace chorus::net;

void write(const std::string& path, uint8_t mode, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.put(static_cast<char>(mode));
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

raft::Message sample(raft::MessageType type) {
  raft::Message message;
  message.type = type;
  message.group = raft::GroupId(1);
  message.from = raft::NodeId(2);
  message.to = raft::NodeId(1);
  message.term = raft::Term(5);
  message.log_term = raft::Term(4);
  message.index = raft::Index(130);
  message.commit = raft::Index(120);
  if (type == raft::MessageType::kApp) {
    message.entries = {{raft::Term(4), raft::Index(131), raft::EntryType::kNormal, "put k v"},
                       {raft::Term(5), raft::Index(132), raft::EntryType::kConfChange, "cc"}};
  }
  if (type == raft::MessageType::kSnap) {
    message.snapshot_metadata.index = raft::Index(100);
    message.snapshot_metadata.term = raft::Term(3);
    message.snapshot_metadata.conf_state.voters = {raft::NodeId(1), raft::NodeId(2)};
    message.snapshot_metadata.conf_state.learners_next = {raft::NodeId(3)};
    message.snapshot_offset = 4096;
    message.snapshot_chunk = std::string(64, 's');
    message.snapshot_done = true;
  }
  if (type == raft::MessageType::kHeartbeat || type == raft::MessageType::kReadIndex) {
    message.context = "ctx";
  }
  message.reject = type == raft::MessageType::kAppResp;
  return message;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <seed dir>\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  std::string stream = encode_frame(encode_hello({7, 2, 1}));
  for (uint8_t raw = 0; raw <= static_cast<uint8_t>(raft::MessageType::kReadIndexResp); ++raw) {
    const auto type = static_cast<raft::MessageType>(raw);
    if (raft::is_local(type)) continue;
    const std::string payload = encode_message(sample(type));
    write(dir + "/message-" + raft::to_string(type), 0, payload);
    append_frame(stream, payload);
  }
  write(dir + "/hello", 0, encode_hello({7, 2, 1}));
  write(dir + "/stream-pieces-of-128", 0xFF, stream);
  write(dir + "/stream-bytewise", 1, stream);
  write(dir + "/stream-pieces-of-13", 1 | (12 << 1), stream);
  return 0;
}
