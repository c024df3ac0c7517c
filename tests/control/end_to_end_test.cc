// End to end with the real HTTP edge on the same store: a gRPC publish reaches
// EventSource and WebSocket subscribers exactly as an HTTP publish does; an
// HTTP publish reaches a gRPC Subscribe; deletions cross both ways; WatchEvents
// sees an HTTP subscriber come and go; GetStats includes the edge's workers.
#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "core/http_date.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pushgw/control/v1/control.grpc.pb.h"
#include "tests/control/control_harness.h"
#include "tests/testing/edge_harness.h"

namespace pushgw::testing {
namespace {

constexpr absl::string_view kWsKey = "dGhlIHNhbXBsZSBub25jZQ==";

// The layout's /ev/ frame of one message (SPEC §7.4).
std::string EventSourceFrame(int64_t id, absl::string_view channel, absl::string_view text,
                             int64_t tag, int64_t time, absl::string_view event_id,
                             absl::string_view event_type) {
  return absl::StrCat(
      "id: ", event_id, "\nevent: ", event_type,
      "\ndata: ", LayoutJson(id, channel, text, tag, core::FormatHttpDate(time), event_id), "\n\n");
}

class EndToEndTest : public ::testing::Test {
 protected:
  EndToEndTest() : server_(LayoutConfig(), /*with_http=*/true), stub_(server_.Stub()) {}

  std::unique_ptr<RawClient> OpenEventSource(const std::string& channel) {
    auto client = std::make_unique<RawClient>(server_.http_port());
    client->Send(BuildRequest("GET", absl::StrCat("/ev/", channel)));
    std::optional<HttpResponseView> head = client->ReadHead();
    EXPECT_TRUE(head && head->status == 200);
    EXPECT_EQ(client->ReadChunkedContaining(": \n"), ": \n");
    client->ClearBody();
    return client;
  }

  std::unique_ptr<RawClient> OpenWebSocket(const std::string& channel) {
    auto client = std::make_unique<RawClient>(server_.http_port());
    client->Send(BuildRequest("GET", absl::StrCat("/ws/", channel),
                              {{"Upgrade", "websocket"},
                               {"Connection", "Upgrade"},
                               {"Sec-WebSocket-Key", std::string(kWsKey)},
                               {"Sec-WebSocket-Version", "13"}}));
    std::optional<HttpResponseView> head = client->ReadHead();
    EXPECT_TRUE(head && head->status == 101);
    return client;
  }

  ControlTestServer server_;
  std::unique_ptr<v1::Control::Stub> stub_;
};

TEST_F(EndToEndTest, GrpcAndHttpPublishesAreIndistinguishableToSubscribers) {
  auto ev = OpenEventSource("ch");
  auto ws = OpenWebSocket("ch");
  StreamReader<v1::SubscribeResponse> grpc_sub;
  v1::SubscribeRequest subscribe;
  subscribe.add_channels()->set_id("ch");
  grpc_sub.Start(stub_->Subscribe(&grpc_sub.context(), subscribe));
  ASSERT_TRUE(grpc_sub.Next());  // subscribed
  ASSERT_TRUE(server_.WaitForSubscribers("ch", 3));

  // 1. An HTTP publish.
  std::optional<HttpResponseView> pub =
      Fetch(server_.http_port(), "POST", "/pub?id=ch", {{"Event-Id", "e1"}, {"Event-Type", "t1"}},
            "from http");
  ASSERT_TRUE(pub);
  EXPECT_EQ(pub->status, 200);
  // ... reaches the gRPC subscriber, with the message's id, tag and time.
  std::optional<v1::SubscribeResponse> m1 = grpc_sub.Next();
  ASSERT_TRUE(m1 && m1->has_message());
  EXPECT_EQ(m1->message().id(), 1);
  EXPECT_EQ(m1->message().data(), "from http");
  EXPECT_EQ(m1->message().event_id(), "e1");
  EXPECT_EQ(m1->message().event_type(), "t1");

  // 2. A gRPC publish of the same shape.
  v1::PublishRequest request;
  request.add_channels("ch");
  request.set_data("from grpc");
  request.set_event_id("e2");
  request.set_event_type("t2");
  v1::PublishResponse published;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->Publish(&context, request, &published).ok());
  EXPECT_EQ(published.results(0).message_id(), 2);
  EXPECT_EQ(published.results(0).subscribers(), 3);
  EXPECT_EQ(published.results(0).tag() > m1->message().tag() ||
                published.results(0).time() > m1->message().time(),
            true);

  // The EventSource stream carries both, rendered alike.
  const std::string frame1 =
      EventSourceFrame(1, "ch", "from http", m1->message().tag(), m1->message().time(), "e1", "t1");
  const std::string frame2 = EventSourceFrame(2, "ch", "from grpc", published.results(0).tag(),
                                              published.results(0).time(), "e2", "t2");
  EXPECT_EQ(ev->ReadChunkedUntil([&](const std::string& body) {
    return body.size() >= frame1.size() + frame2.size();
  }),
            frame1 + frame2);

  // The WebSocket gets one text frame each, the same JSON.
  std::optional<WsFrame> ws1 = ws->ReadFrame();
  std::optional<WsFrame> ws2 = ws->ReadFrame();
  ASSERT_TRUE(ws1 && ws2);
  EXPECT_EQ(ws1->first, 0x81);
  EXPECT_EQ(ws1->payload, LayoutJson(1, "ch", "from http", m1->message().tag(),
                                     core::FormatHttpDate(m1->message().time()), "e1"));
  EXPECT_EQ(ws2->first, 0x81);
  EXPECT_EQ(ws2->payload, LayoutJson(2, "ch", "from grpc", published.results(0).tag(),
                                     core::FormatHttpDate(published.results(0).time()), "e2"));

  // And the gRPC subscriber sees its own publish too.
  std::optional<v1::SubscribeResponse> m2 = grpc_sub.Next();
  ASSERT_TRUE(m2 && m2->has_message());
  EXPECT_EQ(m2->message().id(), 2);
  EXPECT_EQ(m2->message().tag(), published.results(0).tag());

  // Both are stored alike: a long-poll with backtrack gets them in order.
  std::optional<HttpResponseView> old = Fetch(server_.http_port(), "GET", "/lp/ch.b2");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->status, 200);
  EXPECT_THAT(old->body, ::testing::HasSubstr("\"text\":\"from http\""));
  EXPECT_THAT(old->body, ::testing::HasSubstr("\"text\":\"from grpc\""));

  // Statistics agree: HTTP channel info and the gRPC view.
  std::optional<HttpResponseView> info = Fetch(server_.http_port(), "GET", "/pub?id=ch");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->body,
            "{\"channel\": \"ch\", \"published_messages\": 2, \"stored_messages\": 2, "
            "\"subscribers\": 3}\r\n");
}

TEST_F(EndToEndTest, DeletionsCrossTransports) {
  auto ev = OpenEventSource("d1");
  StreamReader<v1::SubscribeResponse> grpc_sub;
  v1::SubscribeRequest subscribe;
  subscribe.add_channels()->set_id("d2");
  grpc_sub.Start(stub_->Subscribe(&grpc_sub.context(), subscribe));
  ASSERT_TRUE(grpc_sub.Next());
  ASSERT_TRUE(server_.WaitForSubscribers("d1", 1));

  // gRPC delete -> the EventSource subscriber gets the -2 message and its end.
  grpc::ClientContext context;
  v1::DeleteChannelsRequest del;
  del.add_channels("d1");
  del.set_text("bye now");
  v1::DeleteChannelsResponse deleted;
  ASSERT_TRUE(stub_->DeleteChannels(&context, del, &deleted).ok());
  const std::string expected = absl::StrCat(
      "data: ", LayoutJson(-2, "d1", "bye now", 0, "Thu, 01 Jan 1970 00:00:00 GMT", ""), "\n\n");
  EXPECT_EQ(ev->ReadChunkedUntil([](const std::string&) { return false; }), expected);
  EXPECT_TRUE(ev->stream_ended());

  // HTTP DELETE -> the gRPC subscriber gets ChannelDeleted, then OK.
  std::optional<HttpResponseView> http_del = Fetch(server_.http_port(), "DELETE", "/pub?id=d2");
  ASSERT_TRUE(http_del);
  EXPECT_EQ(http_del->status, 200);
  std::optional<v1::SubscribeResponse> notice = grpc_sub.Next();
  ASSERT_TRUE(notice && notice->has_channel_deleted());
  EXPECT_EQ(notice->channel_deleted().channel(), "d2");
  EXPECT_EQ(notice->channel_deleted().text(), "Channel deleted");
  std::optional<grpc::Status> status = grpc_sub.Status();
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->ok());
}

TEST_F(EndToEndTest, WatchEventsSeesAnHttpSubscriberComeAndGo) {
  StreamReader<v1::WatchEventsResponse> events;
  v1::WatchEventsRequest request;
  request.set_channel_prefix("presence");
  events.Start(stub_->WatchEvents(&events.context(), request));
  ASSERT_TRUE(TestGateway::WaitFor([&] { return server_.control().open_streams() == 1; }));
  auto next = [&] {
    std::optional<v1::WatchEventsResponse> e = events.Next();
    return e ? absl::StrCat(v1::EventType_Name(e->type()), " ", e->channel()) : "none";
  };
  {
    auto ev = OpenEventSource("presence");
    EXPECT_EQ(next(), "EVENT_TYPE_CHANNEL_CREATED presence");
    EXPECT_EQ(next(), "EVENT_TYPE_CLIENT_SUBSCRIBED presence");
  }  // the browser goes away
  EXPECT_EQ(next(), "EVENT_TYPE_CLIENT_UNSUBSCRIBED presence");
  // channel_inactivity_time is 30s in the layout: no destroyed event yet.
  EXPECT_TRUE(events.ExpectSilence(absl::Milliseconds(300)));
}

TEST_F(EndToEndTest, StatsIncludeTheEdgeWorkersAndEveryKindOfSubscriber) {
  auto ev = OpenEventSource("s");
  StreamReader<v1::SubscribeResponse> grpc_sub;
  v1::SubscribeRequest subscribe;
  subscribe.add_channels()->set_id("s");
  grpc_sub.Start(stub_->Subscribe(&grpc_sub.context(), subscribe));
  ASSERT_TRUE(grpc_sub.Next());
  ASSERT_TRUE(server_.WaitForSubscribers("s", 2));
  grpc::ClientContext context;
  v1::GetStatsResponse stats;
  ASSERT_TRUE(stub_->GetStats(&context, v1::GetStatsRequest(), &stats).ok());
  EXPECT_EQ(stats.subscribers(), 2);
  ASSERT_EQ(stats.by_worker_size(), 2);
  EXPECT_EQ(stats.by_worker(0).subscribers() + stats.by_worker(1).subscribers(), 1);  // HTTP only
  EXPECT_GT(stats.by_worker(0).pid(), 0);
}

}  // namespace
}  // namespace pushgw::testing
