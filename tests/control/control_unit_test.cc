// Units of //control without a server: the status mapping, wire conversions and
// checks, the idempotency cache (with a fake clock) and the Publisher.
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "control/idempotency.h"
#include "control/publisher.h"
#include "control/status.h"
#include "control/wire.h"
#include "core/errors.h"
#include "core/store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_clock.h"

namespace pushgw::control {
namespace {

using testing::FakeClock;

TEST(StatusTest, CoreErrorsMapToGrpcCodesWithTheirExplainText) {
  struct Case {
    absl::Status status;
    grpc::StatusCode code;
    std::string message;
  };
  const Case cases[] = {
      {core::NoChannelIdError(), grpc::StatusCode::INVALID_ARGUMENT, "No channel id provided."},
      {core::ChannelIdTooLargeError(), grpc::StatusCode::INVALID_ARGUMENT,
       "Channel id is too large."},
      {core::EmptyPostError(), grpc::StatusCode::INVALID_ARGUMENT,
       "Empty post requests are not allowed."},
      {core::IdNotAuthorizedError(), grpc::StatusCode::INVALID_ARGUMENT,
       "Channel id not authorized for this method."},
      {core::ChannelsExceededError(), grpc::StatusCode::RESOURCE_EXHAUSTED,
       "Number of channels were exceeded."},
      {core::SubscribersExceededError(), grpc::StatusCode::RESOURCE_EXHAUSTED,
       "Subscribers limit per channel has been exceeded."},
      {core::MemoryExhaustedError(), grpc::StatusCode::RESOURCE_EXHAUSTED,
       "store memory limit reached"},
      {core::ChannelsNotFoundError(), grpc::StatusCode::NOT_FOUND, "no such channel"},
      {core::EventsChannelInternalError(), grpc::StatusCode::PERMISSION_DENIED,
       "Only internal routines can change events channel."},
      {core::EventsChannelNotAllowedError(), grpc::StatusCode::PERMISSION_DENIED,
       "Subscription to events channel is not allowed."},
      {absl::UnauthenticatedError("who?"), grpc::StatusCode::UNAUTHENTICATED, "who?"},
  };
  for (const Case& c : cases) {
    const grpc::Status status = ToGrpcStatus(c.status);
    EXPECT_EQ(status.error_code(), c.code) << c.message;
    EXPECT_EQ(status.error_message(), c.message);
    EXPECT_EQ(FromGrpcStatus(status).code(), c.status.code());
  }
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_EQ(ToGrpcStatus(absl::Status(static_cast<absl::StatusCode>(99), "odd")).error_code(),
            grpc::StatusCode::UNKNOWN);
}

TEST(WireTest, ChannelIdsMustBeNameableInAChannelPath) {
  EXPECT_TRUE(ValidateChannelId("ch1").ok());
  EXPECT_TRUE(ValidateChannelId("a.b").ok());
  EXPECT_TRUE(ValidateChannelId("a.bx5").ok());
  EXPECT_TRUE(ValidateChannelId("ALL").ok());  // the store refuses it, with its explain text
  EXPECT_EQ(ValidateChannelId("").message(), "No channel id provided.");
  EXPECT_FALSE(ValidateChannelId("a/b").ok());
  EXPECT_FALSE(ValidateChannelId("a.b5").ok());
  EXPECT_FALSE(ValidateChannelId("/").ok());
}

TEST(WireTest, EventFieldsCannotBreakHeaders) {
  EXPECT_TRUE(ValidateEventField("event_id", "e-1 x").ok());
  EXPECT_FALSE(ValidateEventField("event_id", "a\nb").ok());
  EXPECT_FALSE(ValidateEventField("event_type", "a\rb").ok());
  EXPECT_FALSE(ValidateEventField("event_type", std::string("a\0b", 3)).ok());
}

TEST(WireTest, NonUtf8BytesArePercentEncoded) {
  EXPECT_EQ(WireString("plain"), "plain");
  EXPECT_EQ(WireString("caf\xc3\xa9 \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xf0\x9f\x98\x80");
  EXPECT_EQ(WireString("a\xff"
                       "b"),
            "a%FFb");
  EXPECT_EQ(WireString("\xc3"), "%C3");                       // truncated sequence
  EXPECT_EQ(WireString("\xc0\xaf"), "%C0%AF");                // overlong
  EXPECT_EQ(WireString("\xed\xa0\x80"), "%ED%A0%80");         // surrogate
  EXPECT_EQ(WireString("\xf4\x90\x80\x80"), "%F4%90%80%80");  // above U+10FFFF
}

TEST(IdempotencyCacheTest, RemembersWithinTheWindow) {
  FakeClock clock;
  IdempotencyCache cache(absl::Minutes(5), 100, &clock);
  EXPECT_EQ(cache.Begin("k", 1).outcome, IdempotencyCache::Outcome::kNew);
  EXPECT_EQ(cache.Begin("k", 1).outcome, IdempotencyCache::Outcome::kInProgress);
  auto response = std::make_shared<v1::PublishResponse>();
  response->add_results()->set_message_id(7);
  cache.Complete("k", response);
  IdempotencyCache::Lookup again = cache.Begin("k", 1);
  EXPECT_EQ(again.outcome, IdempotencyCache::Outcome::kDuplicate);
  EXPECT_EQ(again.response->results(0).message_id(), 7);
  EXPECT_EQ(cache.Begin("k", 2).outcome, IdempotencyCache::Outcome::kMismatch);

  clock.Advance(absl::Minutes(5));
  EXPECT_EQ(cache.Begin("k", 2).outcome, IdempotencyCache::Outcome::kNew);  // forgotten
}

TEST(IdempotencyCacheTest, AbandonedKeysCanBeClaimedAgain) {
  FakeClock clock;
  IdempotencyCache cache(absl::Minutes(5), 100, &clock);
  EXPECT_EQ(cache.Begin("k", 1).outcome, IdempotencyCache::Outcome::kNew);
  cache.Abandon("k");
  EXPECT_EQ(cache.Begin("k", 2).outcome, IdempotencyCache::Outcome::kNew);
  cache.Complete("k", std::make_shared<v1::PublishResponse>());
  // The first claim's expiry entry must not remove the second claim early.
  clock.Advance(absl::Minutes(4));
  EXPECT_EQ(cache.Begin("k", 2).outcome, IdempotencyCache::Outcome::kDuplicate);
}

TEST(IdempotencyCacheTest, OldestKeysGoFirstBeyondTheLimit) {
  FakeClock clock;
  IdempotencyCache cache(absl::Minutes(5), 3, &clock);
  for (const char* key : {"a", "b", "c", "d"}) {
    EXPECT_EQ(cache.Begin(key, 1).outcome, IdempotencyCache::Outcome::kNew);
    cache.Complete(key, std::make_shared<v1::PublishResponse>());
  }
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.Begin("b", 1).outcome, IdempotencyCache::Outcome::kDuplicate);
  EXPECT_EQ(cache.Begin("a", 1).outcome, IdempotencyCache::Outcome::kNew);  // was evicted
}

TEST(IdempotencyCacheTest, ZeroWindowDisablesKeys) {
  FakeClock clock;
  IdempotencyCache cache(absl::ZeroDuration(), 3, &clock);
  EXPECT_EQ(cache.Begin("k", 1).outcome, IdempotencyCache::Outcome::kNew);
  cache.Complete("k", std::make_shared<v1::PublishResponse>());
  EXPECT_EQ(cache.Begin("k", 1).outcome, IdempotencyCache::Outcome::kNew);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(PublisherTest, RetriesAfterTheWindowPublishAgain) {
  FakeClock clock;
  core::StoreOptions store_options;
  core::Store store(store_options, &clock);
  core::ControlOptions options;
  options.idempotency_window = absl::Seconds(30);
  Publisher publisher(store, options);
  v1::PublishRequest request;
  request.add_channels("c");
  request.set_data("x");
  request.set_idempotency_key("k");
  absl::StatusOr<v1::PublishResponse> first = publisher.Publish("", request);
  ASSERT_TRUE(first.ok());
  absl::StatusOr<v1::PublishResponse> second = publisher.Publish("", request);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->duplicate());
  EXPECT_EQ(second->results(0).message_id(), 1);
  // Another caller's identical key is another publish.
  absl::StatusOr<v1::PublishResponse> other = publisher.Publish("someone", request);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->duplicate());
  EXPECT_EQ(other->results(0).message_id(), 2);

  clock.Advance(absl::Seconds(31));
  absl::StatusOr<v1::PublishResponse> late = publisher.Publish("", request);
  ASSERT_TRUE(late.ok());
  EXPECT_FALSE(late->duplicate());
  EXPECT_EQ(late->results(0).message_id(), 3);
}

TEST(PublisherTest, FingerprintCoversEveryField) {
  v1::PublishRequest a;
  a.add_channels("c");
  a.set_data("x");
  const uint64_t base = PublishFingerprint(a);
  v1::PublishRequest b = a;
  b.set_store(true);
  EXPECT_NE(PublishFingerprint(b), base);
  b = a;
  b.set_event_id("");
  EXPECT_NE(PublishFingerprint(b), base);  // present but empty differs from absent
  b = a;
  b.add_channels("d");
  EXPECT_NE(PublishFingerprint(b), base);
  b = a;
  b.set_idempotency_key("k");
  EXPECT_EQ(PublishFingerprint(b), base);  // the key itself is not content
}

}  // namespace
}  // namespace pushgw::control
