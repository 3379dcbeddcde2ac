// The registry of pruning methods: the one list of every method (src/prune/registry.cpp), and
// the lookups by name that the CLI, `compare` and sweep specs use. The interface a method
// implements is src/prune/method.h.
#pragma once
#include <string>
#include <vector>

namespace csbrnn {

class PruneMethod;

/// Every method, in registry order (the order of --help, error messages and `compare` tables).
const std::vector<const PruneMethod*>& all_methods();
/// The method named `name`, or nullptr.
const PruneMethod* find_method(const std::string& name);
/// The method named `name`; throws Error naming the unknown method, the closest valid name and
/// every valid one.
const PruneMethod* parse_method(const std::string& name);
/// The method a PruneParams starts with: csb, the paper's projection.
const PruneMethod* default_method();

/// The names of every method (csb_only: of the CSB ones) joined by `sep`.
std::string method_names(const std::string& sep, bool csb_only = false);
/// One line per method, "  name  description", names aligned, lines joined by '\n' (for
/// `csbrnn prune --help`).
std::string methods_help();

/// m->name() and m->is_csb(), for code that includes only this header.
const char* method_name(const PruneMethod* m);
bool is_csb_method(const PruneMethod* m);

}  // namespace csbrnn
