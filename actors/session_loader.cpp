#include "actors/session_loader.hpp"

#include "actors/cluster_store.hpp"
#include "actors/storage_errors.hpp"
#include "runtime/errors.hpp"

namespace boocode {

load_result load_session(const session_deps& deps, const std::string& chat_id,
                         const std::optional<storage::fence>& keep) {
  auto& repo = *deps.sessions;
  load_result out;
  try {
    storage::fence fence;
    if (keep) {
      repo.keep_lease(*keep);
      fence = *keep;
    } else {
      fence = repo.acquire_lease(chat_id, deps.node_id);
    }
    auto img = repo.load(chat_id);
    if (!img) {
      out.error = caf::make_error(errc::not_found, "no chat " + chat_id);
      return out;
    }
    if (!img->chat.archived) {
      if (auto refusal = workspace_refusal(deps.node_id, img->chat.workspace); !refusal.empty()) {
        repo.release_lease(fence);
        out.error = caf::make_error(errc::refused, "chat " + chat_id + ": " + refusal);
        return out;
      }
    }
    loaded_session l;
    l.epoch = fence.epoch;
    l.last_seq = img->chat.last_seq;
    l.messages = img->conversation();
    if (img->in_progress)
      l.turn = img->in_progress->turn;
    l.usage = img->usage();
    l.has_work = img->has_work() && !img->chat.archived;
    l.hold_notifications = img->chat.last_outcome == protocol::turn_outcome::cancelled;
    l.parent_chat = img->chat.parent_chat;
    out.session = std::move(l);
  } catch (const storage::storage_error& e) {
    out.error = to_error(e);
  } catch (const std::exception& e) {
    out.error = caf::make_error(errc::storage_failure, e.what());
  }
  return out;
}

} // namespace boocode
