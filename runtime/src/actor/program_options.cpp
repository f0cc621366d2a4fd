#include "tether/actor/program_options.hpp"

#include <algorithm>

#include <fmt/core.h>

namespace tether {

ProgramOptions::ProgramOptions(std::string program, std::vector<std::string> args)
    : program_(std::move(program)), args_(std::move(args)), taken_(args_.size(), false) {
  for (std::size_t i = 0; i < args_.size(); ++i)
    if (args_[i] == "--help" || args_[i] == "-h") {
      help_ = true;
      taken_[i] = true;
    }
}

std::optional<std::string> ProgramOptions::take(std::string_view name, bool wants_value) {
  std::optional<std::string> found;
  for (std::size_t i = 0; i < args_.size(); ++i) {
    const std::string_view arg = args_[i];
    if (arg == name) {
      taken_[i] = true;
      if (!wants_value) {
        found = "";
      } else if (i + 1 < args_.size()) {
        taken_[++i] = true;
        found = args_[i];
      } else {
        note_bad_value(fmt::format("{} needs a value", name));
        found.reset();
      }
    } else if (wants_value && arg.starts_with(name) && arg.size() > name.size() &&
               arg[name.size()] == '=') {
      taken_[i] = true;
      found = std::string(arg.substr(name.size() + 1));
    }
  }
  return found;
}

void ProgramOptions::note_bad_value(std::string line) {
  if (!bad_value_) bad_value_ = std::move(line);
}

std::uint64_t ProgramOptions::number(std::string_view name, std::uint64_t fallback,
                                     const NumberOption& spec) {
  std::string help(spec.help);
  if (spec.min > 0 && spec.max != NumberOption{}.max)
    help += fmt::format(" ({} to {})", spec.min, spec.max);
  else if (spec.min > 0)
    help += fmt::format(" (at least {})", spec.min);
  else if (spec.max != NumberOption{}.max)
    help += fmt::format(" (at most {})", spec.max);
  lines_.push_back({fmt::format("{} N", name), fmt::format("{}; default {}", help, fallback)});
  const auto text = take(name, true);
  if (!text) return fallback;
  auto value = parse_number(*text, {.min = spec.min, .max = spec.max});
  if (!value) {
    note_bad_value(fmt::format("{} '{}' {}", name, *text, value.error()));
    return fallback;
  }
  return value.value();
}

bool ProgramOptions::flag(std::string_view name, std::string_view help) {
  lines_.push_back({std::string(name), std::string(help)});
  return take(name, false).has_value();
}

void ProgramOptions::document(std::string name_and_value, std::string help) {
  lines_.push_back({std::move(name_and_value), std::move(help)});
}

std::string ProgramOptions::usage() const {
  std::string out;
  if (!about_.empty()) out += about_ + "\n\n";
  out += fmt::format("usage: {} [options]\n\noptions:\n", program_);
  std::vector<Line> lines = lines_;
  lines.push_back({"--help", "print this and exit"});
  std::size_t width = 0;
  for (const auto& l : lines) width = std::max(width, l.name.size());
  for (const auto& l : lines) out += fmt::format("  {:<{}}  {}\n", l.name, width, l.help);
  return out;
}

std::optional<std::string> ProgramOptions::unknown_option() const {
  for (std::size_t i = 0; i < args_.size(); ++i)
    if (!taken_[i]) return args_[i];
  return std::nullopt;
}

}  // namespace tether
