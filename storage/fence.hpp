#pragma once

#include <cstdint>
#include <string>

namespace boocode::storage {

/// An owner's right to write an actor's state: the write fails with `fenced`
/// once another owner took the lease (a higher epoch).
struct fence {
  std::string actor_id; // a chat's session: the chat id; a workflow run: the run id
  int64_t epoch = 0;
  std::string node_id;
};

} // namespace boocode::storage
