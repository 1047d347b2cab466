#include "runtime/tools/view_image.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "runtime/tools/file_observer.hpp"
#include "runtime/tools/file_walk.hpp"
#include "runtime/tools/image_attacher.hpp"
#include "runtime/tools/workspace_path.hpp"

namespace boocode::tools {

namespace fs = std::filesystem;

tool_result view_image(const tool_context& ctx, std::string_view path) {
  return guarded(true, [&] {
    if (!ctx.images)
      throw tool_failure("images cannot be shown to this model");
    auto file = resolve_workspace_path(ctx.workspace, path);
    std::error_code ec;
    auto st = fs::status(file.absolute, ec);
    if (!fs::exists(st))
      throw tool_failure(fmt::format("{} does not exist", file.relative));
    if (!fs::is_regular_file(st))
      throw tool_failure(fmt::format("{} is not a regular file", file.relative));
    auto limit = ctx.images->max_bytes();
    auto size = fs::file_size(file.absolute, ec);
    if (!ec && size > limit)
      throw tool_failure(
        fmt::format("{} is too large ({} bytes; the limit is {})", file.relative, size, limit));
    auto bytes = slurp(file.absolute, limit);
    if (!bytes)
      throw tool_failure(fmt::format("cannot read {}", file.relative));
    if (ctx.observer)
      ctx.observer->read(file.relative, *bytes);
    auto stored = ctx.images->attach(*bytes, file.relative);
    if (auto* why = std::get_if<std::string>(&stored))
      throw tool_failure(fmt::format("cannot show {}: {}", file.relative, *why));
    auto& img = std::get<model::image_ref>(stored);
    tool_result r;
    r.read_only = true;
    r.text = fmt::format("{} ({}, {}x{} px, {} bytes) is shown to you after the tool results.",
                         file.relative, img.media_type, img.width, img.height, img.bytes);
    r.images.push_back(std::move(img));
    return r;
  });
}

} // namespace boocode::tools
