#include "prune/registry.h"

#include <algorithm>
#include <cstring>

#include "common/error.h"
#include "common/strings.h"
#include "prune/method.h"

// The registry: one line per method, in the order --help, error messages and `compare` tables
// list them. X(id) stands for `const PruneMethod& prune_methods::id()`, defined in
// src/prune/methods/<id>.cpp. A new method is a new file there plus one line here.
#define CSBRNN_PRUNE_METHODS(X) \
  X(csb)                        \
  X(csb_tile)                   \
  X(csb_global)                 \
  X(unstructured)               \
  X(row_column)                 \
  X(row_balanced)               \
  X(bank_balanced)              \
  X(keep)

namespace csbrnn {

namespace prune_methods {
#define CSBRNN_DECLARE_METHOD(id) const PruneMethod& id();
CSBRNN_PRUNE_METHODS(CSBRNN_DECLARE_METHOD)
#undef CSBRNN_DECLARE_METHOD
}  // namespace prune_methods

namespace {

std::vector<const PruneMethod*> build_registry() {
#define CSBRNN_LIST_METHOD(id) &prune_methods::id(),
  std::vector<const PruneMethod*> v{CSBRNN_PRUNE_METHODS(CSBRNN_LIST_METHOD)};
#undef CSBRNN_LIST_METHOD
  for (size_t a = 0; a < v.size(); ++a)
    for (size_t b = 0; b < a; ++b)
      CSBRNN_ASSERT(std::string(v[a]->name()) != v[b]->name(), "two pruning methods named '",
                    v[a]->name(), "'");
  return v;
}

}  // namespace

const std::vector<const PruneMethod*>& all_methods() {
  static const std::vector<const PruneMethod*> registry = build_registry();
  return registry;
}

const PruneMethod* find_method(const std::string& name) {
  for (const PruneMethod* m : all_methods())
    if (name == m->name()) return m;
  return nullptr;
}

const PruneMethod* parse_method(const std::string& name) {
  if (const PruneMethod* m = find_method(name)) return m;
  std::vector<std::string> names;
  for (const PruneMethod* m : all_methods()) names.push_back(m->name());
  const std::string near = closest_match(name, names);
  fail("unknown pruning method '", name, "'", near.empty() ? "" : " (did you mean '" + near + "'?)",
       "; valid: ", method_names(", "));
}

const PruneMethod* default_method() {
  return &prune_methods::csb();
}

std::string method_names(const std::string& sep, bool csb_only) {
  std::string s;
  for (const PruneMethod* m : all_methods())
    if (!csb_only || (m->is_csb() && m->uses_rate())) s += (s.empty() ? "" : sep) + m->name();
  return s;
}

std::string methods_help() {
  size_t width = 0;
  for (const PruneMethod* m : all_methods()) width = std::max(width, std::strlen(m->name()));
  std::string s;
  for (const PruneMethod* m : all_methods())
    s += cat(s.empty() ? "" : "\n", "  ", m->name(),
             std::string(width + 2 - std::strlen(m->name()), ' '), m->description());
  return s;
}

const char* method_name(const PruneMethod* m) {
  return m->name();
}

bool is_csb_method(const PruneMethod* m) {
  return m->is_csb();
}

bool method_uses_rate(const PruneMethod* m) {
  return m->uses_rate();
}

}  // namespace csbrnn
