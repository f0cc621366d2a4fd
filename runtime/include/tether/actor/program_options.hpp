#pragma once
// ProgramOptions: the command line of a root Program, declared as it is read.
//
// Each declaration (number(), flag()) reads its option from the arguments at once and
// remembers it for the usage text. A bad value never throws: the declaration returns
// its fallback and the first problem is kept, so the caller (Program::run_root) can
// answer --help first, then report one line and exit 2. After the last declaration,
// any argument that no declaration took is an unknown option.
//
// Accepted forms: `--name VALUE` and `--name=VALUE`; the last occurrence wins.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tether/base/parse_number.hpp"

namespace tether {

/// How a number option is shown and checked.
struct NumberOption {
  std::string_view help;  // one line for --help
  std::uint64_t min = 0;
  std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
};

class ProgramOptions {
 public:
  /// `program` is the name usage lines show; `args` are the arguments to read.
  ProgramOptions(std::string program, std::vector<std::string> args);

  // -- declarations ----------------------------------------------------------------
  /// One line about the program, printed first by --help.
  void describe(std::string about) { about_ = std::move(about); }
  /// The value of `--name N`, or `fallback` when absent or bad (see problem()).
  std::uint64_t number(std::string_view name, std::uint64_t fallback, const NumberOption& spec);
  /// Whether `--name` is present.
  bool flag(std::string_view name, std::string_view help);
  /// An option another part of the program reads itself, shown in the usage text and
  /// never reported unknown.
  void document(std::string name_and_value, std::string help);

  // -- after every declaration -----------------------------------------------------
  const std::string& program() const noexcept { return program_; }
  /// --help or -h was given.
  bool help_requested() const noexcept { return help_; }
  /// The usage text: the description, then each option with its default.
  std::string usage() const;
  /// The first bad value, as one line without the program name.
  const std::optional<std::string>& bad_value() const noexcept { return bad_value_; }
  /// The first argument no declaration took.
  std::optional<std::string> unknown_option() const;

 private:
  struct Line {
    std::string name;
    std::string help;
  };
  /// The value of option `name` (marking what it used), or nullopt when absent.
  std::optional<std::string> take(std::string_view name, bool wants_value);
  void note_bad_value(std::string line);

  std::string program_;
  std::string about_;
  std::vector<std::string> args_;
  std::vector<bool> taken_;
  std::vector<Line> lines_;
  bool help_ = false;
  std::optional<std::string> bad_value_;
};

}  // namespace tether
