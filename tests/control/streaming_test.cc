// PublishStream (ordered acks, errors inside the stream, flow control), slow
// Subscribe consumers, gRPC health (SERVING, NOT_SERVING when draining) and
// server reflection, over a real channel on port 0.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "control/publish_stream.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "pushgw/control/v1/control.grpc.pb.h"
#include "tests/control/control_harness.h"
#include "tests/control/reflection_client.pb.h"
#include "tests/testing/edge_harness.h"

namespace pushgw::testing {
namespace {

using ::testing::Contains;

v1::PublishStreamRequest StreamPublish(uint64_t sequence, std::string channel, std::string data) {
  v1::PublishStreamRequest request;
  request.set_sequence(sequence);
  request.mutable_publish()->add_channels(std::move(channel));
  request.mutable_publish()->set_data(std::move(data));
  return request;
}

TEST(PublishStreamTest, AcksComeInOrderWithSequenceNumbersAndErrorsDoNotEndTheStream) {
  ControlTestServer server(LayoutConfig());
  auto stub = server.Stub();
  grpc::ClientContext context;
  auto stream = stub->PublishStream(&context);
  ASSERT_TRUE(stream->Write(StreamPublish(100, "s", "one")));
  ASSERT_TRUE(stream->Write(StreamPublish(101, "s", "")));  // empty: an error ack
  ASSERT_TRUE(stream->Write(StreamPublish(102, "ALL", "x")));
  v1::PublishStreamRequest keyed = StreamPublish(103, "s", "two");
  keyed.mutable_publish()->set_idempotency_key("k");
  ASSERT_TRUE(stream->Write(keyed));
  keyed.set_sequence(104);  // a retry inside the stream
  ASSERT_TRUE(stream->Write(keyed));
  ASSERT_TRUE(stream->WritesDone());

  std::vector<v1::PublishStreamResponse> acks;
  v1::PublishStreamResponse ack;
  while (stream->Read(&ack)) acks.push_back(ack);
  grpc::Status status = stream->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(acks.size(), 5u);
  EXPECT_EQ(acks[0].sequence(), 100u);
  ASSERT_TRUE(acks[0].has_published());
  EXPECT_EQ(acks[0].published().results(0).message_id(), 1);
  EXPECT_EQ(acks[1].sequence(), 101u);
  ASSERT_TRUE(acks[1].has_error());
  EXPECT_EQ(acks[1].error().code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(acks[1].error().message(), "Empty post requests are not allowed.");
  EXPECT_EQ(acks[2].error().message(), "Channel id not authorized for this method.");
  EXPECT_EQ(acks[3].published().results(0).message_id(), 2);
  EXPECT_FALSE(acks[3].published().duplicate());
  EXPECT_EQ(acks[4].sequence(), 104u);
  EXPECT_TRUE(acks[4].published().duplicate());
  EXPECT_EQ(acks[4].published().results(0).message_id(), 2);
  EXPECT_EQ(server.store().FindChannel("s")->published_messages, 2);
}

TEST(PublishStreamTest, AClientThatDoesNotReadAcksIsHeldBackThenEverythingIsPublished) {
  ControlTestServer server(LayoutConfig());
  auto stub = v1::Control::NewStub(server.SmallWindowChannel());
  grpc::ClientContext context;
  auto stream = stub->PublishStream(&context);
  constexpr int kTotal = 10000;
  const std::string data(4096, 'x');  // 40 MB in all: more than any window holds
  std::atomic<int> written{0};
  std::thread writer([&] {
    for (int i = 0; i < kTotal; ++i) {
      v1::PublishStreamRequest request = StreamPublish(i, "firehose", data);
      request.mutable_publish()->set_store(false);
      if (!stream->Write(request)) break;
      written.fetch_add(1);
    }
    stream->WritesDone();
  });
  auto published = [&] {
    std::optional<core::ChannelInfo> info = server.store().FindChannel("firehose");
    return info ? info->published_messages : 0;
  };
  // Without reading acknowledgements the publisher stalls: the server stops
  // reading once acks pile up, and HTTP/2 flow control stops the writes.
  int64_t last = -1;
  while (published() != last) {
    last = published();
    absl::SleepFor(absl::Milliseconds(200));  // until no progress for 200ms
  }
  EXPECT_GT(last, static_cast<int64_t>(control::kMaxPendingAcks));
  EXPECT_LT(last, kTotal);
  EXPECT_LT(written.load(), kTotal);

  // Reading the acks releases it; they come in order.
  v1::PublishStreamResponse ack;
  uint64_t expected = 0;
  while (stream->Read(&ack)) {
    ASSERT_EQ(ack.sequence(), expected);
    ASSERT_TRUE(ack.has_published());
    ++expected;
  }
  writer.join();
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(expected, static_cast<uint64_t>(kTotal));
  EXPECT_EQ(published(), kTotal);
}

// A small Subscribe backlog, so a client that stops reading is a slow consumer.
core::ServerConfig SlowConsumerConfig(core::SlowConsumerPolicy policy) {
  core::ServerConfig config = LayoutConfig();
  config.control.subscribe_queue_max_messages = 8;
  config.control.slow_consumer_policy = policy;
  return config;
}

// Publishes 64 KiB messages (not stored) until the stream's backlog must
// have overflowed, i.e. far more than any HTTP/2 window holds.
void Flood(v1::Control::Stub& stub, int count) {
  for (int i = 0; i < count; ++i) {
    grpc::ClientContext context;
    v1::PublishRequest request;
    request.add_channels("slow");
    request.set_data(std::string(64 << 10, 'a' + i % 26));
    request.set_store(false);
    v1::PublishResponse response;
    ASSERT_TRUE(stub.Publish(&context, request, &response).ok());
  }
}

TEST(SlowConsumerTest, DisconnectPolicyEndsTheStreamWithResourceExhausted) {
  ControlTestServer server(SlowConsumerConfig(core::SlowConsumerPolicy::kDisconnect));
  auto stub = server.Stub();
  grpc::ClientContext context;
  v1::SubscribeRequest request;
  request.add_channels()->set_id("slow");
  auto reader = v1::Control::NewStub(server.SmallWindowChannel())->Subscribe(&context, request);
  v1::SubscribeResponse response;
  ASSERT_TRUE(reader->Read(&response));  // subscribed; then it stops reading
  Flood(*stub, 300);
  // The subscriber left the store at once, not when the client reads.
  EXPECT_TRUE(server.WaitForSubscribers("slow", 0));
  int received = 0;
  while (reader->Read(&response)) ++received;
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("subscriber too slow"));
  EXPECT_LT(received, 300);
}

TEST(SlowConsumerTest, DropOldestPolicyKeepsTheStreamAndShowsTheGap) {
  ControlTestServer server(SlowConsumerConfig(core::SlowConsumerPolicy::kDropOldest));
  auto stub = server.Stub();
  StreamReader<v1::SubscribeResponse> reader;
  v1::SubscribeRequest request;
  request.add_channels()->set_id("slow");
  grpc::ClientContext& context = reader.context();
  auto raw = v1::Control::NewStub(server.SmallWindowChannel())->Subscribe(&context, request);
  v1::SubscribeResponse response;
  ASSERT_TRUE(raw->Read(&response));  // subscribed
  Flood(*stub, 300);
  EXPECT_EQ(server.store().FindChannel("slow")->subscribers, 1);  // still subscribed
  // Now read: ids increase, with a gap where messages were dropped, and the
  // last one published arrives.
  int64_t last_id = 0;
  bool gap = false;
  while (last_id < 300 && raw->Read(&response)) {
    ASSERT_TRUE(response.has_message());
    gap = gap || response.message().id() != last_id + 1;
    last_id = response.message().id();
  }
  EXPECT_EQ(last_id, 300);
  EXPECT_TRUE(gap);
  context.TryCancel();
  raw->Finish();
}

TEST(HealthTest, ServingThenNotServingWhileDraining) {
  ControlTestServer server(LayoutConfig());
  auto health = grpc::health::v1::Health::NewStub(server.Channel());
  for (const char* service : {"", "pushgw.v1.Control"}) {
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    ASSERT_TRUE(health->Check(&context, request, &response).ok()) << service;
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING) << service;
  }
  {
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckRequest request;
    request.set_service("no.such.Service");
    grpc::health::v1::HealthCheckResponse response;
    EXPECT_EQ(health->Check(&context, request, &response).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  StreamReader<grpc::health::v1::HealthCheckResponse> watch;
  watch.Start(health->Watch(&watch.context(), grpc::health::v1::HealthCheckRequest()));
  std::optional<grpc::health::v1::HealthCheckResponse> first = watch.Next();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status(), grpc::health::v1::HealthCheckResponse::SERVING);
  std::thread stopper([&] { server.StopControl(); });
  std::optional<grpc::health::v1::HealthCheckResponse> draining = watch.Next();
  stopper.join();
  ASSERT_TRUE(draining);
  EXPECT_EQ(draining->status(), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
}

// One request/response over grpc.reflection.v1alpha, called generically.
test::ReflectionResponse Reflect(grpc::Channel& channel, const test::ReflectionRequest& request) {
  grpc::GenericStub stub(std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  grpc::CompletionQueue cq;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  auto call = stub.PrepareCall(
      &context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  void* tag;
  bool ok;
  auto step = [&](intptr_t expected) {
    EXPECT_TRUE(cq.Next(&tag, &ok));
    EXPECT_EQ(reinterpret_cast<intptr_t>(tag), expected);
    return ok;
  };
  call->StartCall(reinterpret_cast<void*>(1));
  EXPECT_TRUE(step(1));
  const std::string bytes = request.SerializeAsString();
  grpc::Slice slice(bytes);
  call->Write(grpc::ByteBuffer(&slice, 1), reinterpret_cast<void*>(2));
  EXPECT_TRUE(step(2));
  grpc::ByteBuffer in;
  call->Read(&in, reinterpret_cast<void*>(3));
  test::ReflectionResponse response;
  if (step(3)) {
    std::vector<grpc::Slice> slices;
    EXPECT_TRUE(in.Dump(&slices).ok());
    std::string data;
    for (const grpc::Slice& s : slices)
      data.append(reinterpret_cast<const char*>(s.begin()), s.size());
    EXPECT_TRUE(response.ParseFromString(data));
  }
  call->WritesDone(reinterpret_cast<void*>(4));
  step(4);
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  step(5);
  EXPECT_TRUE(status.ok()) << status.error_message();
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  return response;
}

TEST(ReflectionTest, ListsAndDescribesTheServices) {
  ControlTestServer server(LayoutConfig());
  std::shared_ptr<grpc::Channel> channel = server.Channel();
  test::ReflectionRequest list;
  list.set_list_services("");
  test::ReflectionResponse listed = Reflect(*channel, list);
  std::vector<std::string> names;
  for (const auto& s : listed.list_services_response().service()) names.push_back(s.name());
  EXPECT_THAT(names, Contains("pushgw.v1.Control"));
  EXPECT_THAT(names, Contains("grpc.health.v1.Health"));
  EXPECT_THAT(names, Contains("grpc.reflection.v1alpha.ServerReflection"));

  for (const char* symbol : {"pushgw.v1.Control", "grpc.health.v1.Health"}) {
    test::ReflectionRequest describe;
    describe.set_file_containing_symbol(symbol);
    test::ReflectionResponse described = Reflect(*channel, describe);
    ASSERT_GE(described.file_descriptor_response().file_descriptor_proto_size(), 1) << symbol;
    google::protobuf::FileDescriptorProto file;
    ASSERT_TRUE(
        file.ParseFromString(described.file_descriptor_response().file_descriptor_proto(0)));
    EXPECT_THAT(file.name(), ::testing::EndsWith(".proto"));
    bool found = false;
    for (const auto& service : file.service()) {
      found = found || absl::StrCat(file.package(), ".", service.name()) == symbol;
    }
    EXPECT_TRUE(found) << symbol << " in " << file.name();
  }
}

}  // namespace
}  // namespace pushgw::testing
