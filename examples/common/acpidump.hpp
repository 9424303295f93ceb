// SPDX-License-Identifier: MIT
// The example kernels' raw ACPI dump: "<prefix>acpidump SIG PHYS LEN OFFSET
// HEX" lines, 32 bytes each, so that a test (tests/qemu/acpi_dump.py,
// tests/data/acpi/acpidump-to-bin.py) can read the tables the firmware
// built back from the serial log without trusting our parser.
#pragma once

#include <smpboot/format.hpp>

namespace example {

inline void acpidump(const char* prefix, const char* sig, uint64_t phys, const uint8_t* t, uint32_t len,
                     void (*out)(const char*)) {
    for (uint32_t off = 0; off < len; off += 32) {
        smpboot::line<128> l;
        l.str(prefix).str("acpidump ").str(sig).chr(' ').hex(phys).chr(' ').dec(len).chr(' ').dec(off).chr(' ');
        for (uint32_t i = off; i < len && i < off + 32; ++i)
            l.chr("0123456789abcdef"[t[i] >> 4]).chr("0123456789abcdef"[t[i] & 15]);
        out(l.c_str());
    }
}

}  // namespace example
