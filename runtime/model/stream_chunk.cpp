#include "runtime/model/stream_chunk.hpp"

#include <cstdint>
#include <limits>

#include <boost/json/basic_parser_impl.hpp>

namespace boocode::model {

namespace {

using boost::json::string_view;
using boost::system::error_code;

/// Where a parse event is: the object or array around it that matters, or
/// inside a value of no interest (skipped whole).
enum class place { root, choices, choice, delta, calls, call, function };

/// Fills a stream_chunk from Boost.JSON's parse events; gives up (returns
/// false) on anything a plain delta chunk does not have, so that the
/// document reader decides. Strings and keys with escapes may come in parts.
class chunk_handler {
public:
  static constexpr std::size_t max_object_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_array_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_key_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_string_size = std::numeric_limits<std::size_t>::max();

  explicit chunk_handler(stream_chunk& out) : out_(out) {}

  bool saw_choices() const { return saw_choices_; }

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }

  bool on_object_begin(error_code& ec) {
    if (skipping())
      return ++skip_, true;
    if (stack_.empty())
      return enter(place::root);
    switch (stack_.back()) {
      case place::choices:
        out_.choices.emplace_back();
        return enter(place::choice);
      case place::calls:
        out_.choices.back().calls.emplace_back();
        return enter(place::call);
      case place::choice:
        if (key_ == "delta")
          return enter(place::delta);
        break;
      case place::call:
        if (key_ == "function")
          return enter(place::function);
        break;
      default:
        break;
    }
    (void)ec;
    return ++skip_, true;
  }

  bool on_array_begin(error_code& ec) {
    if (skipping())
      return ++skip_, true;
    if (stack_.empty())
      return refuse(ec); // not an object
    if (stack_.back() == place::root && key_ == "choices") {
      saw_choices_ = true;
      return enter(place::choices);
    }
    if (stack_.back() == place::delta && key_ == "tool_calls")
      return enter(place::calls);
    return ++skip_, true;
  }

  bool on_object_end(std::size_t, error_code&) { return leave(); }
  bool on_array_end(std::size_t, error_code&) { return leave(); }

  bool on_key_part(string_view part, std::size_t, error_code&) { return gather(part); }

  bool on_key(string_view last, std::size_t, error_code& ec) {
    if (skipping())
      return true;
    take_whole(last, key_);
    if (stack_.back() == place::root && (key_ == "error" || key_ == "usage"))
      return refuse(ec);
    return true;
  }

  bool on_string_part(string_view part, std::size_t, error_code&) { return gather(part); }

  bool on_string(string_view last, std::size_t, error_code& ec) {
    if (skipping())
      return true;
    if (!scalar())
      return refuse(ec);
    std::string ignored;
    auto* field = field_of_string();
    take_whole(last, field != nullptr ? *field : ignored);
    return true;
  }

  bool on_number_part(string_view, error_code&) { return true; }
  bool on_int64(std::int64_t n, string_view, error_code& ec) { return index(n, ec); }
  bool on_uint64(std::uint64_t n, string_view, error_code& ec) {
    return index(n <= static_cast<std::uint64_t>(std::numeric_limits<int>::max())
                   ? static_cast<std::int64_t>(n)
                   : std::numeric_limits<std::int64_t>::max(), // no index: out of range
                 ec);
  }
  bool on_double(double, string_view, error_code& ec) { return other_scalar(ec); }
  bool on_bool(bool, error_code& ec) { return other_scalar(ec); }
  bool on_null(error_code& ec) { return other_scalar(ec); }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }

private:
  bool skipping() const { return skip_ > 0; }

  /// A part of a string or key (escapes and buffer ends split them), kept
  /// until its last part.
  bool gather(string_view part) {
    if (!skipping())
      part_.append(part.data(), part.size());
    return true;
  }

  /// The whole string or key, `last` being its last part, into `into`.
  void take_whole(string_view last, std::string& into) {
    part_.append(last.data(), last.size());
    into.swap(part_);
    part_.clear();
  }

  bool enter(place p) {
    stack_.push_back(p);
    return true;
  }

  bool leave() {
    if (skipping())
      return --skip_, true;
    stack_.pop_back();
    return true;
  }

  /// Stops the parse: not a plain delta chunk.
  static bool refuse(error_code& ec) {
    ec = boost::json::error::syntax;
    return false;
  }

  /// A value that is not an object or array: fine anywhere but as the whole
  /// chunk or as its choices.
  bool scalar() const {
    return !stack_.empty() && !(stack_.back() == place::root && key_ == "choices");
  }

  bool other_scalar(error_code& ec) const { return skipping() || scalar() || refuse(ec); }

  /// Where the string value under key_ goes, or null (of no interest).
  std::string* field_of_string() {
    switch (stack_.back()) {
      case place::choice:
        if (key_ == "finish_reason")
          return &out_.choices.back().finish_reason;
        break;
      case place::delta:
        if (key_ == "content")
          return &out_.choices.back().content;
        if (key_ == "reasoning_content")
          return &out_.choices.back().reasoning;
        break;
      case place::call:
        if (key_ == "id")
          return &out_.choices.back().calls.back().id;
        break;
      case place::function:
        if (key_ == "name")
          return &out_.choices.back().calls.back().name;
        if (key_ == "arguments")
          return &out_.choices.back().calls.back().arguments;
        break;
      default:
        break;
    }
    return nullptr;
  }

  /// A number: a tool call's index, or nothing of interest.
  bool index(std::int64_t n, error_code& ec) {
    if (skipping())
      return true;
    if (!scalar())
      return refuse(ec);
    if (stack_.back() == place::call && key_ == "index" && n >= std::numeric_limits<int>::min() &&
        n <= std::numeric_limits<int>::max())
      out_.choices.back().calls.back().index = static_cast<int>(n);
    return true;
  }

  stream_chunk& out_;
  std::vector<place> stack_;
  std::string key_;  // the last key read in the innermost object
  std::string part_; // the string or key read so far
  int skip_ = 0;     // depth inside a value of no interest
  bool saw_choices_ = false;
};

} // namespace

bool read_plain_chunk(std::string_view text, stream_chunk& out) {
  boost::json::basic_parser<chunk_handler> parser{boost::json::parse_options{}, out};
  error_code ec;
  auto used = parser.write_some(false, text.data(), text.size(), ec);
  bool ok = !ec && used == text.size() && parser.handler().saw_choices();
  if (!ok)
    out = {};
  return ok;
}

} // namespace boocode::model
