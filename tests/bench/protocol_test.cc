// The load generator's wire handling: response framing (Content-Length,
// chunked, until close, pipelined, WebSocket frames) fed in every split, the
// send-time stamp scanner, and the histogram's quantiles.
#include "bench/protocol.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/histogram.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pushgw::bench {
namespace {

using ::testing::ElementsAre;

class RecordingSink : public ResponseSink {
 public:
  bool OnHead(int status) override {
    statuses.push_back(status);
    return true;
  }
  void OnData(const char* data, size_t n) override { body.append(data, n); }
  bool OnComplete() override {
    bodies.push_back(body);
    body.clear();
    return true;
  }
  void OnFrame(uint8_t opcode) override { frames.push_back(opcode); }

  std::vector<int> statuses;
  std::string body;
  std::vector<std::string> bodies;
  std::vector<int> frames;
};

// Feeds `wire` in pieces of `step` bytes.
void FeedInSteps(ResponseParser& parser, RecordingSink& sink, const std::string& wire,
                 size_t step) {
  for (size_t i = 0; i < wire.size(); i += step) {
    ASSERT_TRUE(parser.Feed(wire.data() + i, std::min(step, wire.size() - i), sink))
        << parser.error();
  }
}

TEST(ResponseParserTest, PipelinedLengthChunkedAndHeaderOnlyInAnySplit) {
  const std::string wire =
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nEtag: W/7\r\n"
      "Last-Modified: Thu, 01 Jan 1970 00:00:01 GMT\r\n\r\n"
      "3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\nTrailer: x\r\n\r\n"
      "HTTP/1.1 304 Not Modified\r\nEtag: W/0\r\n\r\n";
  for (size_t step : {1, 2, 3, 7, 1000}) {
    ResponseParser parser;
    RecordingSink sink;
    FeedInSteps(parser, sink, wire, step);
    EXPECT_THAT(sink.statuses, ElementsAre(200, 200, 304)) << step;
    EXPECT_THAT(sink.bodies, ElementsAre("hello", "abcdefg", "")) << step;
    EXPECT_EQ(parser.etag(), "W/0");
    EXPECT_TRUE(parser.keep_alive());
    EXPECT_TRUE(parser.idle());
  }
}

TEST(ResponseParserTest, BodyUntilCloseAndConnectionClose) {
  ResponseParser parser;
  RecordingSink sink;
  const std::string wire = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n: hi\n\ndata: x\n\n";
  ASSERT_TRUE(parser.Feed(wire.data(), wire.size(), sink));
  EXPECT_FALSE(parser.keep_alive());
  EXPECT_TRUE(sink.bodies.empty());
  EXPECT_TRUE(parser.FeedEof(sink));
  EXPECT_THAT(sink.bodies, ElementsAre(": hi\n\ndata: x\n\n"));
}

TEST(ResponseParserTest, WebSocketFramesAfter101) {
  std::string wire = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\n\r\n";
  wire += std::string("\x81\x05hello", 7);
  wire += std::string("\x89\x00", 2);  // ping: not data
  std::string big(300, 'b');
  wire += std::string("\x81\x7E\x01\x2C", 4) + big;  // 16-bit length
  wire += std::string("\x88\x00", 2);
  for (size_t step : {1, 5, 1000}) {
    ResponseParser parser;
    RecordingSink sink;
    FeedInSteps(parser, sink, wire, step);
    EXPECT_THAT(sink.statuses, ElementsAre(101));
    EXPECT_TRUE(parser.websocket());
    EXPECT_EQ(sink.body, "hello" + big);
    EXPECT_THAT(sink.frames, ElementsAre(0x1, 0x9, 0x1, 0x8));
  }
}

TEST(ResponseParserTest, Errors) {
  ResponseParser parser;
  RecordingSink sink;
  const std::string wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
  EXPECT_FALSE(parser.Feed(wire.data(), wire.size(), sink));
  EXPECT_EQ(parser.error(), "bad chunk size");
  ResponseParser garbage;
  EXPECT_FALSE(garbage.Feed("SSH-2.0\r\n\r\n", 11, sink));
}

TEST(StampTest, BodiesCarryTheirSendTime) {
  std::string body;
  MakeBody(1234567890123456789, 100, &body);
  EXPECT_EQ(body.size(), 100u);
  EXPECT_EQ(body.substr(0, kStampSize), "@1234567890123456789@");
  RestampBody(42, body.data());
  EXPECT_EQ(body.substr(0, kStampSize), "@0000000000000000042@");
  MakeBody(7, 3, &body);  // never shorter than the stamp
  EXPECT_EQ(body, "@0000000000000000007@");
}

TEST(StampTest, ScannerFindsStampsInAnyWrappingAndSplit) {
  std::string a, b;
  MakeBody(1000000000000000001, 40, &a);
  MakeBody(2000000000000000002, 21, &b);
  // As the layout's JSON template and an SSE stream wrap them, with decoys.
  const std::string stream =
      absl::StrCat("data: {\"id\":1,\"text\":\"", a, "\", \"mail\":\"a@b\", \"x\":\"@12@\"}\n\n",
                   "<script>p(2,'c','", b, "');</script>@@", "@123");
  for (size_t step : {1, 2, 3, 20, 21, 22, 1000}) {
    StampScanner scanner;
    std::vector<int64_t> found;
    for (size_t i = 0; i < stream.size(); i += step) {
      scanner.Feed(stream.data() + i, std::min(step, stream.size() - i),
                   [&](int64_t ns) { found.push_back(ns); });
    }
    EXPECT_THAT(found, ElementsAre(1000000000000000001, 2000000000000000002)) << step;
  }
}

TEST(RequestTest, SubscribeAndPublishRequests) {
  Paths paths;
  EXPECT_EQ(SubscribeRequest(SubscriberMode::kLongPolling, paths, "127.0.0.1:1", "ch", "T", "W/3"),
            "GET /lp/ch HTTP/1.1\r\nHost: 127.0.0.1:1\r\nIf-Modified-Since: T\r\n"
            "If-None-Match: W/3\r\n\r\n");
  EXPECT_EQ(SubscribeRequest(SubscriberMode::kEventSource, paths, "h", "ch"),
            "GET /ev/ch HTTP/1.1\r\nHost: h\r\nAccept: text/event-stream\r\n\r\n");
  std::string out;
  AppendPublishRequest(paths, "h", "ch", "body", &out);
  EXPECT_EQ(out, "POST /pub?id=ch HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nbody");
  SubscriberMode mode;
  EXPECT_TRUE(ParseSubscriberMode("ws", &mode));
  EXPECT_EQ(mode, SubscriberMode::kWebSocket);
  EXPECT_FALSE(ParseSubscriberMode("polling", &mode));
}

TEST(HistogramTest, QuantilesWithinOnePercent) {
  Histogram h;
  for (int64_t v = 1; v <= 100000; ++v) h.Record(v * 1000);  // 1 us .. 100 ms
  EXPECT_EQ(h.count(), 100000u);
  EXPECT_EQ(h.max(), 100000000);
  EXPECT_EQ(h.min(), 1000);
  EXPECT_NEAR(h.Quantile(0.5), 50000000, 50000000 * 0.01);
  EXPECT_NEAR(h.Quantile(0.99), 99000000, 99000000 * 0.01);
  EXPECT_NEAR(h.Quantile(0.999), 99900000, 99900000 * 0.01);
  EXPECT_EQ(h.Quantile(1.0), 100000000);
  Histogram other;
  other.Record(5);
  h.Merge(other);
  EXPECT_EQ(h.min(), 5);
  EXPECT_EQ(h.Quantile(0.0), 5);
  Histogram huge;
  huge.Record(int64_t{1} << 40);  // beyond the buckets: still counted, max exact
  EXPECT_EQ(huge.Quantile(0.5), int64_t{1} << 40);
}

}  // namespace
}  // namespace pushgw::bench
