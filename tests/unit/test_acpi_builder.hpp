// SPDX-License-Identifier: MIT
// Test helpers for the ACPI readers: tables built byte by byte (ACPI 6.5
// 5.2.6: a 36-byte header, then the payload, checksummed), and a discovery
// log that keeps its lines.
#pragma once

#include <smpboot/host.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace acpi_test {

using bytes = std::vector<uint8_t>;

/// Little-endian `n`-byte value at `off`.
inline void put(bytes& b, size_t off, uint64_t v, int n) {
    for (int i = 0; i < n; ++i) b[off + size_t(i)] = uint8_t(v >> (8 * i));
}
inline void put16(bytes& b, size_t off, uint16_t v) { put(b, off, v, 2); }
inline void put32(bytes& b, size_t off, uint32_t v) { put(b, off, v, 4); }
inline void put64(bytes& b, size_t off, uint64_t v) { put(b, off, v, 8); }

/// Make bytes [start, start + len) sum to 0 by adjusting the byte at csum_off.
inline void fix_checksum(bytes& b, size_t csum_off, size_t len, size_t start = 0) {
    b[csum_off] = 0;
    uint8_t s = 0;
    for (size_t i = start; i < start + len; ++i) s = uint8_t(s + b[i]);
    b[csum_off] = uint8_t(-s);
}

/// A System Description Table: 36-byte header + payload, checksummed.
inline bytes sdt(const char* sig, uint8_t rev, const bytes& payload) {
    bytes t(36 + payload.size(), 0);
    std::memcpy(t.data(), sig, 4);
    put32(t, 4, uint32_t(t.size()));
    t[8] = rev;
    std::memcpy(t.data() + 10, "SMPBT ", 6);
    std::memcpy(t.data() + 16, "UNITTEST", 8);
    std::copy(payload.begin(), payload.end(), t.begin() + 36);
    fix_checksum(t, 9, t.size());
    return t;
}

/// The lines a discovery log (arm64::discovery_log's fn) was given.
struct log_capture {
    std::vector<std::string> lines;
    static void fn(void* ctx, smpboot::log_level, const char* l) { static_cast<log_capture*>(ctx)->lines.push_back(l); }
    bool has(const std::string& s) const { return std::find(lines.begin(), lines.end(), s) != lines.end(); }
};

}  // namespace acpi_test
