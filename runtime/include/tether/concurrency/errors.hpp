#pragma once
// Error vocabulary of structured concurrency: every failure of a scope travels up
// together (ErrorGroup); deadlines raise Timeout; cancellation is Asio's operation_aborted.

#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

namespace tether {

/// True when `e` is a cancellation (operation_aborted), which scopes absorb rather than
/// report as a failure.
bool is_cancellation(const std::exception_ptr& e) noexcept;

/// The demangled dynamic type of `e` ("std::runtime_error", "app::Oops").
std::string type_name_of(const std::exception& e);

/// "TypeName: message" for any exception, for logs and group summaries.
std::string describe(const std::exception_ptr& e);

/// Every failure of a nursery's tasks, in the order they happened. Never empty.
class ErrorGroup : public std::exception {
 public:
  explicit ErrorGroup(std::vector<std::exception_ptr> errors);

  const std::vector<std::exception_ptr>& errors() const noexcept { return errors_; }
  std::size_t size() const noexcept { return errors_.size(); }
  const char* what() const noexcept override { return what_.c_str(); }

  /// Calls `f(const E&)` for each error that is an E (or derives from it).
  template <class E, class F>
  void for_each(F&& f) const {
    for (const auto& e : errors_) {
      try {
        std::rethrow_exception(e);
      } catch (const E& typed) {
        f(typed);
      } catch (...) {
      }
    }
  }

 private:
  std::vector<std::exception_ptr> errors_;
  std::string what_;
};

/// A deadline set by fail_after (or a scope's deadline) expired.
class Timeout : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace tether
