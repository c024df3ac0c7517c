#include "logging/log.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace pushgw::logging {
namespace {

// Captures what the logger writes to stderr.
std::string Capture(const std::function<void()>& f) {
  fflush(stderr);
  FILE* tmp = tmpfile();
  const int saved = dup(fileno(stderr));
  dup2(fileno(tmp), fileno(stderr));
  f();
  fflush(stderr);
  dup2(saved, fileno(stderr));
  close(saved);
  std::string out;
  rewind(tmp);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), tmp)) > 0) out.append(buf, n);
  fclose(tmp);
  return out;
}

TEST(LogTest, OneJsonObjectPerLineWithEscapedFields) {
  std::string out = Capture([] { Info("listening", {{"addr", "0.0.0.0:9080"}, {"q", "a\"b\n"}}); });
  EXPECT_TRUE(absl::StartsWith(out, "{\"ts\":\"")) << out;
  EXPECT_TRUE(absl::StrContains(
      out,
      "\"level\":\"info\",\"msg\":\"listening\",\"addr\":\"0.0.0.0:9080\",\"q\":\"a\\\"b\\n\"}\n"))
      << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
}

TEST(LogTest, LevelsFilter) {
  SetMinLevel(Level::kWarn);
  std::string out = Capture([] {
    Info("hidden");
    Warn("shown");
  });
  SetMinLevel(Level::kInfo);
  EXPECT_FALSE(absl::StrContains(out, "hidden"));
  EXPECT_TRUE(absl::StrContains(out, "\"level\":\"warn\""));
  Level level;
  EXPECT_TRUE(ParseLevel("error", &level));
  EXPECT_EQ(level, Level::kError);
  EXPECT_FALSE(ParseLevel("loud", &level));
}

TEST(LogTest, RateLimitedWritesOneLinePerInterval) {
  RateLimited limited(absl::Hours(1));
  std::string out = Capture([&] {
    for (int i = 0; i < 100; ++i) limited.Log(Level::kError, "accept failed");
  });
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
}

TEST(LogTest, ControlCharactersAreEscaped) {
  EXPECT_EQ(JsonEscape(std::string("a\x01z", 3)), "a\\u0001z");
}

}  // namespace
}  // namespace pushgw::logging
