#include "storage/session_repository.hpp"

#include <map>

#include <fmt/format.h>
#include <pqxx/pqxx>

#include "storage/rows.hpp"
#include "storage/session_repository_impl.hpp"
#include "storage/storage_error.hpp"

namespace boocode::storage {

namespace {

/// SQL: the kind of actor $1 names (protocol::kind_of_actor).
constexpr const char* lease_kind = "actor_kind_of($1)"; // storage/migrations/0011_workflows.sql

} // namespace

namespace {

/// SQL: `column` names a node that is up or draining.
std::string live_node(const std::string& column) {
  return "EXISTS (SELECT 1 FROM nodes WHERE nodes.id = " + column +
         " AND nodes.state IN ('up', 'draining'))";
}

} // namespace

session_repository::impl::impl(connection c) : db(std::move(c)) {
  db.on_open = prepare_turn_statements; // a turn's writes, planned once per connection
}

session_repository::session_repository(std::string conninfo)
  : impl_(std::make_unique<impl>(connection{std::move(conninfo)})) {}

session_repository::session_repository(std::shared_ptr<pool> p)
  : impl_(std::make_unique<impl>(connection{std::move(p), "session_repository"})) {}

session_repository::~session_repository() = default;

fence session_repository::acquire_lease(const std::string& actor_id, const std::string& node_id) {
  return impl_->db.with("acquire lease", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    // Ours already, or its owner is no live node; and we are not known dead.
    auto r =
      tx.exec_params("INSERT INTO actor_leases (actor_id, node_id, epoch, kind)"
                     " SELECT $1, $2, 1, " +
                       std::string(lease_kind) +
                       " WHERE NOT EXISTS (SELECT 1 FROM nodes WHERE id = $2"
                       " AND state NOT IN ('up', 'draining'))"
                       " ON CONFLICT (actor_id) DO UPDATE SET epoch = actor_leases.epoch + 1,"
                       " node_id = EXCLUDED.node_id, acquired_at = now()"
                       " WHERE actor_leases.node_id = EXCLUDED.node_id OR NOT " +
                       std::string(live_node("actor_leases.node_id")) + " RETURNING epoch",
                     actor_id, node_id);
    if (r.empty()) {
      auto owner = tx.exec_params("SELECT node_id FROM actor_leases WHERE actor_id = $1", actor_id);
      auto who = owner.empty() ? std::string() : owner[0][0].as<std::string>();
      throw not_owner(fmt::format("{} is owned by node {}, not {}", actor_id,
                                  who.empty() ? "(none)" : who, node_id),
                      who);
    }
    tx.commit();
    return fence{actor_id, r[0][0].as<int64_t>(), node_id};
  });
}

void session_repository::release_lease(const fence& f) {
  impl_->db.with("release lease", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    tx.exec_params("UPDATE actor_leases SET node_id = '', epoch = epoch + 1"
                   " WHERE actor_id = $1 AND epoch = $2",
                   f.actor_id, f.epoch);
    tx.commit();
  });
}

void session_repository::keep_lease(const fence& f) {
  impl_->db.with("keep lease", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    auto r = tx.exec_params("SELECT 1 FROM actor_leases WHERE actor_id = $1 AND epoch = $2"
                            " AND node_id = $3",
                            f.actor_id, f.epoch, f.node_id);
    if (r.empty())
      throw fenced(
        fmt::format("{} is no longer owned by {} at epoch {}", f.actor_id, f.node_id, f.epoch));
    tx.commit();
  });
}

void session_repository::save_seq(const fence& f, int64_t last_seq) {
  impl_->db.with("save seq", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    auto r = tx.exec_params(std::string(lease_cte) +
                              "UPDATE chats SET last_seq = GREATEST(last_seq, $3) FROM lease"
                              " WHERE id = $1 RETURNING 1",
                            f.actor_id, f.epoch, last_seq);
    if (r.empty())
      throw fenced(fmt::format("save seq: {} is no longer owned at epoch {}", f.actor_id, f.epoch));
    tx.commit();
  });
}

std::optional<std::string> session_repository::place(const std::string& actor_id,
                                                     const std::string& cluster) {
  return impl_->db.with("place actor", [&](pqxx::connection& c) -> std::optional<std::string> {
    pqxx::work tx{c};
    limit_lock_wait(tx);
    auto r = tx.exec_params(
      "INSERT INTO actor_leases (actor_id, node_id, epoch, kind) SELECT $1, n.id, 0, " +
        std::string(lease_kind) +
        " FROM nodes n"
        " WHERE n.cluster = $2 AND n.state = 'up' ORDER BY (SELECT count(*) FROM actor_leases l"
        " WHERE l.node_id = n.id), n.id LIMIT 1 ON CONFLICT (actor_id) DO NOTHING RETURNING "
        "node_id",
      actor_id, cluster);
    tx.commit();
    if (r.empty())
      return std::nullopt;
    return r[0][0].as<std::string>();
  });
}

std::optional<route_answer> session_repository::route(const std::string& chat_id,
                                                      const std::string& me,
                                                      const workspace_check& check) {
  return impl_->db.with("route chat", [&](pqxx::connection& c) -> std::optional<route_answer> {
    // Twice at most: a claim that loses a race reads the winner.
    for (int attempt = 0; attempt < 2; ++attempt) {
      pqxx::work tx{c};
      limit_lock_wait(tx);
      auto r = tx.exec_params(
        "SELECT c.workspace, coalesce(l.node_id, ''), coalesce(n.state, ''),"
        " coalesce(n.cluster_address, '') FROM chats c"
        " LEFT JOIN actor_leases l ON l.actor_id = c.id LEFT JOIN nodes n ON n.id = l.node_id"
        " WHERE c.id = $1",
        chat_id);
      if (r.empty())
        return std::nullopt;
      auto owner = r[0][1].as<std::string>();
      auto state = r[0][2].as<std::string>();
      if (state == "up" || state == "draining")
        return route_answer{owner, r[0][3].as<std::string>(), ""};
      if (auto why = check(r[0][0].as<std::string>()); !why.empty())
        return route_answer{"", "", why};
      auto claimed = tx.exec_params(
        "INSERT INTO actor_leases (actor_id, node_id, epoch, kind) SELECT $1, $2, 0, " +
          std::string(lease_kind) +
          " WHERE EXISTS (SELECT 1 FROM nodes WHERE id = $2 AND state = 'up')"
          " ON CONFLICT (actor_id) DO UPDATE SET node_id = EXCLUDED.node_id,"
          " epoch = actor_leases.epoch + 1, acquired_at = now() WHERE NOT " +
          std::string(live_node("actor_leases.node_id")) +
          " RETURNING (SELECT cluster_address FROM nodes WHERE id = $2)",
        chat_id, me);
      tx.commit();
      if (!claimed.empty())
        return route_answer{me, claimed[0][0].is_null() ? "" : claimed[0][0].as<std::string>(), ""};
    }
    return route_answer{"", "", "node " + me + " is not up"};
  });
}

std::vector<claimed_actor> session_repository::claim_orphans(const std::string& me,
                                                             const std::string& cluster,
                                                             const workspace_check& check,
                                                             std::vector<std::string>* refused) {
  return impl_->db.with("claim orphaned leases", [&](pqxx::connection& c) {
    std::vector<claimed_actor> out;
    pqxx::work tx{c};
    limit_lock_wait(tx);
    auto counts =
      tx.exec_params1("SELECT (SELECT count(*) FROM nodes WHERE cluster = $1 AND state = 'up'),"
                      " (SELECT count(*) FROM nodes WHERE id = $2 AND state = 'up'),"
                      " (SELECT count(*) FROM actor_leases l JOIN chats c ON c.id = l.actor_id"
                      " WHERE c.archived_at IS NULL AND NOT " +
                        std::string(live_node("l.node_id")) + ")",
                      cluster, me);
    auto up = counts[0].as<int64_t>();
    auto orphans = counts[2].as<int64_t>();
    if (counts[1].as<int64_t>() == 0 || up == 0 || orphans == 0)
      return out;
    auto share = (orphans + up - 1) / up;
    auto rows = tx.exec_params(
      // Work: input waiting, a turn in progress, or a workflow run not ended
      // (its script replays, whatever it was doing).
      "SELECT l.actor_id, c.workspace, (EXISTS (SELECT 1 FROM inbox i WHERE i.actor_id = c.id"
      " AND i.consumed_at IS NULL) OR EXISTS (SELECT 1 FROM turn_journal j"
      " WHERE j.actor_id = c.id) OR (c.kind = 'workflow' AND EXISTS (SELECT 1 FROM tasks t"
      " WHERE t.id = c.id AND t.state = 'running'))) AS has_work"
      " FROM actor_leases l JOIN chats c ON c.id = l.actor_id"
      " WHERE c.archived_at IS NULL AND NOT " +
        std::string(live_node("l.node_id")) +
        " ORDER BY has_work DESC, l.actor_id LIMIT $1 FOR UPDATE OF l SKIP LOCKED",
      share);
    std::vector<std::string> ids;
    std::map<std::string, bool> work;
    for (const auto& row : rows) {
      auto id = row[0].as<std::string>();
      if (auto why = check(row[1].as<std::string>()); !why.empty()) {
        if (refused != nullptr)
          refused->push_back(id.append(": ").append(why));
        continue;
      }
      ids.push_back(id);
      work[id] = row[2].as<bool>();
    }
    // Checked again, now that the rows are locked: the SELECT's re-check of a
    // row another survivor claimed as it ran does not cover the owner's
    // liveness (a subquery), this statement's fresh snapshot does.
    if (!ids.empty())
      for (const auto& row :
           tx.exec_params("UPDATE actor_leases SET node_id = $1, epoch = epoch + 1,"
                          " acquired_at = now() WHERE actor_id = ANY($2::text[]) AND NOT " +
                            std::string(live_node("actor_leases.node_id")) + " RETURNING actor_id",
                          me, text_array(ids)))
        out.push_back({row[0].as<std::string>(), work[row[0].as<std::string>()]});
    std::stable_sort(out.begin(), out.end(),
                     [](auto& a, auto& b) { return a.has_work > b.has_work; });
    tx.commit();
    return out;
  });
}

std::optional<int64_t> session_repository::move_lease(const std::string& actor_id,
                                                      const std::string& from,
                                                      const std::string& to) {
  return impl_->db.with("move lease", [&](pqxx::connection& c) -> std::optional<int64_t> {
    pqxx::work tx{c};
    limit_lock_wait(tx);
    auto r = tx.exec_params(
      "UPDATE actor_leases SET node_id = $3, epoch = epoch + 1, acquired_at = now()"
      " WHERE actor_id = $1 AND node_id = $2"
      " AND EXISTS (SELECT 1 FROM nodes WHERE id = $3 AND state = 'up') RETURNING epoch",
      actor_id, from, to);
    tx.commit();
    if (r.empty())
      return std::nullopt;
    return r[0][0].as<int64_t>();
  });
}

std::vector<std::string> session_repository::leases_of(const std::string& node_id) {
  return impl_->db.with("list leases", [&](pqxx::connection& c) {
    pqxx::read_transaction tx{c};
    std::vector<std::string> out;
    for (const auto& row : tx.exec_params(
           "SELECT actor_id FROM actor_leases WHERE node_id = $1 ORDER BY actor_id", node_id))
      out.push_back(row[0].as<std::string>());
    return out;
  });
}

session_repository::posted session_repository::post(const std::string& chat_id,
                                                    const std::string& text,
                                                    const std::string& client_id,
                                                    const std::vector<std::string>& attachments) {
  return impl_->db.with("post message", [&](pqxx::connection& c) {
    // One statement, one round trip: the chat's state, the message stored
    // with this client_id before (in the inbox, or answered before the inbox
    // existed: migration 0004), or the new row.
    pqxx::nontransaction tx{c};
    auto r = tx.exec_prepared("post_message", chat_id, text, client_id, text_array(attachments));
    posted out;
    if (r.empty() || r[0][0].as<int>() == 0) {
      out.no_chat = true;
      return out;
    }
    if (r[0][1].as<bool>()) {
      out.archived = true;
      return out;
    }
    if (!r[0][3].is_null()) {
      out.entry = to_inbox(pqxx::row{r[0]}.slice(3, 10));
      out.duplicate = r[0][2].as<std::string>() != "new";
      return out;
    }
    if (!r[0][10].as<bool>()) {
      out.unknown_attachment = true;
      return out;
    }
    // A concurrent caller stored the same client_id after our statement
    // began (the insert did nothing): read it now, in a new snapshot.
    auto existing = tx.exec_params(
      fmt::format("SELECT {} FROM inbox WHERE actor_id = $1 AND client_id = $2", inbox_columns),
      chat_id, client_id);
    if (existing.empty())
      throw storage_error("post message: client_id conflict did not resolve");
    out.entry = to_inbox(existing[0]);
    out.duplicate = true;
    return out;
  });
}

std::optional<chat::session_image> session_repository::load(const std::string& chat_id) {
  return impl_->db.with("load session", [&](pqxx::connection& c) {
    // One snapshot for all reads: a checkpoint committing in between would
    // otherwise show a turn both in history and in the journal.
    pqxx::transaction<pqxx::repeatable_read, pqxx::readwrite_policy::read_only> tx{c};
    auto chat =
      tx.exec_params(fmt::format("SELECT {} FROM chats WHERE id = $1", chat_columns), chat_id);
    if (chat.empty())
      return std::optional<chat::session_image>{};
    chat::session_image img;
    img.chat = to_chat(chat[0]);
    auto snap =
      tx.exec_params("SELECT state::text FROM agent_snapshots WHERE actor_id = $1", chat_id);
    if (!snap.empty()) {
      img.state = nlohmann::json::parse(snap[0][0].c_str());
    } else { // never checkpointed here (a fork): the totals of the turns it has
      model::token_usage total;
      for (const auto& row :
           tx.exec_params("SELECT usage::text FROM chat_turns WHERE chat_id = $1", chat_id))
        total += protocol::usage_from_json(nlohmann::json::parse(row[0].c_str()));
      img.state["usage"] = protocol::to_json(total);
    }
    img.history = to_messages(tx.exec_params(
      fmt::format("SELECT {} FROM messages WHERE chat_id = $1 ORDER BY turn, id", message_columns),
      chat_id));
    for (const auto& row : tx.exec_params(
           fmt::format(
             "SELECT {} FROM inbox WHERE actor_id = $1 AND consumed_at IS NULL ORDER BY id",
             inbox_columns),
           chat_id))
      img.inbox.push_back(to_inbox(row));
    auto journal =
      tx.exec_params("SELECT turn, step, kind, payload::text, " + iso_time("created_at") +
                       " FROM turn_journal WHERE actor_id = $1 ORDER BY pos",
                     chat_id);
    for (const auto& row : journal) {
      int turn = row[0].as<int>();
      if (!img.in_progress || img.in_progress->turn != turn)
        img.in_progress = chat::turn_journal{turn, row[4].as<std::string>(), {}};
      chat::journal_entry e;
      e.step = row[1].as<std::string>();
      e.kind = row[2].as<std::string>();
      auto payload = nlohmann::json::parse(row[3].c_str());
      if (e.kind == "message")
        e.message = message_from_row(payload);
      else
        e.data = std::move(payload);
      if (e.kind != "start")
        img.in_progress->entries.push_back(std::move(e));
    }
    tx.commit();
    return std::optional<chat::session_image>{std::move(img)};
  });
}

} // namespace boocode::storage
