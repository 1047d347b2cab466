#include "runtime/step_cache/record.hpp"

#include <algorithm>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "runtime/digest.hpp"
#include "runtime/tools/text.hpp"

namespace boocode::step_cache {

using json = nlohmann::json;

std::size_t step_record::bytes() const {
  std::size_t n = 0;
  for (const auto& w : writes)
    n += w.path.size() + (w.content ? w.content->size() : 0);
  return n;
}

namespace {

/// Text when the bytes are UTF-8 text, else base64: JSON holds either.
json content_json(const std::string& bytes) {
  if (tools::valid_utf8(bytes) == bytes)
    return {{"text", bytes}};
  return {{"base64", base64_encode(bytes)}};
}

std::string content_from(const json& j) {
  if (auto t = j.find("text"); t != j.end())
    return t->get<std::string>();
  auto bytes = base64_decode(j.at("base64").get<std::string>());
  if (!bytes)
    throw std::invalid_argument("a cached write's content is not base64");
  return *bytes;
}

} // namespace

json to_json(const step_record& r) {
  json j = json::object();
  auto& reads = j["reads"] = json::array();
  for (const auto& f : r.reads)
    reads.push_back({{"path", f.path}, {"hash", f.hash}});
  auto& lists = j["lists"] = json::array();
  for (const auto& d : r.lists)
    lists.push_back({{"path", d.path}, {"names", d.names}});
  auto& searches = j["searches"] = json::array();
  for (const auto& s : r.searches)
    searches.push_back({{"path", s.path},
                        {"pattern", s.pattern},
                        {"files", s.files},
                        {"complete", s.complete},
                        {"digest", s.digest}});
  if (r.found)
    j["found"] = *r.found;
  if (r.left)
    j["left"] = *r.left;
  auto& writes = j["writes"] = json::array();
  for (const auto& w : r.writes) {
    json o{{"path", w.path}, {"before", w.before}, {"after", w.after}};
    o["content"] = w.content ? content_json(*w.content) : json(nullptr);
    writes.push_back(std::move(o));
  }
  j["created"] = r.created;
  return j;
}

step_record record_from_json(const json& j) {
  try {
    step_record r;
    for (const auto& f : j.at("reads"))
      r.reads.push_back({f.at("path").get<std::string>(), f.at("hash").get<std::string>()});
    for (const auto& d : j.at("lists"))
      r.lists.push_back({d.at("path").get<std::string>(), d.at("names").get<std::string>()});
    for (const auto& s : j.at("searches"))
      r.searches.push_back({s.at("path").get<std::string>(), s.at("pattern").get<std::string>(),
                            s.at("files").get<std::size_t>(), s.at("complete").get<bool>(),
                            s.at("digest").get<std::string>()});
    if (auto f = j.find("found"); f != j.end())
      r.found = f->get<manifest>();
    if (auto l = j.find("left"); l != j.end())
      r.left = l->get<manifest>();
    for (const auto& w : j.at("writes")) {
      file_write out{w.at("path").get<std::string>(), w.at("before").get<std::string>(),
                     w.at("after").get<std::string>(), std::nullopt};
      if (const auto& c = w.at("content"); !c.is_null())
        out.content = content_from(c);
      r.writes.push_back(std::move(out));
    }
    r.created = j.at("created").get<std::vector<std::string>>();
    return r;
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("not a step cache record: ") + e.what());
  }
}

std::string listing_hash(const std::string& dir, const std::vector<std::string>& names,
                         const std::set<std::string>& created) {
  std::vector<std::string> kept;
  std::string path;
  for (const auto& n : names) {
    path.assign(dir == "." ? "" : dir + "/").append(n);
    if (!created.contains(path))
      kept.push_back(n);
  }
  return names_hash(std::move(kept));
}

std::string names_hash(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  sha256 h;
  for (const auto& n : names)
    h.update(n).update("\n");
  return h.hex();
}

} // namespace boocode::step_cache
