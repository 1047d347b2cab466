#include "storage/attachment_repository.hpp"

#include <pqxx/pqxx>

#include "storage/connection.hpp"

namespace boocode::storage {

namespace {

// $1 sha256, $2 chat, $3 the new id, $4 its name. Touches the blob (a sweep
// then leaves it alone) and attaches it to the chat (owned by the chat's
// owner) unless it is attached there already. Columns: the chat is live,
// then the attachment's id and name (null: the blob is not stored) and the
// blob's.
const char* const attach_sql =
  "WITH chat AS (SELECT owner FROM chats WHERE id = $2 AND archived_at IS NULL)"
  ", blob AS (UPDATE attachment_blobs SET touched_at = now() WHERE sha256 = $1"
  " RETURNING sha256, media_type, bytes, width, height)"
  ", added AS (INSERT INTO attachments (id, chat_id, owner, sha256, name)"
  " SELECT $3, $2, chat.owner, sha256, $4 FROM blob, chat ON CONFLICT (chat_id, sha256)"
  " DO UPDATE SET created_at = now() RETURNING id, name)"
  " SELECT (SELECT count(*) FROM chat), a.id, a.name, b.media_type, b.bytes, b.width, b.height"
  " FROM (SELECT 1) AS one LEFT JOIN blob b ON true LEFT JOIN added a ON true";

std::optional<model::image_ref> attach_in(pqxx::transaction_base& tx, const std::string& sha256,
                                          const std::string& chat_id, const std::string& id,
                                          const std::string& name, bool* no_chat) {
  auto r = tx.exec_params1(attach_sql, sha256, chat_id, id, name);
  if (no_chat != nullptr)
    *no_chat = r[0].as<int>() == 0;
  if (r[1].is_null())
    return std::nullopt;
  return model::image_ref{r[1].as<std::string>(), sha256,         r[3].as<std::string>(),
                          r[4].as<int64_t>(),     r[5].as<int>(), r[6].as<int>(),
                          r[2].as<std::string>()};
}

pqxx::binarystring binary(const std::string& bytes) {
  return pqxx::binarystring{bytes.data(), bytes.size()};
}

std::string bytes_of(const pqxx::field& f) {
  pqxx::binarystring b{f};
  return std::string{b.get(), b.size()};
}

} // namespace

struct attachment_repository::impl {
  explicit impl(connection c) : db(std::move(c)) {}
  connection db;
};

attachment_repository::attachment_repository(std::string conninfo)
  : impl_(std::make_unique<impl>(connection{std::move(conninfo)})) {}

attachment_repository::attachment_repository(std::shared_ptr<pool> p)
  : impl_(std::make_unique<impl>(connection{std::move(p), "attachment_repository"})) {}

attachment_repository::~attachment_repository() = default;

std::optional<model::image_ref>
attachment_repository::attach(const std::string& sha256, const std::string& chat_id,
                              const std::string& id, const std::string& name, bool* no_chat) {
  return impl_->db.with("attach an image", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    auto out = attach_in(tx, sha256, chat_id, id, name, no_chat);
    tx.commit();
    return out;
  });
}

std::optional<model::image_ref>
attachment_repository::store(const attachment_blob& b, const std::string& chat_id,
                             const std::string& id, const std::string& name, bool* no_chat) {
  return impl_->db.with("store an image", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    tx.exec_params(
      "INSERT INTO attachment_blobs (sha256, media_type, bytes, width, height, data,"
      " model_media_type, model_data, model_width, model_height, thumb_media_type, thumb_data)"
      " VALUES ($1, $2, $3, $4, $5, $6, nullif($7, ''), nullif($8, ''::bytea), nullif($9, 0),"
      " nullif($10, 0), $11, $12) ON CONFLICT (sha256) DO UPDATE SET touched_at = now()",
      b.sha256, b.media_type, static_cast<int64_t>(b.data.size()), b.width, b.height,
      binary(b.data), b.model_data.empty() ? std::string{} : b.model_media_type,
      binary(b.model_data), b.model_width, b.model_height, b.thumb_media_type,
      binary(b.thumb_data));
    auto out = attach_in(tx, b.sha256, chat_id, id, name, no_chat);
    if (!out)
      return out; // no chat: the blob is not kept either
    tx.commit();
    return out;
  });
}

std::optional<served_image> attachment_repository::fetch(const std::string& id, image_variant v) {
  return impl_->db.with("read an image", [&](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    const char* columns =
      v == image_variant::thumbnail ? "b.thumb_media_type, b.thumb_data" : "b.media_type, b.data";
    auto r =
      tx.exec_params(fmt::format("SELECT {}, (SELECT string_agg(chat_id, ',') FROM"
                                 " attachments WHERE id = $1) FROM attachments a JOIN"
                                 " attachment_blobs b USING (sha256) WHERE a.id = $1 LIMIT 1",
                                 columns),
                     id);
    std::optional<served_image> out;
    if (r.empty())
      return out;
    served_image s;
    s.media_type = r[0][0].as<std::string>();
    s.data = bytes_of(r[0][1]);
    std::string_view chats = r[0][2].c_str();
    while (!chats.empty()) {
      auto comma = chats.find(',');
      s.chats.emplace_back(chats.substr(0, comma));
      chats = comma == std::string_view::npos ? std::string_view{} : chats.substr(comma + 1);
    }
    out = std::move(s);
    return out;
  });
}

std::optional<model_image> attachment_repository::model_copy(const std::string& sha256) {
  return impl_->db.with("read an image", [&](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    auto r = tx.exec_params("SELECT coalesce(model_media_type, media_type),"
                            " coalesce(model_data, data) FROM attachment_blobs WHERE sha256 = $1",
                            sha256);
    std::optional<model_image> out;
    if (!r.empty())
      out = model_image{r[0][0].as<std::string>(), bytes_of(r[0][1])};
    return out;
  });
}

int64_t attachment_repository::sweep(std::chrono::seconds ttl) {
  return impl_->db.with("sweep attachments", [&](pqxx::connection& c) {
    pqxx::work tx{c};
    auto expired = tx.exec_params(
      "DELETE FROM attachments a USING chats c WHERE c.id = a.chat_id AND (c.archived_at IS NOT"
      " NULL OR (a.referenced_at IS NULL AND a.created_at < now() - make_interval(secs => $1)))",
      static_cast<double>(ttl.count()));
    // A blob touched lately may be about to get its attachment (an upload
    // between its two inserts): left for the next sweep.
    auto orphans =
      tx.exec("DELETE FROM attachment_blobs b WHERE b.touched_at < now() - interval '10 minutes'"
              " AND NOT EXISTS (SELECT 1 FROM attachments a WHERE a.sha256 = b.sha256)");
    tx.commit();
    return static_cast<int64_t>(expired.affected_rows() + orphans.affected_rows());
  });
}

attachment_repository::totals attachment_repository::count() {
  return impl_->db.with("count attachments", [&](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    auto r = tx.exec1(
      "SELECT (SELECT count(*) FROM attachments), (SELECT count(*) FROM attachment_blobs)");
    return totals{r[0].as<int64_t>(), r[1].as<int64_t>()};
  });
}

} // namespace boocode::storage
