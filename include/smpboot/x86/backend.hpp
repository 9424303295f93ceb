// SPDX-License-Identifier: MIT
// The x86-64 backend: ACPI discovery, the local APIC, the SIPI trampoline and
// INIT-SIPI-SIPI wake-up, behind smpboot::backend.
//
//   using arch = smpboot::x86::backend<64>;           // the one capacity
//   arch be;
//   arch::discovery d = be.discover(reader, rsdp_phys);
//   smpboot::x86::config cfg;
//   cfg.trampoline_phys = 0x8000;                     // 6 free pages below 1 MiB
//   cfg.trampoline_virt = phys_to_virt(0x8000);
//   cfg.cr3 = my_cr3;                                 // any: see config::cr3
//   cfg.read_table = my_read_table;                   // phys -> readable pointer
//   cfg.lapic_phys = d.madt.lapic_phys;               // honour the MADT
//   cfg.map_mmio = my_map_uncached;
//   if (d.madt.mp_wakeup_mailbox)                     // ACPI 6.4 5.2.12.19
//       cfg.mp_wakeup = static_cast<smpboot::x86::mp_wakeup_mailbox*>(phys_to_virt(d.madt.mp_wakeup_mailbox));
//   be.init(cfg, host);
//   arch::hotplug<> hp{be, host};
//   hp.init(d.cpus, d.count);
//
// What the host must provide beyond host_ops is all in `config`.
//
// What an AP has when the kernel's code first runs on it (config::ap_early
// if set, else the core's AP steps and then host_ops::ap_main), set up by
// trampoline.S from what the boot CPU had when init() ran:
//   - 64-bit mode, CPL 0, interrupts off (RFLAGS.IF = 0), RSP = the stack
//     from host_ops::alloc_stack, 16-byte aligned;
//   - GDTR = the boot CPU's GDTR, CS / SS / DS = the boot CPU's selectors
//     (ES = DS, FS = GS = 0 with base 0); no TR, no LDT: load your own;
//   - CR3 = config::cr3 exactly (less bit 63); the identity map of the
//     trampoline page is gone by then;
//   - CR0 = the boot CPU's PE, MP, ET, NE, WP, AM + PG (caches on);
//     CR4 = PAE, plus LA57 if the boot CPU had it, nothing else (no PGE,
//     OSFXSR, SMEP, ...: set what your kernel needs); EFER = LME | LMA, plus
//     NXE if the boot CPU had it (no SCE);
//   - IA32_PAT = the boot CPU's (SDM Vol. 3A 11.12.4 wants it identical on
//     all CPUs; INIT leaves the old value, Table 9-1), written before the AP
//     touched any kernel memory. MTRRs: as INIT left them, which is why
//     ap_early exists;
//   - IDT: none of the kernel's. IDTR points at the library's park IDT, in
//     which every exception and the NMI halt the CPU for good (it then
//     misses its callin or is reported stuck, instead of a triple fault;
//     backend_base::park_traps() counts them).
//     Load your IDT in ap_early or in your first AP-side step;
//   - the local APIC as INIT left it until the ap:starting step, in which
//     the library enables it (and switches it to x2APIC to match the BSP).
// An AP woken through the Multiprocessor Wakeup mailbox (below) gets the
// same, except that what INIT would have reset (the local APIC, MTRRs,
// MSRs other than EFER and PAT, debug registers) is as the firmware left it.
// The library switches it from the firmware's page tables and GDT to the
// transition tables and the trampoline page's GDT in the page itself.
#pragma once

#include <smpboot/backend.hpp>
#include <smpboot/capacity.hpp>
#include <smpboot/host.hpp>
#include <smpboot/hotplug.hpp>
#include <smpboot/x86/acpi.hpp>
#include <smpboot/x86/apic.hpp>
#include <smpboot/x86/cpuid.hpp>
#include <smpboot/x86/mp_wakeup.hpp>
#include <smpboot/x86/paging.hpp>
#include <smpboot/x86/trampoline_layout.h>

namespace smpboot::x86 {

struct config {
    /// The first of low_memory_pages (6) 4 KiB pages of RAM, page-aligned,
    /// all below 1 MiB and outside 0xA0000-0xBFFFF, owned by the backend from
    /// init() on for as long as CPUs may be brought up. The first is the
    /// trampoline (the SIPI vector is its page number, SDM 10.6.1); the
    /// others hold the transition page tables it turns paging on with (their
    /// top level is loaded in 32-bit mode, so it must be below 4 GiB).
    uint64_t trampoline_phys = 0;
    /// Where the boot CPU can write those pages.
    void* trampoline_virt = nullptr;
    /// The page-table root the APs run the kernel on: any 64-bit CR3 value,
    /// in the paging mode the boot CPU uses (4-level, or 5-level with
    /// CR4.LA57). Nothing needs an identity map in it: the AP gets to this
    /// CR3 through the transition tables, which map what these tables map
    /// (the top level copied at init(), as Linux's trampoline page table)
    /// plus the trampoline page at its own address. So the library's code
    /// and this backend object must be mapped in it when init() runs, at the
    /// addresses the boot CPU uses, and those mappings must stay in the top
    /// level and, if they share the trampoline page's top-level entry, on
    /// the way down to it (those tables are copied; everything else below
    /// the top level is shared). The AP stacks and the GDT are only used
    /// once this CR3 is loaded. EFER.NXE is given to the AP only if the boot
    /// CPU has it.
    uint64_t cr3 = 0;
    /// Read access, on the boot CPU during init(), to a page-table page by
    /// its physical address: the top level of `cr3` and the tables on the
    /// way to the trampoline page's address (a direct-mapped kernel returns
    /// phys + its offset). Gets host_ops::ctx. Required.
    table_reader read_table = nullptr;
    /// The CR3 an image started by hotplug::start_image runs on; it must
    /// map the trampoline page at its own address, the image's entry and the
    /// stack given to start_image (the CPU calls the entry on that stack).
    /// 0: the transition tables (what `cr3` maps, plus the trampoline page).
    /// The image is called in 64-bit mode with CS = 0x08 of the trampoline's
    /// GDT, DS = ES = SS = 0, the boot CPU's PAT, CR0/CR4/EFER as below,
    /// interrupts off, IDTR = the trampoline page's park IDT, RDI = its
    /// argument; if it returns, the CPU parks there until an INIT.
    uint64_t image_cr3 = 0;
    /// Called on each AP, if set, in the state described at the top of this
    /// file, before the library touches any MMIO or the APIC: the place for
    /// the kernel's MTRR sync with the boot CPU (SDM Vol. 3A 11.11.8) and,
    /// if it wants, its own IDT. Gets host_ops::ctx and the logical CPU; no
    /// stack beyond the AP's own; must return.
    void (*ap_early)(void* ctx, cpu_id cpu) = nullptr;
    /// INIT-SIPI-SIPI pacing; `automatic` picks it from the boot CPU's CPUID.
    delay_policy delays = delay_policy::automatic;
    /// Physical address of the xAPIC registers: pass madt_info::lapic_phys to
    /// honour the MADT (and its address override); 0 reads IA32_APIC_BASE.
    uint64_t lapic_phys = 0;
    /// modern: how long to wait for an AP to reach the trampoline before the
    /// second SIPI. A SIPI to a running CPU is ignored (SDM 8.4.4.1), so a
    /// short wait is harmless.
    uint64_t sipi_retry_ns = 1'000'000;
    /// Opt-in broadcast INIT-SIPI-SIPI: the number of CPUs the system has,
    /// boot CPU included (madt_info::all_enabled()). kick_all() then sends
    /// INIT and STARTUP once each to "all excluding self", as the BSP does
    /// in SDM Vol. 3A 8.4.4.1, whenever its batch holds broadcast_cpus - 1
    /// APs: every AP there is. Any other batch (one CPU, a CPU already
    /// online or given to start_image, a mailbox) is kicked one IPI per AP.
    /// A broadcast also reaches CPUs the MADT does not describe; such a CPU
    /// finds no slot in the trampoline page and halts there for good, so
    /// the low pages must stay reserved (they must anyway, for cpu_up). Under
    /// QEMU TCG the 3 IPIs in place of 3 per AP shorten a parallel bring-up
    /// and its slowest runs (docs/benchmark.md). 0 (the default): always
    /// one IPI per AP, as Linux does.
    uint32_t broadcast_cpus = 0;
    /// xAPIC: how long the ICR may stay busy before errc::hw_timeout.
    uint64_t ipi_timeout_ns = 100'000'000;
    /// Maps the xAPIC page uncached (called with host_ops::ctx). Required
    /// unless the boot CPU runs in x2APIC mode, which has no MMIO.
    map_mmio_fn map_mmio = nullptr;
    /// Spurious-interrupt vector programmed on every AP (SDM 10.9).
    uint8_t spurious_vector = 0xff;
    /// The Multiprocessor Wakeup mailbox (ACPI 6.4 5.2.12.19), where the
    /// boot CPU can write it (ordinary write-back memory: the firmware
    /// reserves it in ACPI NVS), for madt_info::mp_wakeup_mailbox. Set, APs
    /// are started through it instead of INIT-SIPI-SIPI (see "The
    /// Multiprocessor Wakeup mailbox" below); null: INIT-SIPI-SIPI.
    mp_wakeup_mailbox* mp_wakeup = nullptr;
    /// How long the firmware may take to acknowledge a wakeup command
    /// (clear Command) before the kick fails with errc::hw_timeout.
    uint64_t mp_wakeup_ack_ns = 1'000'000'000;
};

// The Multiprocessor Wakeup mailbox. With config::mp_wakeup set, kick()
// and kick_all() write ApicId, WakeupVector and then Command = Wakeup for
// each AP and wait for the firmware's acknowledgement (Command back to
// Noop) before the next one: there is one mailbox, so kick_all() serialises
// the commands, but it does not wait for callins in between. No INIT or
// SIPI is sent. WakeupVector is the 64-bit entry in the trampoline page
// (trampoline.S, smpboot_x86_tramp_wake64), which joins the SIPI path; the
// AP then has the state described at the top of this file.
//
// Offline and back: the CPU is parked in the library's own loop, and
// cpu_up wakes it from there. ACPI 6.4 gives no way back to the firmware:
// "For each application processor, the mailbox can be used only once for
// the wakeup command. After the application process takes the action
// according to the command, this mailbox will no longer be checked by this
// application processor." (ACPI 6.6's MailboxVersion 1 adds a ResetVector
// to hand an AP back; this library does not use it, so that both versions
// behave alike: madt_info reports it.) So ap_leave() parks the CPU in
// smpboot_x86_park_poll, in kernel memory and off its stack, polling its
// slot (with PAUSE, not halted: nothing could wake a halted CPU with
// interrupts off but INIT, which such a platform need not deliver, so an
// offline CPU keeps a core busy); wait_off() waits for that and sends no
// INIT; the next kick of that
// CPU only arms its slot, and the CPU comes in through the trampoline page
// again. A CPU whose kick timed out is stopped (abandon() is true) only if
// the boot CPU takes its slot back before the CPU claims it: it then halts
// in the trampoline page. A CPU given to hotplug::start_image cannot be
// taken back (abandon() says false): no INIT.

/// How the boot CPU last started a CPU.
enum class wake_method : uint32_t {
    none = 0,    ///< never started (or its start failed)
    init_sipi,   ///< INIT-SIPI-SIPI (Intel SDM Vol. 3A 8.4.4)
    mp_wakeup,   ///< the Multiprocessor Wakeup mailbox (ACPI 6.4 5.2.12.19)
};
/// "init-sipi", "mp-wakeup", "none".
const char* to_string(wake_method m);

/// What discovery found: the list hotplug::init() takes (boot CPU first),
/// the MADT's facts, and whether the tables could be read.
template <uint32_t MaxCpus>
struct discovery {
    acpi::status status{};
    acpi::madt_info madt{};
    uint32_t count = 0;
    cpu_desc cpus[MaxCpus];

    bool ok() const { return bool(status); }
};

/// Why init() refused a config: the `rc` of its errc::kick_failed result
/// (whose detail is describe_config_problem(rc)).
enum class config_problem : int32_t {
    bad_trampoline_page = 10,   ///< not low_memory_pages pages below 1 MiB outside 0xA0000-0xBFFFF
    no_trampoline_mapping,      ///< trampoline_virt is null
    no_table_reader,            ///< read_table is null
    unreadable_page_table,      ///< read_table returned null on the way to the trampoline page
    no_clock,                   ///< host_ops lacks monotonic_ns or delay_us
};

/// A readable reason for init()'s rc, e.g. "no page-table reader
/// (config::read_table)"; null if `rc` is not a config_problem.
const char* describe_config_problem(int32_t rc);

class backend_base {
public:
    backend_base(const backend_base&) = delete;
    backend_base& operator=(const backend_base&) = delete;

    /// Pick the APIC mode, map the xAPIC, install the trampoline and build
    /// the transition tables. Boot CPU, in the GDT, CS/SS/DS, CR3 paging mode
    /// and PAT the APs are to get (they are read here), before
    /// hotplug::init(). Fails (kick_failed, rc = a config_problem, detail =
    /// its description) on a bad config, before touching any hardware, or
    /// with the APIC's error. `host` is kept by pointer: it must outlive the
    /// backend.
    result init(const config& cfg, const host_ops& host);

    // ---- smpboot::backend ----
    result kick(ap_boot& boot);
    void kick_all(ap_boot* const* batch, uint32_t n, result* outcomes);
    bool abandon(cpu_id cpu);
    result wait_off(cpu_id cpu, uint64_t deadline_ns);
    result ap_init(cpu_id cpu);
    void ap_exit(cpu_id cpu);
    [[noreturn]] void ap_leave(cpu_id cpu);
    void relax();
    /// CPUID's APIC ID (leaf 0xB in x2APIC mode, else leaf 1): no MMIO, so
    /// it works on any CPU at any time (SDM Vol. 3A 10.4.6, 10.12.8.1).
    hwid_t this_hwid() const { return current_apic_id(); }

    // ---- for the host ----
    local_apic& apic() { return apic_; }
    hwid_t boot_apic_id() const;
    /// Size of the trampoline blob in bytes (checked at build time to leave
    /// the page room for its IDT and scratch).
    static size_t trampoline_size();
    /// How many pages config::trampoline_phys must start.
    static constexpr uint32_t low_memory_pages = SMPBOOT_LOW_PAGES;
    /// APs that have reached the trampoline's 64-bit code so far (diagnostics).
    uint32_t trampoline_entries() const;
    /// Exceptions and NMIs the park IDT took on APs in the kernel's address
    /// space (before the kernel loaded its IDT, or while parked): each
    /// stopped that CPU for good (diagnostics; 0 in a healthy system).
    uint32_t park_traps() const;
    /// Send an IPI with `vector` to a CPU (e.g. for host_ops.wake): the boot
    /// CPU (logical 0) or one that was brought up at least once; any other
    /// fails with errc::invalid_cpu.
    result send_fixed(cpu_id cpu, uint8_t vector);
    /// How many kick_all() calls sent INIT-SIPI-SIPI to "all excluding
    /// self" (config::broadcast_cpus) rather than to each AP.
    uint32_t broadcast_kicks() const { return broadcast_kicks_; }
    /// The pacing in use: config::delays, with `automatic` resolved at init().
    delay_policy delays() const { return cfg_.delays; }
    /// How `cpu` was last started (wake_method::none for the boot CPU).
    wake_method method(cpu_id cpu) const;

protected:
    constexpr backend_base(ap_slot* slots, uint32_t capacity) : slots_(slots), capacity_(capacity) {}

private:
    result arm(ap_boot& boot);
    result send(icr cmd, hwid_t dest);
    result send_init(hwid_t dest, dest_shorthand to = dest_shorthand::none);
    void init_sipi_sipi(ap_boot* const* batch, uint32_t n, result* outcomes);
    void mailbox_wake_all(ap_boot* const* batch, uint32_t n, result* outcomes);
    result mailbox_wake(hwid_t dest);
    uint64_t now() const { return host_->monotonic_ns(host_->ctx); }
    bool reached(const ap_slot& s) const;

    ap_slot* slots_;
    uint32_t capacity_;
    config cfg_{};
    const host_ops* host_ = nullptr;
    local_apic apic_;
    ap_params params_{};
    bool ready_ = false;
    uint32_t broadcast_kicks_ = 0;
};

/// The backend with room for `MaxCpus` logical CPUs: the one place a kernel
/// fixes its capacity; discovery and hotplug<> follow from it.
template <uint32_t MaxCpus = default_config::max_cpus>
class backend : public backend_base {
public:
    static_assert(MaxCpus > 0, "a backend needs room for the boot CPU");
    static constexpr uint32_t max_cpus = MaxCpus;
    using discovery = x86::discovery<MaxCpus>;
    /// The state machine for this backend, with `Config`'s capacity set to ours.
    template <class Config = default_config>
    using hotplug = smpboot::hotplug<backend, with_capacity<Config, MaxCpus>>;

    /// constexpr: a kernel can define one as a global without constructors.
    constexpr backend() : backend_base(storage_, MaxCpus) {}

    /// Discovery, on the boot CPU: its own APIC ID (CPUID, in whatever mode
    /// it runs) becomes logical 0; see acpi::discover. `visit` gets the
    /// per-entry listing, `warn` what was accepted with a warning. CPUs
    /// beyond MaxCpus are counted in madt.dropped.
    discovery discover(const acpi::phys_reader& mem, uint64_t rsdp_phys,
                       acpi::entry_visitor visit = nullptr, void* visit_ctx = nullptr,
                       const acpi::warn_sink* warn = nullptr) const {
        discovery d;
        d.status = acpi::discover(mem, rsdp_phys, boot_apic_id(), d.cpus, MaxCpus, d.count, d.madt,
                                  visit, visit_ctx, warn);
        return d;
    }

private:
    ap_slot storage_[MaxCpus]{};
};

}  // namespace smpboot::x86
