// Graceful drain: subscribers of every transport get their mode's proper
// ending, new connections are refused, and Drain() returns within the grace.
#include <thread>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/edge_harness.h"

namespace pushgw::testing {
namespace {

TEST(DrainTest, EverySubscriberGetsItsEndingWithinTheGrace) {
  TestGateway gw(LayoutConfig());
  const int port = gw.port();

  RawClient sub(port);
  sub.Send(BuildRequest("GET", "/sub/d"));
  ASSERT_TRUE(sub.ReadHead());
  RawClient ev(port);
  ev.Send(BuildRequest("GET", "/ev/d"));
  ASSERT_TRUE(ev.ReadHead());
  RawClient ws(port);
  ws.Send(BuildRequest("GET", "/ws/d",
                       {{"Upgrade", "websocket"},
                        {"Connection", "Upgrade"},
                        {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
                        {"Sec-WebSocket-Version", "13"}}));
  ASSERT_TRUE(ws.ReadHead());
  RawClient lp(port);
  lp.Send(BuildRequest("GET", "/lp/d"));
  ASSERT_TRUE(gw.WaitForSubscribers("d", 4));

  const absl::Duration grace = absl::Seconds(2);
  const absl::Time start = absl::Now();
  std::thread drainer([&] { gw.server().Drain(grace); });
  ASSERT_TRUE(TestGateway::WaitFor([&] { return gw.server().draining(); }));

  // Streaming: the footer then the last chunk, then the connection closes.
  const std::string& body = sub.ReadChunkedUntil([](const std::string&) { return false; });
  EXPECT_TRUE(sub.stream_ended());
  EXPECT_TRUE(absl::EndsWith(body, "</body></html>")) << body;
  EXPECT_TRUE(sub.WaitClosed());
  // EventSource: the last chunk.
  ev.ReadChunkedUntil([](const std::string&) { return false; });
  EXPECT_TRUE(ev.stream_ended());
  EXPECT_TRUE(ev.WaitClosed());
  // Long-poll: answered (as a timeout), then closed.
  std::optional<HttpResponseView> answer = lp.ReadResponse();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 304);
  EXPECT_EQ(answer->Header("Etag"), "W/0");
  EXPECT_TRUE(lp.WaitClosed());
  // WebSocket: the SPEC §7.8 shutdown ending, an empty close frame.
  std::optional<WsFrame> close = ws.ReadFrame();
  ASSERT_TRUE(close);
  EXPECT_EQ(close->raw, std::string("\x88\x00", 2));
  EXPECT_TRUE(ws.WaitClosed());

  drainer.join();
  EXPECT_LE(absl::Now() - start, grace + absl::Milliseconds(500));
  EXPECT_EQ(gw.store().FindChannel("d")->subscribers, 0);
  // The listener is closed.
  RawClient late(port);
  EXPECT_FALSE(late.connected() && late.ReadUntil([](const std::string& b) { return !b.empty(); },
                                                  absl::Milliseconds(200)));
}

}  // namespace
}  // namespace pushgw::testing
