#include "runtime/node_identity.hpp"

#include <fstream>
#include <random>
#include <stdexcept>

#include <fmt/format.h>

namespace boocode {

std::string random_id(const std::string& prefix, int hex_digits) {
  static constexpr char hex[] = "0123456789abcdef";
  std::random_device rd;
  std::string out = prefix;
  for (int i = 0; i < hex_digits; ++i)
    out += hex[rd() % 16];
  return out;
}

std::string load_or_create_node_id(const std::filesystem::path& data_dir) {
  auto file = data_dir / "node-id";
  if (std::ifstream in{file}; in) {
    std::string id;
    std::getline(in, id);
    if (!id.empty())
      return id;
  }
  auto id = random_id("node-", 12);
  auto tmp = data_dir / "node-id.tmp";
  {
    std::ofstream out{tmp, std::ios::trunc};
    out << id << '\n';
    if (!out.flush())
      throw std::runtime_error(fmt::format("cannot write {}", tmp.string()));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec)
    throw std::runtime_error(fmt::format("cannot write {}: {}", file.string(), ec.message()));
  return id;
}

} // namespace boocode
