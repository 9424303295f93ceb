// SPDX-License-Identifier: MIT
// The x86-64 example kernel: finds the CPUs in the MADT, brings them all
// online with smpboot, prints the serial contract (examples/common/report.hpp)
// and ends QEMU with a status saying whether every present CPU came online.
//
// It is entered by PVH (QEMU -kernel), multiboot2 (GRUB) or the UEFI loader
// (efi_loader.cpp); boot::read() turns each one's information into a
// boot::info (bootinfo.hpp), the only thing this file reads from the way in.
//
// Command line (words "smpboot.KEY=VALUE"):
//   smpboot.mode=seq|parallel      bring-up mode (default parallel)
//   smpboot.delays=modern|legacy   INIT-SIPI-SIPI pacing (default: from CPUID)
//   smpboot.rsdp=scan              ignore the RSDP handed over, use the legacy search
//   smpboot.madt=list              print the MADT entry listing
//   smpboot.acpidump=1             hex-dump the RSDP, RSDT/XSDT and MADT
//                                  (tests/data/acpi/acpidump-to-bin.py)
//   smpboot.x2apic=on              switch the boot CPU to x2APIC first, as
//                                  firmware does on big machines (needs a CPU
//                                  with x2APIC: QEMU TCG 7.2 has none, KVM has)
//   smpboot.stress / .seed / .fail / .callin_ms: see examples/common/demo.hpp
//   smpboot.ghost=APICID           add a CPU that does not exist: it never calls in
//   smpboot.callin_ms=MS           how long an AP may take to call in (default
//                                  5000: a hang detector, TCG on a loaded host is slow)
//   smpboot.guest=CPU              first run the guest image on that CPU, then
//                                  take the CPU back (INIT) and bring it up
//   smpboot.early_fault=CPU        that CPU executes UD2 in the early hook,
//                                  before the kernel's IDT: it must park
//                                  (callin timeout), the rest come up
//   smpboot.ipi=broadcast          INIT-SIPI-SIPI to "all excluding self"
//                                  when every AP the MADT lists is started
//                                  at once (config::broadcast_cpus)
//   smpboot.hide=APICID            leave that CPU out of the list, as if the
//                                  MADT did not describe it
//   smpboot.mpwakeup=off           ignore the MADT's Multiprocessor Wakeup
//                                  mailbox and use INIT-SIPI-SIPI
//   smpboot.nmi=CPU                first start that CPU with no slot armed for
//                                  it (it parks in the trampoline page), send
//                                  it an NMI, check the frame the park IDT
//                                  took, then bring it up with the rest
//   smpboot.pause=1                stop before the first kick and after the
//                                  result line until the monitor writes COM1's
//                                  scratch register (bench/tcg_jit.py)
#include "bootinfo.hpp"
#include "caching.hpp"
#include "guest/mailbox.hpp"
#include "memory.hpp"
#include "platform.hpp"

#include <acpidump.hpp>
#include <cmdline.hpp>
#include <demo.hpp>
#include <smpboot/hotplug.hpp>
#include <smpboot/x86/backend.hpp>
#include <smpboot/x86/cpu.hpp>
#include <smpboot/x86/idle.hpp>

inline void* operator new(size_t, void* p) noexcept { return p; }

extern "C" {
extern const char guest_image_start[];   // guest_blob.S
extern const char guest_image_end[];
}

namespace {

using namespace smpboot;
constexpr uint32_t max_cpus = 256;
using backend_t = x86::backend<max_cpus>;
using hotplug_t = backend_t::hotplug<>;

// Low memory the example gives the library when the way in has no memory
// map (PVH here): pages 8-13 (SIPI vector 0x08) are free RAM once the BIOS
// and the PVH loader are done. Otherwise boot::pick_low_pages chooses.
constexpr uint64_t default_trampoline_phys = 0x8000;
uint64_t trampoline_phys = default_trampoline_phys;   // what kernel_main chose
constexpr size_t stack_size = 16384;

alignas(16) uint8_t ap_stacks[max_cpus][stack_size];
backend_t the_backend;
alignas(hotplug_t) unsigned char hp_storage[sizeof(hotplug_t)];
hotplug_t* hp = nullptr;


guest::mailbox guest_box;
alignas(16) uint8_t guest_stack[8192];

const char* cmdline = "";
bool hidden_cpu = false;   // smpboot.hide

void out(const char* s) { pc::puts_line(s); }

void say(const char* a, const char* b = "") {
    line<600> l;
    l.str("x86_64: ").str(a).str(b);
    out(l.c_str());
}

[[noreturn]] void fail(const char* what) {
    say("fatal: ", what);
    pc::exit_qemu(1);
}

// ---- host_ops -------------------------------------------------------------

uint64_t host_now(void*) { return pc::now_ns(); }
void host_delay(void*, uint32_t us) { pc::delay_us(us); }
void host_log(void*, log_level, const char* text) { say(text); }
stack_region host_alloc_stack(void*, cpu_id cpu) {
    if (cpu >= max_cpus) return {};
    return {ap_stacks[cpu], stack_size};
}
void* host_map_mmio(void*, uint64_t phys, size_t) { return mem::map_uncached(phys); }
void host_wake(void*, cpu_id cpu) { (void)the_backend.send_fixed(cpu, pc::wake_vector); }

example::demo<hotplug_t>* demo = nullptr;

cpu_id early_fault_cpu = no_cpu;   // smpboot.early_fault=CPU

/// config::ap_early: before the library touches the APIC. The kernel's GDT
/// and IDT go in first, so that a fault from here on is reported.
void host_ap_early(void*, cpu_id cpu) {
    // A fault before the kernel's IDT: the library's park IDT stops the CPU
    // (it misses its callin) instead of a triple fault ending the machine.
    if (cpu == early_fault_cpu) asm volatile("ud2");
    pc::load_tables();
    caching::on_ap();
}

void host_ap_main(void*, cpu_id cpu) { demo->ap_idle(cpu); }

// The demo's platform hooks.
uint64_t now() { return pc::now_ns(); }
void relax() { asm volatile("pause"); }
void idle_once(cpu_id cpu) { x86::idle_once(*hp, cpu); }
hwid_t own_apic_id() { return the_backend.apic().id(); }

// ---- ACPI and page tables through the direct map ---------------------------

const void* map_phys(void*, uint64_t phys, size_t len) {
    if (phys == 0 || !mem::in_direct_map(phys, len)) return nullptr;
    return mem::phys_to_virt(phys);
}
const uint64_t* read_table(void*, uint64_t phys) { return static_cast<const uint64_t*>(map_phys(nullptr, phys, 4096)); }

void print_entry(void*, const x86::acpi::madt_entry& e) {
    line<200> l;
    l.str("x86_64: madt entry ").dec(e.index).str(" type ").dec(e.type);
    if (e.type == 0 || e.type == 9) {
        l.str(" apic ").hex(e.hwid).str(" flags ").hex(e.flags).chr(' ').str(x86::acpi::to_string(e.use));
        if (e.logical != no_cpu) l.str(" cpu ").dec(e.logical);
    } else if (e.type == 5) {
        l.str(" lapic override ").hex(e.address);
    } else if (e.type == uint8_t(x86::acpi::madt_type::mp_wakeup)) {
        l.str(" mp wakeup mailbox ").hex(e.address).str(" version ").dec(e.version);
    }
    if (e.problem) l.str(" (").str(e.problem).chr(')');
    out(l.c_str());
}

/// "x86_64: acpidump NAME PHYS LEN OFFSET HEX..." lines, 32 bytes each.
void dump_table(const char* name, uint64_t phys, uint32_t len) {
    if (const auto* p = static_cast<const uint8_t*>(map_phys(nullptr, phys, len)))
        example::acpidump("x86_64: ", name, phys, p, len, out);
}

void dump_acpi(uint64_t rsdp_phys) {
    namespace acpi = x86::acpi;
    const acpi::phys_reader mem{&map_phys, nullptr};
    if (rsdp_phys == 0 && !acpi::find_rsdp(mem, rsdp_phys)) return;
    acpi::rsdp_info rsdp;
    if (!acpi::parse_rsdp(mem.get(rsdp_phys, 20), 20, rsdp_phys, rsdp) &&
        !acpi::parse_rsdp(mem.get(rsdp_phys, 36), 36, rsdp_phys, rsdp))
        return;
    dump_table("RSDP", rsdp_phys, rsdp.revision >= 2 ? 36 : 20);
    const bool x = rsdp.revision >= 2 && rsdp.xsdt;
    const uint64_t root = x ? rsdp.xsdt : rsdp.rsdt;
    if (const uint8_t* h = mem.get(root, 36))
        dump_table(x ? "XSDT" : "RSDT", root, uint32_t(h[4] | h[5] << 8 | h[6] << 16 | uint32_t(h[7]) << 24));
    uint64_t madt;
    uint32_t len;
    if (acpi::find_table(mem, rsdp, "APIC", madt, len)) dump_table("APIC", madt, len);
}

bool option_is(const char* key, const char* value) {
    char buf[32];
    return example::cmdline_value(cmdline, key, buf, sizeof buf) && example::str_eq(buf, value);
}

/// smpboot.pause=1: before the first kick and after the result line, wait
/// until QEMU's monitor says go (pc::wait_for_monitor), so that a script can
/// read QEMU's counters (HMP `info jit`) around the bring-up alone.
void pause_point(const char* when) {
    if (!option_is("smpboot.pause", "1")) return;
    line<120> l;
    l.str("x86_64: pause ").str(when).str(": waiting for the monitor (COM1 scratch register)");
    if (!pc::wait_for_monitor(l.c_str(), 60'000)) say("pause: no word from the monitor in 60 s; going on");
}

/// smpboot.guest=CPU: run the separately built guest image on `cpu`, print
/// what it reports, then INIT the CPU and give it back to the kernel.
bool run_guest(cpu_id cpu) {
    auto* dst = static_cast<char*>(mem::phys_to_virt(guest::load_phys));
    for (const char* p = guest_image_start; p < guest_image_end; ++p) *dst++ = *p;
    guest_box = {};
    guest_box.magic = guest::magic;
    guest_box.n = 1000 + cpu;
    const uintptr_t stack_top = uintptr_t(guest_stack + sizeof guest_stack);
    result r = hp->start_image(cpu, guest::load_phys, stack_top, mem::kernel_virt_to_phys(&guest_box));
    if (!r) {
        say("error: start_image: ", to_string(r.code));
        return false;
    }
    const uint64_t deadline = pc::now_ns() + 2'000'000'000;
    while (!__atomic_load_n(&guest_box.done, __ATOMIC_ACQUIRE) && pc::now_ns() < deadline)
        asm volatile("pause");
    const bool done = __atomic_load_n(&guest_box.done, __ATOMIC_ACQUIRE);
    const uint64_t want = uint64_t(guest_box.n) * (guest_box.n + 1) / 2;
    line<200> l;
    l.str("guest on cpu ").dec(cpu).str(": ");
    if (!done) {
        l.str("no report within 2 s");
    } else {
        l.str("reported sum(1..").dec(guest_box.n).str(")=").dec(guest_box.sum);
        l.str(" from APIC ID ").hex(guest_box.apic_id).str(" on stack ").hex(guest_box.stack);
    }
    const bool ok = done && guest_box.sum == want && guest_box.apic_id == hp->hwid_of(cpu);
    l.str(ok ? ": ok" : ": WRONG");
    say(l.c_str());
    // Take the CPU back: INIT stops the guest. Without it the guest may still
    // run on guest_stack, so the CPU stays the guest's.
    if (!the_backend.abandon(cpu)) {
        say("guest cpu not stopped: INIT could not be sent; not reclaimed");
        return false;
    }
    if (result ri = hp->reclaim(cpu); !ri) fail(to_string(ri.code));
    return ok;
}

/// smpboot.nmi=CPU: an AP parked in the trampoline page must survive an NMI
/// (the page's IDT sends it back to the park loop on the page's scratch
/// stack; without that IDT the NMI shuts the machine down).
bool nmi_check(cpu_id cpu) {
    const hwid_t id = hp->hwid_of(cpu);
    auto& apic = the_backend.apic();
    auto* page = static_cast<uint64_t*>(mem::phys_to_virt(trampoline_phys));
    constexpr uint32_t frame = (SMPBOOT_TRAMP_SCRATCH_END - 40) / 8;   // RIP, CS, RFLAGS, RSP, SS
    for (uint32_t i = frame; i < SMPBOOT_PAGE / 8; ++i) page[i] = 0;
    const uint32_t entered = the_backend.trampoline_entries();
    const uint64_t ipi_ns = 100'000'000;
    // INIT, then one SIPI (SDM 8.4.4.1): no slot is armed, so it parks.
    bool ok = apic.send(x86::icr::init(), id, ipi_ns) && apic.send(x86::icr::startup(trampoline_phys >> 12), id, ipi_ns);
    const uint64_t deadline = pc::now_ns() + 2'000'000'000;
    while (ok && the_backend.trampoline_entries() == entered && pc::now_ns() < deadline) asm volatile("pause");
    ok = ok && the_backend.trampoline_entries() == entered + 1;
    pc::delay_us(10'000);   // into the park loop
    ok = ok && apic.send(x86::icr::make(x86::delivery_mode::nmi), id, ipi_ns);
    pc::delay_us(10'000);
    const uint64_t cs = __atomic_load_n(&page[frame + 1], __ATOMIC_ACQUIRE);
    const uint64_t rip = page[frame], rsp = page[frame + 3];
    ok = ok && cs == SMPBOOT_SEL_CODE64 && rsp == trampoline_phys + SMPBOOT_TRAMP_SCRATCH_END &&
         rip >= trampoline_phys && rip < trampoline_phys + x86::backend_base::trampoline_size();
    line<160> l;
    l.str("nmi check: cpu ").dec(cpu).str(" parked unarmed in the trampoline, NMI frame cs ").hex(cs);
    l.str(" rip ").hex(rip).str(" rsp ").hex(rsp).str(ok ? ": survived" : ": WRONG");
    say(l.c_str());
    return ok;
}

/// "mailbox: cpu N woken by mp-wakeup" (report.hpp) for every AP, when the
/// MADT offered the Multiprocessor Wakeup mailbox (before the cpu lines).
bool using_mailbox = false;
void print_wake_methods() {
    if (!using_mailbox) return;
    example::print_mailbox_lines(*hp, [](cpu_id c) -> const char* {
        const x86::wake_method m = the_backend.method(c);
        return m == x86::wake_method::none ? nullptr : x86::to_string(m);
    }, out);
}

/// "x86_64: boot: ..." lines: what the way in and the firmware left.
void log_boot(const boot::info& bi, uint64_t trampoline, const char* trampoline_from) {
    line<200> l;
    l.str("boot: ").str(bi.protocol).str(", firmware ").str(bi.firmware);
    if (bi.extra[0]) l.str(", ").str(bi.extra);
    say(l.c_str());
    l.clear();
    l.str("boot: rsdp ").hex(bi.rsdp).str(" from ").str(bi.rsdp_source).str("; cmdline from ").str(bi.cmdline_source);
    say(l.c_str());
    l.clear();
    l.str("boot: trampoline ").hex(trampoline).str(" from ").str(trampoline_from);
    if (bi.firmware_cr3) l.str("; the firmware's cr3 was ").hex(bi.firmware_cr3);
    say(l.c_str());
    if (bi.firmware_cpus) {
        l.clear();
        l.str("boot: the firmware's MP services had started ").dec(bi.firmware_cpus);
        l.str(" CPUs; its APs wait parked for INIT-SIPI-SIPI");
        say(l.c_str());
    }
}

/// init() refused the config: each AP gets a failed line with the reason,
/// then the result line, so the run ends by the serial contract.
[[noreturn]] void end_not_started(const cpu_desc* cpus, uint32_t n, const host_ops& host, result r) {
    line<200> reason;
    reason.str(to_string(r.code));
    if (r.detail) reason.str(": ").str(r.detail);   // init(): describe_config_problem(rc)
    say("error: smpboot backend init: ", reason.c_str());
    hp = new (hp_storage) hotplug_t(the_backend, host, example::timeouts_from(cmdline));
    if (result ri = hp->init(cpus, n); !ri) fail(to_string(ri.code));
    example::print_cpu_lines_not_started(*hp, reason.c_str(), out);
    example::print_result_line(*hp, "x86_64", !option_is("smpboot.mode", "seq"), 0, out);
    pc::exit_qemu(1);
}

}  // namespace

/// isr.S: the wake IPI.
extern "C" void on_wake() { the_backend.apic().eoi(); }

extern "C" [[noreturn]] void kernel_main(uint64_t boot_phys, uint32_t entry) {
    pc::serial_init();
    pc::tables_init();
    pc::load_tables();

    // The boot information and the command line through the boot identity
    // map, while it is still there (boot::read copies what is read later).
    boot::info bi;
    if (!boot::read(entry, boot_phys, bi)) say("warning: no valid boot information from ", bi.protocol);
    cmdline = bi.cmdline;
    uint64_t rsdp = bi.rsdp;
    const mem::layout layout = mem::enter_higher_half(bi.ram_end, bi.ram_from_4g);
    say("smpboot x86-64 example; cmdline: ", cmdline);
    {
        line<200> l;
        l.str("memory: kernel at -2 GiB, direct map of 0-").dec(layout.direct_end >> 30).str(" GiB at ");
        l.hex(mem::direct_base).str(", no identity map, page tables (").dec(layout.table_pages);
        l.str(" pages) at ").hex(layout.cr3).str(layout.cr3 >> 32 ? " (above 4 GiB)" : " (below 4 GiB)");
        l.str(layout.la57 ? ", 5-level" : ", 4-level");
        say(l.c_str());
    }
    if (!pc::clock_init()) say("warning: the PIT did not count; assuming a 1 GHz TSC");
    {
        line<80> l;
        l.str("TSC ").dec(pc::tsc_hz() / 1000).str(" kHz");
        say(l.c_str());
    }
    const x86::delay_policy delays = option_is("smpboot.delays", "legacy")   ? x86::delay_policy::legacy
                                     : option_is("smpboot.delays", "modern") ? x86::delay_policy::modern
                                                                             : x86::delay_policy::automatic;
    if (option_is("smpboot.rsdp", "scan")) rsdp = 0;

    if (option_is("smpboot.x2apic", "on")) {
        // CPUID.1:ECX[21] x2APIC; IA32_APIC_BASE EN then EXTD (SDM Vol. 3A 10.12.5).
        if (x86::cpuid(1).ecx & (1u << 21)) {
            const uint64_t base = x86::rdmsr(x86::msr_apic_base) | x86::apic_base_msr::enable_bit;
            x86::wrmsr(x86::msr_apic_base, base);
            x86::wrmsr(x86::msr_apic_base, base | x86::apic_base_msr::x2apic_bit);
            say("x2APIC enabled on the boot CPU before smpboot starts, as firmware would");
        } else {
            say("this CPU has no x2APIC: staying in xAPIC mode");
        }
    }

    if (option_is("smpboot.acpidump", "1")) dump_acpi(rsdp);

    // Discovery.
    const bool list = option_is("smpboot.madt", "list");
    // Static, built in place: the list is too big for the boot stack.
    const x86::acpi::warn_sink warn{[](void*, const x86::acpi::status& w) {
                                        line<200> l;
                                        l.str("x86_64: ACPI warning: ");
                                        x86::acpi::describe(w, l);
                                        out(l.c_str());
                                    },
                                    nullptr};
    static backend_t::discovery found =
        the_backend.discover({&map_phys, nullptr}, rsdp, list ? &print_entry : nullptr, nullptr, &warn);
    if (!found.ok()) {
        line<200> l;
        x86::acpi::describe(found.status, l);
        fail(l.c_str());
    }
    const x86::acpi::madt_info& info = found.madt;
    cpu_desc* const cpus = found.cpus;
    uint32_t& n = found.count;
    {
        line<200> l;
        l.str("ACPI: RSDP ").str(rsdp ? "from " : "by legacy search").str(rsdp ? bi.rsdp_source : "").str(", MADT rev ").dec(info.revision);
        l.str(": present ").dec(info.present).str(" possible ").dec(info.possible);
        l.str(" disabled ").dec(info.disabled).str(" rejected ").dec(info.rejected);
        l.str(", lapic ").hex(info.lapic_phys).str(info.lapic_override ? " (override)" : "");
        say(l.c_str());
        if (info.mp_wakeup_mailbox) {
            line<160> m;
            m.str("ACPI: Multiprocessor Wakeup mailbox at ").hex(info.mp_wakeup_mailbox);
            m.str(", version ").dec(info.mp_wakeup_version);
            if (info.mp_wakeup_version >= 1) m.str(", reset vector ").hex(info.mp_wakeup_reset_vector).str(" (not used)");
            say(m.c_str());
        }
        if (info.dropped) {
            line<120> w;
            w.str("warning: ").dec(info.dropped).str(" CPUs beyond this kernel's ").dec(max_cpus).str(" ignored");
            say(w.c_str());
        }
    }

    if (uint64_t hide = example::cmdline_number(cmdline, "smpboot.hide", ~0ull); hide != ~0ull) {
        // A CPU that exists but that the firmware left out of the MADT.
        for (uint32_t i = 1; i < n; ++i) {
            if (cpus[i].hwid != hide) continue;
            for (uint32_t j = i; j + 1 < n; ++j) cpus[j] = cpus[j + 1];
            --n;
            --found.madt.present;
            hidden_cpu = true;
            say("hid a CPU from the MADT's list: smpboot does not start it, a broadcast would");
            break;
        }
    }
    if (uint64_t ghost = example::cmdline_number(cmdline, "smpboot.ghost", ~0ull); ghost != ~0ull) {
        // A CPU the firmware did not describe and that does not exist: it
        // will never call in, and the others must come online regardless.
        if (n < max_cpus) cpus[n++] = {ghost, true};
        say("added a ghost CPU that will never call in");
    }

    host_ops host;
    host.monotonic_ns = host_now;
    host.delay_us = host_delay;
    host.log = host_log;
    host.alloc_stack = host_alloc_stack;
    host.ap_main = host_ap_main;
    host.wake = host_wake;

    caching::on_boot_cpu();   // before init(): the APs get this PAT

    // The trampoline pages: from the way in's memory map if it gave one.
    constexpr uint32_t low_pages = x86::backend_base::low_memory_pages;
    if (bi.n_free) trampoline_phys = boot::pick_low_pages(bi, low_pages);
    log_boot(bi, trampoline_phys, bi.n_free ? "the lowest free pages in the memory map" : "the fixed default");
    x86::config cfg;
    cfg.trampoline_phys = trampoline_phys;
    cfg.trampoline_virt = mem::phys_to_virt(trampoline_phys);
    cfg.cr3 = layout.cr3;
    cfg.read_table = read_table;
    cfg.image_cr3 = layout.boot_cr3;   // the guest runs identity-mapped
    cfg.ap_early = host_ap_early;
    cfg.delays = delays;
    cfg.lapic_phys = info.lapic_phys;
    cfg.map_mmio = host_map_mmio;
    cfg.spurious_vector = pc::spurious_vector;
    using_mailbox = info.mp_wakeup_mailbox != 0 && !option_is("smpboot.mpwakeup", "off");
    if (using_mailbox) cfg.mp_wakeup = static_cast<x86::mp_wakeup_mailbox*>(mem::phys_to_virt(info.mp_wakeup_mailbox));
    if (option_is("smpboot.ipi", "broadcast")) cfg.broadcast_cpus = info.all_enabled();
    if (result r = the_backend.init(cfg, host); !r) end_not_started(cpus, n, host, r);
    the_backend.apic().enable_this_cpu(pc::spurious_vector);

    hp = new (hp_storage) hotplug_t(the_backend, host, example::timeouts_from(cmdline));
    if (result r = hp->init(cpus, n); !r) fail(to_string(r.code));
    bool ok = true;
    if (uint64_t g = example::cmdline_number(cmdline, "smpboot.guest", ~0ull); g != ~0ull)
        ok = run_guest(cpu_id(g)) && ok;
    early_fault_cpu = cpu_id(example::cmdline_number(cmdline, "smpboot.early_fault", no_cpu));
    if (uint64_t c = example::cmdline_number(cmdline, "smpboot.nmi", ~0ull); c != ~0ull && c > 0 && c < n)
        ok = nmi_check(cpu_id(c)) && ok;

    static example::demo<hotplug_t> the_demo{
        *hp, {"x86_64", "x86_64", cmdline, out, now, relax, idle_once, own_apic_id, nullptr, print_wake_methods}};
    demo = &the_demo;
    pause_point("before bring-up");
    ok = the_demo.run() && ok;
    pause_point("after bring-up");
    if (hidden_cpu) {
        // A broadcast started it too: give it time to reach the trampoline's
        // 64-bit code, which counts it, so that the line below says so.
        const uint64_t give_up = host_now(nullptr) + 2'000'000'000;
        while (the_backend.trampoline_entries() < uint32_t(hp->online().count()) && host_now(nullptr) < give_up)
            host_delay(nullptr, 1000);
    }
    {
        line<160> l;
        l.str("trampoline ").dec(x86::backend_base::trampoline_size()).str(" bytes at ");
        l.hex(trampoline_phys).str(", entered ").dec(the_backend.trampoline_entries()).str(" times, ");
        l.dec(the_backend.park_traps()).str(" traps in the park IDT; ");
        l.str(x86::current_apic_mode() == x86::apic_mode::x2apic ? "x2APIC" : "xAPIC");
        l.str(the_backend.delays() == x86::delay_policy::legacy ? ", legacy delays" : ", modern delays");
        l.str(delays == x86::delay_policy::automatic ? " (from CPUID)" : "");
        if (uint32_t b = the_backend.broadcast_kicks()) l.str("; ").dec(b).str(" broadcast INIT-SIPI-SIPI");
        say(l.c_str());
    }
    {
        const caching::counts c = caching::stats();
        line<160> l;
        l.str("early hook: runs ").dec(c.runs).str(", PAT as the boot CPU's ").dec(c.pat_same);
        l.str(", MTRRs as the boot CPU's ").dec(c.mtrr_same).str(" (synced on ").dec(c.mtrr_synced).chr(')');
        say(l.c_str());
        ok = ok && c.pat_same == c.runs && c.mtrr_same == c.runs;
    }
    pc::exit_qemu(ok ? 0 : 1);
}
