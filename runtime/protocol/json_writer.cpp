#include "runtime/protocol/json_writer.hpp"

#include "runtime/tools/text.hpp"

namespace boocode::protocol {

void put_string(std::string& out, std::string_view s) {
  std::string fixed;
  for (unsigned char c : s)
    if (c >= 0x80) {
      fixed = tools::valid_utf8(s);
      s = fixed;
      break;
    }
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20)
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
        else
          out += ch;
    }
  }
  out += '"';
}

} // namespace boocode::protocol
