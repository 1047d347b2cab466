#include "net/attachment_routes.hpp"

#include "net/multipart.hpp"
#include "net/route_answers.hpp"
#include "runtime/protocol/records.hpp"

namespace boocode::net {

namespace {

/// The image of an upload request: a multipart body's file part, or the raw
/// body (named by ?name=).
std::variant<form_file, std::string> upload_of(const http_request& req) {
  auto type = req.header("content-type").value_or("");
  if (auto boundary = multipart_boundary(type); !boundary.empty())
    return first_file_part(req.body, boundary);
  if (type.starts_with("multipart/"))
    return "a multipart upload must be multipart/form-data with a boundary";
  std::string name;
  if (auto params = parse_query(req.query))
    for (auto& [k, v] : *params)
      if (k == "name")
        name = v;
  return form_file{req.body, name};
}

http_response upload(chat::chat_service& chats, chat::attachment_service& store,
                     const http_request& req, const std::string& chat_id) {
  if (auto r = chats.reach(caller_of(req), chat_id);
      auto* err = std::get_if<chat::service_error>(&r))
    return from_error(*err);
  auto file = upload_of(req);
  if (auto* why = std::get_if<std::string>(&file))
    return json_error(400, "invalid_argument", *why);
  auto& f = std::get<form_file>(file);
  auto name = f.filename.substr(0, 200);
  return answer(store.upload(chat_id, f.bytes, name), 201,
                [](const model::image_ref& img) { return protocol::to_json(img); });
}

http_response serve(chat::attachment_service& store, const http_request& req, const std::string& id,
                    chat::attachment_view view) {
  auto r = store.fetch(caller_of(req), id, view);
  if (auto* err = std::get_if<chat::service_error>(&r))
    return from_error(*err);
  auto& img = std::get<chat::attachment_bytes>(r);
  http_response res;
  res.content_type = img.media_type;
  res.body = std::move(img.data);
  add_image_headers(res);
  return res;
}

} // namespace

void add_image_headers(http_response& res) {
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  // An image opened on its own runs nothing and loads nothing.
  res.headers.emplace_back(
    "Content-Security-Policy",
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox");
  res.headers.emplace_back("Content-Disposition", "inline");
  // An id's bytes never change; only its readers may cache it.
  res.headers.emplace_back("Cache-Control", "private, max-age=86400");
}

void add_attachment_routes(router& r, chat::chat_service& chats,
                           chat::attachment_service& attachments) {
  r.add("POST", "/api/chats/:id/attachments",
        [&chats, &attachments](const http_request& req, const route_params& p) {
          return upload(chats, attachments, req, p.at("id"));
        });
  r.add("GET", "/api/attachments/:id",
        [&attachments](const http_request& req, const route_params& p) {
          return serve(attachments, req, p.at("id"), chat::attachment_view::original);
        });
  r.add("GET", "/api/attachments/:id/thumbnail",
        [&attachments](const http_request& req, const route_params& p) {
          return serve(attachments, req, p.at("id"), chat::attachment_view::thumbnail);
        });
}

} // namespace boocode::net
