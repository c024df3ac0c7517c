// Scrapes /metrics from a real admin listener in front of a real gateway:
// values move as publishes and subscriptions happen, and the exposition is
// clean for promtool.
#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/admin_server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/collector.h"
#include "tests/testing/edge_harness.h"

namespace pushgw::testing {
namespace {

class MetricsTest : public ::testing::Test {
 protected:
  MetricsTest() : gw_(LayoutConfig()) {
    metrics::Sources sources;
    sources.store = [this] {
      metrics::StoreFigures f;
      f.summary = gw_.store().GetSummary();
      f.memory_bytes = static_cast<int64_t>(gw_.store().memory_used());
      return f;
    };
    sources.edge = [this] { return gw_.server().Counters(); };
    sources.connections = [this] { return gw_.server().connections(); };
    sources.version = "test";
    sources.commit = "abc";
    metrics_ = std::make_unique<metrics::Metrics>(std::move(sources));
    gateway::AdminServer::Handlers handlers;
    handlers.metrics = [this] { return metrics_->Scrape(); };
    handlers.ready = [this] { return ready_.load(); };
    admin_ = std::make_unique<gateway::AdminServer>("127.0.0.1:0", handlers);
    EXPECT_TRUE(admin_->Start().ok());
  }

  std::string Scrape() {
    std::optional<HttpResponseView> r = Fetch(admin_->port(), "GET", "/metrics");
    EXPECT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->Header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    return r ? r->body : "";
  }

  // The value of the sample whose line starts with `series` + " ".
  double Value(const std::string& text, absl::string_view series) {
    for (absl::string_view line : absl::StrSplit(text, '\n')) {
      if (absl::StartsWith(line, absl::StrCat(series, " "))) {
        double v = 0;
        EXPECT_TRUE(absl::SimpleAtod(line.substr(series.size() + 1), &v)) << line;
        return v;
      }
    }
    ADD_FAILURE() << "no series " << series << " in\n" << text;
    return -1;
  }

  TestGateway gw_;
  std::unique_ptr<metrics::Metrics> metrics_;
  std::unique_ptr<gateway::AdminServer> admin_;
  std::atomic<bool> ready_{true};
};

TEST_F(MetricsTest, ValuesMoveWithTrafficAndPromtoolAcceptsTheText) {
  const std::string before = Scrape();
  EXPECT_EQ(Value(before, "pushgw_channels"), 0);
  EXPECT_EQ(Value(before, "pushgw_subscribers{transport=\"eventsource\"}"), 0);
  EXPECT_EQ(Value(before, "pushgw_build_info{version=\"test\",commit=\"abc\"}"), 1);

  RawClient ev(gw_.port());
  ev.Send(BuildRequest("GET", "/ev/m1"));
  ASSERT_TRUE(ev.ReadHead());
  RawClient ws(gw_.port());
  ws.Send(BuildRequest("GET", "/ws/m1",
                       {{"Upgrade", "websocket"},
                        {"Connection", "Upgrade"},
                        {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
                        {"Sec-WebSocket-Version", "13"}}));
  ASSERT_TRUE(ws.ReadHead());
  ASSERT_TRUE(gw_.WaitForSubscribers("m1", 2));
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Publish(gw_.port(), "m1", "hello"), 200);
  ASSERT_EQ(Publish(gw_.port(), "m1/m2", "both"), 200);
  ASSERT_EQ(Publish(gw_.port(), "ALL", "x"), 403);
  ev.ReadChunkedUntil([](const std::string& b) {
    size_t n = 0;
    for (size_t p = b.find("data:"); p != std::string::npos; p = b.find("data:", p + 1)) ++n;
    return n == 4;
  });
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(ws.ReadFrame());

  std::string after;
  ASSERT_TRUE(TestGateway::WaitFor([&] {
    after = Scrape();
    return Value(after, "pushgw_messages_delivered_total{transport=\"websocket\"}") == 4;
  }));
  EXPECT_EQ(Value(after, "pushgw_channels"), 2);
  EXPECT_EQ(Value(after, "pushgw_stored_messages"), 5);
  EXPECT_GT(Value(after, "pushgw_stored_message_bytes"), 0);
  EXPECT_EQ(Value(after, "pushgw_subscribers{transport=\"eventsource\"}"), 1);
  EXPECT_EQ(Value(after, "pushgw_subscribers{transport=\"websocket\"}"), 1);
  EXPECT_EQ(Value(after, "pushgw_messages_published_total{source=\"http\"}"), 5);
  EXPECT_EQ(Value(after, "pushgw_messages_delivered_total{transport=\"eventsource\"}"), 4);
  EXPECT_EQ(Value(after, "pushgw_publish_errors_total{reason=\"forbidden\"}"), 1);
  EXPECT_GE(
      Value(after, "pushgw_http_responses_total{location_type=\"publisher\",status_class=\"2xx\"}"),
      4);
  EXPECT_GT(Value(after, "pushgw_bytes_sent_total"), 0);
  EXPECT_GT(Value(after, "process_open_fds"), 0);
  EXPECT_GT(Value(after, "process_resident_memory_bytes"), 0);

  // A subscriber that leaves is counted by reason.
  ws.SendFrame(0x88, "");
  ASSERT_TRUE(ws.WaitClosed());
  ASSERT_TRUE(TestGateway::WaitFor([&] {
    return Value(Scrape(), "pushgw_subscriber_disconnects_total{reason=\"client\"}") == 1;
  }));

  // promtool (Debian's prometheus package) checks names, types and format.
  const std::string path = absl::StrCat(getenv("TEST_TMPDIR"), "/metrics.txt");
  std::ofstream(path) << after;
  const std::string command = absl::StrCat("promtool check metrics < ", path, " 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char line[512];
  while (fgets(line, sizeof(line), pipe)) output += line;
  const int rc = pclose(pipe);
  EXPECT_EQ(rc, 0) << output;
  EXPECT_EQ(output, "") << output;
}

TEST_F(MetricsTest, HealthAndReadiness) {
  std::optional<HttpResponseView> live = Fetch(admin_->port(), "GET", "/healthz");
  ASSERT_TRUE(live);
  EXPECT_EQ(live->status, 200);
  std::optional<HttpResponseView> ready = Fetch(admin_->port(), "GET", "/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  ready_ = false;
  ready = Fetch(admin_->port(), "GET", "/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);
  std::optional<HttpResponseView> missing = Fetch(admin_->port(), "GET", "/nope");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

}  // namespace
}  // namespace pushgw::testing
