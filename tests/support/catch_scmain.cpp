// Catch2 runner for test executables that link SystemC: sc_main runs the Catch session; main()
// silences the SystemC banner and enters through sc_elab_and_sim.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdlib>
#include <systemc>

int sc_main(int argc, char** argv) {
  return Catch::Session().run(argc, argv);
}

int main(int argc, char** argv) {
  ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  return sc_core::sc_elab_and_sim(argc, argv);
}
