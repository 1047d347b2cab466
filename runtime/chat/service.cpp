#include "runtime/chat/service.hpp"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

namespace fs = std::filesystem;

namespace boocode::chat {

std::optional<service_error> validate_new_chat(new_chat& req, const std::vector<fs::path>& roots) {
  auto bad = [](std::string msg) { return service_error{400, "invalid_argument", std::move(msg)}; };
  if (req.workspace.empty())
    return bad("workspace is required");
  fs::path ws{req.workspace};
  if (!ws.is_absolute())
    return bad("workspace must be an absolute path");
  std::error_code ec;
  auto canonical = fs::canonical(ws, ec);
  if (ec || !fs::is_directory(canonical, ec))
    return bad("workspace " + req.workspace + " is not an existing directory");
  req.workspace = canonical.string();
  if (!roots.empty()) {
    bool inside = std::any_of(roots.begin(), roots.end(), [&](const fs::path& root) {
      auto [end, _] = std::mismatch(root.begin(), root.end(), canonical.begin(), canonical.end());
      return end == root.end() && canonical != root;
    });
    if (!inside) {
      std::string list;
      for (auto& root : roots)
        list += (list.empty() ? "" : ", ") + root.string();
      return bad(fmt::format("workspace {} is not inside a workspace root of this node ({}); "
                             "symbolic links are resolved first",
                             canonical.string(), list));
    }
  }
  if (req.title.empty())
    req.title = canonical.filename().empty() ? canonical.string() : canonical.filename().string();
  if (req.title.size() > 200)
    return bad("title must be at most 200 characters");
  if (req.build_command) {
    if (req.build_command->empty())
      return bad("build_command must be a non-empty array of strings");
    for (auto& arg : *req.build_command)
      if (arg.empty())
        return bad("build_command must not hold empty strings");
  }
  return std::nullopt;
}

std::optional<service_error> validate_message(const std::string& text, size_t images,
                                              size_t max_images) {
  if (images > max_images)
    return service_error{400, "too_many_attachments",
                         "a message carries at most " + std::to_string(max_images) + " images"};
  if (text.empty() && images == 0)
    return service_error{400, "invalid_argument", "text must not be empty"};
  if (text.size() > max_message_bytes)
    return service_error{413, "too_large",
                         "text must be at most " + std::to_string(max_message_bytes) + " bytes"};
  return std::nullopt;
}

} // namespace boocode::chat
