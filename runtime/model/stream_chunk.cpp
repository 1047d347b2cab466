#include "runtime/model/stream_chunk.hpp"

#include <cstdint>
#include <limits>

#include <nlohmann/json.hpp>

namespace boocode::model {

namespace {

/// Where a SAX event is: the object or array around it that matters, or
/// inside a value of no interest (skipped whole).
enum class place { root, choices, choice, delta, calls, call, function };

/// Fills a stream_chunk from SAX events; gives up (returns false) on
/// anything a plain delta chunk does not have, so that the document reader
/// decides.
class chunk_reader {
public:
  explicit chunk_reader(stream_chunk& out) : out_(out) {}

  bool saw_choices() const { return saw_choices_; }

  bool start_object(std::size_t) {
    if (skipping())
      return ++skip_, true;
    if (stack_.empty()) {
      stack_.push_back(place::root);
      return true;
    }
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
    return ++skip_, true;
  }

  bool start_array(std::size_t) {
    if (skipping())
      return ++skip_, true;
    if (stack_.empty())
      return false; // not an object
    if (stack_.back() == place::root && key_ == "choices") {
      saw_choices_ = true;
      return enter(place::choices);
    }
    if (stack_.back() == place::delta && key_ == "tool_calls")
      return enter(place::calls);
    return ++skip_, true;
  }

  bool end_object() { return leave(); }
  bool end_array() { return leave(); }

  bool key(std::string& k) {
    if (skipping())
      return true;
    if (stack_.back() == place::root && (k == "error" || k == "usage"))
      return false;
    key_ = std::move(k);
    return true;
  }

  bool string(std::string& s) {
    if (skipping())
      return true;
    if (!scalar())
      return false;
    switch (stack_.back()) {
      case place::choice:
        if (key_ == "finish_reason")
          out_.choices.back().finish_reason = std::move(s);
        break;
      case place::delta:
        if (key_ == "content")
          out_.choices.back().content = std::move(s);
        else if (key_ == "reasoning_content")
          out_.choices.back().reasoning = std::move(s);
        break;
      case place::call:
        if (key_ == "id")
          out_.choices.back().calls.back().id = std::move(s);
        break;
      case place::function:
        if (key_ == "name")
          out_.choices.back().calls.back().name = std::move(s);
        else if (key_ == "arguments")
          out_.choices.back().calls.back().arguments = std::move(s);
        break;
      default:
        break;
    }
    return true;
  }

  bool number_integer(std::int64_t n) { return index(n); }
  bool number_unsigned(std::uint64_t n) {
    return index(n <= static_cast<std::uint64_t>(std::numeric_limits<int>::max())
                   ? static_cast<std::int64_t>(n)
                   : std::numeric_limits<std::int64_t>::max()); // no index: out of range
  }
  bool number_float(double, const std::string&) { return skipping() || scalar(); }
  bool boolean(bool) { return skipping() || scalar(); }
  bool null() { return skipping() || scalar(); }
  bool binary(nlohmann::json::binary_t&) { return false; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }

private:
  bool skipping() const { return skip_ > 0; }

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

  /// A value that is not an object or array: fine anywhere but as the whole
  /// chunk or as its choices.
  bool scalar() const {
    return !stack_.empty() && !(stack_.back() == place::root && key_ == "choices");
  }

  /// A number: a tool call's index, or nothing of interest.
  bool index(std::int64_t n) {
    if (skipping())
      return true;
    if (!scalar())
      return false;
    if (stack_.back() == place::call && key_ == "index" && n >= std::numeric_limits<int>::min() &&
        n <= std::numeric_limits<int>::max())
      out_.choices.back().calls.back().index = static_cast<int>(n);
    return true;
  }

  stream_chunk& out_;
  std::vector<place> stack_;
  std::string key_; // the last key read in the innermost object
  int skip_ = 0;    // depth inside a value of no interest
  bool saw_choices_ = false;
};

} // namespace

bool read_plain_chunk(std::string_view text, stream_chunk& out) {
  chunk_reader reader{out};
  bool ok = nlohmann::json::sax_parse(text.begin(), text.end(), &reader) && reader.saw_choices();
  if (!ok)
    out = {};
  return ok;
}

} // namespace boocode::model
