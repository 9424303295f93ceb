// SPDX-License-Identifier: MIT
// The example UEFI applications' GUIDs (examples/common/efi.hpp) against the
// registry form the UEFI 2.10 specification prints for each: a wrong byte
// there makes the loader miss a configuration table without any error.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "efi.hpp"

namespace {

// "aabbccdd-eeff-gghh-iijj-kkllmmnnoopp": the first three groups are the
// numbers a, b, c, the last two the eight bytes of d in order (UEFI 2.10
// Appendix A).
efi::guid parse(const std::string& s) {
    auto hex = [&](size_t at, size_t n) { return std::strtoull(s.substr(at, n).c_str(), nullptr, 16); };
    efi::guid g{};
    g.a = uint32_t(hex(0, 8));
    g.b = uint16_t(hex(9, 4));
    g.c = uint16_t(hex(14, 4));
    const size_t bytes_at[8] = {19, 21, 24, 26, 28, 30, 32, 34};
    for (int i = 0; i < 8; ++i) g.d[i] = uint8_t(hex(bytes_at[i], 2));
    return g;
}

}  // namespace

TEST_CASE("UEFI applications: their GUIDs are the specification's") {
    CHECK(parse("8868e871-e4f1-11d3-bc22-0080c73c8881") == efi::acpi_20_table_guid);   // 4.6.1.1
    CHECK(parse("eb9d2d30-2d88-11d3-9a16-0090273fc14d") == efi::acpi_10_table_guid);   // 4.6.1.1
    CHECK(parse("b1b621d5-f19c-41a5-830b-d9152c69aae0") == efi::dtb_table_guid);      // 4.6.1.4
    CHECK(parse("5b1b31a1-9562-11d2-8e3f-00a0c969723b") == efi::loaded_image_guid);   // 9.1.1
    CHECK(parse("964e5b22-6459-11d2-8e39-00a0c969723b") == efi::simple_file_system_guid);   // 13.4.1
    CHECK(parse("3fdda605-a76e-4f46-ad29-12f4531b3d08") == efi::mp_services_guid);   // PI 1.7 Vol. 2 13.4
    // The parser itself: one changed digit is a different GUID.
    CHECK_FALSE(parse("8868e871-e4f1-11d3-bc22-0080c73c8882") == efi::acpi_20_table_guid);
}
