#include "runtime/sandbox/js_scan.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>

namespace boocode::sandbox {

scan_error::scan_error(position where, const std::string& what)
  : std::runtime_error(describe(where) + ": " + what), at(where) {}

std::string describe(position at) {
  return fmt::format("line {}, column {}", at.line, at.column);
}

namespace {

constexpr std::string_view puncts[] = {
  ">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "?\?=", "=>",
  "==",   "!=",  "<=",  ">=",  "&&",  "||",  "??",  "?.",  "++",  "--",  "+=",   "-=",
  "*=",   "/=",  "%=",  "&=",  "|=",  "^=",  "**",  "<<",  ">>",  "{",   "}",    "(",
  ")",    "[",   "]",   ";",   ",",   "<",   ">",   "+",   "-",   "*",   "/"};
constexpr std::string_view single_puncts = "%&|^!~?:=.@#";

bool ident_start(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' || c >= 0x80;
}
bool ident_part(unsigned char c) {
  return ident_start(c) || (c >= '0' && c <= '9');
}
bool digit(unsigned char c) {
  return c >= '0' && c <= '9';
}

void append_utf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Keywords after which a `/` starts a regular expression, not a division.
bool regex_after_keyword(const std::string& word) {
  static constexpr std::array<std::string_view, 14> words = {
    "return", "typeof", "instanceof", "in", "of",   "new",   "delete",
    "void",   "throw",  "case",       "do", "else", "yield", "await"};
  return std::find(words.begin(), words.end(), word) != words.end();
}

class scanner {
public:
  explicit scanner(std::string_view src) : src_(src) {}

  std::vector<token> run() {
    while (true) {
      skip_space_and_comments();
      if (i_ >= src_.size()) {
        break;
      }
      const auto c = static_cast<unsigned char>(src_[i_]);
      if (c == '}' && !braces_.empty() && braces_.back()) {
        braces_.pop_back();
        advance(); // the `}` closing a substitution
        template_part();
      } else if (c == '`') {
        advance();
        template_part();
      } else if (c == '\'' || c == '"') {
        string_literal(static_cast<char>(c));
      } else if (digit(c) || (c == '.' && i_ + 1 < src_.size() && digit(src_[i_ + 1]))) {
        number();
      } else if (ident_start(c) || c == '\\') {
        identifier();
      } else if (c == '/' && regex_allowed()) {
        regex();
      } else {
        punctuator();
      }
    }
    if (!braces_.empty() && braces_.back()) {
      throw scan_error(here(), "unterminated template literal");
    }
    return std::move(out_);
  }

private:
  position here() const { return pos_; }

  void advance() {
    const auto c = static_cast<unsigned char>(src_[i_++]);
    if (c == '\n') {
      ++pos_.line;
      pos_.column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++pos_.column;
    }
  }

  void skip_space_and_comments() {
    while (i_ < src_.size()) {
      const char c = src_[i_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        advance();
      } else if (src_.substr(i_, 3) == "\xC2\xA0" || src_.substr(i_, 3) == "\xEF\xBB\xBF") {
        const auto n = src_[i_ + 1] == '\xA0' ? 2 : 3;
        for (int k = 0; k < n; ++k) {
          advance();
        }
      } else if (src_.substr(i_, 2) == "//") {
        while (i_ < src_.size() && src_[i_] != '\n') {
          advance();
        }
      } else if (src_.substr(i_, 2) == "/*") {
        const auto start = here();
        const auto close = src_.find("*/", i_ + 2);
        if (close == std::string_view::npos) {
          throw scan_error(start, "unterminated comment");
        }
        while (i_ < close + 2) {
          advance();
        }
      } else {
        break;
      }
    }
  }

  void push(token_kind kind, std::string text, std::size_t start, position at) {
    out_.push_back({kind, std::move(text), start, i_, at});
  }

  // An escape after the backslash at i_; appends its value to `out`.
  void escape(std::string& out, position start) {
    advance(); // the backslash
    if (i_ >= src_.size()) {
      throw scan_error(start, "unterminated string");
    }
    const char c = src_[i_];
    auto hex = [&](std::size_t n) {
      if (i_ + n > src_.size()) {
        throw scan_error(here(), "bad escape");
      }
      const auto digits = std::string(src_.substr(i_, n));
      if (digits.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
        throw scan_error(here(), "bad escape");
      }
      for (std::size_t k = 0; k < n; ++k) {
        advance();
      }
      return static_cast<unsigned>(std::stoul(digits, nullptr, 16));
    };
    switch (c) {
      case 'n':
        out += '\n';
        advance();
        return;
      case 't':
        out += '\t';
        advance();
        return;
      case 'r':
        out += '\r';
        advance();
        return;
      case 'b':
        out += '\b';
        advance();
        return;
      case 'f':
        out += '\f';
        advance();
        return;
      case 'v':
        out += '\v';
        advance();
        return;
      case '0':
        out += '\0';
        advance();
        return;
      case '\r':
        advance();
        if (i_ < src_.size() && src_[i_] == '\n') {
          advance();
        }
        return;
      case '\n':
        advance();
        return;
      case 'x':
        advance();
        append_utf8(out, hex(2));
        return;
      case 'u': {
        advance();
        if (i_ < src_.size() && src_[i_] == '{') {
          advance();
          const auto close = src_.find('}', i_);
          if (close == std::string_view::npos) {
            throw scan_error(here(), "bad escape");
          }
          append_utf8(out, hex(close - i_));
          advance();
          return;
        }
        append_utf8(out, hex(4));
        return;
      }
      default: {
        const auto from = i_;
        advance();
        while (i_ < src_.size() && (static_cast<unsigned char>(src_[i_]) & 0xC0) == 0x80) {
          advance();
        }
        out += src_.substr(from, i_ - from);
        return;
      }
    }
  }

  void string_literal(char quote) {
    const auto start = i_;
    const auto at = here();
    advance();
    std::string value;
    while (true) {
      if (i_ >= src_.size() || src_[i_] == '\n') {
        throw scan_error(at, "unterminated string");
      }
      const char c = src_[i_];
      if (c == quote) {
        advance();
        break;
      }
      if (c == '\\') {
        escape(value, at);
      } else {
        value += c;
        advance();
      }
    }
    push(token_kind::string, std::move(value), start, at);
  }

  // Template text from i_ (just past "`" or a substitution's "}") up to the
  // next "${" or the closing "`".
  void template_part() {
    const auto start = i_;
    const auto at = here();
    const bool opens_literal = start > 0 && src_[start - 1] == '`';
    std::string value;
    while (true) {
      if (i_ >= src_.size()) {
        throw scan_error(at, "unterminated template literal");
      }
      const char c = src_[i_];
      if (c == '`') {
        advance();
        push(token_kind::template_text, std::move(value), start, at);
        out_.back().whole_template = opens_literal;
        return;
      }
      if (c == '$' && i_ + 1 < src_.size() && src_[i_ + 1] == '{') {
        advance();
        advance();
        push(token_kind::template_text, std::move(value), start, at);
        braces_.push_back(true);
        return;
      }
      if (c == '\\') {
        escape(value, at);
      } else {
        value += c;
        advance();
      }
    }
  }

  void number() {
    const auto start = i_;
    const auto at = here();
    while (i_ < src_.size()) {
      const auto c = static_cast<unsigned char>(src_[i_]);
      const bool sign_after_exponent =
        (c == '+' || c == '-') && i_ > start && (src_[i_ - 1] == 'e' || src_[i_ - 1] == 'E') &&
        !(src_.substr(start, 2) == "0x" || src_.substr(start, 2) == "0X");
      if (ident_part(c) || c == '.' || sign_after_exponent) {
        advance();
      } else {
        break;
      }
    }
    push(token_kind::number, std::string(src_.substr(start, i_ - start)), start, at);
  }

  void identifier() {
    const auto start = i_;
    const auto at = here();
    while (i_ < src_.size() &&
           (ident_part(static_cast<unsigned char>(src_[i_])) || src_[i_] == '\\')) {
      advance();
    }
    push(token_kind::identifier, std::string(src_.substr(start, i_ - start)), start, at);
  }

  bool regex_allowed() const {
    if (out_.empty()) {
      return true;
    }
    const auto& prev = out_.back();
    switch (prev.kind) {
      case token_kind::punct:
        return prev.text != ")" && prev.text != "]" && prev.text != "}" && prev.text != "++" &&
               prev.text != "--";
      case token_kind::identifier:
        return regex_after_keyword(prev.text);
      default:
        return false;
    }
  }

  void regex() {
    const auto start = i_;
    const auto at = here();
    advance();
    bool in_class = false;
    while (true) {
      if (i_ >= src_.size() || src_[i_] == '\n') {
        throw scan_error(at, "unterminated regular expression");
      }
      const char c = src_[i_];
      if (c == '\\') {
        advance();
        if (i_ < src_.size()) {
          advance();
        }
        continue;
      }
      advance();
      if (c == '[') {
        in_class = true;
      } else if (c == ']') {
        in_class = false;
      } else if (c == '/' && !in_class) {
        break;
      }
    }
    while (i_ < src_.size() && ident_part(static_cast<unsigned char>(src_[i_]))) {
      advance();
    }
    push(token_kind::regex, std::string(src_.substr(start, i_ - start)), start, at);
  }

  void punctuator() {
    const auto start = i_;
    const auto at = here();
    for (const auto p : puncts) {
      if (src_.substr(i_, p.size()) == p) {
        for (std::size_t k = 0; k < p.size(); ++k) {
          advance();
        }
        if (p == "{") {
          braces_.push_back(false);
        } else if (p == "}" && !braces_.empty()) {
          braces_.pop_back();
        }
        push(token_kind::punct, std::string(p), start, at);
        return;
      }
    }
    if (single_puncts.find(src_[i_]) != std::string_view::npos) {
      advance();
      push(token_kind::punct, std::string(src_.substr(start, 1)), start, at);
      return;
    }
    throw scan_error(at, fmt::format("unexpected character '{}'", src_[i_]));
  }

  std::string_view src_;
  std::size_t i_ = 0;
  position pos_;
  std::vector<token> out_;
  std::vector<bool> braces_; // open braces; true for a template substitution's
};

} // namespace

std::vector<token> tokenize(std::string_view source) {
  return scanner(source).run();
}

} // namespace boocode::sandbox
