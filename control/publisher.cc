#include "control/publisher.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "control/wire.h"
#include "core/errors.h"

namespace pushgw::control {

Publisher::Publisher(core::Store& store, const core::ControlOptions& options)
    : store_(store),
      options_(options),
      idempotency_(options.idempotency_window, options.idempotency_max_keys, &store.clock()) {}

absl::StatusOr<v1::PublishResponse> Publisher::Publish(absl::string_view principal,
                                                       const v1::PublishRequest& request) {
  const std::string& key = request.idempotency_key();
  if (key.empty()) return PublishNow(request);
  if (key.size() > kMaxIdempotencyKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("idempotency_key is longer than ", kMaxIdempotencyKeyBytes, " bytes"));
  }
  // Scoped to the caller: two tokens never share keys.
  const std::string scoped = absl::StrCat(principal.size(), ":", principal, key);
  IdempotencyCache::Lookup lookup = idempotency_.Begin(scoped, PublishFingerprint(request));
  switch (lookup.outcome) {
    case IdempotencyCache::Outcome::kDuplicate: {
      v1::PublishResponse response = *lookup.response;
      response.set_duplicate(true);
      return response;
    }
    case IdempotencyCache::Outcome::kInProgress:
      return absl::AbortedError(
          "a publish with this idempotency_key is in progress; retry after it completes");
    case IdempotencyCache::Outcome::kMismatch:
      return absl::InvalidArgumentError(
          "idempotency_key was already used for a different publish (channels, data or event "
          "fields differ)");
    case IdempotencyCache::Outcome::kNew:
      break;
  }
  absl::StatusOr<v1::PublishResponse> response = PublishNow(request);
  if (response.ok()) {
    idempotency_.Complete(scoped, std::make_shared<const v1::PublishResponse>(*response));
  } else {
    idempotency_.Abandon(scoped);  // errors are not remembered: a retry runs again
  }
  return response;
}

absl::StatusOr<v1::PublishResponse> Publisher::PublishNow(const v1::PublishRequest& request) {
  if (request.channels().empty()) return core::NoChannelIdError();
  std::vector<std::string> ids(request.channels().begin(), request.channels().end());
  for (const std::string& id : ids) {
    if (absl::Status s = ValidateChannelId(id); !s.ok()) return s;
  }
  if (request.data().size() > options_.max_message_size) {
    return absl::ResourceExhaustedError(absl::StrCat("data is ", request.data().size(),
                                                     " bytes, more than control.max_message_size (",
                                                     options_.max_message_size, ")"));
  }
  core::PublishRequest publish;
  publish.text = request.data();
  if (request.has_event_id()) {
    if (absl::Status s = ValidateEventField("event_id", request.event_id()); !s.ok()) return s;
    publish.event_id = request.event_id();
  }
  if (request.has_event_type()) {
    if (absl::Status s = ValidateEventField("event_type", request.event_type()); !s.ok()) {
      return s;
    }
    publish.event_type = request.event_type();
  }
  publish.store = request.has_store() ? request.store() : options_.store_messages;

  absl::StatusOr<std::vector<core::PublishResult>> results = store_.Publish(ids, publish);
  if (!results.ok()) return results.status();
  v1::PublishResponse response;
  for (const core::PublishResult& result : *results) {
    v1::PublishedMessage* out = response.add_results();
    out->set_channel(WireString(result.info.id));
    out->set_message_id(result.message->id());
    out->set_time(result.message->time());
    out->set_tag(result.message->tag());
    out->set_stored_messages(result.info.stored_messages);
    out->set_subscribers(result.info.subscribers);
  }
  return response;
}

}  // namespace pushgw::control
