#pragma once

// Figures the benchmarks print.
#include <algorithm>
#include <vector>

namespace boocode::bench {

/// The p-th quantile (0..1) of `v`, nearest rank below.
inline double percentile(std::vector<double> v, double p) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
  return v[i];
}

} // namespace boocode::bench
