#include "gateway/websocket_codec.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pushgw::gateway::ws {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Bytes with embedded NULs, from a literal.
template <size_t N>
std::string Bytes(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

// ---------------------------------------------------------------------------
// Handshake

TEST(AcceptKeyTest, SpecExamples) {
  EXPECT_EQ(AcceptKey("/mQoZf6pRiv8+6o72GncLQ=="), "RaIOIcQ6CBoc74B9EKdH0avYZnw=");
  EXPECT_EQ(AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(AcceptKeyTest, KeyIsUsedAsSent) {
  // No trimming or decoding: a different spelling gives a different accept value.
  EXPECT_NE(AcceptKey(" dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  EXPECT_EQ(AcceptKey("").size(), 28u);  // base64 of 20 bytes, padded
}

TEST(HandshakeResponseTest, ExactBytes) {
  EXPECT_EQ(HandshakeResponse(AcceptKey("/mQoZf6pRiv8+6o72GncLQ==")),
            "HTTP/1.1 101 Switching Protocols\r\n"
            "Expires: Thu, 01 Jan 1970 00:00:01 GMT\r\n"
            "Cache-Control: no-cache, no-store, must-revalidate\r\n"
            "Upgrade: WebSocket\r\n"
            "Connection: Upgrade\r\n"
            "Sec-WebSocket-Accept: RaIOIcQ6CBoc74B9EKdH0avYZnw=\r\n"
            "\r\n");
}

// ---------------------------------------------------------------------------
// Server frames

std::string Header(uint8_t opcode, uint64_t length) {
  std::string out;
  AppendFrameHeader(opcode, length, &out);
  return out;
}

TEST(FrameHeaderTest, LengthEncodingBoundaries) {
  EXPECT_EQ(Header(kOpText, 0), Bytes("\x81\x00"));
  EXPECT_EQ(Header(kOpText, 5), Bytes("\x81\x05"));
  EXPECT_EQ(Header(kOpText, 125), Bytes("\x81\x7D"));
  EXPECT_EQ(Header(kOpText, 126), Bytes("\x81\x7E\x00\x7E"));
  EXPECT_EQ(Header(kOpText, 300), Bytes("\x81\x7E\x01\x2C"));
  EXPECT_EQ(Header(kOpText, 1000), Bytes("\x81\x7E\x03\xE8"));
  EXPECT_EQ(Header(kOpText, 65535), Bytes("\x81\x7E\xFF\xFF"));
  EXPECT_EQ(Header(kOpText, 65536), Bytes("\x81\x7F\x00\x00\x00\x00\x00\x01\x00\x00"));
  EXPECT_EQ(Header(kOpText, 1 << 20), Bytes("\x81\x7F\x00\x00\x00\x00\x00\x10\x00\x00"));
  EXPECT_EQ(Header(kOpText, 0x0102030405060708ull),
            Bytes("\x81\x7F\x01\x02\x03\x04\x05\x06\x07\x08"));
}

TEST(FrameHeaderTest, OpcodeAndFin) {
  EXPECT_EQ(Header(kOpClose, 0), Bytes("\x88\x00"));
  EXPECT_EQ(Header(kOpPing, 0), Bytes("\x89\x00"));
  EXPECT_EQ(Header(kOpPong, 3), Bytes("\x8A\x03"));
  EXPECT_EQ(Header(kOpBinary, 1), Bytes("\x82\x01"));
}

TEST(FrameHeaderTest, Appends) {
  std::string out = "x";
  AppendFrameHeader(kOpText, 2, &out);
  EXPECT_EQ(out, Bytes("x\x81\x02"));
}

TEST(TextFrameTest, SmallPayload) {
  EXPECT_EQ(TextFrame("Hello"), Bytes("\x81\x05Hello"));
  EXPECT_EQ(TextFrame(""), Bytes("\x81\x00"));
  // A multi-line text stays in one frame.
  EXPECT_EQ(TextFrame("a\nb\r\nc"), Bytes("\x81\x06"
                                          "a\nb\r\nc"));
}

TEST(TextFrameTest, LengthBoundaries) {
  const std::string p125(125, 'x');
  EXPECT_EQ(TextFrame(p125), Bytes("\x81\x7D") + p125);
  const std::string p126(126, 'x');
  EXPECT_EQ(TextFrame(p126), Bytes("\x81\x7E\x00\x7E") + p126);
  const std::string p65535(65535, 'y');
  EXPECT_EQ(TextFrame(p65535), Bytes("\x81\x7E\xFF\xFF") + p65535);
  const std::string p65536(65536, 'z');
  EXPECT_EQ(TextFrame(p65536), Bytes("\x81\x7F\x00\x00\x00\x00\x00\x01\x00\x00") + p65536);
}

TEST(TextFrameTest, EveryByteValueIsCarriedRaw) {
  // Fact 96: a 25600-byte publish of every byte value arrives in one \x81\x7E frame.
  std::string payload;
  for (int i = 0; i < 25600; ++i) payload.push_back(static_cast<char>(i & 0xFF));
  EXPECT_EQ(TextFrame(payload), Bytes("\x81\x7E\x64\x00") + payload);
}

TEST(ConstantFramesTest, ExactBytes) {
  EXPECT_EQ(std::string(kEmptyCloseFrame), Bytes("\x88\x00"));
  EXPECT_EQ(std::string(kEmptyPingFrame), Bytes("\x89\x00"));
}

TEST(PongFrameTest, EchoesPayload) {
  EXPECT_EQ(PongFrame("Hello"), Bytes("\x8A\x05Hello"));
  EXPECT_EQ(PongFrame(""), Bytes("\x8A\x00"));
  const std::string p125(125, 'p');
  EXPECT_EQ(PongFrame(p125), Bytes("\x8A\x7D") + p125);
}

TEST(PongFrameTest, NeverExceedsAControlFrame) {
  EXPECT_EQ(PongFrame(std::string(200, 'p')), Bytes("\x8A\x7D") + std::string(125, 'p'));
}

TEST(PolicyCloseFrameTest, SpecExamples) {
  EXPECT_EQ(PolicyCloseFrame(403, "Channel id not authorized for this method."),
            Bytes("\x88\x4E\x03\xF0{\"http_status\": 403, \"explain\":\"Channel id not "
                  "authorized for this method.\"}"));
  EXPECT_EQ(PolicyCloseFrame(403, "Subscriber could not create channels."),
            Bytes("\x88\x49\x03\xF0{\"http_status\": 403, \"explain\":\"Subscriber could not "
                  "create channels.\"}"));
  EXPECT_EQ(PolicyCloseFrame(400, "Channel id is too large."),
            Bytes("\x88\x3C\x03\xF0{\"http_status\": 400, \"explain\":\"Channel id is too "
                  "large.\"}"));
  EXPECT_EQ(PolicyCloseFrame(403, "Subscribed too much wildcard channels."),
            Bytes("\x88\x4A\x03\xF0{\"http_status\": 403, \"explain\":\"Subscribed too much "
                  "wildcard channels.\"}"));
  EXPECT_EQ(PolicyCloseFrame(403, "Subscribers limit per channel has been exceeded."),
            Bytes("\x88\x54\x03\xF0{\"http_status\": 403, \"explain\":\"Subscribers limit per "
                  "channel has been exceeded.\"}"));
  EXPECT_EQ(PolicyCloseFrame(403, "Subscription to events channel is not allowed."),
            Bytes("\x88\x52\x03\xF0{\"http_status\": 403, \"explain\":\"Subscription to events "
                  "channel is not allowed.\"}"));
  EXPECT_EQ(PolicyCloseFrame(400, "No channel id provided."),
            Bytes("\x88\x3B\x03\xF0{\"http_status\": 400, \"explain\":\"No channel id "
                  "provided.\"}"));
  EXPECT_EQ(PolicyCloseFrame(500, ""),
            Bytes("\x88\x24\x03\xF0{\"http_status\": 500, \"explain\":\"\"}"));
}

TEST(PolicyCloseFrameTest, LengthByteMatchesPayload) {
  const std::string frame = PolicyCloseFrame(403, "Channel id not authorized for this method.");
  EXPECT_EQ(static_cast<uint8_t>(frame[1]), frame.size() - 2);
}

TEST(PolicyCloseFrameTest, LongestExplainThatFits) {
  // 36 fixed bytes with a 3-digit status: 89 bytes of explain make a 125-byte payload.
  const std::string explain(89, 'e');
  const std::string frame = PolicyCloseFrame(403, explain);
  EXPECT_EQ(frame,
            Bytes("\x88\x7D\x03\xF0{\"http_status\": 403, \"explain\":\"") + explain + "\"}");
}

TEST(PolicyCloseFrameTest, LongerExplainIsCut) {
  const std::string frame = PolicyCloseFrame(403, std::string(200, 'e'));
  EXPECT_EQ(frame, Bytes("\x88\x7D\x03\xF0{\"http_status\": 403, \"explain\":\"") +
                       std::string(89, 'e') + "\"}");
}

TEST(PolicyCloseFrameTest, CutNeverSplitsACharacter) {
  // 88 ASCII bytes, then a 2-byte character that would straddle the 89-byte limit.
  const std::string explain = std::string(88, 'e') + "\xC3\xA9" + "tail";
  const std::string frame = PolicyCloseFrame(403, explain);
  EXPECT_EQ(frame, Bytes("\x88\x7C\x03\xF0{\"http_status\": 403, \"explain\":\"") +
                       std::string(88, 'e') + "\"}");
  EXPECT_TRUE(IsValidUtf8(frame.substr(4)));
}

// ---------------------------------------------------------------------------
// UTF-8

TEST(Utf8Test, ValidText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("Hello world"));
  EXPECT_TRUE(IsValidUtf8(Bytes("with\x00nul")));
  EXPECT_TRUE(IsValidUtf8("\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7"));  // Arabic "marhaban"
  EXPECT_TRUE(IsValidUtf8("\xE4\xBD\xA0\xE5\xA5\xBD\xE4\xB8\x96\xE7\x95\x8C"));  // CJK
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x98\x80\xF0\x9F\x91\x8D"));                  // emoji
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xE2\x82\xAC 5"));
}

TEST(Utf8Test, RangeBoundaries) {
  EXPECT_TRUE(IsValidUtf8("\x7F"));              // U+007F
  EXPECT_TRUE(IsValidUtf8("\xC2\x80"));          // U+0080
  EXPECT_TRUE(IsValidUtf8("\xDF\xBF"));          // U+07FF
  EXPECT_TRUE(IsValidUtf8("\xE0\xA0\x80"));      // U+0800
  EXPECT_TRUE(IsValidUtf8("\xED\x9F\xBF"));      // U+D7FF
  EXPECT_TRUE(IsValidUtf8("\xEE\x80\x80"));      // U+E000
  EXPECT_TRUE(IsValidUtf8("\xEF\xBF\xBF"));      // U+FFFF
  EXPECT_TRUE(IsValidUtf8("\xF0\x90\x80\x80"));  // U+10000
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
}

TEST(Utf8Test, Overlongs) {
  EXPECT_FALSE(IsValidUtf8("\xC0\x80"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));
  EXPECT_FALSE(IsValidUtf8("\xC1\xBF"));
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\x80"));
  EXPECT_FALSE(IsValidUtf8("\xE0\x9F\xBF"));
  EXPECT_FALSE(IsValidUtf8("\xF0\x80\x80\x80"));
  EXPECT_FALSE(IsValidUtf8("\xF0\x8F\xBF\xBF"));
}

TEST(Utf8Test, Surrogates) {
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));              // U+D800
  EXPECT_FALSE(IsValidUtf8("\xED\xAD\xBF"));              // U+DB7F
  EXPECT_FALSE(IsValidUtf8("\xED\xB0\x80"));              // U+DC00
  EXPECT_FALSE(IsValidUtf8("\xED\xBF\xBF"));              // U+DFFF
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\xBD\xED\xB8\x80"));  // CESU-8 pair
}

TEST(Utf8Test, AboveMaximumAndInvalidLeads) {
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(IsValidUtf8("\xF4\xBF\xBF\xBF"));
  EXPECT_FALSE(IsValidUtf8("\xF5\x80\x80\x80"));
  EXPECT_FALSE(IsValidUtf8("\xF7\xBF\xBF\xBF"));
  EXPECT_FALSE(IsValidUtf8("\xF8\x88\x80\x80\x80"));
  EXPECT_FALSE(IsValidUtf8("\xFC\x84\x80\x80\x80\x80"));
  EXPECT_FALSE(IsValidUtf8("\xFE"));
  EXPECT_FALSE(IsValidUtf8("\xFF"));
}

TEST(Utf8Test, StrayAndMissingContinuations) {
  EXPECT_FALSE(IsValidUtf8("\x80"));
  EXPECT_FALSE(IsValidUtf8("\xBF"));
  EXPECT_FALSE(
      IsValidUtf8("a\x80"
                  "b"));
  EXPECT_FALSE(IsValidUtf8("\xC3\xA9\xA9"));  // one continuation too many
  EXPECT_FALSE(IsValidUtf8("\xC2\x41"));
  EXPECT_FALSE(IsValidUtf8("\xE2\x28\xA1"));
  EXPECT_FALSE(IsValidUtf8("\xE2\x82\x28"));
  EXPECT_FALSE(IsValidUtf8("\xF0\x9F\x98\x28"));
  EXPECT_FALSE(IsValidUtf8("\xF0\x9F\x28\x80"));
}

TEST(Utf8Test, TruncatedSequences) {
  EXPECT_FALSE(IsValidUtf8("\xC2"));
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));
  EXPECT_FALSE(IsValidUtf8("\xE2"));
  EXPECT_FALSE(IsValidUtf8("\xF0\x9F\x98"));
  EXPECT_FALSE(IsValidUtf8("\xF0\x9F"));
  EXPECT_FALSE(IsValidUtf8("0123456789abcdef\xF0\x9F\x98"));
  EXPECT_FALSE(
      IsValidUtf8("\xE2\x82"
                  "0123456789abcdef"));
}

// Every position relative to the 8-byte ASCII fast path.
TEST(Utf8Test, MultibyteAndErrorsAtEveryOffset) {
  for (size_t pos = 0; pos <= 24; ++pos) {
    std::string text(24, 'a');
    text.insert(pos, "\xE2\x82\xAC");
    EXPECT_TRUE(IsValidUtf8(text)) << pos;
    text = std::string(24, 'a');
    text.insert(pos, "\xE2\x82");
    EXPECT_FALSE(IsValidUtf8(text)) << pos;
    text = std::string(24, 'a');
    text.insert(pos, "\x80");
    EXPECT_FALSE(IsValidUtf8(text)) << pos;
  }
}

// An independent, textbook decoder: what RFC 3629 accepts, one sequence at a time.
bool ReferenceUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const uint8_t b = static_cast<uint8_t>(s[i]);
    int n;
    uint32_t cp;
    if (b < 0x80) {
      n = 0, cp = b;
    } else if ((b & 0xE0) == 0xC0) {
      n = 1, cp = b & 0x1F;
    } else if ((b & 0xF0) == 0xE0) {
      n = 2, cp = b & 0x0F;
    } else if ((b & 0xF8) == 0xF0) {
      n = 3, cp = b & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated
    for (int k = 1; k <= n; ++k) {
      const uint8_t c = static_cast<uint8_t>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

TEST(Utf8Test, AgreesWithReferenceOnAllShortSequences) {
  char buffer[3];
  for (int a = 0; a < 256; ++a) {
    buffer[0] = static_cast<char>(a);
    ASSERT_EQ(IsValidUtf8(absl::string_view(buffer, 1)),
              ReferenceUtf8(absl::string_view(buffer, 1)))
        << a;
    for (int b = 0; b < 256; ++b) {
      buffer[1] = static_cast<char>(b);
      ASSERT_EQ(IsValidUtf8(absl::string_view(buffer, 2)),
                ReferenceUtf8(absl::string_view(buffer, 2)))
          << a << " " << b;
      for (int c = 0; c < 256; ++c) {
        buffer[2] = static_cast<char>(c);
        ASSERT_EQ(IsValidUtf8(absl::string_view(buffer, 3)),
                  ReferenceUtf8(absl::string_view(buffer, 3)))
            << a << " " << b << " " << c;
      }
    }
  }
}

TEST(Utf8Test, AgreesWithReferenceOnFourByteSequences) {
  constexpr uint8_t kTails[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0xBF, 0xC0, 0xE0, 0xFF};
  char buffer[4];
  for (int a = 0xC0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      for (uint8_t c : kTails) {
        for (uint8_t d : kTails) {
          buffer[0] = static_cast<char>(a);
          buffer[1] = static_cast<char>(b);
          buffer[2] = static_cast<char>(c);
          buffer[3] = static_cast<char>(d);
          const absl::string_view s(buffer, 4);
          ASSERT_EQ(IsValidUtf8(s), ReferenceUtf8(s)) << a << " " << b << " " << +c << " " << +d;
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Client frame parser

// A client frame built independently of the codec's encoder. `first` is FIN|RSV|opcode.
std::string ClientFrame(uint8_t first, absl::string_view payload, bool masked = true,
                        uint32_t mask_key = 0x37FA213D) {
  std::string out(1, static_cast<char>(first));
  const uint8_t mask_bit = masked ? 0x80 : 0;
  const uint64_t n = payload.size();
  if (n <= 125) {
    out.push_back(static_cast<char>(mask_bit | n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(mask_bit | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n));
  } else {
    out.push_back(static_cast<char>(mask_bit | 127));
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(n >> shift));
  }
  const uint8_t key[4] = {static_cast<uint8_t>(mask_key >> 24),
                          static_cast<uint8_t>(mask_key >> 16), static_cast<uint8_t>(mask_key >> 8),
                          static_cast<uint8_t>(mask_key)};
  if (masked) out.append(reinterpret_cast<const char*>(key), 4);
  for (size_t i = 0; i < payload.size(); ++i) {
    out.push_back(masked ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i]);
  }
  return out;
}

constexpr uint8_t kFin = 0x80;

std::string Describe(const ClientEvent& event) {
  switch (event.type) {
    case ClientEventType::kNeedMoreData:
      return "need-more";
    case ClientEventType::kText:
      return absl::StrCat("text:", event.payload);
    case ClientEventType::kPing:
      return absl::StrCat("ping:", event.payload);
    case ClientEventType::kPong:
      return absl::StrCat("pong:", event.payload);
    case ClientEventType::kClose:
      return absl::StrCat("close:", event.payload);
    case ClientEventType::kProtocolError:
      return "protocol-error";
    case ClientEventType::kInvalidUtf8:
      return "invalid-utf8";
    case ClientEventType::kMessageTooBig:
      return "too-big";
  }
  return "?";
}

constexpr uint64_t kMax = 16 << 20;

// Feeds `chunk` and returns every event up to kNeedMoreData (excluded) or a final event
// (included). `consumed`, if given, receives the number of bytes used.
std::vector<std::string> Feed(FrameParser& parser, absl::string_view chunk,
                              size_t* consumed = nullptr) {
  std::vector<std::string> events;
  if (parser.finished()) return events;
  absl::string_view in = chunk;
  for (;;) {
    ClientEvent event = parser.Next(&in);
    if (event.type == ClientEventType::kNeedMoreData) {
      EXPECT_TRUE(in.empty());
      break;
    }
    events.push_back(Describe(event));
    if (parser.finished()) break;
  }
  if (consumed != nullptr) *consumed = chunk.size() - in.size();
  return events;
}

TEST(FrameParserTest, RfcMaskedHello) {
  FrameParser parser(kMax);
  EXPECT_THAT(Feed(parser, Bytes("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58")),
              ElementsAre("text:Hello"));
  EXPECT_TRUE(parser.idle());
}

TEST(FrameParserTest, MaskedHello) {
  FrameParser parser(kMax);
  EXPECT_THAT(Feed(parser, ClientFrame(kFin | kOpText, "hello")), ElementsAre("text:hello"));
}

TEST(FrameParserTest, UnmaskedHello) {
  FrameParser parser(kMax);
  EXPECT_THAT(Feed(parser, Bytes("\x81\x05Hello")), ElementsAre("text:Hello"));
}

TEST(FrameParserTest, EmptyTextMessage) {
  FrameParser parser(kMax);
  EXPECT_THAT(Feed(parser, Bytes("\x81\x00")), ElementsAre("text:"));
  EXPECT_THAT(Feed(parser, ClientFrame(kFin | kOpText, "")), ElementsAre("text:"));
}

TEST(FrameParserTest, RsvBitsAreIgnored) {
  FrameParser parser(kMax);
  EXPECT_THAT(Feed(parser, ClientFrame(0xF0 | kOpText, "rsv")), ElementsAre("text:rsv"));
}

TEST(FrameParserTest, FragmentsAreReassembled) {
  for (bool masked : {false, true}) {
    FrameParser parser(kMax);
    EXPECT_THAT(Feed(parser, ClientFrame(kOpText, "Hel", masked)), IsEmpty());
    EXPECT_FALSE(parser.idle());
    EXPECT_THAT(Feed(parser, ClientFrame(kOpContinuation, "lo ", masked)), IsEmpty());
    EXPECT_THAT(Feed(parser, ClientFrame(kFin | kOpContinuation, "world", masked)),
                ElementsAre("text:Hello world"));
    EXPECT_TRUE(parser.idle());
  }
}

TEST(FrameParserTest, EmptyFragments) {
  FrameParser parser(kMax);
  const std::string stream = ClientFrame(kOpText, "") + ClientFrame(kOpContinuation, "a") +
                             ClientFrame(kOpContinuation, "") +
                             ClientFrame(kFin | kOpContinuation, "");
  EXPECT_THAT(Feed(parser, stream), ElementsAre("text:a"));
}

TEST(FrameParserTest, SeveralFramesInOneChunk) {
  FrameParser parser(kMax);
  const std::string chunk = ClientFrame(kFin | kOpText, "one") +
                            ClientFrame(kFin | kOpText, "two", false) +
                            ClientFrame(kFin | kOpText, "three");
  size_t consumed = 0;
  EXPECT_THAT(Feed(parser, chunk, &consumed), ElementsAre("text:one", "text:two", "text:three"));
  EXPECT_EQ(consumed, chunk.size());
}

TEST(FrameParserTest, NextStopsAtEachEvent) {
  FrameParser parser(kMax);
  const std::string first = ClientFrame(kFin | kOpText, "one");
  absl::string_view in;
  const std::string chunk = first + ClientFrame(kFin | kOpText, "two");
  in = chunk;
  ClientEvent event = parser.Next(&in);
  EXPECT_EQ(event.type, ClientEventType::kText);
  EXPECT_EQ(event.payload, "one");
  EXPECT_EQ(in.size(), chunk.size() - first.size());  // the second frame is left in place
  event = parser.Next(&in);
  EXPECT_EQ(event.payload, "two");
  EXPECT_TRUE(in.empty());
  EXPECT_EQ(parser.Next(&in).type, ClientEventType::kNeedMoreData);
}

TEST(FrameParserTest, ByteByByte) {
  FrameParser parser(kMax);
  const std::string text(300, 'b');
  const std::string stream = ClientFrame(kFin | kOpText, text) + ClientFrame(kFin | kOpPing, "p") +
                             ClientFrame(kOpText, "Hel", false) +
                             ClientFrame(kFin | kOpContinuation, "lo");
  std::vector<std::string> events;
  for (size_t i = 0; i < stream.size(); ++i) {
    for (std::string& e : Feed(parser, stream.substr(i, 1))) {
      events.push_back(absl::StrCat(i, " ", e));
    }
  }
  const size_t first_end = text.size() + 8;  // 2 + 2 (length) + 4 (mask)
  EXPECT_THAT(events, ElementsAre(absl::StrCat(first_end - 1, " text:", text),
                                  absl::StrCat(first_end + 7 - 1, " ping:p"),
                                  absl::StrCat(stream.size() - 1, " text:Hello")));
}

// Every split of a mixed stream into two chunks gives the same events.
TEST(FrameParserTest, EverySplitPoint) {
  const std::string stream =
      ClientFrame(kFin | kOpText, "first") + ClientFrame(kOpText, std::string(130, 'x')) +
      ClientFrame(kFin | kOpPing, "Hello", false) + ClientFrame(kFin | kOpContinuation, "y") +
      ClientFrame(kFin | kOpPong, "") + ClientFrame(kFin | kOpText, "last", false) +
      ClientFrame(kFin | kOpClose, "\x03\xE8");
  const std::vector<std::string> expected = {
      "text:first", "ping:Hello", absl::StrCat("text:", std::string(130, 'x'), "y"),
      "pong:",      "text:last",  "close:\x03\xE8"};
  for (size_t split = 0; split <= stream.size(); ++split) {
    FrameParser parser(kMax);
    std::vector<std::string> events = Feed(parser, stream.substr(0, split));
    for (std::string& e : Feed(parser, stream.substr(split))) events.push_back(e);
    ASSERT_EQ(events, expected) << "split at " << split;
  }
}

TEST(FrameParserTest, SixteenBitLength) {
  FrameParser parser(kMax);
  const std::string text(300, 'q');
  const std::string frame = ClientFrame(kFin | kOpText, text);
  ASSERT_EQ(frame.substr(0, 4), Bytes("\x81\xFE\x01\x2C"));
  EXPECT_THAT(Feed(parser, frame), ElementsAre(absl::StrCat("text:", text)));
}

TEST(FrameParserTest, OneMebibyteMaskedMessage) {
  // 52428 blocks of 20 bytes (ASCII and a euro sign) + 16 bytes = 1 MiB.
  std::string text;
  text.reserve(1 << 20);
  for (int i = 0; i < 52428; ++i) text.append("0123456789abcdef\xE2\x82\xAC\n");
  text.append("0123456789abcdef");
  ASSERT_EQ(text.size(), 1u << 20);
  ASSERT_TRUE(IsValidUtf8(text));
  const std::string frame = ClientFrame(kFin | kOpText, text, true, 0xA1B2C3D4);
  ASSERT_EQ(frame.substr(0, 10), Bytes("\x81\xFF\x00\x00\x00\x00\x00\x10\x00\x00"));

  FrameParser parser(kMax);
  std::vector<ClientEvent> events;
  absl::string_view rest = frame;
  while (!rest.empty()) {  // 4 KiB socket reads
    absl::string_view in = rest.substr(0, 4096);
    rest.remove_prefix(in.size());
    for (;;) {
      ClientEvent event = parser.Next(&in);
      if (event.type == ClientEventType::kNeedMoreData) break;
      events.push_back(std::move(event));
    }
  }
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, ClientEventType::kText);
  EXPECT_TRUE(events[0].payload == text);
  EXPECT_TRUE(parser.idle());
}

TEST(FrameParserTest, NonMinimalLengthEncodingIsAccepted) {
  FrameParser parser(kMax);
  EXPECT_THAT(Feed(parser, Bytes("\x81\x7E\x00\x02hi")), ElementsAre("text:hi"));
  EXPECT_THAT(Feed(parser, Bytes("\x81\x7F\x00\x00\x00\x00\x00\x00\x00\x02ok")),
              ElementsAre("text:ok"));
}

TEST(FrameParserTest, PingPong) {
  FrameParser parser(kMax);
  EXPECT_THAT(Feed(parser, ClientFrame(kFin | kOpPing, "Hello")), ElementsAre("ping:Hello"));
  EXPECT_THAT(Feed(parser, Bytes("\x89\x00")), ElementsAre("ping:"));
  EXPECT_THAT(Feed(parser, ClientFrame(kFin | kOpPong, "x")), ElementsAre("pong:x"));
  const std::string p125(125, 'p');
  EXPECT_THAT(Feed(parser, ClientFrame(kFin | kOpPing, p125)),
              ElementsAre(absl::StrCat("ping:", p125)));
  EXPECT_FALSE(parser.finished());
  EXPECT_TRUE(parser.idle());
}

TEST(FrameParserTest, ControlFramesBetweenFragments) {
  FrameParser parser(kMax);
  const std::string stream =
      ClientFrame(kOpText, "Hel", false) + ClientFrame(kFin | kOpPing, "Hello") +
      ClientFrame(kOpContinuation, "lo ", false) + ClientFrame(kFin | kOpPong, "") +
      ClientFrame(kFin | kOpContinuation, "world");
  EXPECT_THAT(Feed(parser, stream), ElementsAre("ping:Hello", "pong:", "text:Hello world"));
}

TEST(FrameParserTest, CloseBetweenFragmentsEndsTheConnection) {
  FrameParser parser(kMax);
  const std::string stream = ClientFrame(kOpText, "Hel") + ClientFrame(kFin | kOpClose, "") +
                             ClientFrame(kFin | kOpContinuation, "lo");
  size_t consumed = 0;
  EXPECT_THAT(Feed(parser, stream, &consumed), ElementsAre("close:"));
  EXPECT_LT(consumed, stream.size());
}

TEST(FrameParserTest, CloseWithoutPayload) {
  FrameParser parser(kMax);
  const std::string frame = Bytes("\x88\x80\x11\x22\x33\x44");
  EXPECT_THAT(Feed(parser, frame), ElementsAre("close:"));
  EXPECT_TRUE(parser.finished());
}

TEST(FrameParserTest, CloseWithStatus1000AndReason) {
  FrameParser parser(kMax);
  EXPECT_THAT(Feed(parser, ClientFrame(kFin | kOpClose,
                                       "\x03\xE8"
                                       "bye")),
              ElementsAre("close:\x03\xE8"
                          "bye"));
  FrameParser unmasked(kMax);
  EXPECT_THAT(Feed(unmasked, Bytes("\x88\x02\x03\xE8")), ElementsAre("close:\x03\xE8"));
}

TEST(FrameParserTest, CloseWithAnyPayloadIsAClose) {
  // Δx2: a 1-byte or non-UTF-8 reason still gets the \x88\x00 answer.
  FrameParser one_byte(kMax);
  EXPECT_THAT(Feed(one_byte, ClientFrame(kFin | kOpClose, "\x03")), ElementsAre("close:\x03"));
  FrameParser bad_reason(kMax);
  EXPECT_THAT(Feed(bad_reason, ClientFrame(kFin | kOpClose, "\x03\xE8\xFF")),
              ElementsAre("close:\x03\xE8\xFF"));
}

TEST(FrameParserTest, FinishedParserConsumesNothingAndRepeats) {
  FrameParser parser(kMax);
  const std::string stream = ClientFrame(kFin | kOpClose, "") + ClientFrame(kFin | kOpText, "x");
  absl::string_view in = stream;
  EXPECT_EQ(parser.Next(&in).type, ClientEventType::kClose);
  const size_t left = in.size();
  EXPECT_EQ(left, stream.size() - 6);
  ClientEvent again = parser.Next(&in);
  EXPECT_EQ(again.type, ClientEventType::kClose);
  EXPECT_TRUE(again.payload.empty());
  EXPECT_EQ(in.size(), left);
}

TEST(FrameParserTest, BinaryFrameIsAProtocolError) {
  FrameParser parser(kMax);
  EXPECT_THAT(Feed(parser, ClientFrame(kFin | kOpBinary, "bin")), ElementsAre("protocol-error"));
  EXPECT_TRUE(parser.finished());
}

TEST(FrameParserTest, BinaryIsRejectedFromItsFirstTwoBytes) {
  FrameParser parser(kMax);
  absl::string_view in("\x82\xFF", 2);  // a huge masked binary frame, length still unknown
  EXPECT_EQ(parser.Next(&in).type, ClientEventType::kProtocolError);
}

TEST(FrameParserTest, ReservedOpcodesAreProtocolErrors) {
  for (uint8_t opcode : {0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    FrameParser parser(kMax);
    EXPECT_THAT(Feed(parser, ClientFrame(kFin | opcode, "x")), ElementsAre("protocol-error"))
        << int{opcode};
  }
}

TEST(FrameParserTest, ContinuationWithoutStart) {
  FrameParser parser(kMax);
  EXPECT_THAT(Feed(parser, ClientFrame(kFin | kOpContinuation, "x")),
              ElementsAre("protocol-error"));
  FrameParser after_message(kMax);
  EXPECT_THAT(
      Feed(after_message, ClientFrame(kFin | kOpText, "a") + ClientFrame(kOpContinuation, "b")),
      ElementsAre("text:a", "protocol-error"));
}

TEST(FrameParserTest, NewDataFrameInsideAFragmentedMessage) {
  FrameParser text(kMax);
  EXPECT_THAT(Feed(text, ClientFrame(kOpText, "a") + ClientFrame(kFin | kOpText, "b")),
              ElementsAre("protocol-error"));
  FrameParser binary(kMax);
  EXPECT_THAT(Feed(binary, ClientFrame(kOpText, "a") + ClientFrame(kFin | kOpBinary, "b")),
              ElementsAre("protocol-error"));
}

TEST(FrameParserTest, FragmentedControlFrameIsAProtocolError) {
  for (uint8_t opcode : {kOpPing, kOpPong, kOpClose}) {
    FrameParser parser(kMax);
    EXPECT_THAT(Feed(parser, ClientFrame(opcode, "x")), ElementsAre("protocol-error"))
        << int{opcode};
  }
}

TEST(FrameParserTest, ControlPayloadOver125IsAProtocolError) {
  for (uint8_t opcode : {kOpPing, kOpPong, kOpClose}) {
    FrameParser parser(kMax);
    EXPECT_THAT(Feed(parser, ClientFrame(kFin | opcode, std::string(126, 'c'))),
                ElementsAre("protocol-error"))
        << int{opcode};
  }
}

TEST(FrameParserTest, Utf8CharacterSplitAcrossFragments) {
  // Δx3: validity is a property of the whole message.
  FrameParser parser(kMax);
  const std::string stream = ClientFrame(kOpText, "price \xE2") +
                             ClientFrame(kOpContinuation, "\x82") +
                             ClientFrame(kFin | kOpContinuation, "\xAC 5");
  EXPECT_THAT(Feed(parser, stream), ElementsAre("text:price \xE2\x82\xAC 5"));
  FrameParser emoji(kMax);
  EXPECT_THAT(Feed(emoji, ClientFrame(kOpText, "\xF0\x9F") +
                              ClientFrame(kFin | kOpContinuation, "\x98\x80")),
              ElementsAre("text:\xF0\x9F\x98\x80"));
}

TEST(FrameParserTest, InternationalTextIsIntact) {
  FrameParser parser(kMax);
  const std::string arabic = "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7";
  const std::string cjk = "\xE4\xBD\xA0\xE5\xA5\xBD";
  const std::string emoji = "\xF0\x9F\x98\x80\xF0\x9F\x8E\x89";
  EXPECT_THAT(Feed(parser, ClientFrame(kFin | kOpText, arabic) + ClientFrame(kFin | kOpText, cjk) +
                               ClientFrame(kFin | kOpText, emoji)),
              ElementsAre("text:" + arabic, "text:" + cjk, "text:" + emoji));
}

TEST(FrameParserTest, InvalidUtf8ClosesWithoutCloseFrame) {
  FrameParser parser(kMax);
  EXPECT_THAT(Feed(parser, ClientFrame(kFin | kOpText, "bad \xFF")), ElementsAre("invalid-utf8"));
  EXPECT_TRUE(parser.finished());
  FrameParser surrogate(kMax);
  EXPECT_THAT(Feed(surrogate, ClientFrame(kFin | kOpText, "\xED\xA0\x80")),
              ElementsAre("invalid-utf8"));
}

TEST(FrameParserTest, InvalidUtf8IsJudgedOnTheCompleteMessage) {
  // The first fragment is already bad, but the ping in between is still answered and the
  // verdict comes with the last fragment.
  FrameParser parser(kMax);
  EXPECT_THAT(Feed(parser, ClientFrame(kOpText, "\xC0\x80") + ClientFrame(kFin | kOpPing, "p")),
              ElementsAre("ping:p"));
  EXPECT_THAT(Feed(parser, ClientFrame(kFin | kOpContinuation, "ok")), ElementsAre("invalid-utf8"));
  // A message ending inside a character is invalid even if each fragment "looked" fine.
  FrameParser truncated(kMax);
  EXPECT_THAT(
      Feed(truncated, ClientFrame(kOpText, "a") + ClientFrame(kFin | kOpContinuation, "\xE2\x82")),
      ElementsAre("invalid-utf8"));
}

TEST(FrameParserTest, MessageOfExactlyMaxSizeIsAccepted) {
  FrameParser parser(10);
  EXPECT_THAT(Feed(parser, ClientFrame(kFin | kOpText, "0123456789")),
              ElementsAre("text:0123456789"));
  EXPECT_THAT(
      Feed(parser, ClientFrame(kOpText, "01234") + ClientFrame(kFin | kOpContinuation, "56789")),
      ElementsAre("text:0123456789"));
}

TEST(FrameParserTest, OversizeFrameIsRejectedFromItsHeader) {
  FrameParser parser(10);
  // Only the header of an 11-byte frame: no payload needs to arrive.
  const std::string frame = ClientFrame(kFin | kOpText, "0123456789a");
  EXPECT_THAT(Feed(parser, frame.substr(0, 6)), ElementsAre("too-big"));
  EXPECT_TRUE(parser.finished());
}

TEST(FrameParserTest, OversizeRunningTotalOfFragments) {
  FrameParser parser(10);
  EXPECT_THAT(Feed(parser, ClientFrame(kOpText, "012345")), IsEmpty());
  EXPECT_THAT(Feed(parser, ClientFrame(kOpContinuation, "678")), IsEmpty());
  const std::string last = ClientFrame(kFin | kOpContinuation, "9ab");
  EXPECT_THAT(Feed(parser, last.substr(0, 6)), ElementsAre("too-big"));  // header only
}

TEST(FrameParserTest, ControlFramesDoNotCountTowardsTheMessageSize) {
  FrameParser parser(4);
  EXPECT_THAT(Feed(parser, ClientFrame(kOpText, "ab") + ClientFrame(kFin | kOpPing, "ping!") +
                               ClientFrame(kFin | kOpContinuation, "cd")),
              ElementsAre("ping:ping!", "text:abcd"));
}

TEST(FrameParserTest, HugeSixtyFourBitLengths) {
  FrameParser huge(kMax);
  EXPECT_THAT(Feed(huge, Bytes("\x81\x7F\x00\x00\x00\x01\x00\x00\x00\x00")),
              ElementsAre("too-big"));
  FrameParser near_max(kMax);
  EXPECT_THAT(Feed(near_max, Bytes("\x81\x7F\x7F\xFF\xFF\xFF\xFF\xFF\xFF\xFF")),
              ElementsAre("too-big"));
  // RFC 6455 §5.2: the most significant bit of a 64-bit length must be 0.
  FrameParser unlimited(UINT64_MAX);
  EXPECT_THAT(Feed(unlimited, Bytes("\x81\x7F\x80\x00\x00\x00\x00\x00\x00\x00")),
              ElementsAre("protocol-error"));
}

TEST(FrameParserTest, ErrorsAreFinal) {
  FrameParser parser(kMax);
  const std::string stream = ClientFrame(kFin | kOpBinary, "b") + ClientFrame(kFin | kOpText, "t");
  absl::string_view in = stream;
  EXPECT_EQ(parser.Next(&in).type, ClientEventType::kProtocolError);
  const size_t left = in.size();
  EXPECT_EQ(parser.Next(&in).type, ClientEventType::kProtocolError);
  EXPECT_EQ(in.size(), left);
}

TEST(FrameParserTest, IdleOnlyBetweenMessages) {
  FrameParser parser(kMax);
  EXPECT_TRUE(parser.idle());
  const std::string frame = ClientFrame(kFin | kOpText, "hello");
  Feed(parser, frame.substr(0, 1));
  EXPECT_FALSE(parser.idle());  // half a header
  Feed(parser, frame.substr(1, 7));
  EXPECT_FALSE(parser.idle());  // inside the payload
  EXPECT_THAT(Feed(parser, frame.substr(8)), ElementsAre("text:hello"));
  EXPECT_TRUE(parser.idle());
  Feed(parser, ClientFrame(kOpText, "frag"));
  EXPECT_FALSE(parser.idle());  // a fragmented message is open
}

TEST(FrameParserTest, EmptyInputNeedsMoreData) {
  FrameParser parser(kMax);
  absl::string_view in;
  EXPECT_EQ(parser.Next(&in).type, ClientEventType::kNeedMoreData);
  EXPECT_TRUE(parser.idle());
}

TEST(FrameParserTest, StaysSmall) {
  // An idle WebSocket subscriber keeps one parser: no big inline buffers.
  EXPECT_LE(sizeof(FrameParser), 128u);
}

}  // namespace
}  // namespace pushgw::gateway::ws
