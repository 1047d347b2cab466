#pragma once

#include <string_view>

#include "runtime/tools/tool_context.hpp"
#include "runtime/tools/tool_result.hpp"

namespace boocode::tools {

/// view_image: opens an image file of the workspace (PNG, JPEG, WebP or
/// GIF; the same path confinement as read_file) and shows it to the model:
/// the result names it and carries it as an attachment, which the next model
/// call sends after the tool results. An error when the context has no
/// image_attacher (the model is not sent images).
tool_result view_image(const tool_context& ctx, std::string_view path);

} // namespace boocode::tools
