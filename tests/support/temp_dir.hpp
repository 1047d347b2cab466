#pragma once

#include <filesystem>
#include <string>

namespace boocode::test {

/// A fresh directory under /tmp, removed (with its contents) on destruction.
/// World-traversable so an embedded PostgreSQL running as user "postgres"
/// can reach a data dir inside it.
class temp_dir {
public:
  explicit temp_dir(const std::string& prefix = "boocode-test");
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
  std::filesystem::path path_;
};

} // namespace boocode::test
