// boocode: the node binary. Exit codes: 0 ok, 1 failure at run time, 2 bad usage.
#include <iostream>
#include <variant>

#include "app/admin_cli.hpp"
#include "app/serve.hpp"
#include "app/token_cli.hpp"
#include "runtime/node_options.hpp"
#include "runtime/version.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "admin")
    return boocode::admin_command({args.begin() + 1, args.end()});
  if (!args.empty() && args[0] == "token")
    return boocode::token_command({args.begin() + 1, args.end()});
  auto parsed = boocode::parse_command_line(args, boocode::boocode_environment());
  if (auto* err = std::get_if<boocode::option_error>(&parsed)) {
    std::cerr << "boocode: " << err->message << '\n';
    return 2;
  }
  auto& cmd = std::get<boocode::command_line>(parsed);
  switch (cmd.what) {
    case boocode::command_line::action::help:
      std::cout << boocode::help_text();
      return 0;
    case boocode::command_line::action::version:
      std::cout << "boocode " << boocode::version << '\n';
      return 0;
    case boocode::command_line::action::serve:
      return boocode::serve(cmd.config);
  }
  return 2;
}
