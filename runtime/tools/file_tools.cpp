#include "runtime/tools/file_tools.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>

#include "runtime/tools/file_observer.hpp"
#include "runtime/tools/text.hpp"
#include "runtime/tools/workspace_path.hpp"

namespace fs = std::filesystem;

namespace boocode::tools {

namespace {

/// list_dir reads at most this many names before sorting: a directory with
/// millions of entries is counted, not held in memory.
constexpr size_t max_scanned_entries = 100000;

tool_result success(std::string text, bool truncated = false) {
  tool_result r;
  r.text = std::move(text);
  r.truncated = truncated;
  return r;
}

/// The bytes of an existing regular text file, at most `max_bytes` of them.
std::string read_text(const workspace_path& file, size_t max_bytes) {
  std::error_code ec;
  auto st = fs::status(file.absolute, ec);
  if (!fs::exists(st))
    throw tool_failure(fmt::format("file not found: {}", file.relative));
  if (fs::is_directory(st))
    throw tool_failure(fmt::format("{} is a directory; use list_dir", file.relative));
  if (!fs::is_regular_file(st))
    throw tool_failure(fmt::format("{} is not a regular file", file.relative));
  auto size = fs::file_size(file.absolute, ec);
  if (!ec && size > max_bytes)
    throw tool_failure(fmt::format(
      "{} is too large to read ({} bytes; the limit is {}); use search to find the lines you need",
      file.relative, size, max_bytes));
  std::ifstream in(file.absolute, std::ios::binary);
  if (!in)
    throw tool_failure(fmt::format("cannot read {}: {}", file.relative, std::strerror(errno)));
  std::string data(max_bytes + 1, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<size_t>(in.gcount()));
  if (data.size() > max_bytes) // it grew since the size check
    throw tool_failure(
      fmt::format("{} is too large to read (the limit is {} bytes)", file.relative, max_bytes));
  if (looks_binary(data))
    throw tool_failure(
      fmt::format("{} looks like a binary file; read_file returns text only", file.relative));
  return data;
}

/// How often `needle` occurs in `haystack`, overlapping occurrences included;
/// `first` gets the first position.
size_t count_occurrences(std::string_view haystack, std::string_view needle, size_t& first) {
  size_t n = 0;
  first = haystack.find(needle);
  for (auto pos = first; pos != std::string_view::npos; pos = haystack.find(needle, pos + 1))
    ++n;
  return n;
}

std::string describe_entry(const fs::directory_entry& entry) {
  std::error_code ec;
  auto name = valid_utf8(entry.path().filename().string());
  auto st = entry.symlink_status(ec);
  if (fs::is_symlink(st))
    return fmt::format("symlink  {} -> {}", name, valid_utf8(fs::read_symlink(entry, ec).string()));
  if (fs::is_directory(st))
    return fmt::format("dir  {}/", name);
  if (fs::is_regular_file(st)) {
    auto size = entry.file_size(ec);
    return ec ? fmt::format("file  {}", name) : fmt::format("file  {}  ({} bytes)", name, size);
  }
  return fmt::format("other  {}", name);
}

} // namespace

void write_atomically(const workspace_path& file, std::string_view content) {
  static std::atomic<unsigned> counter{0};
  struct stat old {};
  bool existed = stat(file.absolute.c_str(), &old) == 0;
  auto tmp = file.absolute.parent_path() / fmt::format(".{}.boocode-{}-{}.tmp",
                                                       file.absolute.filename().string(), getpid(),
                                                       counter.fetch_add(1));
  auto fail = [&](const char* what) {
    int err = errno;
    unlink(tmp.c_str());
    throw tool_failure(
      fmt::format("cannot write {}: {}: {}", file.relative, what, std::strerror(err)));
  };
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0)
    fail("create");
  for (size_t done = 0; done < content.size();) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      close(fd);
      fail("write");
    }
    done += static_cast<size_t>(n);
  }
  if ((existed && fchmod(fd, old.st_mode & 07777) != 0) || fsync(fd) != 0) {
    close(fd);
    fail("sync");
  }
  if (close(fd) != 0)
    fail("close");
  if (rename(tmp.c_str(), file.absolute.c_str()) != 0)
    fail("rename");
}

tool_result read_file(const tool_context& ctx, std::string_view path) {
  return guarded(true, [&] {
    auto file = resolve_workspace_path(ctx.workspace, path);
    auto bytes = read_text(file, ctx.limits.max_read_bytes);
    if (ctx.observer)
      ctx.observer->read(file.relative, bytes);
    auto text = valid_utf8(std::move(bytes));
    return success(text.empty() ? "[empty file]" : std::move(text));
  });
}

tool_result write_file(const tool_context& ctx, std::string_view path, std::string_view content) {
  return guarded(false, [&] {
    if (content.size() > ctx.limits.max_write_bytes)
      throw tool_failure(fmt::format("content is too large ({} bytes; the limit is {})",
                                     content.size(), ctx.limits.max_write_bytes));
    auto file = resolve_workspace_path(ctx.workspace, path);
    std::error_code ec;
    auto st = fs::status(file.absolute, ec);
    if (fs::is_directory(st))
      throw tool_failure(fmt::format("{} is a directory", file.relative));
    if (fs::exists(st) && !fs::is_regular_file(st))
      throw tool_failure(fmt::format("{} is not a regular file", file.relative));
    bool existed = fs::exists(st);
    if (ctx.observer)
      ctx.observer->writing(file.relative, file.absolute);
    fs::create_directories(file.absolute.parent_path(), ec);
    if (ec)
      throw tool_failure(fmt::format(
        "cannot create the directory {}: {}",
        file.absolute.parent_path().lexically_relative(file.root).string(), ec.message()));
    write_atomically(file, content);
    return success(fmt::format("{} {} ({} bytes)", existed ? "wrote" : "created", file.relative,
                               content.size()));
  });
}

tool_result edit_file(const tool_context& ctx, std::string_view path, std::string_view old_string,
                      std::string_view new_string) {
  return guarded(false, [&] {
    if (old_string.empty())
      throw tool_failure("old_string is empty; use write_file to create or replace a whole file");
    if (old_string == new_string)
      throw tool_failure("old_string and new_string are the same; nothing would change");
    auto file = resolve_workspace_path(ctx.workspace, path);
    auto text = read_text(file, ctx.limits.max_read_bytes);
    size_t pos = 0;
    size_t n = count_occurrences(text, old_string, pos);
    if (n == 0)
      throw tool_failure(fmt::format(
        "old_string was not found in {} (0 matches); nothing was written. Read the file and copy "
        "the text exactly, including whitespace and indentation",
        file.relative));
    if (n > 1)
      throw tool_failure(fmt::format("old_string matches {} times in {}; nothing was written. "
                                     "Include more surrounding text so it matches exactly once",
                                     n, file.relative));
    text.replace(pos, old_string.size(), new_string);
    if (text.size() > ctx.limits.max_write_bytes)
      throw tool_failure(
        fmt::format("the edited file would be too large ({} bytes; the limit is {})", text.size(),
                    ctx.limits.max_write_bytes));
    if (ctx.observer)
      ctx.observer->writing(file.relative, file.absolute);
    write_atomically(file, text);
    auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(pos), '\n');
    return success(fmt::format("edited {} at line {}", file.relative, line));
  });
}

tool_result list_dir(const tool_context& ctx, std::string_view path) {
  return guarded(true, [&] {
    auto dir = resolve_workspace_path(ctx.workspace, path);
    std::error_code ec;
    auto st = fs::status(dir.absolute, ec);
    if (!fs::exists(st))
      throw tool_failure(fmt::format("directory not found: {}", dir.relative));
    if (!fs::is_directory(st))
      throw tool_failure(fmt::format("{} is not a directory; use read_file", dir.relative));
    fs::directory_iterator it(dir.absolute, ec);
    if (ec)
      throw tool_failure(fmt::format("cannot list {}: {}", dir.relative, ec.message()));
    std::vector<fs::directory_entry> entries;
    size_t total = 0;
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      if (++total <= max_scanned_entries)
        entries.push_back(*it);
    }
    std::sort(entries.begin(), entries.end(),
              [](auto& a, auto& b) { return a.path().filename() < b.path().filename(); });
    if (ctx.observer) {
      std::vector<std::string> names;
      names.reserve(entries.size());
      for (const auto& e : entries)
        names.push_back(e.path().filename().string());
      ctx.observer->listed(dir.relative, std::move(names));
    }
    if (entries.empty())
      return success("[empty directory]");
    std::string out;
    size_t shown = std::min(entries.size(), ctx.limits.max_list_entries);
    for (size_t i = 0; i < shown; ++i)
      out += describe_entry(entries[i]) + "\n";
    bool truncated = total > shown;
    if (truncated)
      out += fmt::format("[{} more entries not shown; {} in all]\n", total - shown, total);
    return success(std::move(out), truncated);
  });
}

} // namespace boocode::tools
