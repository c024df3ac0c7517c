// The control plane over a real gRPC channel on port 0 (store only, no HTTP):
// unary calls, the error -> code mapping with messages, idempotency keys,
// Subscribe, WatchEvents, shutdown.
#include <grpcpp/grpcpp.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pushgw/control/v1/control.grpc.pb.h"
#include "tests/control/control_harness.h"
#include "tests/testing/edge_harness.h"

namespace pushgw::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

v1::PublishRequest MakePublish(std::vector<std::string> channels, std::string data) {
  v1::PublishRequest request;
  for (std::string& channel : channels) request.add_channels(std::move(channel));
  request.set_data(std::move(data));
  return request;
}

class ServiceTest : public ::testing::Test {
 protected:
  explicit ServiceTest(core::ServerConfig config = LayoutConfig())
      : server_(std::move(config)), stub_(server_.Stub()) {}

  grpc::Status Publish(const v1::PublishRequest& request, v1::PublishResponse* response) {
    grpc::ClientContext context;
    return stub_->Publish(&context, request, response);
  }
  grpc::Status Publish(std::vector<std::string> channels, std::string data) {
    v1::PublishResponse response;
    return Publish(MakePublish(std::move(channels), std::move(data)), &response);
  }

  // Subscribes and waits for the `subscribed` notice.
  std::unique_ptr<StreamReader<v1::SubscribeResponse>> Subscribe(
      const v1::SubscribeRequest& request) {
    auto reader = std::make_unique<StreamReader<v1::SubscribeResponse>>();
    reader->Start(stub_->Subscribe(&reader->context(), request));
    return reader;
  }
  std::unique_ptr<StreamReader<v1::SubscribeResponse>> SubscribeTo(const std::string& channel) {
    v1::SubscribeRequest request;
    request.add_channels()->set_id(channel);
    auto reader = Subscribe(request);
    std::optional<v1::SubscribeResponse> first = reader->Next();
    EXPECT_TRUE(first && first->has_subscribed());
    return reader;
  }

  ControlTestServer server_;
  std::unique_ptr<v1::Control::Stub> stub_;
};

TEST_F(ServiceTest, PublishAnswersEachChannelsMessage) {
  v1::PublishRequest request = MakePublish({"a", "b"}, "hello");
  request.set_event_id("e1");
  request.set_event_type("greeting");
  v1::PublishResponse response;
  ASSERT_TRUE(Publish(request, &response).ok());
  ASSERT_EQ(response.results_size(), 2);
  EXPECT_FALSE(response.duplicate());
  EXPECT_EQ(response.results(0).channel(), "a");
  EXPECT_EQ(response.results(0).message_id(), 1);
  EXPECT_EQ(response.results(0).stored_messages(), 1);
  EXPECT_EQ(response.results(0).subscribers(), 0);
  EXPECT_EQ(response.results(1).channel(), "b");
  // One message per channel, each with its own consecutive tag (SPEC §1.3).
  EXPECT_EQ(response.results(1).tag(), response.results(0).tag() + 1);
  EXPECT_NEAR(response.results(0).time(), absl::ToUnixSeconds(absl::Now()), 5);

  ASSERT_TRUE(Publish(MakePublish({"a"}, "again"), &response).ok());
  EXPECT_EQ(response.results(0).message_id(), 2);
  EXPECT_EQ(response.results(0).stored_messages(), 2);

  // The store sees exactly what an HTTP publish would have made.
  std::optional<core::ChannelInfo> a = server_.store().FindChannel("a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->published_messages, 2);
  EXPECT_EQ(a->stored_messages, 2);
  EXPECT_EQ(server_.store().GetSummary().published_messages, 3);
}

TEST_F(ServiceTest, StoreFlagDecidesWhetherTheMessageIsKept) {
  v1::PublishRequest request = MakePublish({"volatile"}, "x");
  request.set_store(false);
  v1::PublishResponse response;
  ASSERT_TRUE(Publish(request, &response).ok());
  EXPECT_EQ(response.results(0).message_id(), 1);
  EXPECT_EQ(response.results(0).stored_messages(), 0);
  request.clear_store();  // control.store_messages: on by default
  ASSERT_TRUE(Publish(request, &response).ok());
  EXPECT_EQ(response.results(0).stored_messages(), 1);
}

TEST_F(ServiceTest, PublishErrorsMapToCodesWithTheHttpExplainTexts) {
  struct Case {
    v1::PublishRequest request;
    grpc::StatusCode code;
    std::string message;
  };
  v1::PublishRequest bad_event = MakePublish({"a"}, "x");
  bad_event.set_event_id("a\r\nX-Evil: 1");
  const std::vector<Case> cases = {
      {MakePublish({}, "x"), grpc::StatusCode::INVALID_ARGUMENT, "No channel id provided."},
      {MakePublish({"a"}, ""), grpc::StatusCode::INVALID_ARGUMENT,
       "Empty post requests are not allowed."},
      {MakePublish({"ALL"}, "x"), grpc::StatusCode::INVALID_ARGUMENT,
       "Channel id not authorized for this method."},
      {MakePublish({"a", "b*"}, "x"), grpc::StatusCode::INVALID_ARGUMENT,
       "Channel id not authorized for this method."},
      {MakePublish({std::string(201, 'x')}, "x"), grpc::StatusCode::INVALID_ARGUMENT,
       "Channel id is too large."},
      {MakePublish({""}, "x"), grpc::StatusCode::INVALID_ARGUMENT, "No channel id provided."},
      {MakePublish({"a/b"}, "x"), grpc::StatusCode::INVALID_ARGUMENT,
       "channel id \"a/b\" cannot be named in a channel path (it contains \"/\" or ends with "
       ".b<digits>)"},
      {MakePublish({"a.b5"}, "x"), grpc::StatusCode::INVALID_ARGUMENT,
       "channel id \"a.b5\" cannot be named in a channel path (it contains \"/\" or ends with "
       ".b<digits>)"},
      {bad_event, grpc::StatusCode::INVALID_ARGUMENT,
       "event_id must not contain CR, LF or NUL (it becomes an HTTP header)"},
      {MakePublish({"a"}, std::string((1 << 20) + 1, 'x')), grpc::StatusCode::RESOURCE_EXHAUSTED,
       "data is 1048577 bytes, more than control.max_message_size (1048576)"},
  };
  for (const Case& c : cases) {
    v1::PublishResponse response;
    grpc::Status status = Publish(c.request, &response);
    EXPECT_EQ(status.error_code(), c.code) << c.message;
    EXPECT_EQ(status.error_message(), c.message);
  }
  // Validation happens before anything is created (Δd).
  EXPECT_FALSE(server_.store().FindChannel("a"));
}

TEST_F(ServiceTest, IdempotencyKeyMakesARetryANoOp) {
  v1::PublishRequest request = MakePublish({"orders", "audit"}, "order 42 paid");
  request.set_idempotency_key("order-42");
  v1::PublishResponse first;
  ASSERT_TRUE(Publish(request, &first).ok());
  v1::PublishResponse retry;
  ASSERT_TRUE(Publish(request, &retry).ok());
  EXPECT_TRUE(retry.duplicate());
  ASSERT_EQ(retry.results_size(), 2);
  EXPECT_EQ(retry.results(0).message_id(), first.results(0).message_id());
  EXPECT_EQ(retry.results(0).tag(), first.results(0).tag());
  EXPECT_EQ(server_.store().FindChannel("orders")->published_messages, 1);

  // The same key for another request is a client bug, not a retry.
  v1::PublishRequest other = request;
  other.set_data("order 43 paid");
  grpc::Status status = Publish(other, &retry);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("already used for a different publish"));

  // A failed publish is not remembered: fixing nothing, the retry fails the
  // same way; the key is then still free for the intended publish.
  v1::PublishRequest failing = MakePublish({"ALL"}, "x");
  failing.set_idempotency_key("k2");
  EXPECT_EQ(Publish(failing, &retry).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Publish(failing, &retry).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::PublishRequest fixed = MakePublish({"ok"}, "x");
  fixed.set_idempotency_key("k3");
  ASSERT_TRUE(Publish(fixed, &retry).ok());
  EXPECT_FALSE(retry.duplicate());

  // Keys longer than 256 bytes are refused.
  fixed.set_idempotency_key(std::string(257, 'k'));
  EXPECT_EQ(Publish(fixed, &retry).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ServiceTest, DeleteChannelsReportsWhatExisted) {
  ASSERT_TRUE(Publish({"a", "b"}, "x").ok());
  grpc::ClientContext context;
  v1::DeleteChannelsRequest request;
  request.add_channels("a");
  request.add_channels("missing");
  request.add_channels("b");
  v1::DeleteChannelsResponse response;
  ASSERT_TRUE(stub_->DeleteChannels(&context, request, &response).ok());
  EXPECT_THAT(response.deleted(), ElementsAre("a", "b"));
  EXPECT_THAT(response.not_found(), ElementsAre("missing"));
  EXPECT_FALSE(server_.store().FindChannel("a"));
  EXPECT_EQ(server_.store().GetSummary().channels_in_delete, 2);

  grpc::ClientContext again;
  grpc::Status status = stub_->DeleteChannels(&again, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "no such channel");

  grpc::ClientContext empty;
  EXPECT_EQ(stub_->DeleteChannels(&empty, v1::DeleteChannelsRequest(), &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // A refused id refuses the whole request: nothing is deleted.
  ASSERT_TRUE(Publish({"c"}, "x").ok());
  v1::DeleteChannelsRequest with_all;
  with_all.add_channels("c");
  with_all.add_channels("ALL");
  grpc::ClientContext refused;
  EXPECT_EQ(stub_->DeleteChannels(&refused, with_all, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(server_.store().FindChannel("c"));
}

TEST_F(ServiceTest, GetChannelsByIdsPrefixAndAllInPages) {
  for (const char* id : {"news.b", "news.a", "sport", "news.c", "weather"}) {
    ASSERT_TRUE(Publish({id}, "x").ok());
  }
  {
    grpc::ClientContext context;
    v1::GetChannelsRequest request;
    request.mutable_ids()->add_ids("sport");
    request.mutable_ids()->add_ids("missing");
    request.mutable_ids()->add_ids("news.a");
    v1::GetChannelsResponse response;
    ASSERT_TRUE(stub_->GetChannels(&context, request, &response).ok());
    ASSERT_EQ(response.channels_size(), 2);
    EXPECT_EQ(response.channels(0).channel(), "sport");
    EXPECT_EQ(response.channels(0).published_messages(), 1);
    EXPECT_EQ(response.channels(0).stored_messages(), 1);
    EXPECT_EQ(response.channels(1).channel(), "news.a");
  }
  {
    grpc::ClientContext context;
    v1::GetChannelsRequest request;
    request.mutable_ids()->add_ids("missing");
    v1::GetChannelsResponse response;
    EXPECT_EQ(stub_->GetChannels(&context, request, &response).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  {
    grpc::ClientContext context;
    v1::GetChannelsRequest request;
    request.set_prefix("news.");
    v1::GetChannelsResponse response;
    ASSERT_TRUE(stub_->GetChannels(&context, request, &response).ok());
    std::vector<std::string> ids;
    for (const auto& c : response.channels()) ids.push_back(c.channel());
    EXPECT_THAT(ids, ElementsAre("news.a", "news.b", "news.c"));
    EXPECT_TRUE(response.next_page_token().empty());
  }
  // All channels, two per page, in byte order; a channel created between pages
  // after the cursor shows up, one before it does not disturb the paging.
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    grpc::ClientContext context;
    v1::GetChannelsRequest request;
    request.set_all(true);
    request.set_page_size(2);
    request.set_page_token(token);
    v1::GetChannelsResponse response;
    ASSERT_TRUE(stub_->GetChannels(&context, request, &response).ok());
    EXPECT_LE(response.channels_size(), 2);
    for (const auto& c : response.channels()) seen.push_back(c.channel());
    token = response.next_page_token();
    if (++pages == 1) {
      ASSERT_TRUE(Publish({"aaa"}, "x").ok());  // before the cursor
      ASSERT_TRUE(Publish({"zzz"}, "x").ok());  // after it
    }
  } while (!token.empty() && pages < 10);
  EXPECT_THAT(seen, ElementsAre("news.a", "news.b", "news.c", "sport", "weather", "zzz"));

  grpc::ClientContext bad_token;
  v1::GetChannelsRequest request;
  request.set_page_token("not base64!");
  v1::GetChannelsResponse response;
  EXPECT_EQ(stub_->GetChannels(&bad_token, request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext bad_size;
  request.clear_page_token();
  request.set_page_size(1001);
  EXPECT_EQ(stub_->GetChannels(&bad_size, request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ServiceTest, GetStatsIsTheSummary) {
  ASSERT_TRUE(Publish({"a", "b"}, "x").ok());
  auto sub = SubscribeTo("a");
  grpc::ClientContext context;
  v1::GetStatsResponse stats;
  ASSERT_TRUE(stub_->GetStats(&context, v1::GetStatsRequest(), &stats).ok());
  EXPECT_EQ(stats.channels(), 2);
  EXPECT_EQ(stats.published_messages(), 2);
  EXPECT_EQ(stats.stored_messages(), 2);
  EXPECT_EQ(stats.subscribers(), 1);  // the Subscribe stream counts
  EXPECT_FALSE(stats.hostname().empty());
  EXPECT_NEAR(stats.time(), absl::ToUnixSeconds(absl::Now()), 5);
  EXPECT_EQ(stats.by_worker_size(), 0);  // no HTTP edge here
}

TEST_F(ServiceTest, SubscribeReceivesLiveMessagesAndCountsAsSubscriber) {
  auto sub = SubscribeTo("live");
  EXPECT_EQ(server_.store().FindChannel("live")->subscribers, 1);
  v1::PublishRequest request = MakePublish({"live"}, std::string("bin\0ary", 7));
  request.set_event_id("e1");
  v1::PublishResponse published;
  ASSERT_TRUE(Publish(request, &published).ok());
  EXPECT_EQ(published.results(0).subscribers(), 1);
  std::optional<v1::SubscribeResponse> got = sub->Next();
  ASSERT_TRUE(got && got->has_message());
  EXPECT_EQ(got->message().channel(), "live");
  EXPECT_EQ(got->message().id(), 1);
  EXPECT_EQ(got->message().data(), std::string("bin\0ary", 7));
  EXPECT_EQ(got->message().event_id(), "e1");
  EXPECT_FALSE(got->message().has_event_type());
  EXPECT_EQ(got->message().tag(), published.results(0).tag());
  EXPECT_FALSE(got->message().replayed());

  sub->Cancel();
  EXPECT_TRUE(server_.WaitForSubscribers("live", 0));
  EXPECT_EQ(server_.store().GetSummary().subscribers, 0);
}

TEST_F(ServiceTest, SubscribeStartsFromOldMessages) {
  for (int i = 1; i <= 5; ++i) {
    v1::PublishRequest request = MakePublish({"h"}, absl::StrCat("m", i));
    request.set_event_id(absl::StrCat("e", i));
    v1::PublishResponse response;
    ASSERT_TRUE(Publish(request, &response).ok());
  }
  auto replayed_ids = [&](const v1::SubscribeRequest& request) {
    auto reader = Subscribe(request);
    std::optional<v1::SubscribeResponse> first = reader->Next();
    EXPECT_TRUE(first && first->has_subscribed());
    std::vector<int64_t> ids;
    // Old messages come right after the notice; then the stream goes quiet.
    while (!reader->ExpectSilence(absl::Milliseconds(100))) {
      std::optional<v1::SubscribeResponse> next = reader->Next();
      if (!next) break;
      EXPECT_TRUE(next->message().replayed());
      ids.push_back(next->message().id());
    }
    return ids;
  };
  v1::SubscribeRequest backtrack;
  backtrack.add_channels()->set_id("h");
  backtrack.mutable_channels(0)->set_backtrack(2);
  EXPECT_THAT(replayed_ids(backtrack), ElementsAre(4, 5));

  v1::SubscribeRequest after_id;
  after_id.add_channels()->set_id("h");
  after_id.mutable_channels(0)->set_after_message_id(3);
  EXPECT_THAT(replayed_ids(after_id), ElementsAre(4, 5));

  v1::SubscribeRequest event_id;
  event_id.add_channels()->set_id("h");
  event_id.set_last_event_id("e2");
  EXPECT_THAT(replayed_ids(event_id), ElementsAre(3, 4, 5));

  v1::SubscribeRequest time_tag;
  time_tag.add_channels()->set_id("h");
  time_tag.set_since_time(0);
  EXPECT_THAT(replayed_ids(time_tag), ElementsAre(1, 2, 3, 4, 5));

  // Old messages, then live ones without duplicates.
  auto reader = Subscribe(backtrack);
  ASSERT_TRUE(reader->Next());  // subscribed
  ASSERT_EQ(reader->Next()->message().id(), 4);
  ASSERT_EQ(reader->Next()->message().id(), 5);
  ASSERT_TRUE(Publish({"h"}, "m6").ok());
  std::optional<v1::SubscribeResponse> live = reader->Next();
  ASSERT_TRUE(live);
  EXPECT_EQ(live->message().id(), 6);
  EXPECT_FALSE(live->message().replayed());
}

TEST_F(ServiceTest, SubscribeIsToldAboutDeletionAndEndsWithTheLastChannel) {
  v1::SubscribeRequest request;
  request.add_channels()->set_id("x");
  request.add_channels()->set_id("y");
  auto reader = Subscribe(request);
  std::optional<v1::SubscribeResponse> subscribed = reader->Next();
  ASSERT_TRUE(subscribed && subscribed->has_subscribed());
  ASSERT_EQ(subscribed->subscribed().channels_size(), 2);
  EXPECT_EQ(subscribed->subscribed().channels(1).channel(), "y");
  EXPECT_EQ(subscribed->subscribed().channels(1).subscribers(), 1);

  grpc::ClientContext context;
  v1::DeleteChannelsRequest del;
  del.add_channels("x");
  del.set_text("gone for good");
  v1::DeleteChannelsResponse deleted;
  ASSERT_TRUE(stub_->DeleteChannels(&context, del, &deleted).ok());
  std::optional<v1::SubscribeResponse> notice = reader->Next();
  ASSERT_TRUE(notice && notice->has_channel_deleted());
  EXPECT_EQ(notice->channel_deleted().channel(), "x");
  EXPECT_EQ(notice->channel_deleted().text(), "gone for good");

  // Still subscribed to y.
  ASSERT_TRUE(Publish({"y"}, "still here").ok());
  std::optional<v1::SubscribeResponse> message = reader->Next();
  ASSERT_TRUE(message && message->has_message());
  EXPECT_EQ(message->message().data(), "still here");
  // A new channel x is another channel: not delivered.
  ASSERT_TRUE(Publish({"x"}, "new x").ok());
  EXPECT_TRUE(reader->ExpectSilence(absl::Milliseconds(100)));

  grpc::ClientContext context2;
  del.set_channels(0, "y");
  del.clear_text();
  ASSERT_TRUE(stub_->DeleteChannels(&context2, del, &deleted).ok());
  notice = reader->Next();
  ASSERT_TRUE(notice && notice->has_channel_deleted());
  EXPECT_EQ(notice->channel_deleted().text(), "Channel deleted");
  std::optional<grpc::Status> status = reader->Status();
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->ok()) << status->error_message();
  // The deleted channel's subscriber left, so the cleanup can finish it.
  EXPECT_TRUE(TestGateway::WaitFor([&] {
    return server_.store().GetSummary().channels_in_delete == 0 &&
           server_.store().GetSummary().subscribers == 0;
  }));
}

TEST_F(ServiceTest, SubscribeErrors) {
  struct Case {
    v1::SubscribeRequest request;
    grpc::StatusCode code;
    std::string message;
  };
  v1::SubscribeRequest none;
  v1::SubscribeRequest all;
  all.add_channels()->set_id("ALL");
  v1::SubscribeRequest twice;
  twice.add_channels()->set_id("a");
  twice.add_channels()->set_id("a");
  v1::SubscribeRequest negative;
  negative.add_channels()->set_id("a");
  negative.mutable_channels(0)->set_backtrack(-1);
  const std::vector<Case> cases = {
      {none, grpc::StatusCode::INVALID_ARGUMENT, "No channel id provided."},
      {all, grpc::StatusCode::INVALID_ARGUMENT, "Channel id not authorized for this method."},
      {twice, grpc::StatusCode::INVALID_ARGUMENT, "channel \"a\" is listed twice"},
      {negative, grpc::StatusCode::INVALID_ARGUMENT, "backtrack must not be negative"},
  };
  for (const Case& c : cases) {
    auto reader = Subscribe(c.request);
    std::optional<grpc::Status> status = reader->Status();
    ASSERT_TRUE(status) << c.message;
    EXPECT_EQ(status->error_code(), c.code) << c.message;
    EXPECT_EQ(status->error_message(), c.message);
  }
}

TEST_F(ServiceTest, WatchEventsSeesChannelsAndSubscribersComeAndGo) {
  StreamReader<v1::WatchEventsResponse> events;
  v1::WatchEventsRequest request;
  request.set_channel_prefix("room.");
  events.Start(stub_->WatchEvents(&events.context(), request));
  // The watch is in place once the server's headers arrive.
  ASSERT_TRUE(TestGateway::WaitFor([&] { return server_.control().open_streams() == 1; }));

  ASSERT_TRUE(Publish({"other"}, "x").ok());  // filtered out by the prefix
  ASSERT_TRUE(Publish({"room.1"}, "x").ok());
  auto next = [&] {
    std::optional<v1::WatchEventsResponse> e = events.Next();
    return e ? absl::StrCat(v1::EventType_Name(e->type()), " ", e->channel()) : "none";
  };
  EXPECT_EQ(next(), "EVENT_TYPE_CHANNEL_CREATED room.1");
  {
    auto sub = SubscribeTo("room.1");
    EXPECT_EQ(next(), "EVENT_TYPE_CLIENT_SUBSCRIBED room.1");
  }
  EXPECT_EQ(next(), "EVENT_TYPE_CLIENT_UNSUBSCRIBED room.1");
  grpc::ClientContext context;
  v1::DeleteChannelsRequest del;
  del.add_channels("room.1");
  v1::DeleteChannelsResponse deleted;
  ASSERT_TRUE(stub_->DeleteChannels(&context, del, &deleted).ok());
  EXPECT_EQ(next(), "EVENT_TYPE_CHANNEL_DESTROYED room.1");  // at the next cleanup tick

  // Type filter.
  StreamReader<v1::WatchEventsResponse> created_only;
  v1::WatchEventsRequest filtered;
  filtered.add_types(v1::EVENT_TYPE_CHANNEL_CREATED);
  created_only.Start(stub_->WatchEvents(&created_only.context(), filtered));
  ASSERT_TRUE(TestGateway::WaitFor([&] { return server_.control().open_streams() == 2; }));
  { auto sub = SubscribeTo("fresh"); }
  std::optional<v1::WatchEventsResponse> e = created_only.Next();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type(), v1::EVENT_TYPE_CHANNEL_CREATED);
  EXPECT_EQ(e->channel(), "fresh");
  EXPECT_TRUE(created_only.ExpectSilence(absl::Milliseconds(100)));
}

TEST_F(ServiceTest, StoppingEndsStreamsWithUnavailable) {
  auto sub = SubscribeTo("s");
  StreamReader<v1::WatchEventsResponse> events;
  events.Start(stub_->WatchEvents(&events.context(), v1::WatchEventsRequest()));
  ASSERT_TRUE(TestGateway::WaitFor([&] { return server_.control().open_streams() == 2; }));
  const absl::Time start = absl::Now();
  server_.StopControl();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));  // streams do not hold shutdown up
  std::optional<grpc::Status> status = sub->Status();
  ASSERT_TRUE(status);
  EXPECT_EQ(status->error_code(), grpc::StatusCode::UNAVAILABLE);
  status = events.Status();
  ASSERT_TRUE(status);
  EXPECT_EQ(status->error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(server_.WaitForSubscribers("s", 0));
}

// A store with limits: channel limit, memory, the events channel.
class LimitsServiceTest : public ServiceTest {
 protected:
  LimitsServiceTest() : ServiceTest(LimitsConfig()) {}
};

TEST_F(LimitsServiceTest, LimitsAndTheEventsChannel) {
  grpc::Status status = Publish({"events"}, "x");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(), "Only internal routines can change events channel.");

  grpc::ClientContext context;
  v1::DeleteChannelsRequest del;
  del.add_channels("events");
  v1::DeleteChannelsResponse deleted;
  status = stub_->DeleteChannels(&context, del, &deleted);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  v1::SubscribeRequest events;
  events.add_channels()->set_id("events");
  auto reader = Subscribe(events);
  std::optional<grpc::Status> sub_status = reader->Status();
  ASSERT_TRUE(sub_status);
  EXPECT_EQ(sub_status->error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(sub_status->error_message(), "Subscription to events channel is not allowed.");

  // A request of wildcard channels only (max_number_of_wildcard_channels: 10).
  v1::SubscribeRequest only_wildcards;
  only_wildcards.add_channels()->set_id("broad_x");
  auto wildcards = Subscribe(only_wildcards);
  sub_status = wildcards->Status();
  ASSERT_TRUE(sub_status);
  EXPECT_EQ(sub_status->error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(sub_status->error_message(), "Subscribed too much wildcard channels.");

  // max_subscribers_per_channel: 3.
  std::vector<std::unique_ptr<StreamReader<v1::SubscribeResponse>>> subs;
  for (int i = 0; i < 3; ++i) subs.push_back(SubscribeTo("full"));
  v1::SubscribeRequest fourth;
  fourth.add_channels()->set_id("full");
  auto refused = Subscribe(fourth);
  sub_status = refused->Status();
  ASSERT_TRUE(sub_status);
  EXPECT_EQ(sub_status->error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(sub_status->error_message(), "Subscribers limit per channel has been exceeded.");

  // max_number_of_channels: 200, the events channel and "full" included.
  int created = 0;
  for (; created < 300; ++created) {
    status = Publish({absl::StrCat("c", created)}, "x");
    if (!status.ok()) break;
  }
  EXPECT_EQ(created, 198);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(status.error_message(), "Number of channels were exceeded.");
}

}  // namespace
}  // namespace pushgw::testing
