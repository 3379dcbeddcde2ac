// Small string helpers (suggestions for misspelt names, splitting).
#pragma once
#include <string>
#include <vector>

namespace csbrnn {

/// Levenshtein distance.
size_t edit_distance(const std::string& a, const std::string& b);
/// The candidate closest to `word`, or "" if none is reasonably close.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);
std::vector<std::string> split(const std::string& s, char sep);
std::string trim(const std::string& s);
/// `s` with line breaks turned into spaces (error messages are one line).
std::string one_line(std::string s);

/// Parses all of `s` (no leading/trailing text) as a finite number; false otherwise.
bool parse_double(const std::string& s, double& v);
/// Parses all of `s` as a decimal integer; false otherwise (also on overflow).
bool parse_int(const std::string& s, long long& v);

}  // namespace csbrnn
