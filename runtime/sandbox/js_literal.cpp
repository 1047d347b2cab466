#include "runtime/sandbox/js_literal.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace boocode::sandbox {
namespace {

constexpr int max_depth = 64;

class literal_reader {
public:
  literal_reader(const std::vector<token>& tokens, std::size_t& i) : t_(tokens), i_(i) {}

  nlohmann::json value(int depth) {
    if (depth > max_depth) {
      fail("the literal is nested too deeply");
    }
    const auto& tok = peek("a value");
    if (is(tok, "{")) {
      return object(depth);
    }
    if (is(tok, "[")) {
      return array(depth);
    }
    if (is(tok, "-") || is(tok, "+")) {
      ++i_;
      const auto& n = peek("a number");
      if (n.kind != token_kind::number) {
        fail("expected a number");
      }
      auto v = number(next());
      if (tok.text == "+") {
        return v;
      }
      return v.is_number_integer() ? nlohmann::json(-v.get<std::int64_t>())
                                   : nlohmann::json(-v.get<double>());
    }
    switch (tok.kind) {
      case token_kind::string:
        return next().text;
      case token_kind::template_text:
        if (!tok.whole_template) {
          fail("a template literal with substitutions is not a plain literal");
        }
        return next().text;
      case token_kind::number:
        return number(next());
      case token_kind::identifier:
        if (tok.text == "true" || tok.text == "false") {
          return next().text == "true";
        }
        if (tok.text == "null") {
          next();
          return nullptr;
        }
        fail(fmt::format("'{}' is not a plain literal value", tok.text));
      default:
        fail(fmt::format("'{}' is not a plain literal value", tok.text));
    }
  }

private:
  [[noreturn]] void fail(const std::string& why) const {
    const auto at = i_ < t_.size() ? t_[i_].at : (t_.empty() ? position{} : t_.back().at);
    throw scan_error(at, why);
  }

  const token& peek(const char* what) const {
    if (i_ >= t_.size()) {
      fail(fmt::format("the literal ends early: expected {}", what));
    }
    return t_[i_];
  }
  const token& next() { return t_[i_++]; }
  static bool is(const token& t, const char* punct) {
    return t.kind == token_kind::punct && t.text == punct;
  }
  void expect(const char* punct) {
    if (!is(peek(punct), punct)) {
      fail(fmt::format("expected '{}' but found '{}'", punct, t_[i_].text));
    }
    ++i_;
  }

  nlohmann::json number(const token& tok) const {
    std::string text = tok.text;
    std::erase(text, '_');
    try {
      if (text.size() > 2 && text[0] == '0' &&
          std::string("xXoObB").find(text[1]) != std::string::npos) {
        const int base = (text[1] == 'x' || text[1] == 'X')   ? 16
                         : (text[1] == 'o' || text[1] == 'O') ? 8
                                                              : 2;
        return std::stoll(text.substr(2), nullptr, base);
      }
      std::size_t used = 0;
      const double v = std::stod(text, &used);
      if (used != text.size() || !std::isfinite(v)) {
        throw std::invalid_argument(text);
      }
      if (v == std::floor(v) && std::fabs(v) < 9e15) {
        return static_cast<std::int64_t>(v);
      }
      return v;
    } catch (const std::logic_error&) {
      throw scan_error(tok.at, fmt::format("'{}' is not a number a literal can hold", tok.text));
    }
  }

  nlohmann::json object(int depth) {
    expect("{");
    auto out = nlohmann::json::object();
    while (!is(peek("'}'"), "}")) {
      const auto& key = peek("a key");
      if (key.kind != token_kind::identifier && key.kind != token_kind::string &&
          key.kind != token_kind::number) {
        fail(fmt::format("'{}' is not a plain key", key.text));
      }
      ++i_;
      if (!is(peek("':'"), ":")) {
        fail(fmt::format(
          "expected ':' after the key '{}' (no shorthand or methods in a plain literal)",
          key.text));
      }
      ++i_;
      out[key.text] = value(depth + 1);
      if (is(peek("'}'"), ",")) {
        ++i_;
      } else if (!is(t_[i_], "}")) {
        fail(fmt::format("expected ',' or '}}' but found '{}'", t_[i_].text));
      }
    }
    ++i_;
    return out;
  }

  nlohmann::json array(int depth) {
    expect("[");
    auto out = nlohmann::json::array();
    while (!is(peek("']'"), "]")) {
      out.push_back(value(depth + 1));
      if (is(peek("']'"), ",")) {
        ++i_;
      } else if (!is(t_[i_], "]")) {
        fail(fmt::format("expected ',' or ']' but found '{}'", t_[i_].text));
      }
    }
    ++i_;
    return out;
  }

  const std::vector<token>& t_;
  std::size_t& i_;
};

} // namespace

nlohmann::json read_literal(const std::vector<token>& tokens, std::size_t& i) {
  return literal_reader(tokens, i).value(0);
}

} // namespace boocode::sandbox
