#include "core/errors.h"

#include "gtest/gtest.h"

namespace pushgw::core {
namespace {

TEST(ErrorsTest, CarriesHttpStatusAndExactExplain) {
  absl::Status s = ChannelIdTooLargeError();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HttpStatus(s), 400);
  EXPECT_EQ(HttpExplain(s), "Channel id is too large.");

  EXPECT_EQ(HttpStatus(SubscribersExceededError()), 403);
  EXPECT_EQ(HttpExplain(SubscribersExceededError()),
            "Subscribers limit per channel has been exceeded.");
  EXPECT_EQ(HttpStatus(EventsChannelInternalError()), 403);
  EXPECT_EQ(EventsChannelInternalError().code(), absl::StatusCode::kPermissionDenied);
}

TEST(ErrorsTest, NotFoundAndMemoryHaveNoExplainButAReadableMessage) {
  EXPECT_EQ(HttpStatus(ChannelsNotFoundError()), 404);
  EXPECT_EQ(HttpExplain(ChannelsNotFoundError()), "");
  EXPECT_FALSE(ChannelsNotFoundError().message().empty());
  EXPECT_EQ(HttpStatus(MemoryExhaustedError()), 500);
  EXPECT_EQ(HttpExplain(MemoryExhaustedError()), "");
  EXPECT_EQ(MemoryExhaustedError().code(), absl::StatusCode::kResourceExhausted);
}

TEST(ErrorsTest, PlainStatusesMapByCode) {
  EXPECT_EQ(HttpStatus(absl::OkStatus()), 200);
  EXPECT_EQ(HttpStatus(absl::InvalidArgumentError("x")), 400);
  EXPECT_EQ(HttpStatus(absl::NotFoundError("x")), 404);
  EXPECT_EQ(HttpStatus(absl::InternalError("x")), 500);
  EXPECT_EQ(HttpExplain(absl::InternalError("x")), "");
}

}  // namespace
}  // namespace pushgw::core
