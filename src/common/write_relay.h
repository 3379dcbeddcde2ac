// A checked path for writers that ignore write errors.
//
// SystemC's VCD writer fopen()s a file and never looks at the result of its writes, so on a full
// disk a run would end with a truncated waveform and exit 0. WriteRelay gives such a writer a
// named pipe to open instead; a relay thread copies everything it writes into "<path>.tmp.<pid>"
// with every write checked. finish() (after the writer closed the pipe) renames the copy over
// <path>, or removes it and throws Error("<path>: ...") naming the failure. The output is
// complete or absent, never partial.
#pragma once
#include <memory>
#include <string>

namespace csbrnn {

class WriteRelay {
 public:
  /// Prepares the pipe and the temporary output next to `path`; throws Error naming `path`
  /// when either cannot be created.
  explicit WriteRelay(const std::string& path);
  /// An unfinished relay stops and removes its temporary output (nothing is renamed).
  ~WriteRelay();
  WriteRelay(const WriteRelay&) = delete;
  WriteRelay& operator=(const WriteRelay&) = delete;

  /// The named pipe the writer opens, "<private dir>/<name>" (the writer may need to be given
  /// the path without an extension: see writer_base).
  const std::string& writer_path() const;
  /// writer_path() without its last extension (SystemC appends ".vcd" itself).
  std::string writer_base() const;
  /// Call once the writer has closed the pipe: moves the output into place or throws.
  void finish();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace csbrnn
