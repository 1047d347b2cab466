#include "actors/session_loader.hpp"

#include "actors/cluster_store.hpp"
#include "storage/storage_error.hpp"

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
      out.failure = load_failure::unknown_chat;
      return out;
    }
    if (!img->chat.archived) {
      if (auto refusal = workspace_refusal(deps.node_id, img->chat.workspace); !refusal.empty()) {
        repo.release_lease(fence);
        out.failure = load_failure::refused;
        out.error = "chat " + chat_id + ": " + refusal;
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
    out.session = std::move(l);
  } catch (const storage::not_owner& e) {
    out.failure = load_failure::not_owner;
    out.error = e.what();
  } catch (const storage::fenced& e) {
    out.failure = load_failure::fenced;
    out.error = e.what();
  } catch (const storage::storage_unavailable& e) {
    out.failure = load_failure::unreachable;
    out.error = e.what();
  } catch (const std::exception& e) {
    out.failure = load_failure::failed;
    out.error = e.what();
  }
  return out;
}

} // namespace boocode
