// Helpers for the in-process tests of the commands' parse functions (cli/cmd_<name>.h).
#pragma once
#include <catch2/catch.hpp>
#include <iostream>
#include <sstream>
#include <string>

#include "cli/command.h"
#include "common/error.h"

namespace csbrnn::test {

/// The csbrnn::Error message `f()` throws; "(accepted)" when it returns.
template <class F>
std::string error_of(F f) {
  try {
    (void)f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(accepted)";
}

/// The csbrnn::Error message `parse(args)` throws; "(accepted)" when it returns.
template <class Parse>
std::string parse_error(Parse parse, const cli::Args& args) {
  return error_of([&] { return parse(args); });
}

/// The options `parse(args)` returns (the test fails when it returns none: --help).
template <class Parse>
auto parse_ok(Parse parse, const cli::Args& args) {
  auto o = parse(args);
  REQUIRE(o.has_value());
  return *o;
}

/// Redirects a stream (std::cout by default) into a string for the object's lifetime.
class Capture {
 public:
  explicit Capture(std::ostream& os = std::cout) : os_(os), old_(os.rdbuf(buf_.rdbuf())) {}
  ~Capture() { os_.rdbuf(old_); }
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;
  std::string text() const { return buf_.str(); }

 private:
  std::ostringstream buf_;
  std::ostream& os_;
  std::streambuf* old_;
};

}  // namespace csbrnn::test
