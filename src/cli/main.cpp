// Entry point of the `csbrnn` CLI. libsystemc expects sc_main(); our own main() silences the
// SystemC banner and enters through sc_elab_and_sim, which calls sc_main = the dispatcher
// (cli/command.h). Commands that do not simulate never touch the SystemC kernel.
#include <cstdlib>
#include <exception>
#include <iostream>
#include <systemc>

#include "cli/command.h"
#include "common/error.h"

int sc_main(int argc, char** argv) {
  try {
    return csbrnn::cli::dispatch(csbrnn::cli::Args(argv + (argc > 0 ? 1 : 0), argv + argc));
  } catch (const csbrnn::Error& e) {
    std::cerr << "csbrnn: error: " << e.what() << "\n";
    return 2;
  } catch (const csbrnn::InternalError& e) {
    std::cerr << "csbrnn: internal error (please report): " << e.what() << "\n";
    return 3;
  } catch (const std::bad_alloc&) {
    std::cerr << "csbrnn: error: out of memory\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "csbrnn: error: " << e.what() << "\n";
    return 2;
  }
}

int main(int argc, char** argv) {
  ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  return sc_core::sc_elab_and_sim(argc, argv);
}
