// End-to-end: one request of each kind over real sockets against the layout.
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/edge_harness.h"

namespace pushgw::testing {
namespace {

TEST(EdgeSmokeTest, PublishThenEventSourceLongPollWebSocketAndStream) {
  TestGateway gw(LayoutConfig());
  const int port = gw.port();

  RawClient ev(port);
  ev.Send(BuildRequest("GET", "/ev/ch1?_=1795706038533&tag=&time=&eventid="));  // as pushstream.js
  auto ev_head = ev.ReadHead();
  ASSERT_TRUE(ev_head);
  EXPECT_EQ(ev_head->status, 200);
  EXPECT_EQ(ev_head->Header("Content-Type"), "text/event-stream; charset=utf-8");
  EXPECT_EQ(ev.ReadChunkedContaining(": \n"), ": \n");

  RawClient ws(port);
  ws.Send(BuildRequest("GET", "/ws/ch1",
                       {{"Upgrade", "websocket"},
                        {"Connection", "Upgrade"},
                        {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
                        {"Sec-WebSocket-Version", "13"}}));
  auto ws_head = ws.ReadHead();
  ASSERT_TRUE(ws_head);
  EXPECT_EQ(ws_head->head,
            "HTTP/1.1 101 Switching Protocols\r\n"
            "Expires: Thu, 01 Jan 1970 00:00:01 GMT\r\n"
            "Cache-Control: no-cache, no-store, must-revalidate\r\n"
            "Upgrade: WebSocket\r\n"
            "Connection: Upgrade\r\n"
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");

  RawClient sub(port);
  sub.Send(BuildRequest("GET", "/sub/ch1"));
  auto sub_head = sub.ReadHead();
  ASSERT_TRUE(sub_head);
  EXPECT_EQ(sub_head->Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(sub.ReadChunkedUntil([](const std::string& b) { return b.size() >= 733; }).size(),
            733u);

  RawClient lp(port);
  lp.Send(BuildRequest("GET", "/lp/ch1"));
  ASSERT_TRUE(gw.WaitForSubscribers("ch1", 4));

  auto pub = Fetch(port, "POST", "/pub?id=ch1", {{"Event-Id", "e1"}}, "hello");
  ASSERT_TRUE(pub);
  EXPECT_EQ(pub->status, 200);
  EXPECT_EQ(pub->body,
            "{\"channel\": \"ch1\", \"published_messages\": 1, \"stored_messages\": 1, "
            "\"subscribers\": 4}\r\n");

  const std::string& ev_body = ev.ReadChunkedContaining("\n\n");
  EXPECT_TRUE(absl::StartsWith(
      ev_body, ": \nid: e1\ndata: {\"id\":1,\"channel\":\"ch1\",\"text\":\"hello\""))
      << ev_body;

  auto frame = ws.ReadFrame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->first, 0x81);
  EXPECT_TRUE(absl::StartsWith(frame->payload, "{\"id\":1,\"channel\":\"ch1\",\"text\":\"hello\""));
  EXPECT_TRUE(absl::EndsWith(frame->payload, "\"eventid\":\"e1\"}"));

  const std::string& sub_body = sub.ReadChunkedContaining("<script>p(1,", absl::Seconds(5));
  EXPECT_TRUE(absl::StrContains(sub_body, "<script>p(1,'ch1','hello','e1', '"));

  auto lp_response = lp.ReadResponse();
  ASSERT_TRUE(lp_response);
  EXPECT_EQ(lp_response->status, 200);
  EXPECT_EQ(lp_response->Header("Content-Type"), "text/plain");
  EXPECT_EQ(lp_response->Header("Etag"), "W/1");
  EXPECT_TRUE(absl::StartsWith(lp_response->body, "{\"id\":1,\"channel\":\"ch1\""));
  ASSERT_TRUE(gw.WaitForSubscribers("ch1", 3));
}

}  // namespace
}  // namespace pushgw::testing
