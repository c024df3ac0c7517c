#include "core/message.h"

#include <utility>

namespace pushgw::core {

Message::Message(Fields fields, int render_slots)
    : f_(std::move(fields)),
      render_slots_(render_slots > 0 ? render_slots : 0),
      slots_(render_slots_ > 0 ? std::make_unique<Slot[]>(render_slots_) : nullptr) {}

size_t Message::MemoryCost() const {
  size_t cost = sizeof(Message) + f_.text.size() + f_.channel.size();
  if (f_.event_id) cost += f_.event_id->size();
  if (f_.event_type) cost += f_.event_type->size();
  return cost + render_slots_ * sizeof(Slot);
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
