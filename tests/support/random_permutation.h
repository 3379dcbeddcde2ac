// Test support: a random, never-identity, function-preserving permutation of a model's hidden
// and projection units (prune/permute.h), for the permutation tests of prune/ and sim/.
#pragma once
#include <algorithm>
#include <cstdint>
#include <random>

#include "prune/permute.h"

namespace csbrnn::test {

inline ModelPermutation random_permutation(const RnnModel& m, uint64_t seed) {
  std::mt19937_64 g(seed);
  ModelPermutation p = identity_permutation(m);
  for (auto& v : p.hidden) std::shuffle(v.begin(), v.end(), g);
  for (auto& v : p.proj) std::shuffle(v.begin(), v.end(), g);
  // Never the identity (else the output order would not be exercised).
  for (auto* set : {&p.hidden, &p.proj})
    for (auto& v : *set)
      if (v.size() > 1 && std::is_sorted(v.begin(), v.end())) std::swap(v[0], v[1]);
  return p;
}

}  // namespace csbrnn::test
