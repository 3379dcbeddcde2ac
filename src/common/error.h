// Error classes shared by every stage.
//
// Contract: csbrnn::Error is a user-facing problem (bad file, bad config, impossible request). Its
// message is ONE line that names the file (or option) and the problem; the CLI prints
// "csbrnn: error: <message>" and exits 2. InternalError is a bug in csbrnn itself (exit 3).
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace csbrnn {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

template <class... Args>
std::string cat(Args&&... args) {
  std::ostringstream s;
  (s << ... << args);
  return s.str();
}

/// Throws csbrnn::Error with the streamed arguments as message.
template <class... Args>
[[noreturn]] void fail(Args&&... args) {
  throw Error(cat(std::forward<Args>(args)...));
}

}  // namespace csbrnn

/// Checks an internal invariant; a failure is a csbrnn bug, not a user error.
#define CSBRNN_ASSERT(cond, ...)                                                    \
  do {                                                                              \
    if (!(cond))                                                                    \
      throw ::csbrnn::InternalError(                                                \
          ::csbrnn::cat(__FILE__, ":", __LINE__, ": ", #cond, " ", ##__VA_ARGS__)); \
  } while (0)
