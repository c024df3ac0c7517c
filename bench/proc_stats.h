// Reads what the benchmark reports about processes and the machine from
// /proc: CPU time (utime + stime) and memory (RSS, PSS) of the server (a set
// of root pids and all their descendants, e.g. nginx's master and workers),
// of this process, and busy time of the whole machine (/proc/stat).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <vector>

namespace pushgw::bench {

struct ProcessSample {
  int processes = 0;       // processes found (roots + descendants)
  double cpu_seconds = 0;  // utime + stime, summed
  int64_t rss_bytes = 0;   // summed VmRSS
  int64_t pss_bytes = 0;   // summed Pss (smaps_rollup); shared pages counted once overall
};

// `roots` and every descendant. Memory is read only when `memory` is set
// (smaps_rollup walks the page tables: milliseconds per process).
ProcessSample SampleProcesses(const std::vector<pid_t>& roots, bool memory);
// This process.
ProcessSample SampleSelf(bool memory);

struct MachineSample {
  double busy_seconds = 0;     // all CPUs: user+nice+system+irq+softirq+steal
  double softirq_seconds = 0;  // irq+softirq (loopback packet processing lands here)
  double total_seconds = 0;    // busy + idle + iowait
};
MachineSample SampleMachine();

int CpuCount();

}  // namespace pushgw::bench
