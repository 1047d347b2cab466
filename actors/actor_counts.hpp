#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>

#include "runtime/protocol/states.hpp"

namespace boocode {

/// How many actors of each kind a node has loaded (state in memory) and
/// unloaded (passivated: lease kept, state dropped) now.
class actor_counts {
public:
  static constexpr size_t kinds = 4; // protocol::actor_kind's values

  void add(protocol::actor_kind k, bool loaded, int64_t d) {
    (loaded ? loaded_ : unloaded_)[static_cast<size_t>(k)] += d;
  }
  int64_t loaded(protocol::actor_kind k) const { return loaded_[static_cast<size_t>(k)]; }
  int64_t unloaded(protocol::actor_kind k) const { return unloaded_[static_cast<size_t>(k)]; }
  /// Chats' sessions and subagents together (/api/health's sessions).
  int64_t sessions_loaded() const {
    return loaded(protocol::actor_kind::session) + loaded(protocol::actor_kind::subagent);
  }
  int64_t sessions_unloaded() const {
    return unloaded(protocol::actor_kind::session) + unloaded(protocol::actor_kind::subagent);
  }

private:
  std::array<std::atomic<int64_t>, kinds> loaded_{};
  std::array<std::atomic<int64_t>, kinds> unloaded_{};
};

/// Where an actor is counted.
enum class residency { none, loaded, unloaded };

/// Keeps one actor counted in the node's actor_counts as it loads and
/// unloads, and uncounted when it goes. Owned by the actor's state.
class counted_actor {
public:
  counted_actor() = default;
  counted_actor(std::shared_ptr<actor_counts> counts, protocol::actor_kind kind)
    : counts_(std::move(counts)), kind_(kind) {}
  counted_actor(const counted_actor&) = delete;
  counted_actor& operator=(const counted_actor&) = delete;
  counted_actor(counted_actor&& o) noexcept
    : counts_(std::move(o.counts_)), kind_(o.kind_),
      where_(std::exchange(o.where_, residency::none)) {}
  counted_actor& operator=(counted_actor&& o) noexcept {
    if (this != &o) {
      set(residency::none);
      counts_ = std::move(o.counts_);
      kind_ = o.kind_;
      where_ = std::exchange(o.where_, residency::none);
    }
    return *this;
  }
  ~counted_actor() { set(residency::none); }

  void set(residency r) {
    if (!counts_ || r == where_)
      return;
    if (where_ != residency::none)
      counts_->add(kind_, where_ == residency::loaded, -1);
    if (r != residency::none)
      counts_->add(kind_, r == residency::loaded, +1);
    where_ = r;
  }

private:
  std::shared_ptr<actor_counts> counts_;
  protocol::actor_kind kind_ = protocol::actor_kind::session;
  residency where_ = residency::none;
};

} // namespace boocode
