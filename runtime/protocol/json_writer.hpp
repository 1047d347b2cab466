#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace boocode::protocol {

/// Appends `s` to `out` as a JSON string (invalid UTF-8 replaced by U+FFFD).
void put_string(std::string& out, std::string_view s);

/// Writes one JSON object member by member straight into a string, without a
/// JSON tree: frames are written many times a second (every streamed token).
/// `"name":` then the value; the first member opens the object, done()
/// closes it. Names are written as given (they are the protocol's own).
class object_writer {
public:
  explicit object_writer(size_t reserve = 128) { out_.reserve(reserve); }

  object_writer& str(std::string_view name, std::string_view v) {
    key(name);
    put_string(out_, v);
    return *this;
  }
  /// An empty string is written as null.
  object_writer& str_or_null(std::string_view name, std::string_view v) {
    key(name);
    if (v.empty())
      out_ += "null";
    else
      put_string(out_, v);
    return *this;
  }
  template <class T>
  object_writer& num(std::string_view name, T v) {
    key(name);
    fmt::format_to(std::back_inserter(out_), "{}", v);
    return *this;
  }
  template <class T>
  object_writer& num_or_null(std::string_view name, const std::optional<T>& v) {
    if (v)
      return num(name, *v);
    return null(name);
  }
  object_writer& boolean(std::string_view name, bool v) {
    key(name);
    out_ += v ? "true" : "false";
    return *this;
  }
  object_writer& null(std::string_view name) {
    key(name);
    out_ += "null";
    return *this;
  }
  /// `json_text` must be one complete JSON value.
  object_writer& raw(std::string_view name, std::string_view json_text) {
    key(name);
    out_ += json_text;
    return *this;
  }
  std::string done() {
    out_ += out_.empty() ? "{}" : "}";
    return std::move(out_);
  }

private:
  void key(std::string_view name) {
    out_ += out_.empty() ? '{' : ',';
    out_ += '"';
    out_ += name;
    out_ += "\":";
  }
  std::string out_;
};

} // namespace boocode::protocol
