#include "core/message.h"

#include <utility>

namespace pushgw::core {

Message::Message(Fields fields, int render_slots)
    : f_(std::move(fields)),
      render_slots_(render_slots > 0 ? render_slots : 0),
      slots_(render_slots_ > 0 ? std::make_unique<Slot[]>(render_slots_) : nullptr) {}

size_t Message::CostOf(size_t text, size_t channel, size_t event_id, size_t event_type,
                       int render_slots) {
  return sizeof(Message) + text + channel + event_id + event_type +
         (render_slots > 0 ? render_slots : 0) * sizeof(Slot);
}

size_t Message::MemoryCost() const {
  return CostOf(f_.text.size(), f_.channel.size(), f_.event_id ? f_.event_id->size() : 0,
                f_.event_type ? f_.event_type->size() : 0, render_slots_);
}

const std::string& Message::Encoded(int slot,
                                    absl::FunctionRef<void(const Message&, std::string*)> render,
                                    std::string* scratch) const {
  if (slot < 0 || slot >= render_slots_) {
    scratch->clear();
    render(*this, scratch);
    return *scratch;
  }
  Slot& s = slots_[slot];
  std::call_once(s.once, [&] { render(*this, &s.bytes); });
  return s.bytes;
}

MessagePtr MakeMessage(Message::Fields fields, int render_slots) {
  return std::make_shared<const Message>(std::move(fields), render_slots);
}

}  // namespace pushgw::core
