#pragma once

// What one chunk of a streamed chat completion says about the reply, and a
// quick reader for the chunks that make up nearly all of a stream.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace boocode::model {

/// One chunk's contribution to a reply: per choice, its finish reason and
/// its delta (text, reasoning, pieces of tool calls). Empty strings where
/// the chunk says nothing.
struct stream_chunk {
  struct call_piece {
    std::optional<int> index; // none: the next call
    std::string id, name, arguments;
  };
  struct choice {
    std::string finish_reason;
    std::string content;
    std::string reasoning;
    std::vector<call_piece> calls;
  };
  std::vector<choice> choices;
};

/// Reads a plain delta chunk without building a document: an object with a
/// `choices` array and neither `error` nor `usage`. Returns false for any
/// other text (malformed JSON included): the caller then reads it as a
/// document, which reports what is wrong with it.
bool read_plain_chunk(std::string_view text, stream_chunk& out);

} // namespace boocode::model
