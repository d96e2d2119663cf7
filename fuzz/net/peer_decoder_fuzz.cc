// libFuzzer target: arbitrary bytes as what a remote peer sends us, through the frame decoder,
// the hello parser and the message decoder (everything the transport runs on untrusted input
// before it decides to deliver or refuse).
//
// Input layout: byte 0 chooses the mode, the rest is data.
//   bit 0 clear: the data is one frame payload, given to both decode_message and parse_hello
//                (reaches the decoders without having to forge a CRC32C)
//   bit 0 set:   the data is a stream, fed to a FrameDecoder in pieces of (byte 0 >> 1) + 1
//                bytes; the first frame must be a hello, later frames are messages, as in
//                PeerTransport's reader
//
// Beyond "no crash, no sanitizer report", it checks what the decoders promise:
//  - a decoded message is a network message and re-encodes to exactly the bytes it came from
//    (the encoding is canonical), and decoding that again gives an equal message;
//  - a parsed hello re-encodes to its payload;
//  - the frames returned, re-framed, are exactly the stream's prefix that was consumed.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "net/frame.h"
#include "net/hello.h"
#include "net/message_codec.h"

namespace {

using namespace chorus;
using namespace chorus::net;

// Small enough that the fuzzer reaches the oversize check with short inputs.
constexpr size_t kMaxFrameBytes = 1 << 16;

void require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "peer_decoder_fuzz: property violated: %s\n", what);
  std::abort();
}

void check_message(std::string_view payload) {
  const std::optional<raft::Message> message = decode_message(payload);
  if (!message) return;
  require(!raft::is_local(message->type), "decoded a local-only message type");
  const std::string encoded = encode_message(*message);
  require(encoded == payload, "a decoded message re-encodes to other bytes");
  require(encoded.size() <= encoded_size_bound(*message), "encoded_size_bound is not a bound");
  const std::optional<raft::Message> again = decode_message(encoded);
  require(again.has_value() && same_message(*again, *message), "round trip changed a message");
}

void check_hello(std::string_view payload) {
  const ParsedHello parsed = parse_hello(payload);
  require(parsed.hello.has_value() != !parsed.error.empty(), "hello xor error");
  if (parsed.hello) require(encode_hello(*parsed.hello) == payload, "hello does not re-encode");
}

void run_stream(std::string_view stream, size_t piece_bytes) {
  FrameDecoder decoder(kHelloBytes);
  bool hello_seen = false;
  std::string reframed;
  size_t fed = 0;
  while (true) {
    const NextFrame frame = decoder.next();
    if (frame.outcome == FrameOutcome::kError) {
      require(!frame.error.empty(), "an error without a reason");
      require(decoder.next().outcome == FrameOutcome::kError, "an error that does not stick");
      break;
    }
    if (frame.outcome == FrameOutcome::kNeedMore) {
      if (fed == stream.size()) break;
      const size_t piece = std::min(piece_bytes, stream.size() - fed);
      decoder.feed(stream.substr(fed, piece));
      fed += piece;
      continue;
    }
    append_frame(reframed, frame.payload);
    if (!hello_seen) {
      check_hello(frame.payload);
      // The transport refuses a connection without a valid hello; keep going anyway, so that
      // the message decoder sees frames of every stream.
      hello_seen = true;
      decoder.set_max_frame_bytes(kMaxFrameBytes);
    } else {
      check_message(frame.payload);
    }
  }
  require(stream.substr(0, reframed.size()) == reframed, "frames are not the stream's prefix");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((mode & 1) == 0) {
    check_message(rest);
    check_hello(rest);
  } else {
    run_stream(rest, static_cast<size_t>(mode >> 1) + 1);
  }
  return 0;
}
