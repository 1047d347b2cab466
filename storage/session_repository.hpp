#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/chat/journal.hpp"
#include "storage/fence.hpp"

namespace boocode::storage {

class pool;

/// What a session writes at a turn boundary.
struct checkpoint_request {
  int turn = 0;
  nlohmann::json state; // the session's state ({"turn", "last_seq", "usage"})
  int64_t last_seq = 0;
  // The turn's summary, for the timeline (table chat_turns).
  protocol::turn_outcome outcome = protocol::turn_outcome::completed;
  std::string error;
  model::token_usage usage;
  int model_calls = 0;
  /// A subagent's turn ends its task (the actor's id is the task's): its
  /// final state, result or error, and the notification for its parent.
  struct task_end {
    protocol::task_state state = protocol::task_state::completed;
    std::string result;
    std::string error;
    std::string note;
  };
  std::optional<task_end> ends_task;
};

/// What begin_turn found.
struct turn_begun {
  enum state_t {
    started,         // the turn began with `taken`
    nothing_waiting, // no message waits: nothing was written
    stale,           // chats.turns is not the turn before it, the chat is archived, or an
                     // entry to take no longer waits: nothing was written (the caller's
                     // idea of the chat is out of date)
  } state = nothing_waiting;
  std::vector<chat::inbox_entry> taken; // in id order
  int turns = 0;                        // chats.turns as found (-1: no such chat)
  std::vector<int64_t> ids;             // message ids reserved for the turn, ascending
};

/// Whether a chat's workspace can be served from this node: "" when it can,
/// else why not (a claim is refused rather than resume a conversation about
/// files that are not there).
using workspace_check = std::function<std::string(const std::string& workspace)>;

/// Where a chat is served.
struct route_answer {
  std::string node_id; // its owner: a live node (this one when just claimed)
  std::string address; // the owner's cluster address
  std::string refused; // non-empty: nobody owns it and this node may not (why)
};

/// A lease taken over from a node that is gone.
struct claimed_actor {
  std::string actor_id;
  bool has_work = false; // a turn in progress or messages waiting
};

/// The tables that make a session durable (docs/durability.md): actor_leases,
/// inbox, turn_journal and agent_snapshots, read together with chats and
/// messages. Over a connection of its own (not thread-safe) or a pool's
/// (thread-safe).
/// Every call throws storage_error on failure; an owner write whose epoch is
/// no longer the lease's throws `fenced` and changes nothing.
class session_repository {
public:
  /// With a connection of its own.
  explicit session_repository(std::string conninfo);
  /// Borrowing the connections of `p` (thread-safe then).
  explicit session_repository(std::shared_ptr<pool> p);
  ~session_repository();

  /// Takes the lease of `actor_id` for `node_id`: epoch 1 for the first
  /// owner, the previous epoch + 1 after that. Returns the fence to write with.
  /// Throws not_owner when another node that is up or draining owns it, and
  /// when `node_id` itself is known to be dead or stopped.
  fence acquire_lease(const std::string& actor_id, const std::string& node_id);

  /// Gives the lease up (its owner stops serving the actor): free to claim.
  void release_lease(const fence& f);

  /// Checks that `f` still holds (the owner and epoch unchanged) without
  /// taking the lease anew: a passivated session loads again under the
  /// same epoch. Throws `fenced` when it does not hold.
  void keep_lease(const fence& f);

  /// Raises the chat's stored frame seq to `last_seq` (fenced): a session
  /// that unloads keeps its seq, so the frames after it reloads continue
  /// where they were.
  void save_seq(const fence& f, int64_t last_seq);

  /// Places a new actor on the up node of `cluster` that owns the fewest
  /// (epoch 0: its session takes epoch 1). Nothing when no node is up.
  std::optional<std::string> place(const std::string& actor_id, const std::string& cluster);

  /// Where chat `chat_id` is served: its owner while that node is up or
  /// draining; else the chat is claimed for `me` (an up node) when `check`
  /// accepts its workspace here. Nothing for an unknown chat.
  std::optional<route_answer> route(const std::string& chat_id, const std::string& me,
                                    const workspace_check& check);

  /// Claims this node's share of the leases whose owner is gone (dead,
  /// stopped, released): ceil(orphans / up nodes), chats with work first,
  /// never one another caller is claiming at the same time (SKIP LOCKED).
  /// Chats whose workspace `check` refuses are left and listed in `refused`.
  std::vector<claimed_actor> claim_orphans(const std::string& me, const std::string& cluster,
                                           const workspace_check& check,
                                           std::vector<std::string>* refused = nullptr);

  /// Moves the lease of `actor_id` from `from` to `to` (epoch + 1) when
  /// `from` owns it and `to` is up; the new epoch, or nothing.
  std::optional<int64_t> move_lease(const std::string& actor_id, const std::string& from,
                                    const std::string& to);

  /// The actors `node_id` owns.
  std::vector<std::string> leases_of(const std::string& node_id);

  struct posted {
    chat::inbox_entry entry;
    bool duplicate = false; // client_id was stored before; nothing new written
    bool archived = false;  // the chat is archived: nothing written, no entry
    bool no_chat = false;   // there is no such chat: nothing written, no entry
    /// An attachment id is not one of the chat's (or is listed twice):
    /// nothing written, no entry.
    bool unknown_attachment = false;
  };

  /// Stores an acknowledged user message in the chat's inbox (one round
  /// trip). A non-empty `client_id` is stored at most once per chat, also
  /// under concurrent calls.
  /// `attachments`: the ids of the chat's uploads it carries, in order.
  posted post(const std::string& chat_id, const std::string& text, const std::string& client_id,
              const std::vector<std::string>& attachments = {});

  /// Everything a session needs to continue `chat_id`; nothing for an
  /// unknown chat. One consistent read.
  std::optional<chat::session_image> load(const std::string& chat_id);

  /// Starts turn `turn` (fenced) if chats.turns is `turn - 1`: the waiting
  /// inbox messages become the turn's, the journal gets its start,
  /// chats.turns becomes `turn`, and `reserve` message ids are reserved for
  /// it (greater than its user messages'). One round trip. With `only`, the
  /// turn takes those inbox entries and no others, and starts only if each
  /// still waits (else nothing is written: stale).
  turn_begun begin_turn(const fence& f, int turn, int reserve = 0,
                        const std::vector<int64_t>* only = nullptr);

  /// `n` fresh message ids, ascending (greater than every id handed out so far).
  std::vector<int64_t> reserve_ids(int n);

  /// Journals a message step (fenced), and with `next` the intent of the
  /// tool call about to start, in one commit; returns the message with id and
  /// created_at (its own when it has them, else the next id and now). One
  /// round trip.
  chat::message_record journal_message(const fence& f, int turn, const std::string& step,
                                       chat::message_record m,
                                       const chat::tool_intent* next = nullptr);

  /// Journals an intent or build step (fenced).
  void journal(const fence& f, int turn, const std::string& step, const std::string& kind,
               const nlohmann::json& data);

  /// The turn boundary, in one transaction (fenced): the turn's user and
  /// journaled messages appended to messages, its summary to chat_turns, its
  /// inbox entries marked consumed, the snapshot upserted (with the waiting
  /// inbox as its mailbox), chats.last_seq raised, the turn's journal dropped.
  /// With `answer` (the turn's last reply, not journaled), that is stored
  /// last (with an id and created_at as journal_message gives them). With
  /// `req.ends_task`, the task ends (unless it had), and its parent's
  /// notification is stored: `note` gets it (id 0:
  /// none was written). Returns how many messages still wait (the next
  /// turn's). One round trip.
  int checkpoint(const fence& f, const checkpoint_request& req,
                 chat::message_record* answer = nullptr, chat::inbox_entry* note = nullptr);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace boocode::storage
