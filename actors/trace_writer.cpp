#include "actors/trace_writer.hpp"

#include <thread>

#include <caf/all.hpp>

#include "storage/storage_error.hpp"

namespace boocode {

namespace {

/// Writes rows one at a time after their batch was refused. Returns false
/// (with the unwritten rows put back) if the database went away meanwhile.
bool write_one_by_one(trace::trace_queue& q, const trace_write_fn& write,
                      std::vector<trace::trace_record> rows, spdlog::logger* log) {
  for (size_t i = 0; i < rows.size(); ++i) {
    try {
      write({rows[i]});
      q.done(1);
    } catch (const storage::storage_unavailable&) {
      q.put_back({std::make_move_iterator(rows.begin() + static_cast<std::ptrdiff_t>(i)),
                  std::make_move_iterator(rows.end())});
      return false;
    } catch (const std::exception& e) {
      q.rejected(1);
      if (log)
        log->error("trace {} of chat {} ({}) was refused and is lost: {}", rows[i].start->id,
                   rows[i].start->chat_id, rows[i].start->tool, e.what());
    }
  }
  return true;
}

struct writer_state {
  std::chrono::milliseconds backoff{0};
  bool retry_scheduled = false;
  static inline const char* name = "trace_writer";
};

} // namespace

bool drain_traces(trace::trace_queue& q, const trace_write_fn& write, size_t batch,
                  spdlog::logger* log) {
  for (;;) {
    auto rows = q.take(batch);
    if (rows.empty())
      return true;
    try {
      write(rows);
      q.done(rows.size());
    } catch (const storage::storage_unavailable& e) {
      if (log)
        log->warn("cannot write {} trace row(s), will retry: {}", rows.size(), e.what());
      q.put_back(std::move(rows));
      return false;
    } catch (const std::exception& e) {
      if (log)
        log->warn("the database refused a batch of {} trace rows ({}); writing them one by one",
                  rows.size(), e.what());
      if (!write_one_by_one(q, write, std::move(rows), log))
        return false;
    }
  }
}

trace_writer_actor spawn_trace_writer(caf::actor_system& sys, std::shared_ptr<trace::trace_queue> q,
                                      trace_write_fn write, trace_writer_options opts) {
  auto writer = sys.spawn<caf::detached>(
    [q, write, opts](trace_writer_actor::stateful_pointer<writer_state> self)
      -> trace_writer_actor::behavior_type {
      // Drains; on an unreachable database, schedules one retry with backoff.
      auto drain = [self, q, write, opts] {
        if (drain_traces(*q, write, opts.batch, opts.log.get())) {
          self->state.backoff = std::chrono::milliseconds{0};
          return true;
        }
        if (!self->state.retry_scheduled) {
          auto& b = self->state.backoff;
          b = b.count() == 0 ? opts.min_backoff : std::min(b * 2, opts.max_backoff);
          self->state.retry_scheduled = true;
          self->delayed_send(self, b, wake_atom::value);
        }
        return false;
      };
      return {
        [self, drain](wake_atom) {
          self->state.retry_scheduled = false;
          drain();
        },
        [drain, q](flush_atom) { return drain() && q->stats().pending == 0; },
        [self, q, write, opts](close_atom) {
          q->interrupt_open(trace::now_us());
          auto deadline = std::chrono::steady_clock::now() + opts.close_deadline;
          bool ok = drain_traces(*q, write, opts.batch, opts.log.get());
          while (!ok && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(opts.min_backoff);
            ok = drain_traces(*q, write, opts.batch, opts.log.get());
          }
          if (!ok && opts.log)
            opts.log->error("stopping with {} trace row(s) not written: the database is "
                            "unreachable",
                            q->stats().pending);
          self->quit();
          return ok;
        },
      };
    });
  // Weak, so the queue does not keep the writer alive (the writer holds the queue).
  q->on_ready([weak = caf::actor_cast<caf::weak_actor_ptr>(writer), gather = opts.gather] {
    auto strong = caf::actor_cast<caf::strong_actor_ptr>(weak);
    if (!strong)
      return;
    auto w = caf::actor_cast<trace_writer_actor>(strong);
    if (gather.count() > 0)
      caf::delayed_anon_send(w, gather, wake_atom::value);
    else
      caf::anon_send(w, wake_atom::value);
  });
  return writer;
}

} // namespace boocode
