#include "actors/heartbeat.hpp"

#include <caf/all.hpp>

namespace boocode {

bool heartbeat_state::record(bool ok) {
  ++status.sent;
  if (ok) {
    bool recovered = status.consecutive_failures > 0;
    status.consecutive_failures = 0;
    return recovered;
  }
  ++status.failed;
  return ++status.consecutive_failures == 1;
}

namespace {

using tick_atom = caf::atom_constant<caf::atom("hb_tick")>;

/// The heartbeat actor plus its private tick message.
using heartbeat_impl = heartbeat_actor::extend<caf::reacts_to<tick_atom>>;

struct heartbeat_actor_state {
  heartbeat_state hb;
  static inline const char* name = "heartbeat";
};

heartbeat_impl::behavior_type
heartbeat_behavior(heartbeat_impl::stateful_pointer<heartbeat_actor_state> self,
                   node_store_actor store, heartbeat_options opts) {
  self->send(self, tick_atom::value);
  return {
    [=](tick_atom) {
      // Ticks at a fixed interval whether or not the store answers in time;
      // a reply that misses the interval counts as a failure.
      self->request(store, opts.interval, heartbeat_atom::value, opts.node_id)
        .then(
          [=]() {
            if (self->state.hb.record(true) && opts.log)
              opts.log->info("heartbeat recovered");
          },
          [=](caf::error& err) {
            if (self->state.hb.record(false) && opts.log)
              opts.log->warn("heartbeat failed: {}", self->system().render(err));
          });
      self->delayed_send(self, opts.interval, tick_atom::value);
    },
    [=](status_atom) { return self->state.hb.status; },
  };
}

} // namespace

heartbeat_actor spawn_heartbeat(caf::actor_system& sys, node_store_actor store,
                                heartbeat_options opts) {
  heartbeat_impl full = sys.spawn(heartbeat_behavior, std::move(store), std::move(opts));
  return caf::actor_cast<heartbeat_actor>(full);
}

} // namespace boocode
