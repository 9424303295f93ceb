// SPDX-License-Identifier: MIT
// The x86-64 example kernel: finds the CPUs in the MADT, brings them all
// online with smpboot, prints the serial contract (examples/common/report.hpp)
// and ends QEMU with a status saying whether every present CPU came online.
//
// Command line (PVH cmdline, words "smpboot.KEY=VALUE"):
//   smpboot.mode=seq|parallel      bring-up mode (default parallel)
//   smpboot.delays=modern|legacy   INIT-SIPI-SIPI pacing (default modern)
//   smpboot.rsdp=scan              ignore the RSDP from PVH, use the legacy search
//   smpboot.madt=list              print the MADT entry listing
#include "platform.hpp"

#include <cmdline.hpp>
#include <report.hpp>
#include <smpboot/hotplug.hpp>
#include <smpboot/x86/backend.hpp>
#include <smpboot/x86/cpu.hpp>

inline void* operator new(size_t, void* p) noexcept { return p; }

namespace {

using namespace smpboot;
constexpr uint32_t max_cpus = 256;
using backend_t = x86::backend<max_cpus>;
using hotplug_t = hotplug<backend_t>;

// Low memory the example gives the library: page 8 (SIPI vector 0x08) is
// free RAM once the BIOS and PVH loader are done.
constexpr uint64_t trampoline_phys = 0x8000;
constexpr size_t stack_size = 16384;

alignas(16) uint8_t ap_stacks[max_cpus][stack_size];
backend_t the_backend;
alignas(hotplug_t) unsigned char hp_storage[sizeof(hotplug_t)];
hotplug_t* hp = nullptr;

trace_event trace_events[max_cpus * 32];
trace_buffer trace{trace_events, sizeof trace_events / sizeof trace_events[0]};

// What the host callbacks saw, to prove they ran on each AP.
atomic<uint32_t> starting_calls{0};
atomic<uint32_t> online_calls{0};
atomic<uint64_t> self_id[max_cpus];   // APIC ID + 1 as the AP read it itself
atomic<uint64_t> work[max_cpus];

char cmdline[512];

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
void* host_map_mmio(void*, uint64_t phys, size_t) { return pc::map_uncached(phys); }
void host_wake(void*, cpu_id cpu) { (void)the_backend.send_fixed(cpu, pc::wake_vector); }

/// The AP idle loop: halt until an IPI, then look for a down request.
[[noreturn]] void host_ap_main(void*, cpu_id cpu) {
    for (;;) {
        hp->ap_poll(cpu);
        work[cpu].fetch_add(1, memory_order::relaxed);
        // STI's one-instruction shadow: a wake IPI between the poll and the
        // HLT still ends the HLT.
        asm volatile("sti; hlt; cli" ::: "memory");
    }
}

// ---- the host's own hotplug steps, on each AP --------------------------------

int on_starting(cpu_id, void*) {
    pc::load_tables();   // leave the trampoline's GDT, get the kernel's IDT
    starting_calls.fetch_add(1, memory_order::relaxed);
    return 0;
}
int on_online(cpu_id cpu, void*) {
    self_id[cpu].store(the_backend.apic().id() + 1, memory_order::relaxed);
    online_calls.fetch_add(1, memory_order::relaxed);
    return 0;
}
int on_teardown(cpu_id, void*) { return 0; }

// ---- ACPI through the identity map -----------------------------------------

const void* map_phys(void*, uint64_t phys, size_t len) {
    if (phys == 0 || phys + len > (uint64_t(1) << 32) || phys + len < phys) return nullptr;
    return reinterpret_cast<const void*>(uintptr_t(phys));
}

void print_entry(void*, const x86::acpi::madt_entry& e) {
    line<200> l;
    l.str("x86_64: madt entry ").dec(e.index).str(" type ").dec(e.type);
    if (e.type == 0 || e.type == 9) {
        l.str(" apic ").hex(e.hwid).str(" flags ").hex(e.flags).chr(' ').str(x86::acpi::to_string(e.use));
        if (e.logical != no_cpu) l.str(" cpu ").dec(e.logical);
    } else if (e.type == 5) {
        l.str(" lapic override ").hex(e.address);
    }
    if (e.problem) l.str(" (").str(e.problem).chr(')');
    out(l.c_str());
}

bool option_is(const char* key, const char* value) {
    char buf[32];
    return example::cmdline_value(cmdline, key, buf, sizeof buf) && example::str_eq(buf, value);
}

}  // namespace

/// isr.S: the wake IPI.
extern "C" void on_wake() { the_backend.apic().eoi(); }

extern "C" [[noreturn]] void kernel_main(uint64_t start_info_phys) {
    pc::serial_init();
    pc::tables_init();
    pc::load_tables();

    const auto* si = reinterpret_cast<const pc::hvm_start_info*>(uintptr_t(start_info_phys));
    uint64_t rsdp = 0;
    if (si && si->magic == pc::hvm_start_magic) {
        rsdp = si->rsdp_paddr;
        if (const char* c = reinterpret_cast<const char*>(uintptr_t(si->cmdline_paddr))) {
            size_t i = 0;
            for (; c[i] && i + 1 < sizeof cmdline; ++i) cmdline[i] = c[i];
            cmdline[i] = '\0';
        }
    }
    say("smpboot x86-64 example; cmdline: ", cmdline);
    if (!pc::clock_init()) say("warning: the PIT did not count; assuming a 1 GHz TSC");
    {
        line<80> l;
        l.str("TSC ").dec(pc::tsc_hz() / 1000).str(" kHz");
        say(l.c_str());
    }
    const bool parallel = !option_is("smpboot.mode", "seq");
    const bool legacy = option_is("smpboot.delays", "legacy");
    if (option_is("smpboot.rsdp", "scan")) rsdp = 0;

    // Discovery.
    static cpu_desc cpus[max_cpus];
    uint32_t n = 0;
    x86::acpi::madt_info info;
    const bool list = option_is("smpboot.madt", "list");
    x86::acpi::status st = the_backend.discover({&map_phys, nullptr}, rsdp, cpus, max_cpus, n, info,
                                                list ? &print_entry : nullptr, nullptr);
    if (!st) {
        line<200> l;
        x86::acpi::describe(st, l);
        fail(l.c_str());
    }
    {
        line<200> l;
        l.str("ACPI: RSDP ").str(rsdp ? "from PVH" : "by legacy search").str(", MADT rev ").dec(info.revision);
        l.str(": present ").dec(info.present).str(" possible ").dec(info.possible);
        l.str(" disabled ").dec(info.disabled).str(" rejected ").dec(info.rejected);
        l.str(", lapic ").hex(info.lapic_phys).str(info.lapic_override ? " (override)" : "");
        say(l.c_str());
    }

    host_ops host;
    host.monotonic_ns = host_now;
    host.delay_us = host_delay;
    host.log = host_log;
    host.alloc_stack = host_alloc_stack;
    host.map_mmio = host_map_mmio;
    host.ap_main = host_ap_main;
    host.wake = host_wake;

    x86::config cfg;
    cfg.trampoline_phys = trampoline_phys;
    cfg.trampoline_virt = reinterpret_cast<void*>(uintptr_t(trampoline_phys));
    cfg.cr3 = x86::read_cr3();
    cfg.delays = legacy ? x86::delay_policy::legacy : x86::delay_policy::modern;
    cfg.lapic_phys = info.lapic_phys;
    cfg.spurious_vector = pc::spurious_vector;
    if (result r = the_backend.init(cfg, host); !r) fail(to_string(r.code));
    the_backend.apic().enable_this_cpu(pc::spurious_vector);

    hp = new (hp_storage) hotplug_t(the_backend, host);
    hp->set_trace(&trace);
    if (result r = hp->init(cpus, n); !r) fail(to_string(r.code));
    if (!hp->add_state(section::starting, "example:starting", on_starting, on_teardown) ||
        !hp->add_state(section::online, "example:online", on_online, on_teardown))
        fail("add_state");

    const bringup_summary sum = hp->bring_up_all(parallel ? bringup_mode::parallel : bringup_mode::sequential);
    const uint64_t bringup_ns = sum.last_online_ns > sum.first_kick_ns ? sum.last_online_ns - sum.first_kick_ns : 0;

    // Check what the APs' own callbacks recorded against what the library says.
    bool ok = true;
    const uint32_t aps_online = hp->online().count() - 1;
    for (cpu_id c : hp->online()) {
        if (c == 0) continue;
        const uint64_t seen = self_id[c].load(memory_order::relaxed);
        if (seen != hp->hwid_of(c) + 1) {
            line<120> l;
            l.str("cpu ").dec(c).str(" reported APIC ID ").hex(seen - 1).str(", MADT says ").hex(hp->hwid_of(c));
            say("error: ", l.c_str());
            ok = false;
        }
    }
    {
        line<160> l;
        l.str("trampoline ").dec(x86::backend_base::trampoline_size()).str(" bytes at ").hex(trampoline_phys);
        l.str(", entered ").dec(the_backend.trampoline_entries()).str(" times; ");
        l.str(x86::current_apic_mode() == x86::apic_mode::x2apic ? "x2APIC" : "xAPIC");
        l.str(legacy ? ", legacy delays" : ", modern delays");
        l.str("; callbacks starting=").dec(starting_calls.load(memory_order::relaxed));
        l.str(" online=").dec(online_calls.load(memory_order::relaxed));
        say(l.c_str());
    }
    if (starting_calls.load(memory_order::relaxed) != aps_online ||
        online_calls.load(memory_order::relaxed) != aps_online) {
        say("error: callback counts differ from the number of APs online");
        ok = false;
    }

    example::print_cpu_lines(*hp, out);
    example::print_trace_lines(*hp, trace, sum.first_kick_ns, out);
    ok = example::print_result_line(*hp, "x86_64", parallel, bringup_ns, out) && ok;
    pc::exit_qemu(ok ? 0 : 1);
}
