// The publisher (SPEC §4) and statistics (SPEC §5.6) locations as pure request -> response
// functions over the store: no sockets, no Beast, so the edge only reads the request and writes
// the answer. Thread-safe: they keep no state, and the store is thread-safe.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "core/options.h"
#include "core/stats.h"
#include "core/store.h"
#include "gateway/http_message.h"

namespace pushgw::gateway {

// The values statistics answers carry (SPEC §5.6 step 3, Δg 21).
inline constexpr absl::string_view kPushStreamTagHeader = "X-Nginx-PushStream-Tag";
inline constexpr absl::string_view kPushStreamTagValue = "0.5.5";
inline constexpr absl::string_view kPushStreamCommitHeader = "X-Nginx-PushStream-Commit";
inline constexpr absl::string_view kPushStreamCommitValue =
    "3bc016f811d50374251960db091557571dfd7393";

// What the statistics answers need besides the store.
struct StatsContext {
  std::string hostname;  // the machine's host name (SPEC §5.2)
  // The `by_worker` entries of the summary; null gives none. Called once per summary request,
  // from the request's thread. When set, the summary's `subscribers` is the sum of the entries'
  // (SPEC §1.8: they must add up); otherwise it is the store's own count.
  std::function<std::vector<core::WorkerInfo>()> workers;
};

// A request on a publisher location, processed in the order of SPEC §4.1: 413, caching and CORS
// headers, OPTIONS, 405, channel path, then the store validates every id before it mutates
// anything (Δd, Δx1) and publishes (POST/PUT), answers channel info (GET) or deletes (DELETE,
// admin). `decoded_path` is the URL path percent-decoded once (the router's); `hostname` goes in
// the head of group answers (GET or POST on several channels).
HttpResponse HandlePublisher(const core::LocationOptions& location, const HttpRequest& request,
                             absl::string_view decoded_path, core::Store& store,
                             absl::string_view hostname);

// The header-only 413 for a body larger than `location.max_body_size`, with the caching and
// CORS headers of SPEC §4.1 steps 2-3. The edge answers with it as soon as it knows the body is
// too large (Content-Length, or while reading a chunked body); HandlePublisher returns it too.
// A max_body_size of 0 means no limit (nginx's `client_max_body_size 0`).
HttpResponse PublisherBodyTooLarge(const core::LocationOptions& location);

// A request on a statistics location (SPEC §5.6): 405 for anything but GET, the summary when the
// path names no channel, else ALL / prefix* groups or the named channels. Never creates channels
// and never sends CORS headers.
HttpResponse HandleStatistics(const core::LocationOptions& location, const HttpRequest& request,
                              absl::string_view decoded_path, core::Store& store,
                              const StatsContext& context);

}  // namespace pushgw::gateway
