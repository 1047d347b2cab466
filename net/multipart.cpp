#include "net/multipart.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

namespace boocode::net {

namespace {

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

/// Parameter `name` of a header value such as `form-data; name="file";
/// filename="a.png"` (quotes removed, backslash escapes undone).
std::optional<std::string> parameter(std::string_view value, std::string_view name) {
  size_t at = value.find(';');
  while (at != std::string_view::npos) {
    auto rest = value.substr(at + 1);
    auto eq = rest.find('=');
    if (eq == std::string_view::npos)
      return std::nullopt;
    auto key = trim(rest.substr(0, eq));
    auto v = rest.substr(eq + 1);
    std::string out;
    size_t end = 0;
    if (!v.empty() && v.front() == '"') {
      for (end = 1; end < v.size() && v[end] != '"'; ++end) {
        if (v[end] == '\\' && end + 1 < v.size())
          ++end;
        out += v[end];
      }
      end = v.find(';', end);
    } else {
      end = v.find(';');
      out = std::string(trim(v.substr(0, end)));
    }
    if (iequal(key, name))
      return out;
    if (end == std::string_view::npos)
      return std::nullopt;
    at = (value.size() - v.size()) + end;
  }
  return std::nullopt;
}

} // namespace

std::string multipart_boundary(std::string_view content_type) {
  auto semi = content_type.find(';');
  if (!iequal(trim(content_type.substr(0, semi)), "multipart/form-data"))
    return {};
  auto b = parameter(content_type, "boundary");
  if (!b || b->empty() || b->size() > 70)
    return {};
  return *b;
}

std::variant<form_file, std::string> first_file_part(std::string_view body,
                                                     std::string_view boundary) {
  std::string delimiter = "--" + std::string(boundary);
  auto first = body.find(delimiter);
  if (first == std::string_view::npos)
    return "the multipart body has no part";
  std::optional<form_file> named_file;
  auto at = first + delimiter.size();
  std::string next_delimiter = "\r\n" + delimiter;
  while (true) {
    if (body.substr(at, 2) == "--")
      break; // the closing delimiter
    if (body.substr(at, 2) != "\r\n")
      return "the multipart body is malformed";
    at += 2;
    auto head_end = body.find("\r\n\r\n", at);
    if (head_end == std::string_view::npos)
      return "a part of the multipart body has no end to its headers";
    auto headers = body.substr(at, head_end - at);
    auto content_start = head_end + 4;
    auto content_end = body.find(next_delimiter, content_start);
    if (content_end == std::string_view::npos)
      return "the multipart body is truncated";
    std::optional<std::string> filename;
    std::optional<std::string> field;
    size_t line_at = 0;
    while (line_at <= headers.size()) {
      auto line_end = headers.find("\r\n", line_at);
      auto line = headers.substr(
        line_at, line_end == std::string_view::npos ? std::string_view::npos : line_end - line_at);
      auto colon = line.find(':');
      if (colon != std::string_view::npos &&
          iequal(trim(line.substr(0, colon)), "content-disposition")) {
        auto value = line.substr(colon + 1);
        filename = parameter(value, "filename");
        field = parameter(value, "name");
      }
      if (line_end == std::string_view::npos)
        break;
      line_at = line_end + 2;
    }
    form_file part{body.substr(content_start, content_end - content_start), filename.value_or("")};
    if (filename)
      return part;
    if (field && *field == "file" && !named_file)
      named_file = part;
    at = content_end + next_delimiter.size();
  }
  if (named_file)
    return *named_file;
  return "the multipart body has no file part";
}

} // namespace boocode::net
