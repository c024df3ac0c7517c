// Small protocol building blocks shared by every location handler: the fixed
// caching and CORS headers (SPEC §10), error answers carrying the explain
// header (SPEC §6), and where a location's channel path comes from (SPEC §8.2).
// Pure functions.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "core/options.h"
#include "gateway/http_message.h"

namespace pushgw::gateway {

inline constexpr absl::string_view kExpiresValue = "Thu, 01 Jan 1970 00:00:01 GMT";
inline constexpr absl::string_view kCacheControlValue = "no-cache, no-store, must-revalidate";
inline constexpr absl::string_view kCorsAllowHeaders =
    "If-Modified-Since,If-None-Match,Etag,Event-Id,Event-Type,Last-Event-Id";
inline constexpr absl::string_view kExplainHeader = "X-Nginx-PushStream-Explain";

// Adds `Expires` and `Cache-Control` (SPEC §4.1 step 2).
void AddNoCacheHeaders(HttpResponse& response);
// Adds the three CORS headers when the location has allowed_origins.
void AddCorsHeaders(HttpResponse& response, const core::LocationOptions& location,
                    absl::string_view methods);
// Sets status and (when non-empty) the explain header of a core error.
void ApplyError(HttpResponse& response, const absl::Status& error);

// The channel path of a request, decoded as SPEC §8.2 says: a query argument
// is percent-decoded once; the rest of the URL path is decoded twice (the
// first decoding is the router's, `decoded_path` is its result).
std::string ChannelPathOf(const core::LocationOptions& location, const HttpRequest& request,
                          absl::string_view decoded_path);

}  // namespace pushgw::gateway
