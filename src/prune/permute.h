// Load-balance-aware neuron permutation before pruning (issue 11; docs/pruning.md
// "Load-balance permutation").
//
// Permuting the hidden units of a layer (and, for LSTMP, its projection units) consistently
// across W_ih, W_hh, W_hr, the biases and the next layer's W_ih is function-preserving: the
// network computes the same outputs, only the last layer's output order changes, which the model
// carries as RnnModel::output_perm. The CSB blocks, however, cut the permuted matrices
// differently, so a permutation chosen to spread the important units evenly over the block-rows
// and block-columns makes the pruned blocks' work more even (higher group occupancy).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/rnn_model.h"
#include "prune/prune.h"

namespace csbrnn {

enum class PermuteMode { None, Balance };
/// "none" | "balance"; throws Error naming `what` otherwise.
PermuteMode parse_permute_mode(const std::string& s, const std::string& what);

/// A permutation of every layer's units: position p of layer k holds original unit
/// hidden[k][p] (H entries) and, for LSTMP, original projection unit proj[k][p] (P entries;
/// empty without projection). Layer 0's input features are never permuted.
struct ModelPermutation {
  std::vector<std::vector<uint32_t>> hidden, proj;
};

/// The identity permutation of `m`.
ModelPermutation identity_permutation(const RnnModel& m);
/// The inverse permutation (permute_model(permute_model(m, p), inverse(p)) == m).
ModelPermutation inverse_permutation(const ModelPermutation& p);
/// Throws Error naming `origin` unless every entry of `p` is a bijection of the right size.
void check_permutation(const RnnModel& m, const ModelPermutation& p, const std::string& origin);

/// The permuted model: rows of every gate of W_ih_k / W_hh_k / b_ih_k / b_hh_k and columns of
/// W_hr_k by hidden[k]; rows of W_hr_k by proj[k]; columns of W_hh_k and of W_ih_{k+1} by the
/// layer's state permutation (proj[k] with a projection, else hidden[k]). output_perm composes
/// with the model's own (and is left empty when the result is the identity).
RnnModel permute_model(const RnnModel& m, const ModelPermutation& p);

/// The balance objective of one unit set: loads[d][u] >= 0 is unit u's work in dimension d
/// (a kept-weight count), positions are cut into bins of `bin` consecutive positions (the last
/// may be shorter), perm[p] = the unit at position p. J = sum over dimensions d with total
/// T_d > 0 of sum over bins b of ((L_d(b) - T_d * |b| / n) / T_d)^2: the squared relative
/// deviation of every bin's share from its capacity's share. 0 = perfectly even.
double balance_objective(const std::vector<std::vector<double>>& loads,
                         const std::vector<uint32_t>& perm, int bin);

/// Greedy LPT assignment of units to bins (units by decreasing relative load, each to the bin
/// with free capacity whose objective grows least), then pairwise swaps between bins while one
/// lowers J (at most `swap_passes` passes). Within a bin units keep ascending original order.
std::vector<uint32_t> balance_units(const std::vector<std::vector<double>>& loads, int bin,
                                    int swap_passes = 20);

struct BalanceResult {
  ModelPermutation perm;
  /// Sum over layers and unit sets of balance_objective, identity vs chosen permutation.
  double objective_identity = 0, objective_balanced = 0;
};

/// Chooses the permutation for `m` pruned with `o`: a trial prune of the unpermuted model gives
/// every unit's kept-weight count per dimension (rows of the layer's [W_ih | W_hh] MVM; columns
/// of W_hh, W_hr and the next W_ih), balanced over bins of gcd(block sides that cut the unit's
/// positions) by balance_units.
BalanceResult balance_permutation(const RnnModel& m, const ModelPruneOptions& o);

}  // namespace csbrnn
