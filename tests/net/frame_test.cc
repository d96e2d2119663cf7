#include "net/frame.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "net/crc32c.h"

namespace chorus::net {
namespace {

std::vector<std::string> drain(FrameDecoder& decoder, NextFrame* last = nullptr) {
  std::vector<std::string> payloads;
  for (;;) {
    NextFrame frame = decoder.next();
    if (frame.outcome != FrameOutcome::kFrame) {
      if (last != nullptr) *last = frame;
      return payloads;
    }
    payloads.push_back(std::move(frame.payload));
  }
}

TEST(Frame, HeaderIsLengthThenChecksumLittleEndian) {
  const std::string frame = encode_frame("abc");
  ASSERT_EQ(frame.size(), kFrameHeaderBytes + 3);
  EXPECT_EQ(frame.substr(0, 4), std::string("\x03\x00\x00\x00", 4));
  const uint32_t checksum = crc32c("abc");
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(static_cast<uint8_t>(frame[4 + i]), (checksum >> (8 * i)) & 0xFF);
  }
  EXPECT_EQ(frame.substr(8), "abc");
}

TEST(Frame, DecodesFramesSplitAtEveryByte) {
  const std::vector<std::string> payloads = {"first", "", std::string(300, 'z'), "last"};
  std::string stream;
  for (const std::string& payload : payloads) append_frame(stream, payload);
  for (size_t split = 0; split <= stream.size(); ++split) {
    FrameDecoder decoder;
    decoder.feed(std::string_view(stream).substr(0, split));
    std::vector<std::string> decoded = drain(decoder);
    decoder.feed(std::string_view(stream).substr(split));
    for (std::string& payload : drain(decoder)) decoded.push_back(std::move(payload));
    EXPECT_EQ(decoded, payloads) << "split at " << split;
    EXPECT_EQ(decoder.buffered_bytes(), 0u);
  }
}

TEST(Frame, DecodesAStreamFedOneByteAtATime) {
  std::string stream = encode_frame("one") + encode_frame("two");
  FrameDecoder decoder;
  std::vector<std::string> decoded;
  for (const char byte : stream) {
    decoder.feed(std::string_view(&byte, 1));
    for (std::string& payload : drain(decoder)) decoded.push_back(std::move(payload));
  }
  EXPECT_EQ(decoded, (std::vector<std::string>{"one", "two"}));
}

TEST(Frame, CorruptPayloadIsAnErrorThatSticks) {
  std::string stream = encode_frame("good") + encode_frame("payload");
  stream[stream.size() - 1] ^= 0x01;
  FrameDecoder decoder;
  decoder.feed(stream);
  NextFrame last;
  EXPECT_EQ(drain(decoder, &last), std::vector<std::string>{"good"});
  EXPECT_EQ(last.outcome, FrameOutcome::kError);
  EXPECT_NE(last.error.find("checksum"), std::string::npos);
  // A broken stream stays broken: resynchronising would mean guessing where a frame starts.
  decoder.feed(encode_frame("later"));
  EXPECT_EQ(decoder.next().outcome, FrameOutcome::kError);
}

TEST(Frame, CorruptChecksumFieldIsAnError) {
  std::string stream = encode_frame("payload");
  stream[5] ^= 0x40;
  FrameDecoder decoder;
  decoder.feed(stream);
  EXPECT_EQ(decoder.next().outcome, FrameOutcome::kError);
}

TEST(Frame, OversizedFrameIsRefusedFromItsHeaderAlone) {
  FrameDecoder decoder(/*max_frame_bytes=*/100);
  const std::string header = encode_frame(std::string(101, 'x')).substr(0, kFrameHeaderBytes);
  decoder.feed(header);  // no payload byte has arrived
  const NextFrame frame = decoder.next();
  EXPECT_EQ(frame.outcome, FrameOutcome::kError);
  EXPECT_NE(frame.error.find("exceeds"), std::string::npos);
  EXPECT_EQ(decoder.buffered_bytes(), 0u);
}

TEST(Frame, FrameOfExactlyTheLimitIsAccepted) {
  FrameDecoder decoder(/*max_frame_bytes=*/100);
  decoder.feed(encode_frame(std::string(100, 'x')));
  EXPECT_EQ(drain(decoder), std::vector<std::string>{std::string(100, 'x')});
}

TEST(Frame, ForgedFourGigabyteLengthIsRefusedAtTheDefaultLimit) {
  FrameDecoder decoder;
  decoder.feed(std::string("\xFF\xFF\xFF\xFF\x00\x00\x00\x00", 8));
  EXPECT_EQ(decoder.next().outcome, FrameOutcome::kError);
}

TEST(Frame, PartialFrameNeedsMore) {
  FrameDecoder decoder;
  const std::string frame = encode_frame("abcdef");
  decoder.feed(std::string_view(frame).substr(0, 10));
  EXPECT_EQ(decoder.next().outcome, FrameOutcome::kNeedMore);
  EXPECT_EQ(decoder.buffered_bytes(), 10u);
}

}  // namespace
}  // namespace chorus::net
