#include "gateway/subscriber.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/channel_path.h"
#include "core/errors.h"
#include "gateway/protocol.h"
#include "gateway/websocket_codec.h"

namespace pushgw::gateway {
namespace {

using core::SubscriberMode;

std::optional<std::string> ToOptional(std::optional<absl::string_view> v) {
  if (!v) return std::nullopt;
  return std::string(*v);
}

core::ResumeValues ResumeOf(const core::LocationOptions& location, const HttpRequest& request) {
  core::ResumeSources sources;
  const absl::string_view query = request.query();
  sources.time_arg = core::QueryArgument(query, "time");
  sources.tag_arg = core::QueryArgument(query, "tag");
  sources.eventid_arg = core::QueryArgument(query, "eventid");
  sources.if_modified_since = ToOptional(request.Header("If-Modified-Since"));
  sources.if_none_match = ToOptional(request.Header("If-None-Match"));
  sources.last_event_id = ToOptional(request.Header("Last-Event-Id"));
  sources.headers_allowed = location.resume_from_headers;
  return core::ResolveResumeValues(sources);
}

core::SubscribeRequest SubscribeRequestOf(const core::LocationOptions& location,
                                          const HttpRequest& request,
                                          absl::string_view decoded_path,
                                          const core::Store& store) {
  core::SubscribeRequest r;
  r.channels = core::ParseChannelPath(ChannelPathOf(location, request, decoded_path));
  r.resume = ResumeOf(location, request);
  r.authorized_channels_only = location.authorized_channels_only;
  r.allow_events_channel = location.allow_connections_to_events_channel;
  r.wildcard_channel_max_qtd = location.wildcard_channel_max_qtd > 0
                                   ? location.wildcard_channel_max_qtd
                                   : store.options().max_number_of_wildcard_channels;
  return r;
}

// SPEC §7.2.
SubscriberMode EffectiveMode(SubscriberMode location_mode, const HttpRequest& request) {
  std::optional<absl::string_view> header = request.Header("X-Nginx-PushStream-Mode");
  if (!header) return location_mode;
  const bool polling = absl::EqualsIgnoreCase(*header, "polling");
  const bool long_polling = absl::EqualsIgnoreCase(*header, "long-polling");
  switch (location_mode) {
    case SubscriberMode::kStreaming:
    case SubscriberMode::kEventSource:
    case SubscriberMode::kPolling:
      if (polling) return SubscriberMode::kPolling;
      if (long_polling) return SubscriberMode::kLongPolling;
      return location_mode;
    case SubscriberMode::kLongPolling:
    case SubscriberMode::kWebSocket:
      return location_mode;
  }
  return location_mode;
}

void AddValidators(HttpResponse& response, const core::Validators& v) {
  if (std::optional<std::string> lm = v.LastModifiedValue()) response.Add("Last-Modified", *lm);
  if (std::optional<std::string> etag = v.EtagValue()) response.Add("Etag", *etag);
}

// header template + messages (JSONP-wrapped with a callback) + footer template.
std::string PollingBody(const LocationCodec& codec, const std::vector<const core::Message*>& msgs,
                        const std::optional<std::string>& callback) {
  std::string body = codec.header();
  std::string scratch;
  if (callback) absl::StrAppend(&body, *callback, "([");
  for (size_t i = 0; i < msgs.size(); ++i) {
    if (callback && i > 0) body += ',';
    body += codec.Body(*msgs[i], &scratch);
  }
  if (callback) body += "]);";
  body += codec.footer();
  return body;
}

ImmediateAnswer BodyAnswer(const HttpResponse& base, absl::string_view content_type,
                           std::string body, const core::Validators& validators) {
  ImmediateAnswer answer;
  answer.response = base;
  answer.response.status = 200;
  answer.response.Add("Content-Type", content_type);
  AddValidators(answer.response, validators);
  answer.response.body = std::move(body);
  answer.chunked_body = true;
  return answer;
}

ImmediateAnswer ErrorAnswer(const HttpResponse& base, const absl::Status& error) {
  ImmediateAnswer answer;
  answer.response = base;
  ApplyError(answer.response, error);
  return answer;
}

absl::string_view PollingContentType(const core::LocationOptions& location,
                                     const std::optional<std::string>& callback) {
  return callback ? absl::string_view("application/javascript")
                  : absl::string_view(location.content_type);
}

}  // namespace

bool IsWebSocketLocation(const core::LocationOptions& location) {
  return location.type == core::LocationType::kSubscriber &&
         location.subscriber_mode == SubscriberMode::kWebSocket;
}

SubscriberPlan PlanSubscriber(const LocationCodec& codec, const HttpRequest& request,
                              absl::string_view decoded_path, core::Store& store) {
  const core::LocationOptions& location = codec.location();
  SubscriberPlan plan;
  HttpResponse& base = plan.base;
  AddCorsHeaders(base, location, "GET");
  if (request.method == "OPTIONS") {
    plan.answer = ImmediateAnswer{base, false};
    return plan;
  }
  AddNoCacheHeaders(base);
  if (request.method != "GET") {
    ImmediateAnswer answer{base, false};
    answer.response.status = 405;
    answer.response.Add("Allow", "GET");
    plan.answer = std::move(answer);
    return plan;
  }

  core::SubscribeRequest sub_request = SubscribeRequestOf(location, request, decoded_path, store);
  absl::StatusOr<std::unique_ptr<core::Subscription>> sub = store.Subscribe(sub_request);
  if (!sub.ok()) {
    plan.answer = ErrorAnswer(base, sub.status());
    return plan;
  }
  plan.subscription = *std::move(sub);
  plan.mode = EffectiveMode(location.subscriber_mode, request);
  if (plan.mode == SubscriberMode::kPolling || plan.mode == SubscriberMode::kLongPolling) {
    plan.callback = core::QueryArgument(request.query(), "callback");
  }

  core::Subscription& subscription = *plan.subscription;
  if ((plan.mode == SubscriberMode::kPolling || plan.mode == SubscriberMode::kLongPolling) &&
      subscription.HasOldMessages()) {
    core::OldMessagesValidators validators(sub_request.resume);
    std::vector<const core::Message*> messages;
    for (const core::Subscription::Entry& entry : subscription.entries()) {
      if (entry.old.empty()) continue;
      validators.AddChannel(entry.last_time, entry.last_tag);
      for (const core::MessagePtr& m : entry.old) messages.push_back(m.get());
    }
    plan.answer = BodyAnswer(base, PollingContentType(location, plan.callback),
                             PollingBody(codec, messages, plan.callback), validators.Get());
    plan.subscription.reset();
    return plan;
  }
  if (plan.mode == SubscriberMode::kPolling) {
    ImmediateAnswer answer{base, false};
    answer.response.status = 304;
    AddValidators(answer.response, core::NotModifiedValidators(sub_request.resume));
    plan.answer = std::move(answer);
    plan.subscription.reset();
    return plan;
  }

  if (absl::Status attached = store.Attach(subscription); !attached.ok()) {
    plan.answer = ErrorAnswer(base, attached);
    plan.subscription.reset();
    return plan;
  }
  if (plan.mode == SubscriberMode::kLongPolling) return plan;

  // Streaming and EventSource: head, header template (+ padding), old messages.
  plan.head = base;
  plan.head.status = 200;
  plan.head.Add("Content-Type", codec.is_eventsource()
                                    ? absl::string_view("text/event-stream; charset=utf-8")
                                    : absl::string_view(location.content_type));
  std::optional<absl::string_view> user_agent = request.Header(location.user_agent_header);
  plan.padding = codec.PaddingFor(user_agent.value_or(""));
  plan.first_pieces.push_back(codec.header());
  if (plan.padding.active()) {
    size_t n = LocationCodec::PaddingLength(plan.padding.header_min, codec.header().size(),
                                            plan.padding.max);
    if (n > 0) plan.first_pieces.emplace_back(codec.PaddingBytes(n));
  }
  std::string scratch;
  for (core::Subscription::Entry& entry : subscription.entries()) {
    for (const core::MessagePtr& m : entry.old) {
      const std::string& body = codec.Body(*m, &scratch);
      plan.first_pieces.push_back(body);
      if (plan.padding.active()) {
        size_t n =
            LocationCodec::PaddingLength(plan.padding.message_min, body.size(), plan.padding.max);
        if (n > 0) plan.first_pieces.emplace_back(codec.PaddingBytes(n));
      }
    }
    entry.old.clear();
    entry.old.shrink_to_fit();
  }
  return plan;
}

ImmediateAnswer LongPollMessageAnswer(const LocationCodec& codec, const SubscriberPlan& plan,
                                      const core::Message& message, int64_t now_seconds) {
  const core::LocationOptions& location = codec.location();
  core::Validators validators = message.id() > 0 ? core::LiveMessageValidators(message)
                                                 : core::TimeoutValidators(now_seconds);
  absl::string_view content_type = PollingContentType(location, plan.callback);
  // (src) a long-poll that had to wait on an EventSource location answers
  // with the EventSource type.
  if (!plan.callback && codec.is_eventsource()) content_type = "text/event-stream; charset=utf-8";
  return BodyAnswer(plan.base, content_type, PollingBody(codec, {&message}, plan.callback),
                    validators);
}

ImmediateAnswer LongPollTimeoutAnswer(const LocationCodec& codec, const SubscriberPlan& plan,
                                      const core::Message& timed_out, bool with_body,
                                      int64_t now_seconds) {
  if (with_body) {
    return BodyAnswer(plan.base, PollingContentType(codec.location(), plan.callback),
                      PollingBody(codec, {&timed_out}, plan.callback),
                      core::TimeoutValidators(now_seconds));
  }
  ImmediateAnswer answer{plan.base, false};
  answer.response.status = 304;
  AddValidators(answer.response, core::TimeoutValidators(now_seconds));
  return answer;
}

WebSocketPlan PlanWebSocket(const LocationCodec& codec, const HttpRequest& request,
                            absl::string_view decoded_path, core::Store& store) {
  const core::LocationOptions& location = codec.location();
  WebSocketPlan plan;
  if (request.method != "GET") {
    HttpResponse response;
    response.status = 405;
    response.Add("Allow", "GET");
    plan.http_error = std::move(response);
    return plan;
  }
  HttpResponse base;
  AddNoCacheHeaders(base);
  std::optional<absl::string_view> upgrade = request.Header("Upgrade");
  std::optional<absl::string_view> connection = request.Header("Connection");
  std::optional<absl::string_view> key = request.Header("Sec-WebSocket-Key");
  std::optional<absl::string_view> version = request.Header("Sec-WebSocket-Version");
  if (!upgrade || !connection || !key || !version) {
    base.status = 400;
    base.Add(kExplainHeader,
             "Don't have at least one of the mandatory headers: Connection, Upgrade, "
             "Sec-WebSocket-Key and Sec-WebSocket-Version");
    plan.http_error = std::move(base);
    return plan;
  }
  int version_number = 0;
  if (!absl::SimpleAtoi(*version, &version_number) ||
      (version_number != 8 && version_number != 13)) {
    base.status = 400;
    base.Add(kExplainHeader, "Version not supported. Supported versions: 8, 13");
    base.Add("Sec-WebSocket-Version", "8, 13");
    plan.http_error = std::move(base);
    return plan;
  }
  plan.handshake = ws::HandshakeResponse(ws::AcceptKey(*key));

  core::SubscribeRequest sub_request = SubscribeRequestOf(location, request, decoded_path, store);
  absl::StatusOr<std::unique_ptr<core::Subscription>> sub = store.Subscribe(sub_request);
  absl::Status status = sub.status();
  if (status.ok()) status = store.Attach(**sub);
  if (!status.ok()) {
    plan.close_frame = ws::PolicyCloseFrame(core::HttpStatus(status), core::HttpExplain(status));
    return plan;
  }
  plan.subscription = *std::move(sub);
  return plan;
}

}  // namespace pushgw::gateway
