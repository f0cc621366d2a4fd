#pragma once
// Shared by the benchmarks: medians and the table that puts tether next to the raw
// ZeroMQ floor measured in the same run.

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace tether::bench {

inline double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

struct Row {
  std::string transport;
  std::string payload;
  std::string metric;
  double raw = 0;
  double tether = 0;
  bool lower_is_better = false;
  double goal = 0;  // tether/raw: ceiling when lower is better, floor otherwise; 0 = none
};

inline void print_table(const std::vector<Row>& rows) {
  std::printf("%-9s %-8s %-24s %14s %14s %8s  %s\n", "transport", "payload", "metric", "raw zmq",
              "tether", "ratio", "goal");
  for (const auto& r : rows) {
    const double ratio = r.raw > 0 ? r.tether / r.raw : 0;
    std::printf("%-9s %-8s %-24s %14.2f %14.2f %7.2fx  ", r.transport.c_str(), r.payload.c_str(),
                r.metric.c_str(), r.raw, r.tether, ratio);
    if (r.goal <= 0) {
      std::printf("-\n");  // no goal set for this row
      continue;
    }
    const bool met = r.lower_is_better ? ratio <= r.goal : ratio >= r.goal;
    std::printf("%s%.1fx %s\n", r.lower_is_better ? "<=" : ">=", r.goal, met ? "met" : "MISSED");
  }
}

}  // namespace tether::bench
