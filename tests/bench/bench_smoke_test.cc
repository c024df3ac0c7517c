// A smoke run of the load generator against a real gateway (the reference
// layout, in process, on 127.0.0.1 port 0): a few subscribers per mode, a few
// messages, exact delivery counts. Keeps the tool working; not a benchmark.
#include <unistd.h>

#include <algorithm>
#include <string>

#include "bench/loadgen.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/edge_harness.h"

namespace pushgw::bench {
namespace {

using pushgw::testing::LayoutConfig;
using pushgw::testing::TestGateway;

Options SmokeOptions(int port) {
  Options o;
  o.port = port;
  o.subscribers = 6;
  o.channels = 3;  // two subscribers per channel
  o.publishers = 2;
  o.pipeline = 2;
  o.max_messages = 12;
  o.duration_s = 10;  // an upper bound: the run stops after 12 messages
  o.settle_s = 0.2;
  o.drain_s = 5;
  o.connect_timeout_s = 5;
  o.server_pids = {getpid()};
  o.max_seconds = 60;
  return o;
}

class BenchSmokeTest : public ::testing::TestWithParam<SubscriberMode> {};

TEST_P(BenchSmokeTest, EveryMessageReachesEverySubscriberOfItsChannel) {
  TestGateway gw(LayoutConfig());
  Options o = SmokeOptions(gw.port());
  o.mode = GetParam();
  Summary summary;
  const std::string report = RunBenchmark(o, nullptr, &summary);
  ASSERT_TRUE(summary.ok) << report;
  EXPECT_EQ(summary.subscribed, 6u) << report;
  EXPECT_EQ(summary.connect_failed, 0u);
  EXPECT_EQ(summary.published, 12u);
  EXPECT_EQ(summary.publish_failed, 0u);
  EXPECT_EQ(summary.expected, 24u);  // 12 messages x 2 subscribers of each channel
  EXPECT_EQ(summary.delivered, 24u) << report;
  EXPECT_EQ(summary.latency_samples, 24u);
  EXPECT_EQ(summary.subscriptions_lost, 0u);
  EXPECT_EQ(summary.errors, 0u) << summary.first_error;
  EXPECT_THAT(report, ::testing::HasSubstr("\"complete\":true"));
  EXPECT_THAT(report, ::testing::HasSubstr("\"pss_per_subscriber\":"));
}

INSTANTIATE_TEST_SUITE_P(Modes, BenchSmokeTest,
                         ::testing::Values(SubscriberMode::kEventSource, SubscriberMode::kStream,
                                           SubscriberMode::kWebSocket,
                                           SubscriberMode::kLongPolling),
                         [](const ::testing::TestParamInfo<SubscriberMode>& info) {
                           std::string name = SubscriberModeName(info.param);
                           name.erase(std::remove(name.begin(), name.end(), '-'), name.end());
                           return name;
                         });

TEST(BenchSmokeTest, PublishOnlyAndConnectStorm) {
  TestGateway gw(LayoutConfig());
  Options o = SmokeOptions(gw.port());
  o.subscribers = 0;
  o.max_messages = 50;
  Summary summary;
  std::string report = RunBenchmark(o, nullptr, &summary);
  ASSERT_TRUE(summary.ok) << report;
  EXPECT_EQ(summary.published, 50u);
  EXPECT_EQ(summary.publish_failed, 0u);

  Options storm = SmokeOptions(gw.port());
  storm.storm = true;
  storm.connect_window = 4;
  storm.duration_s = 0.3;
  report = RunBenchmark(storm, nullptr, &summary);
  ASSERT_TRUE(summary.ok) << report;
  EXPECT_GT(summary.storm_cycles, 0u);
  EXPECT_EQ(summary.storm_errors, 0u) << summary.first_error;
  EXPECT_EQ(summary.published, 0u);
}

TEST(BenchSmokeTest, RefusesAddressesOffLoopback) {
  Options o = SmokeOptions(9);
  o.host = "10.0.0.1";
  Summary summary;
  RunBenchmark(o, nullptr, &summary);
  EXPECT_FALSE(summary.ok);
  EXPECT_THAT(summary.error, ::testing::HasSubstr("127.0.0.0/8"));
}

}  // namespace
}  // namespace pushgw::bench
