// The program container (docs/isa.md "Container"): versioned, CRC-32-checksummed binary form of
// a Program, plus its readable disassembly.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "isa/program.h"

namespace csbrnn {

constexpr char kProgramMagic[8] = {'C', 'S', 'B', 'R', 'P', 'R', 'O', 'G'};
constexpr uint32_t kProgramVersion =
    3;  // 2: eltwise.stream + per-MVM streams; 3: sharing.neighbours

/// Deterministic: the same Program always gives the same bytes.
std::vector<uint8_t> encode_program(const Program& p);
/// Strict: checks magic, version, length and CRC, every count against the remaining bytes
/// before allocating, every enum value, trailing bytes, and the program's internal consistency
/// (check_program). Throws Error("<origin>: ...").
Program decode_program(const uint8_t* data, size_t size, const std::string& origin);
void save_program(const std::string& path, const Program& p);  // atomic
Program load_program(const std::string& path);
/// True when the file starts with the program magic.
bool is_program_file(const std::string& path);

/// Field-by-field equality; on a difference, `where` (if given) names the first one.
bool program_equal(const Program& a, const Program& b, std::string* where = nullptr);

struct DisasmOptions {
  bool micro = false;   // per MVM, iteration and group: share decision and micro-items
  bool images = false;  // index memories and weight tiles
};
std::string disassemble(const Program& p, const DisasmOptions& opt = {});

const char* unit_name(Unit u);
const char* op_name(Op o);
const char* bank_name(Bank b);
const char* item_kind_name(ItemKind k);

}  // namespace csbrnn
