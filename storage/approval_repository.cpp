#include "storage/approval_repository.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "storage/connection.hpp"
#include "storage/session_repository_impl.hpp"

namespace boocode::storage {

struct approval_repository::impl {
  explicit impl(connection c) : db(std::move(c)) {}
  connection db;
};

approval_repository::approval_repository(std::string conninfo)
  : impl_(std::make_unique<impl>(connection{std::move(conninfo)})) {}

approval_repository::approval_repository(std::shared_ptr<pool> p)
  : impl_(std::make_unique<impl>(connection{std::move(p), "approval_repository"})) {}

approval_repository::~approval_repository() = default;

std::vector<chat::approval_requested> approval_repository::pending(const std::string& chat_id) {
  return impl_->db.with("list approvals", [&](pqxx::connection& c) {
    pqxx::read_transaction tx{c};
    auto r = tx.exec_params(
      "SELECT j.turn, j.payload::text FROM turn_journal j WHERE j.actor_id = $1"
      " AND j.kind = 'approval' AND NOT EXISTS (SELECT 1 FROM inbox i WHERE i.actor_id = $1"
      " AND i.kind = 'approval_answer' AND (i.content::jsonb) ->> 'id' = j.payload ->> 'id')"
      " ORDER BY j.pos",
      chat_id);
    std::vector<chat::approval_requested> out;
    for (const auto& row : r) {
      auto p = nlohmann::json::parse(row[1].c_str());
      chat::approval_requested a;
      a.turn = row[0].as<int>();
      a.id = p.value("id", "");
      a.call_id = p.value("call_id", "");
      a.tool = p.value("tool", "");
      a.arguments = p.value("arguments", "");
      a.reason = p.value("reason", "");
      out.push_back(std::move(a));
    }
    return out;
  });
}

approval_repository::answered approval_repository::answer(const std::string& chat_id,
                                                          const chat::approval_answer& a) {
  return impl_->db.with("answer an approval", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    answered out;
    // The request's row, locked: its turn cannot end (the checkpoint drops
    // the journal) between this check and the answer's insert.
    auto req = tx.exec_params("SELECT turn FROM turn_journal WHERE actor_id = $1"
                              " AND kind = 'approval' AND payload ->> 'id' = $2 FOR SHARE",
                              chat_id, a.id);
    if (req.empty())
      return out;
    auto turn = req[0][0].as<int>();
    auto r = tx.exec_params(
      fmt::format("INSERT INTO inbox (actor_id, content, kind, taken_turn) VALUES ($1, $2,"
                  " 'approval_answer', $3) ON CONFLICT DO NOTHING RETURNING {}",
                  inbox_columns),
      chat_id, chat::to_text(a), turn);
    if (r.empty()) {
      out.state = answer_state::already_answered;
      return out;
    }
    out.entry = to_inbox(r[0]);
    tx.commit();
    out.state = answer_state::stored;
    return out;
  });
}

} // namespace boocode::storage
