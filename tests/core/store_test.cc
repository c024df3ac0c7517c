#include "core/store.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_clock.h"

namespace pushgw::core {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;

// Records what the store fans out, in order.
class RecordingFanout : public Fanout {
 public:
  void OnPublish(const MessagePtr& message) override {
    MutexLock lock(&mu_);
    published_.push_back(message);
  }
  void OnChannelDeleted(const MessagePtr& deleted) override {
    MutexLock lock(&mu_);
    deleted_.push_back(deleted);
  }
  std::vector<MessagePtr> published() {
    MutexLock lock(&mu_);
    return published_;
  }
  std::vector<MessagePtr> deleted() {
    MutexLock lock(&mu_);
    return deleted_;
  }

 private:
  Mutex mu_;
  std::vector<MessagePtr> published_ ABSL_GUARDED_BY(mu_);
  std::vector<MessagePtr> deleted_ ABSL_GUARDED_BY(mu_);
};

// The reference layout's store settings (SPEC §3.2).
StoreOptions LayoutOptions() {
  StoreOptions o;
  o.max_channel_id_length = 200;
  o.max_messages_stored_per_channel = 20;
  o.message_ttl = absl::Minutes(5);
  o.channel_inactivity_time = absl::Seconds(30);
  o.wildcard_channel_prefix = "broad_";
  return o;
}

// The limits profile (SPEC §3.5).
StoreOptions LimitsOptions() {
  StoreOptions o = LayoutOptions();
  o.max_channel_id_length = 20;
  o.max_subscribers_per_channel = 3;
  o.max_number_of_channels = 200;
  o.max_number_of_wildcard_channels = 10;
  o.channel_inactivity_time = absl::Seconds(3);
  o.message_ttl = absl::Seconds(3);
  o.events_channel_id = "events";
  return o;
}

class StoreTest : public ::testing::Test {
 protected:
  void Init(StoreOptions options) {
    store_ = std::make_unique<Store>(std::move(options), &clock_);
    store_->AddFanout(&fanout_);
  }
  void SetUp() override { Init(LayoutOptions()); }

  PublishResult Pub(const std::string& id, const std::string& text, bool store = true,
                    std::optional<std::string> event_id = std::nullopt) {
    PublishRequest r;
    r.text = text;
    r.store = store;
    r.event_id = std::move(event_id);
    auto results = store_->Publish({id}, r);
    EXPECT_TRUE(results.ok()) << results.status();
    return results.ok() ? (*results)[0] : PublishResult{};
  }
  absl::Status PubStatus(std::vector<std::string> ids, const std::string& text) {
    PublishRequest r;
    r.text = text;
    return store_->Publish(ids, r).status();
  }
  std::unique_ptr<Subscription> Sub(std::vector<ChannelSpec> channels,
                                    SubscribeRequest request = {}) {
    request.channels = std::move(channels);
    auto sub = store_->Subscribe(request);
    EXPECT_TRUE(sub.ok()) << sub.status();
    return sub.ok() ? *std::move(sub) : nullptr;
  }
  absl::Status SubStatus(std::vector<ChannelSpec> channels, SubscribeRequest request = {}) {
    request.channels = std::move(channels);
    return store_->Subscribe(request).status();
  }
  // Texts of the events-channel messages published so far.
  std::vector<std::string> Events() {
    std::vector<std::string> out;
    for (const MessagePtr& m : fanout_.published()) {
      if (m->channel() == "events") out.push_back(m->text());
    }
    return out;
  }

  testing::FakeClock clock_;
  RecordingFanout fanout_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, IdsStartAtOneAndTagsAreGlobalPerSecond) {
  PublishResult a1 = Pub("a", "x");
  PublishResult b1 = Pub("b", "x");
  PublishResult a2 = Pub("a", "x");
  EXPECT_EQ(a1.message->id(), 1);
  EXPECT_EQ(b1.message->id(), 1);
  EXPECT_EQ(a2.message->id(), 2);
  EXPECT_EQ(a1.message->tag(), 1);
  EXPECT_EQ(b1.message->tag(), 2);  // fact 43: tags are global to the store
  EXPECT_EQ(a2.message->tag(), 3);
  EXPECT_EQ(a1.message->time(), absl::ToUnixSeconds(clock_.Now()));
  clock_.Advance(absl::Seconds(1));
  PublishResult a3 = Pub("a", "x");
  EXPECT_EQ(a3.message->tag(), 1);
  EXPECT_EQ(a3.message->time(), a1.message->time() + 1);
}

TEST_F(StoreTest, ClockSteppingBackKeepsTimeAndTagIncreasing) {
  PublishResult m1 = Pub("a", "x");
  clock_.Advance(absl::Seconds(-5));
  PublishResult m2 = Pub("a", "x");
  EXPECT_EQ(m2.message->time(), m1.message->time());
  EXPECT_EQ(m2.message->tag(), m1.message->tag() + 1);
}

TEST_F(StoreTest, PublishAnswersChannelInfoAndFansOutInOrder) {
  PublishResult r = Pub("c", "hello");
  EXPECT_EQ(r.info.id, "c");
  EXPECT_EQ(r.info.published_messages, 1);
  EXPECT_EQ(r.info.stored_messages, 1);
  EXPECT_EQ(r.info.subscribers, 0);
  r = Pub("c", "hello");
  EXPECT_EQ(r.info.published_messages, 2);
  EXPECT_EQ(r.info.stored_messages, 2);
  ASSERT_EQ(fanout_.published().size(), 2u);
  EXPECT_EQ(fanout_.published()[0]->text(), "hello");
  EXPECT_EQ(fanout_.published()[1]->id(), 2);
}

TEST_F(StoreTest, MultiChannelPublishCreatesOneMessagePerChannelInPathOrder) {
  Pub("a", "first");
  PublishRequest r;
  r.text = "m";
  auto results = store_->Publish({"a", "b", "c"}, r);
  ASSERT_TRUE(results.ok());
  ASSERT_EQ(results->size(), 3u);
  EXPECT_EQ((*results)[0].info.id, "a");
  EXPECT_EQ((*results)[0].info.published_messages, 2);
  EXPECT_EQ((*results)[1].info.id, "b");
  EXPECT_EQ((*results)[1].message->id(), 1);
  EXPECT_EQ((*results)[2].info.id, "c");
  // Consecutive tags, one per channel.
  EXPECT_EQ((*results)[1].message->tag(), (*results)[0].message->tag() + 1);
  EXPECT_EQ((*results)[2].message->tag(), (*results)[1].message->tag() + 1);
  EXPECT_EQ(store_->GetSummary().published_messages, 4);
}

TEST_F(StoreTest, UnstoredMessagesTakeIdsButAreNotStored) {
  Pub("c", "a", /*store=*/false);
  PublishResult r = Pub("c", "b", /*store=*/false);
  EXPECT_EQ(r.info.published_messages, 2);
  EXPECT_EQ(r.info.stored_messages, 0);
  EXPECT_EQ(store_->GetSummary().stored_messages, 0);
  EXPECT_EQ(store_->GetSummary().published_messages, 2);
}

TEST_F(StoreTest, StoredLimitDropsOldestAndCountsTrash) {  // fact 12
  PublishResult last;
  for (int i = 0; i < 25; ++i) last = Pub("c", absl::StrCat("m", i + 1));
  EXPECT_EQ(last.info.published_messages, 25);
  EXPECT_EQ(last.info.stored_messages, 20);
  Summary s = store_->GetSummary();
  EXPECT_EQ(s.stored_messages, 20);
  EXPECT_EQ(s.messages_in_trash, 5);
  auto sub = Sub({{"c", 50}});
  ASSERT_EQ(sub->entries()[0].old.size(), 20u);
  EXPECT_EQ(sub->entries()[0].old.front()->id(), 6);
  EXPECT_EQ(sub->entries()[0].old.back()->id(), 25);
  // Trash is forgotten after the retention period, at a cleanup tick.
  clock_.Advance(absl::Seconds(11));
  store_->Cleanup();
  EXPECT_EQ(store_->GetSummary().messages_in_trash, 0);
}

TEST_F(StoreTest, ValidationBeforeMutation) {
  EXPECT_EQ(HttpExplain(PubStatus({}, "x")), "No channel id provided.");
  for (const char* bad : {"ALL", "*", "c*", "*c", "ab*cd"}) {
    absl::Status s = PubStatus({"c", bad}, "x");
    EXPECT_EQ(HttpStatus(s), 403) << bad;
    EXPECT_EQ(HttpExplain(s), "Channel id not authorized for this method.");
  }
  absl::Status s = PubStatus({"c", std::string(201, 'x')}, "x");
  EXPECT_EQ(HttpStatus(s), 400);
  EXPECT_EQ(HttpExplain(s), "Channel id is too large.");
  s = PubStatus({"c"}, "");
  EXPECT_EQ(HttpExplain(s), "Empty post requests are not allowed.");
  // Δd, Δx1: nothing was created by any refused request.
  EXPECT_FALSE(store_->FindChannel("c").has_value());
  EXPECT_EQ(store_->GetSummary().channels, 0);
  // 200 bytes is accepted.
  EXPECT_TRUE(PubStatus({std::string(200, 'x')}, "x").ok());
}

TEST_F(StoreTest, InfoNeverCreatesAndSkipsMissing) {
  EXPECT_EQ(HttpStatus(store_->Info({"c"}).status()), 404);
  EXPECT_FALSE(store_->FindChannel("c").has_value());
  Pub("a", "1");
  Pub("b", "1");
  auto infos = store_->Info({"a", "missing", "b"});
  ASSERT_TRUE(infos.ok());
  EXPECT_THAT(*infos, ElementsAre(Field(&ChannelInfo::id, "a"), Field(&ChannelInfo::id, "b")));
  EXPECT_EQ(HttpStatus(store_->Info({"ALL"}).status()), 403);
}

TEST_F(StoreTest, DeleteAccountingAtOnceAndAtTheNextTick) {  // fact 27
  Pub("keep", "x");
  for (int i = 0; i < 3; ++i) Pub("c", "x");
  Summary before = store_->GetSummary();
  ASSERT_TRUE(store_->Delete({"c"}, std::nullopt).ok());
  Summary at_once = store_->GetSummary();
  EXPECT_EQ(at_once.channels, before.channels - 1);
  EXPECT_EQ(at_once.channels_in_delete, 1);
  EXPECT_EQ(at_once.stored_messages, before.stored_messages);  // Δg 20
  EXPECT_FALSE(store_->FindChannel("c").has_value());
  ASSERT_EQ(fanout_.deleted().size(), 1u);
  EXPECT_EQ(fanout_.deleted()[0]->id(), kChannelDeletedMessageId);
  EXPECT_EQ(fanout_.deleted()[0]->text(), "Channel deleted");
  EXPECT_EQ(fanout_.deleted()[0]->time(), 0);
  EXPECT_EQ(fanout_.deleted()[0]->tag(), 0);

  store_->Cleanup();
  Summary tick = store_->GetSummary();
  EXPECT_EQ(tick.stored_messages, before.stored_messages - 3);
  EXPECT_EQ(tick.messages_in_trash, 3);
  EXPECT_EQ(tick.channels_in_delete, 0);
  EXPECT_EQ(tick.channels_in_trash, 1);
  clock_.Advance(absl::Seconds(10));
  store_->Cleanup();
  EXPECT_EQ(store_->GetSummary().messages_in_trash, 0);
  EXPECT_EQ(store_->GetSummary().channels_in_trash, 0);
}

TEST_F(StoreTest, DeleteWithBodyTextMissingAndRecreate) {
  Pub("a", "x");
  Pub("b", "x");
  EXPECT_EQ(HttpStatus(store_->Delete({"nope"}, std::nullopt)), 404);
  absl::Status s = store_->Delete({"a", "missing", "b"}, std::string("bye now"));
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(fanout_.deleted().size(), 2u);
  EXPECT_EQ(fanout_.deleted()[0]->channel(), "a");
  EXPECT_EQ(fanout_.deleted()[0]->text(), "bye now");
  EXPECT_EQ(fanout_.deleted()[1]->channel(), "b");
  // fact 26: a publish re-creates the channel, ids restart at 1.
  PublishResult r = Pub("a", "again");
  EXPECT_EQ(r.info.published_messages, 1);
  EXPECT_EQ(r.message->id(), 1);
  EXPECT_NE(r.message->channel_serial(), fanout_.deleted()[0]->channel_serial());
  auto sub = Sub({{"a", 5}});
  ASSERT_EQ(sub->entries()[0].old.size(), 1u);
}

TEST_F(StoreTest, DeletedChannelWithSubscriberFinishesWhenTheyLeave) {
  Pub("c", "x");
  auto sub = Sub({{"c", 0}});
  ASSERT_TRUE(store_->Attach(*sub).ok());
  ASSERT_TRUE(store_->Delete({"c"}, std::nullopt).ok());
  store_->Cleanup();
  EXPECT_EQ(store_->GetSummary().channels_in_delete, 1);
  EXPECT_EQ(store_->GetSummary().stored_messages, 0);
  store_->Detach(*sub, 0);
  EXPECT_EQ(store_->GetSummary().subscribers, 0);
  store_->Cleanup();
  EXPECT_EQ(store_->GetSummary().channels_in_delete, 0);
  EXPECT_EQ(store_->GetSummary().channels_in_trash, 1);
}

TEST_F(StoreTest, MessagesExpireAtTheCleanupTickAfterTtl) {  // fact 108
  StoreOptions o = LayoutOptions();
  o.message_ttl = absl::Seconds(3);
  Init(o);
  Pub("c", "x");
  clock_.Advance(absl::Seconds(2));
  store_->Cleanup();
  EXPECT_EQ(store_->FindChannel("c")->stored_messages, 1);
  clock_.Advance(absl::Seconds(1));  // now == time + ttl
  store_->Cleanup();
  EXPECT_EQ(store_->FindChannel("c")->stored_messages, 0);
  EXPECT_EQ(store_->GetSummary().stored_messages, 0);
  EXPECT_EQ(store_->GetSummary().messages_in_trash, 1);
  EXPECT_EQ(store_->FindChannel("c")->published_messages, 1);
}

TEST_F(StoreTest, InactiveChannelsAreCollected) {  // fact 109
  Init(LimitsOptions());
  {
    auto poll = Sub({{"c", 0}});  // a poll creates the channel
  }
  EXPECT_TRUE(store_->FindChannel("c").has_value());
  clock_.Advance(absl::Seconds(3));
  store_->Cleanup();  // expires == now: not yet (expires < now collects)
  EXPECT_TRUE(store_->FindChannel("c").has_value());
  clock_.Advance(absl::Seconds(1));
  store_->Cleanup();
  EXPECT_FALSE(store_->FindChannel("c").has_value());
  Summary s = store_->GetSummary();
  EXPECT_EQ(s.channels, 1);  // the events channel stays
  EXPECT_EQ(s.channels_in_trash, 1);
  std::vector<std::string> events = Events();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back(), R"({"type": "channel_destroyed", "channel": "c"})");
}

TEST_F(StoreTest, SubscribedOrStoredChannelsAreNotCollected) {
  Init(LimitsOptions());
  auto sub = Sub({{"c", 0}});
  ASSERT_TRUE(store_->Attach(*sub).ok());
  Pub("d", "x");
  clock_.Advance(absl::Seconds(2));
  store_->Cleanup();
  clock_.Advance(absl::Seconds(2));
  store_->Cleanup();
  EXPECT_TRUE(store_->FindChannel("c").has_value());
  // d's message expired at this tick and the channel was inactive: gone too.
  EXPECT_FALSE(store_->FindChannel("d").has_value());
}

TEST_F(StoreTest, EventsChannel) {  // SPEC §9.2, fact 113, 115
  Init(LimitsOptions());
  Summary s = store_->GetSummary();
  EXPECT_EQ(s.channels, 1);
  ASSERT_TRUE(store_->FindChannel("events").has_value());

  Pub("newch", "x");
  auto sub = Sub({{"newch", 0}});
  ASSERT_TRUE(store_->Attach(*sub).ok());
  sub.reset();
  ASSERT_TRUE(store_->Delete({"newch"}, std::nullopt).ok());
  store_->Cleanup();
  EXPECT_THAT(Events(), ElementsAre(R"({"type": "channel_created", "channel": "newch"})",
                                    R"({"type": "client_subscribed", "channel": "newch"})",
                                    R"({"type": "client_unsubscribed", "channel": "newch"})",
                                    R"({"type": "channel_destroyed", "channel": "newch"})"));
  for (const MessagePtr& m : fanout_.published()) {
    if (m->channel() != "events") continue;
    ASSERT_TRUE(m->event_type().has_value());
    EXPECT_FALSE(m->event_id().has_value());
  }
  // Events are counted on the events channel only.
  s = store_->GetSummary();
  EXPECT_EQ(s.published_messages, 1);
  EXPECT_EQ(s.stored_messages, 0);
  EXPECT_EQ(store_->FindChannel("events")->published_messages, 4);
  EXPECT_EQ(store_->FindChannel("events")->stored_messages, 4);
  // The publisher API cannot change it.
  EXPECT_EQ(HttpExplain(PubStatus({"events"}, "x")),
            "Only internal routines can change events channel.");
  EXPECT_EQ(HttpExplain(store_->Delete({"events"}, std::nullopt)),
            "Only internal routines can change events channel.");
  EXPECT_TRUE(store_->Info({"events"}).ok());
  // Never collected.
  clock_.Advance(absl::Hours(1));
  store_->Cleanup();
  EXPECT_TRUE(store_->FindChannel("events").has_value());
}

class RecordingListener : public EventListener {
 public:
  void OnStoreEvent(StoreEvent event, const std::string& channel) override {
    MutexLock lock(&mu_);
    events_.emplace_back(event, channel);
  }
  std::vector<std::pair<StoreEvent, std::string>> events() {
    MutexLock lock(&mu_);
    return events_;
  }

 private:
  Mutex mu_;
  std::vector<std::pair<StoreEvent, std::string>> events_ ABSL_GUARDED_BY(mu_);
};

TEST_F(StoreTest, EventListenersHearEventsWithoutAnEventsChannel) {
  RecordingListener listener;
  store_->AddEventListener(&listener);
  Pub("c", "x");
  auto sub = Sub({{"c", 0}});
  ASSERT_TRUE(store_->Attach(*sub).ok());
  sub.reset();
  ASSERT_TRUE(store_->Delete({"c"}, std::nullopt).ok());
  store_->Cleanup();
  using P = std::pair<StoreEvent, std::string>;
  EXPECT_THAT(
      listener.events(),
      ElementsAre(P{StoreEvent::kChannelCreated, "c"}, P{StoreEvent::kClientSubscribed, "c"},
                  P{StoreEvent::kClientUnsubscribed, "c"}, P{StoreEvent::kChannelDestroyed, "c"}));
  EXPECT_TRUE(Events().empty());
}

TEST_F(StoreTest, EventsChannelStoredLimitApplies) {
  Init(LimitsOptions());
  for (int i = 0; i < 30; ++i) Pub(absl::StrCat("c", i), "x");
  EXPECT_EQ(store_->FindChannel("events")->stored_messages, 20);
  EXPECT_EQ(store_->FindChannel("events")->published_messages, 30);
}

TEST_F(StoreTest, SubscriberChecksInSpecOrder) {  // SPEC §7.1 step 6, Δg 18
  Init(LimitsOptions());
  EXPECT_EQ(HttpExplain(SubStatus({})), "No channel id provided.");
  EXPECT_EQ(HttpExplain(SubStatus({{"ALL", 0}})), "Channel id not authorized for this method.");
  EXPECT_EQ(HttpExplain(SubStatus({{"c", 0}, {"c*x", 0}})),
            "Channel id not authorized for this method.");
  EXPECT_EQ(HttpExplain(SubStatus({{std::string(21, 'x'), 0}})), "Channel id is too large.");
  EXPECT_EQ(HttpExplain(SubStatus({{"events", 0}})),
            "Subscription to events channel is not allowed.");
  SubscribeRequest allow;
  allow.allow_events_channel = true;
  std::vector<std::unique_ptr<Subscription>> subs;
  for (int i = 0; i < 3; ++i) {
    subs.push_back(Sub({{"events", 0}}, allow));
    ASSERT_TRUE(store_->Attach(*subs.back()).ok());
  }
  // fact 116: a forbidden request on a full events channel gets the limit text.
  EXPECT_EQ(HttpExplain(SubStatus({{"events", 0}})),
            "Subscribers limit per channel has been exceeded.");
}

TEST_F(StoreTest, SubscriberLimit) {  // fact 105
  Init(LimitsOptions());
  std::vector<std::unique_ptr<Subscription>> subs;
  for (int i = 0; i < 3; ++i) {
    subs.push_back(Sub({{"c", 0}}));
    ASSERT_TRUE(store_->Attach(*subs.back()).ok());
  }
  EXPECT_EQ(store_->FindChannel("c")->subscribers, 3);
  EXPECT_EQ(HttpExplain(SubStatus({{"other", 0}, {"c", 0}})),
            "Subscribers limit per channel has been exceeded.");
  EXPECT_FALSE(store_->FindChannel("other").has_value());  // refused before creation
  EXPECT_TRUE(SubStatus({{"other", 0}}).ok());
  subs.pop_back();
  EXPECT_TRUE(SubStatus({{"c", 0}}).ok());
}

TEST_F(StoreTest, AttachRechecksTheLimit) {
  Init(LimitsOptions());
  std::vector<std::unique_ptr<Subscription>> pending;
  for (int i = 0; i < 4; ++i) pending.push_back(Sub({{"a", 0}, {"c", 0}}));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store_->Attach(*pending[i]).ok());
  absl::Status s = store_->Attach(*pending[3]);
  EXPECT_EQ(HttpExplain(s), "Subscribers limit per channel has been exceeded.");
  EXPECT_EQ(store_->FindChannel("a")->subscribers, 3);
  EXPECT_EQ(store_->GetSummary().subscribers, 3);
}

TEST_F(StoreTest, AuthorizedChannelsOnly) {  // fact 106
  Init(LimitsOptions());
  SubscribeRequest auth;
  auth.authorized_channels_only = true;
  auth.wildcard_channel_max_qtd = 3;
  EXPECT_EQ(HttpExplain(SubStatus({{"c", 0}}, auth)), "Subscriber could not create channels.");
  EXPECT_FALSE(store_->FindChannel("c").has_value());
  Sub({{"c", 0}});  // created by a normal subscriber, but empty
  EXPECT_EQ(HttpExplain(SubStatus({{"c", 0}}, auth)), "Subscriber could not create channels.");
  Pub("c", "x");
  auto sub = Sub({{"c", 1}}, auth);
  ASSERT_EQ(sub->entries()[0].old.size(), 1u);
  EXPECT_TRUE(SubStatus({{"c", 0}, {"broad_w", 0}}, auth).ok());
  EXPECT_EQ(HttpExplain(SubStatus({{"broad_w", 0}}, auth)),
            "Subscribed too much wildcard channels.");
}

TEST_F(StoreTest, WildcardLimits) {  // fact 50, 51
  SubscribeRequest layout;
  layout.wildcard_channel_max_qtd = 3;
  EXPECT_TRUE(SubStatus({{"c", 0}, {"broad_1", 0}, {"broad_2", 0}, {"broad_3", 0}}, layout).ok());
  EXPECT_EQ(
      HttpExplain(SubStatus(
          {{"c", 0}, {"broad_1", 0}, {"broad_2", 0}, {"broad_3", 0}, {"broad_4", 0}}, layout)),
      "Subscribed too much wildcard channels.");
  EXPECT_EQ(HttpExplain(SubStatus({{"broad_x", 0}}, layout)),
            "Subscribed too much wildcard channels.");
  EXPECT_EQ(HttpExplain(SubStatus({{"broad_", 0}}, layout)),
            "Subscribed too much wildcard channels.");
  Summary before = store_->GetSummary();
  Pub("broad_x", "m");
  EXPECT_EQ(store_->GetSummary().wildcard_channels, before.wildcard_channels + 1);
  EXPECT_EQ(store_->GetSummary().channels, before.channels);
}

TEST_F(StoreTest, ChannelLimits) {  // fact 107
  Init(LimitsOptions());
  for (int i = 1; i < 200; ++i) ASSERT_TRUE(SubStatus({{absl::StrCat("c", i), 0}}).ok()) << i;
  EXPECT_EQ(store_->GetSummary().channels, 200);
  EXPECT_EQ(HttpExplain(SubStatus({{"one_more", 0}})), "Number of channels were exceeded.");
  EXPECT_EQ(HttpExplain(PubStatus({"one_more"}, "x")), "Number of channels were exceeded.");
  EXPECT_TRUE(PubStatus({"c1"}, "x").ok());
  // Channels created before the limit within one request remain.
  ASSERT_TRUE(store_->Delete({"c1", "c2"}, std::nullopt).ok());
  EXPECT_EQ(HttpExplain(PubStatus({"n1", "n2", "n3"}, "x")), "Number of channels were exceeded.");
  EXPECT_TRUE(store_->FindChannel("n1").has_value());
  EXPECT_TRUE(store_->FindChannel("n2").has_value());
  EXPECT_EQ(store_->FindChannel("n1")->published_messages, 0);
  // Wildcard channels have their own limit.
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(PubStatus({absl::StrCat("broad_", i)}, "x").ok());
  EXPECT_EQ(HttpExplain(PubStatus({"broad_x"}, "x")), "Number of channels were exceeded.");
}

TEST_F(StoreTest, MemoryLimitRefusesWithoutLosingStoredMessages) {  // SPEC §1.9
  StoreOptions o = LayoutOptions();
  o.memory_limit = 64 * 1024;
  Init(o);
  int published = 0;
  absl::Status s;
  while ((s = PubStatus({absl::StrCat("c", published)}, std::string(1000, 'x'))).ok()) {
    ++published;
    ASSERT_LT(published, 1000) << "the memory limit is not enforced";
  }
  ASSERT_GT(published, 10);
  EXPECT_EQ(HttpStatus(s), 500);
  EXPECT_EQ(HttpExplain(s), "");
  EXPECT_LE(store_->memory_used(), o.memory_limit);
  // Every message stored before the limit was reached is still there.
  EXPECT_EQ(store_->GetSummary().stored_messages, published);
  for (int i = 0; i < published; ++i) {
    EXPECT_EQ(store_->FindChannel(absl::StrCat("c", i))->stored_messages, 1);
  }
  // A big message on an existing channel is refused too, a new channel as well.
  EXPECT_EQ(HttpStatus(PubStatus({"c0"}, std::string(60000, 'x'))), 500);
  EXPECT_EQ(store_->FindChannel("c0")->stored_messages, 1);
}

TEST_F(StoreTest, MemoryIsGivenBackByTrimExpiryAndDeletion) {
  const uint64_t empty = store_->memory_used();
  for (int i = 0; i < 30; ++i) Pub("c", std::string(100, 'x'));
  const uint64_t full = store_->memory_used();
  EXPECT_GT(full, empty);
  for (int i = 0; i < 30; ++i) Pub("c", std::string(100, 'x'));
  EXPECT_EQ(store_->memory_used(), full);  // trimmed to 20 both times
  ASSERT_TRUE(store_->Delete({"c"}, std::nullopt).ok());
  store_->Cleanup();
  EXPECT_EQ(store_->memory_used(), empty);
}

TEST_F(StoreTest, SubscriptionSelectsOldMessagesAndWatermark) {
  for (int i = 0; i < 4; ++i) Pub("c", absl::StrCat("m", i + 1));
  auto sub = Sub({{"c", 2}});
  const Subscription::Entry& e = sub->entries()[0];
  ASSERT_EQ(e.old.size(), 2u);
  EXPECT_EQ(e.old[0]->id(), 3);
  EXPECT_EQ(e.old[1]->id(), 4);
  EXPECT_EQ(e.watermark, 4);
  EXPECT_EQ(e.last_tag, e.old[1]->tag());
  EXPECT_TRUE(sub->HasOldMessages());
  // Not attached yet: a poll does not count as a subscriber.
  EXPECT_EQ(store_->FindChannel("c")->subscribers, 0);
  EXPECT_EQ(store_->GetSummary().subscribers, 0);
}

TEST_F(StoreTest, AttachCountsConnectionsAndChannels) {  // fact 98, §1.7
  auto sub = Sub({{"a", 0}, {"b", 0}});
  ASSERT_TRUE(store_->Attach(*sub).ok());
  EXPECT_EQ(store_->GetSummary().subscribers, 1);
  EXPECT_EQ(store_->FindChannel("a")->subscribers, 1);
  EXPECT_EQ(store_->FindChannel("b")->subscribers, 1);
  store_->Detach(*sub, 0);
  EXPECT_EQ(store_->GetSummary().subscribers, 1);
  EXPECT_EQ(store_->FindChannel("a")->subscribers, 0);
  sub.reset();  // destruction detaches the rest
  EXPECT_EQ(store_->GetSummary().subscribers, 0);
  EXPECT_EQ(store_->FindChannel("b")->subscribers, 0);
}

TEST_F(StoreTest, PublishToSubscriptionSkipsEventsChannel) {  // fact 89
  Init(LimitsOptions());
  SubscribeRequest allow;
  allow.allow_events_channel = true;
  auto sub = Sub({{"b", 0}, {"events", 0}, {"a", 0}}, allow);
  ASSERT_TRUE(store_->Attach(*sub).ok());
  PublishRequest r;
  r.text = "hello";
  auto results = store_->PublishToSubscription(*sub, r);
  ASSERT_TRUE(results.ok());
  ASSERT_EQ(results->size(), 2u);
  EXPECT_EQ((*results)[0].message->channel(), "b");
  EXPECT_EQ((*results)[1].message->channel(), "a");
  EXPECT_EQ((*results)[0].message->id(), 1);
  EXPECT_FALSE((*results)[0].message->event_id().has_value());
}

TEST_F(StoreTest, PublishAfterConcurrentDeleteGoesToTheNewChannel) {
  auto sub = Sub({{"c", 0}});
  ASSERT_TRUE(store_->Attach(*sub).ok());
  ASSERT_TRUE(store_->Delete({"c"}, std::nullopt).ok());
  // The subscription still holds the deleted channel; only attached channels
  // are published to, and a WebSocket publish re-creates through the id.
  PublishRequest r;
  r.text = "x";
  auto results = store_->PublishToSubscription(*sub, r);
  ASSERT_TRUE(results.ok());
  ASSERT_EQ(results->size(), 1u);
  EXPECT_EQ((*results)[0].message->id(), 1);
  EXPECT_NE((*results)[0].message->channel_serial(), sub->entries()[0].serial);
  EXPECT_TRUE(store_->FindChannel("c").has_value());
}

TEST_F(StoreTest, Statistics) {  // SPEC §5.6, facts 100-104
  Pub("p_1", "x");
  Sub({{"p_2", 0}});
  Pub("q", "x");
  auto all = store_->Statistics({"ALL"});
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->group);
  EXPECT_THAT(all->channels,
              ElementsAre(Field(&ChannelInfo::id, "p_1"), Field(&ChannelInfo::id, "p_2"),
                          Field(&ChannelInfo::id, "q")));
  auto prefix = store_->Statistics({"p_*"});
  ASSERT_TRUE(prefix.ok());
  EXPECT_THAT(prefix->channels,
              ElementsAre(Field(&ChannelInfo::id, "p_1"), Field(&ChannelInfo::id, "p_2")));
  auto none = store_->Statistics({"zz*"});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->group);
  EXPECT_THAT(none->channels, IsEmpty());
  auto single = store_->Statistics({"missing", "q"});
  ASSERT_TRUE(single.ok());
  EXPECT_FALSE(single->group);
  auto group = store_->Statistics({"q", "missing", "p_1"});
  ASSERT_TRUE(group.ok());
  EXPECT_TRUE(group->group);
  EXPECT_THAT(group->channels,
              ElementsAre(Field(&ChannelInfo::id, "q"), Field(&ChannelInfo::id, "p_1")));
  EXPECT_EQ(HttpStatus(store_->Statistics({"missing"}).status()), 404);
  EXPECT_EQ(HttpStatus(store_->Statistics({std::string(201, 'x')}).status()), 400);
}

TEST_F(StoreTest, ManyChannelsListedInCreationOrder) {  // fact 21
  for (int i = 0; i < 2000; ++i) Pub(absl::StrCat("pre", i), "x");
  EXPECT_EQ(store_->ListChannels("pre").size(), 2000u);
  EXPECT_EQ(store_->ListChannels("pre1").size(), 1111u);
  std::vector<ChannelInfo> listed = store_->ListChannels("pre");
  EXPECT_EQ(listed.front().id, "pre0");
  EXPECT_EQ(listed.back().id, "pre1999");
}

TEST_F(StoreTest, ConcurrentPublishersKeepPerChannelOrder) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      PublishRequest r;
      r.text = absl::StrCat("t", t);
      for (int i = 0; i < kPerThread; ++i) ASSERT_TRUE(store_->Publish({"c", "d"}, r).ok());
    });
  }
  std::thread reader([&] {
    for (int i = 0; i < 200; ++i) store_->GetSummary(), store_->ListChannels(""), store_->Cleanup();
  });
  for (auto& t : threads) t.join();
  reader.join();
  int64_t last_c = 0;
  int64_t last_time = 0, last_tag = 0;
  for (const MessagePtr& m : fanout_.published()) {
    if (m->channel() != "c") continue;
    EXPECT_EQ(m->id(), last_c + 1);  // fanned out in id order
    EXPECT_TRUE(m->time() > last_time || (m->time() == last_time && m->tag() > last_tag));
    last_c = m->id();
    last_time = m->time();
    last_tag = m->tag();
  }
  EXPECT_EQ(last_c, kThreads * kPerThread);
  EXPECT_EQ(store_->GetSummary().published_messages, 2 * kThreads * kPerThread);
}

}  // namespace
}  // namespace pushgw::core
