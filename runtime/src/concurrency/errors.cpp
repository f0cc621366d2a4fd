#include "tether/concurrency/errors.hpp"

#include <cxxabi.h>

#include <memory>
#include <typeinfo>

#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>

namespace tether {

bool is_cancellation(const std::exception_ptr& e) noexcept {
  if (!e) return false;
  try {
    std::rethrow_exception(e);
  } catch (const boost::system::system_error& se) {
    return se.code() == boost::asio::error::operation_aborted;
  } catch (...) {
    return false;
  }
}

namespace {
std::string demangle(const char* name) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out(abi::__cxa_demangle(name, nullptr, nullptr, &status),
                                             std::free);
  return status == 0 && out ? out.get() : name;
}
}  // namespace

std::string type_name_of(const std::exception& e) {
  return demangle(typeid(e).name());
}

std::string describe(const std::exception_ptr& e) {
  if (!e) return "no error";
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return type_name_of(ex) + ": " + ex.what();
  } catch (...) {
    return "unknown exception";
  }
}

ErrorGroup::ErrorGroup(std::vector<std::exception_ptr> errors) : errors_(std::move(errors)) {
  what_ = std::to_string(errors_.size()) + (errors_.size() == 1 ? " error" : " errors");
  for (std::size_t i = 0; i < errors_.size(); ++i)
    what_ += (i ? "; [" : ": [") + std::to_string(i) + "] " + describe(errors_[i]);
}

}  // namespace tether
