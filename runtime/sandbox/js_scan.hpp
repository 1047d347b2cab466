#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace boocode::sandbox {

// A light JavaScript tokenizer: enough to read a workflow's meta literal and
// to find `import`, `require` and `export` outside strings, comments, template
// text and regular expressions. It does not parse; V8 does that.

enum class token_kind {
  identifier,    // names and keywords
  punct,         // one punctuator: `{`, `=>`, `...`, `?.`
  string,        // '…' or "…"; text holds the decoded value
  template_text, // the text of a template literal between its substitutions
  number,
  regex,
};

struct position {
  int line = 1;   // 1-based
  int column = 1; // 1-based, in code points
};

struct token {
  token_kind kind;
  std::string text;   // identifier, punctuator, decoded string or number as written
  std::size_t offset; // byte offset of the token's first character
  std::size_t end;    // byte offset just past it
  position at;
  /// For template_text: true when the template literal has no substitution
  /// (the whole literal is this one token).
  bool whole_template = false;
};

/// A tokenizing error with where it happened (an unterminated string or
/// comment, an unexpected character).
class scan_error : public std::runtime_error {
public:
  scan_error(position at, const std::string& what);
  position at;
};

/// The tokens of `source`, comments and white space left out.
/// Throws scan_error.
std::vector<token> tokenize(std::string_view source);

/// "line 3, column 7"
std::string describe(position at);

} // namespace boocode::sandbox
