// SPDX-License-Identifier: MIT
// What both floor kernels print, and how they read their command line.
// Deliberately independent of smpboot (no smpboot header): the floor is what
// a bring-up costs without the library, so it must not share its code.
//
// The lines follow the serial contract of the example kernels (README), so
// scripts/run-example, the QEMU tests' check_run.py and bench/bench.py read
// a floor run like an example run:
//   smpboot: cpu <logical> hwid 0x<hex> online|failed: <reason>
//   smpboot: result arch=<arch> online=K/N mode=<seq|parallel> bringup_us=T
// Modes: seq = kick one CPU and wait for its callin before the next;
// parallel = kick every CPU, then wait for all of them.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace floor_kernel {

/// A line being built in a fixed buffer; what does not fit is cut off.
class text {
public:
    text& str(const char* s) {
        while (*s && n_ + 1 < sizeof buf_) buf_[n_++] = *s++;
        buf_[n_] = '\0';
        return *this;
    }
    text& dec(uint64_t v) {
        char d[24];
        int i = 0;
        do d[i++] = char('0' + v % 10); while ((v /= 10) != 0);
        while (i > 0 && n_ + 1 < sizeof buf_) buf_[n_++] = d[--i];
        buf_[n_] = '\0';
        return *this;
    }
    text& hex(uint64_t v) {
        str("0x");
        int shift = 60;
        while (shift > 0 && ((v >> shift) & 0xf) == 0) shift -= 4;
        for (; shift >= 0 && n_ + 1 < sizeof buf_; shift -= 4) buf_[n_++] = "0123456789abcdef"[(v >> shift) & 0xf];
        buf_[n_] = '\0';
        return *this;
    }
    const char* c_str() const { return buf_; }

private:
    char buf_[160] = {};
    size_t n_ = 0;
};

/// True if `word` is one of the space-separated words of `cmdline`.
inline bool has_word(const char* cmdline, const char* word) {
    if (!cmdline) return false;
    for (const char* p = cmdline; *p;) {
        while (*p == ' ') ++p;
        const char* w = word;
        const char* q = p;
        while (*w && *q == *w) ++q, ++w;
        if (!*w && (*q == ' ' || *q == '\0')) return true;
        while (*p && *p != ' ') ++p;
    }
    return false;
}

/// One present CPU as the firmware described it, and whether it called in.
struct cpu {
    uint64_t hwid;
    bool called_in;
};

/// The contract lines: one per CPU (logical 0 = the boot CPU), then the result.
template <typename Puts>
void report(Puts puts, const char* arch, const cpu* cpus, uint32_t n, bool seq, uint64_t us) {
    uint32_t online = 0;
    for (uint32_t i = 0; i < n; ++i) {
        text t;
        t.str("smpboot: cpu ").dec(i).str(" hwid ").hex(cpus[i].hwid);
        t.str(cpus[i].called_in ? " online" : " failed: no callin");
        puts(t.c_str());
        online += cpus[i].called_in;
    }
    text t;
    t.str("smpboot: result arch=").str(arch).str(" online=").dec(online).str("/").dec(n);
    t.str(seq ? " mode=seq" : " mode=parallel").str(" bringup_us=").dec(us);
    puts(t.c_str());
}

}  // namespace floor_kernel
