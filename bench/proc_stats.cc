#include "bench/proc_stats.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace pushgw::bench {
namespace {

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  *out = s.str();
  return true;
}

// Fields of /proc/<pid>/stat after the command name: index 0 is field 3 (state).
bool StatFields(pid_t pid, std::vector<std::string>* fields) {
  std::string text;
  if (!ReadFile(absl::StrCat("/proc/", pid, "/stat"), &text)) return false;
  size_t close = text.rfind(')');
  if (close == std::string::npos) return false;
  *fields = absl::StrSplit(text.substr(close + 2), ' ', absl::SkipEmpty());
  return fields->size() > 13;
}

// "Key:   123 kB" lines.
int64_t KbField(const std::string& text, const char* key) {
  size_t pos = text.find(key);
  if (pos == std::string::npos) return 0;
  pos += strlen(key);
  while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
  size_t end = text.find(' ', pos);
  int64_t kb = 0;
  if (!absl::SimpleAtoi(text.substr(pos, end - pos), &kb)) return 0;
  return kb * 1024;
}

void AddProcess(pid_t pid, bool memory, ProcessSample* sample) {
  std::vector<std::string> f;
  if (!StatFields(pid, &f)) return;
  static const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  uint64_t utime = 0, stime = 0;
  (void)absl::SimpleAtoi(f[11], &utime);  // field 14
  (void)absl::SimpleAtoi(f[12], &stime);  // field 15
  sample->cpu_seconds += static_cast<double>(utime + stime) / ticks;
  ++sample->processes;
  if (!memory) return;
  std::string text;
  if (ReadFile(absl::StrCat("/proc/", pid, "/status"), &text)) {
    sample->rss_bytes += KbField(text, "VmRSS:");
  }
  if (ReadFile(absl::StrCat("/proc/", pid, "/smaps_rollup"), &text)) {
    sample->pss_bytes += KbField(text, "\nPss:");
  }
}

}  // namespace

ProcessSample SampleProcesses(const std::vector<pid_t>& roots, bool memory) {
  // Parent links of every process, to find descendants.
  std::map<pid_t, std::vector<pid_t>> children;
  if (DIR* dir = opendir("/proc")) {
    while (dirent* e = readdir(dir)) {
      pid_t pid = 0;
      if (!absl::SimpleAtoi(e->d_name, &pid)) continue;
      std::vector<std::string> f;
      if (!StatFields(pid, &f)) continue;
      pid_t ppid = 0;
      if (absl::SimpleAtoi(f[1], &ppid)) children[ppid].push_back(pid);
    }
    closedir(dir);
  }
  ProcessSample sample;
  std::set<pid_t> seen;
  std::vector<pid_t> todo(roots.begin(), roots.end());
  while (!todo.empty()) {
    pid_t pid = todo.back();
    todo.pop_back();
    if (pid <= 0 || !seen.insert(pid).second) continue;
    AddProcess(pid, memory, &sample);
    auto it = children.find(pid);
    if (it != children.end()) todo.insert(todo.end(), it->second.begin(), it->second.end());
  }
  return sample;
}

ProcessSample SampleSelf(bool memory) {
  ProcessSample sample;
  AddProcess(getpid(), memory, &sample);
  return sample;
}

MachineSample SampleMachine() {
  MachineSample sample;
  std::string text;
  if (!ReadFile("/proc/stat", &text)) return sample;
  std::vector<absl::string_view> f =
      absl::StrSplit(absl::string_view(text).substr(0, text.find('\n')), ' ', absl::SkipEmpty());
  // cpu user nice system idle iowait irq softirq steal ...
  auto value = [&](size_t i) -> double {
    uint64_t v = 0;
    if (i < f.size()) (void)absl::SimpleAtoi(f[i], &v);
    return static_cast<double>(v);
  };
  static const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double busy = value(1) + value(2) + value(3) + value(6) + value(7) + value(8);
  const double idle = value(4) + value(5);
  sample.busy_seconds = busy / ticks;
  sample.softirq_seconds = (value(6) + value(7)) / ticks;
  sample.total_seconds = (busy + idle) / ticks;
  return sample;
}

int CpuCount() {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

}  // namespace pushgw::bench
