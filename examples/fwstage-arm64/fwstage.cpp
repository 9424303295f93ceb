// SPDX-License-Identifier: MIT
// A test firmware stage for the ACPI parking protocol on arm64 ("Multi-
// processor Startup for ARM Platforms"), which neither QEMU nor AAVMF
// implements. A UEFI application that AAVMF runs first from the ESP
// (\EFI\BOOT\BOOTAA64.EFI); it plays the firmware's part and then runs the
// normal UEFI loader:
//
//   1. find QEMU's RSDP in the EFI configuration table (UEFI 2.10 4.6, the
//      ACPI 2.0 GUID), its XSDT, FADT and MADT (ACPI 6.5 5.2.5-5.2.12);
//   2. give every enabled GICC but the boot CPU's one 4 KiB-aligned mailbox
//      page of EfiReservedMemoryType (below), CPU ID 0xFFFFFFFF, jump
//      address 0, the park loop (park.S) in the page's firmware half;
//   3. start each of those CPUs itself with PSCI CPU_ON (DEN0022D 5.1.4)
//      through the FADT's conduit into that loop, and wait until each says
//      it waits there;
//   4. publish copies of the MADT (each parked CPU's GICC: Parking Protocol
//      Version 1, Parked Address = its mailbox; ACPI 6.5 Table 5.47) and of
//      the FADT (ARM_BOOT_ARCH PSCI_COMPLIANT and PSCI_USE_HVC cleared,
//      Table 5.11: the OS must start CPUs through the mailboxes now), a new
//      XSDT and RSDP around them (checksums fixed), installed in place of
//      the ACPI 2.0 configuration table entry (UEFI 2.10 7.3, InstallConfigurationTable);
//   5. load \smpboot-loader.efi from its own volume and start it.
//
// Written from the specifications, sharing no code with the library or the
// kernel it boots (only the UEFI declarations of efi.hpp with the example's
// loader, and the semihosting exit). Option, read from \cmdline.txt as the
// loader reads it (the kernel ignores the word): fwstage.deaf=MPIDR starts
// that CPU into the loop but has it never read its mailbox.
//
// Memory type of the mailboxes: EfiReservedMemoryType (UEFI 2.10 Table 7.6:
// "not usable"), not EfiACPIMemoryNVS. The page holds code that runs while
// the OS runs and that the OS must neither use nor take over; NVS is memory
// whose contents the OS keeps across sleep states for the firmware's ACPI
// code (ACPI 6.5 chapter 15, AddressRangeNVS), which is not what this is.
// Either keeps the OS off the page; Linux also refuses a mailbox inside its
// linear map.
// The tables go into EfiACPIReclaimMemory (UEFI 2.10 7.2, Table 7.6).
#include "park_layout.h"

#include "efi.hpp"
#include "semihost.hpp"

#include <stddef.h>
#include <stdint.h>

extern "C" {
extern const uint8_t fw_park_start[], fw_park_end[];   // park.S
int64_t fw_psci_hvc(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3);
int64_t fw_psci_smc(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3);
}

namespace {

static_assert(FW_MB_CPU_ID == 0 && FW_MB_JUMP == 8, "the protocol's mailbox fields");
static_assert(FW_FIRMWARE_AREA == 0x800 && FW_PARK_CODE >= FW_FIRMWARE_AREA, "code in the firmware half");
static_assert(FW_PARK_CODE + FW_PARK_CODE_MAX <= FW_PARK_DATA && FW_PARK_READY + 8 <= FW_PAGE, "page layout");

efi::system_table* g_st;

// ---- console: ConOut (UCS-2), a line at a time ------------------------------

struct text {
    char buf[240];
    size_t n = 0;
    text& s(const char* p) {
        while (*p && n + 1 < sizeof buf) buf[n++] = *p++;
        buf[n] = 0;
        return *this;
    }
    text& hex(uint64_t v) {
        char d[19] = "0x";
        int shift = 60;
        while (shift > 0 && ((v >> shift) & 0xf) == 0) shift -= 4;
        size_t i = 2;
        for (; shift >= 0; shift -= 4) d[i++] = "0123456789abcdef"[(v >> shift) & 0xf];
        d[i] = 0;
        return s(d);
    }
    text& dec(uint64_t v) {
        char d[24];
        int i = 23;
        d[i] = 0;
        do d[--i] = char('0' + v % 10); while ((v /= 10) != 0);
        return s(d + i);
    }
};

void say(const text& t) {
    efi::char16 w[sizeof t.buf + 3];
    size_t i = 0;
    for (; i < t.n; ++i) w[i] = efi::char16(uint8_t(t.buf[i]));
    w[i++] = u'\r';
    w[i++] = u'\n';
    w[i] = 0;
    g_st->con_out->output_string(g_st->con_out, w);
}

[[noreturn]] void die(const char* why, uint64_t value = 0) {
    text t;
    t.s("fwstage: error: ").s(why);
    if (value) t.s(" (").hex(value).s(")");
    say(t);
    example::arm64::semihost_exit(1);
}

// ---- memory and caches --------------------------------------------------------

uint8_t* alloc_pages(efi::memory_type type, uint64_t bytes) {
    uint64_t a = 0xffffffff;   // below 4 GiB: the example kernel maps RAM up to there
    if (efi::status s = g_st->boot->allocate_pages(efi::allocate_max_address, type, (bytes + 4095) / 4096, &a);
        efi::failed(s))
        die("AllocatePages failed", s);
    return reinterpret_cast<uint8_t*>(uintptr_t(a));
}

template <class T>
T get(const uint8_t* p) {
    T v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}
template <class T>
void put(uint8_t* p, T v) {
    __builtin_memcpy(p, &v, sizeof v);
}
void copy(uint8_t* d, const uint8_t* s, size_t n) {
    for (size_t i = 0; i < n; ++i) d[i] = s[i];
}

uint64_t dcache_line() {
    uint64_t ctr;
    asm volatile("mrs %0, ctr_el0" : "=r"(ctr));
    return 4ull << ((ctr >> 16) & 0xf);   // CTR_EL0.DminLine: log2 of words
}
// A CPU with its MMU off reads and writes memory, not our cache (Arm ARM
// D7.5.9): clean what it must read; clean and invalidate before reading
// what it wrote.
void to_poc(const void* p, size_t n, bool invalidate) {
    const uint64_t line = dcache_line();
    for (uintptr_t a = uintptr_t(p) & ~(line - 1); a < uintptr_t(p) + n; a += line) {
        if (invalidate) asm volatile("dc civac, %0" ::"r"(a) : "memory");
        else asm volatile("dc cvac, %0" ::"r"(a) : "memory");
    }
    asm volatile("dsb sy" ::: "memory");
}

uint64_t now_ticks() {
    uint64_t v;
    asm volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v));
    return v;
}
uint64_t ticks_per_s() {
    uint64_t v;
    asm volatile("mrs %0, cntfrq_el0" : "=r"(v));
    return v ? v : 62'500'000;
}

// ---- ACPI (6.5 5.2.5-5.2.9, 5.2.12) --------------------------------------------

constexpr size_t header_size = 36;
bool sig_is(const uint8_t* t, const char* sig) {
    return t[0] == sig[0] && t[1] == sig[1] && t[2] == sig[2] && t[3] == sig[3];
}
uint8_t sum(const uint8_t* p, size_t n) {
    uint8_t s = 0;
    for (size_t i = 0; i < n; ++i) s = uint8_t(s + p[i]);
    return s;
}
/// Fix a table's checksum (byte 9) over its Length (5.2.6).
void seal(uint8_t* t) {
    t[9] = 0;
    t[9] = uint8_t(-sum(t, get<uint32_t>(t + 4)));
}
uint8_t* copy_table(const uint8_t* t, size_t extra = 0) {
    const uint32_t len = get<uint32_t>(t + 4);
    uint8_t* c = alloc_pages(efi::acpi_reclaim_memory, len + extra);
    copy(c, t, len);
    return c;
}

// MADT structures (5.2.12): GICC type 0xB (5.2.12.14, Table 5.47), GICD
// 0xC (5.2.12.15), GICR 0xE (5.2.12.17).
constexpr uint8_t madt_gicc = 0xb, madt_gicd = 0xc, madt_gicr = 0xe;
constexpr uint32_t gicc_enabled = 1;
constexpr size_t gicc_cpu_if = 4, gicc_flags = 12, gicc_park_version = 16, gicc_parked_address = 24,
                 gicc_base = 32, gicc_gicr_base = 60, gicc_mpidr = 68, gicc_min_length = 76;
constexpr size_t madt_entries = 44;   // header + Local Interrupt Controller Address + Flags
// FADT (Table 5.9): ARM_BOOT_ARCH at 129 (Table 5.11: bit 0 PSCI_COMPLIANT,
// bit 1 PSCI_USE_HVC).
constexpr size_t fadt_arm_boot_arch = 129;
constexpr uint16_t psci_compliant = 1, psci_use_hvc = 2;

template <class F>
void for_each_entry(const uint8_t* madt, F f) {
    const uint32_t len = get<uint32_t>(madt + 4);
    for (uint32_t o = madt_entries; o + 2 <= len;) {
        const uint8_t l = madt[o + 1];
        if (l < 2 || o + l > len) die("malformed MADT entry at offset", o);
        f(madt[o], const_cast<uint8_t*>(madt + o), l);
        o += l;
    }
}

// ---- the GIC, as the parked CPUs will use it ------------------------------------

struct gic_info {
    uint32_t version = 0;
    uint64_t gicd = 0;
    uint64_t gicr_ranges[8] = {};
    uint32_t gicr_lengths[8] = {};
    uint32_t gicr_count = 0;
};

volatile uint32_t& mmio32(uint64_t a) { return *reinterpret_cast<volatile uint32_t*>(uintptr_t(a)); }
volatile uint64_t& mmio64(uint64_t a) { return *reinterpret_cast<volatile uint64_t*>(uintptr_t(a)); }

/// The RD_base of the redistributor whose GICR_TYPER.Affinity_Value is the
/// CPU's (IHI 0069H 12.11.29: Aff3.Aff2.Aff1.Aff0 in [63:32]); 0 if none.
uint64_t find_redistributor(const gic_info& g, uint64_t gicc_gicr, uint64_t mpidr) {
    const uint64_t aff = ((mpidr >> 32) & 0xff) << 24 | (mpidr & 0xffffff);
    if (gicc_gicr) return gicc_gicr;   // the GICC names it itself
    for (uint32_t r = 0; r < g.gicr_count; ++r) {
        for (uint64_t a = g.gicr_ranges[r]; a < g.gicr_ranges[r] + g.gicr_lengths[r];) {
            const uint64_t typer = mmio64(a + 0x8);
            if ((typer >> 32) == aff) return a;
            if (typer & (1u << 4)) break;                // Last
            a += (typer & (1u << 1)) ? 0x40000 : 0x20000;  // VLPIS: GICv4 has 4 frames
        }
    }
    return 0;
}

// ---- the command line: one word of \cmdline.txt ------------------------------------

/// fwstage.deaf=MPIDR (hex with 0x, or decimal); ~0 when absent.
uint64_t deaf_option(efi::handle image, efi::handle& device) {
    efi::loaded_image* li = nullptr;
    efi::simple_file_system* fs = nullptr;
    efi::file* root = nullptr;
    efi::file* f = nullptr;
    efi::boot_services* bs = g_st->boot;
    if (efi::failed(bs->handle_protocol(image, &efi::loaded_image_guid, reinterpret_cast<void**>(&li))))
        die("no EFI_LOADED_IMAGE_PROTOCOL");
    device = li->device;
    char line[2048] = {};
    uint64_t n = sizeof line - 1;
    if (efi::failed(bs->handle_protocol(device, &efi::simple_file_system_guid, reinterpret_cast<void**>(&fs))) ||
        efi::failed(fs->open_volume(fs, &root)))
        die("cannot open the boot volume");
    if (!efi::failed(root->open(root, &f, u"\\cmdline.txt", efi::file_mode_read, 0))) {
        if (efi::failed(f->read(f, &n, line))) n = 0;
        f->close(f);
    } else {
        n = 0;
    }
    root->close(root);
    line[n] = 0;
    const char key[] = "fwstage.deaf=";
    for (size_t i = 0; i < n; ++i) {
        if (i > 0 && line[i - 1] != ' ') continue;
        size_t k = 0;
        while (key[k] && line[i + k] == key[k]) ++k;
        if (key[k]) continue;
        const char* p = line + i + k;
        const bool hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
        if (hex) p += 2;
        uint64_t v = 0;
        for (;; ++p) {
            const char c = *p;
            const int d = c >= '0' && c <= '9' ? c - '0' : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (d < 0) break;
            v = v * (hex ? 16 : 10) + uint64_t(d);
        }
        return v;
    }
    return ~0ull;
}

// ---- 5. the next stage -----------------------------------------------------------------

[[noreturn]] void start_loader(efi::handle image, efi::handle device) {
    efi::boot_services* bs = g_st->boot;
    efi::simple_file_system* fs = nullptr;
    efi::file* root = nullptr;
    efi::file* f = nullptr;
    if (efi::failed(bs->handle_protocol(device, &efi::simple_file_system_guid, reinterpret_cast<void**>(&fs))) ||
        efi::failed(fs->open_volume(fs, &root)) ||
        efi::failed(root->open(root, &f, u"\\smpboot-loader.efi", efi::file_mode_read, 0)))
        die("no \\smpboot-loader.efi on the boot volume");
    constexpr uint64_t max = 4u << 20;
    uint8_t* buf = alloc_pages(efi::loader_data, max);
    uint64_t n = max;
    if (efi::failed(f->read(f, &n, buf)) || n == 0 || n == max) die("cannot read \\smpboot-loader.efi");
    f->close(f);
    root->close(root);
    efi::handle child = nullptr;
    // From a buffer: no device path (UEFI 2.10 7.4.1). The loader finds its
    // volume (and \cmdline.txt) through its DeviceHandle, which is ours.
    if (efi::status s = bs->load_image(false, image, nullptr, buf, n, &child); efi::failed(s))
        die("LoadImage of \\smpboot-loader.efi failed", s);
    efi::loaded_image* li = nullptr;
    if (efi::failed(bs->handle_protocol(child, &efi::loaded_image_guid, reinterpret_cast<void**>(&li))))
        die("the loader has no EFI_LOADED_IMAGE_PROTOCOL");
    li->device = device;
    const efi::status s = bs->start_image(child, nullptr, nullptr);
    die("the loader returned", s ? s : 1);
}

}  // namespace

extern "C" efi::status efi_main(efi::handle image, efi::system_table* st) {
    g_st = st;
    st->boot->set_watchdog_timer(0, 0, 0, nullptr);
    efi::handle device = nullptr;
    const uint64_t deaf = deaf_option(image, device);

    // 1. The tables QEMU built.
    const uint8_t* rsdp = nullptr;
    for (uint64_t i = 0; i < st->number_of_table_entries; ++i)
        if (st->configuration[i].vendor_guid == efi::acpi_20_table_guid)
            rsdp = static_cast<const uint8_t*>(st->configuration[i].vendor_table);
    if (!rsdp || rsdp[15] < 2) die("no ACPI 2.0 RSDP in the EFI configuration table");
    const uint8_t* xsdt = reinterpret_cast<const uint8_t*>(uintptr_t(get<uint64_t>(rsdp + 24)));   // 5.2.5.3
    if (!xsdt || !sig_is(xsdt, "XSDT")) die("the RSDP names no XSDT");
    const uint32_t xsdt_len = get<uint32_t>(xsdt + 4);
    const uint32_t ntables = (xsdt_len - header_size) / 8;
    const uint8_t* madt = nullptr;
    const uint8_t* fadt = nullptr;
    for (uint32_t i = 0; i < ntables; ++i) {
        const auto* t = reinterpret_cast<const uint8_t*>(uintptr_t(get<uint64_t>(xsdt + header_size + 8 * i)));
        if (sig_is(t, "APIC")) madt = t;
        if (sig_is(t, "FACP")) fadt = t;
    }
    if (!madt || !fadt) die("no MADT or FADT in the XSDT");
    const uint16_t boot_arch = get<uint16_t>(fadt + fadt_arm_boot_arch);
    if (!(boot_arch & psci_compliant)) die("the FADT has no PSCI: this stage starts CPUs with CPU_ON");
    auto psci = (boot_arch & psci_use_hvc) ? fw_psci_hvc : fw_psci_smc;

    gic_info gic;
    for_each_entry(madt, [&](uint8_t type, uint8_t* e, uint8_t len) {
        if (type == madt_gicd && len >= 24) {
            gic.gicd = get<uint64_t>(e + 8);
            gic.version = e[20];
        } else if (type == madt_gicr && len >= 16 && gic.gicr_count < 8) {
            gic.gicr_ranges[gic.gicr_count] = get<uint64_t>(e + 4);
            gic.gicr_lengths[gic.gicr_count++] = get<uint32_t>(e + 12);
        }
    });
    if (gic.version != 2 && gic.version != 3) die("MADT GICD: GIC version is not 2 or 3", gic.version);
    // The distributor forwards group 0 and 1 (IHI 0069H 12.9.4 with one
    // security state; IHI 0048B 4.3.1), keeping its ARE as firmware set it.
    mmio32(gic.gicd) = mmio32(gic.gicd) | (gic.version == 3 ? 3u : 1u);

    // 2 and 3. A mailbox per enabled GICC but the boot CPU's, and its CPU.
    uint64_t own;
    asm volatile("mrs %0, mpidr_el1" : "=r"(own));
    own &= 0xff00ffffffull;   // Aff3, Aff2, Aff1, Aff0 (Arm ARM D19.2.86)
    uint8_t* new_madt = copy_table(madt);
    uint32_t started = 0, parked = 0;
    uint64_t first_page = 0;
    const size_t code_size = size_t(fw_park_end - fw_park_start);
    uint8_t* pages[256] = {};
    for_each_entry(new_madt, [&](uint8_t type, uint8_t* e, uint8_t len) {
        if (type != madt_gicc || len < gicc_min_length) return;
        const uint64_t mpidr = get<uint64_t>(e + gicc_mpidr);
        if (!(get<uint32_t>(e + gicc_flags) & gicc_enabled) || mpidr == own) return;
        if (started == sizeof pages / sizeof pages[0]) die("more CPUs than this stage has room for");
        uint8_t* page = alloc_pages(efi::reserved_memory, FW_PAGE);
        for (size_t i = 0; i < FW_PAGE; ++i) page[i] = 0;
        put<uint32_t>(page + FW_MB_CPU_ID, 0xffffffffu);
        put<uint64_t>(page + FW_MB_JUMP, 0);
        copy(page + FW_PARK_CODE, fw_park_start, code_size);
        put<uint64_t>(page + FW_PARK_GIC_VERSION, gic.version);
        put<uint64_t>(page + FW_PARK_GICD, gic.gicd);
        const uint64_t cpu_part = gic.version == 3 ? find_redistributor(gic, get<uint64_t>(e + gicc_gicr_base), mpidr)
                                                   : get<uint64_t>(e + gicc_base);
        if (!cpu_part) die("no GIC redistributor / CPU interface for MPIDR", mpidr);
        put<uint64_t>(page + FW_PARK_GIC_CPU, cpu_part);
        put<uint32_t>(page + FW_PARK_CPU_IF, get<uint32_t>(e + gicc_cpu_if));
        put<uint32_t>(page + FW_PARK_DEAF, mpidr == deaf ? 1 : 0);
        to_poc(page, FW_PAGE, false);
        asm volatile("ic iallu\n\tdsb sy\n\tisb" ::: "memory");
        const uint64_t phys = uint64_t(uintptr_t(page));
        // CPU_ON64 (DEN0022D 5.1.4, 0xC4000003): target, entry, context_id.
        if (int64_t rc = psci(0xc4000003, mpidr, phys + FW_PARK_CODE, phys); rc != 0)
            die("PSCI CPU_ON failed for MPIDR", mpidr);
        put<uint32_t>(e + gicc_park_version, 1);
        put<uint64_t>(e + gicc_parked_address, phys);
        if (!first_page) first_page = phys;
        pages[started++] = page;
    });
    const uint64_t deadline = now_ticks() + 2 * ticks_per_s();
    for (uint32_t i = 0; i < started; ++i) {
        for (;;) {
            to_poc(pages[i] + FW_PARK_READY, 8, true);
            if (*reinterpret_cast<volatile uint64_t*>(pages[i] + FW_PARK_READY) == 1) {
                ++parked;
                break;
            }
            if (now_ticks() > deadline) break;
        }
    }
    seal(new_madt);

    // 4. FADT without PSCI, a new XSDT and RSDP.
    uint8_t* new_fadt = copy_table(fadt);
    put<uint16_t>(new_fadt + fadt_arm_boot_arch, uint16_t(boot_arch & ~(psci_compliant | psci_use_hvc)));
    seal(new_fadt);
    uint8_t* new_xsdt = copy_table(xsdt);
    for (uint32_t i = 0; i < ntables; ++i) {
        uint8_t* slot = new_xsdt + header_size + 8 * i;
        const uint64_t t = get<uint64_t>(slot);
        if (t == uint64_t(uintptr_t(madt))) put<uint64_t>(slot, uint64_t(uintptr_t(new_madt)));
        if (t == uint64_t(uintptr_t(fadt))) put<uint64_t>(slot, uint64_t(uintptr_t(new_fadt)));
    }
    seal(new_xsdt);
    uint8_t* new_rsdp = alloc_pages(efi::acpi_reclaim_memory, 36);
    copy(new_rsdp, rsdp, 36);
    put<uint32_t>(new_rsdp + 16, 0);   // no RSDT: only the XSDT names the new tables
    put<uint64_t>(new_rsdp + 24, uint64_t(uintptr_t(new_xsdt)));
    new_rsdp[8] = 0;
    new_rsdp[8] = uint8_t(-sum(new_rsdp, 20));   // 5.2.5.3: first 20 bytes
    new_rsdp[32] = 0;
    new_rsdp[32] = uint8_t(-sum(new_rsdp, 36));  // extended checksum
    if (efi::status s = st->boot->install_configuration_table(&efi::acpi_20_table_guid, new_rsdp); efi::failed(s))
        die("InstallConfigurationTable failed", s);

    {
        uint64_t el;
        asm volatile("mrs %0, CurrentEL" : "=r"(el));
        text t;
        t.s("fwstage: ").dec(parked).s(" of ").dec(started).s(" APs wait in the parking protocol loop (mailboxes from ");
        t.hex(first_page).s(", GICv").dec(gic.version).s(", PSCI ").s(psci == fw_psci_hvc ? "hvc" : "smc");
        t.s(", EL").dec((el >> 2) & 3).s(")");
        say(t);
        if (deaf != ~0ull) {
            text d;
            d.s("fwstage: MPIDR ").hex(deaf).s(" is deaf: it never reads its mailbox");
            say(d);
        }
    }
    if (parked != started) die("not every AP reached the parking protocol loop");
    start_loader(image, device);
}
