// SPDX-License-Identifier: MIT
// arm64 discovery from ACPI: FADT ARM boot flags and MADT GICC structures
// into the same result as the DT path. Host-testable: no sysregs, no asm.
#include <smpboot/arm64/acpi.hpp>
#include <smpboot/arm64/parking.hpp>
#include <smpboot/format.hpp>

namespace smpboot::arm64::acpi {
namespace {

namespace gen = smpboot::acpi;
using gen::fail;
using gen::fail_v;
using gen::le::rd16;
using gen::le::rd32;
using gen::le::rd64;
using gen::le::rd8;

// ACPI 6.5 Table 5.9: FADT fields an arm64 kernel reads.
constexpr uint32_t fadt_off_flags = 112, fadt_off_arm_boot = 129, fadt_off_minor = 131;
constexpr uint32_t fadt_min_len = fadt_off_minor + 1;

void copy_str(char* dst, size_t cap, const char* src) {
    size_t i = 0;
    for (; src && src[i] && i + 1 < cap; ++i) dst[i] = src[i];
    dst[i] = '\0';
}

/// Messages name the structure as the x86 parser and the inspector do.
struct emitter {
    const discovery_log* log;

    void say(log_level lvl, const char* where, const char* what, uint64_t num = ~0ull) const {
        if (!log || !log->fn) return;
        line<192> l;
        l.str(where).str(": ").str(what);
        if (num != ~0ull) l.chr(' ').hex(num);
        log->fn(log->ctx, lvl, l.c_str());
    }
    void say(log_level lvl, const status& st) const {
        if (!log || !log->fn) return;
        line<192> l;
        gen::describe(st, l);
        log->fn(log->ctx, lvl, l.c_str());
    }
    static void warn_fn(void* ctx, const status& st) { static_cast<const emitter*>(ctx)->say(log_level::warning, st); }
};

void where_of(const madt_entry& e, char* buf, size_t cap) {
    line<64> l;
    l.str("MADT entry ").dec(e.index).str(" at offset ").hex(e.offset);
    copy_str(buf, cap, l.c_str());
}

}  // namespace

status read_fadt(const uint8_t* fadt, size_t avail, fadt_info& out) {
    out = {};
    status st = gen::check_table(fadt, avail, "FACP", "FADT");
    if (!st) return st;
    const uint32_t len = rd32(fadt + gen::sdt_off_length);
    if (len < fadt_min_len) return fail_v("FADT", "too short for the ARM boot flags (ACPI 5.1)", len, gen::sdt_off_length);
    fadt_info f;
    f.revision = rd8(fadt + gen::sdt_off_revision);
    f.minor = rd8(fadt + fadt_off_minor);
    f.flags = rd32(fadt + fadt_off_flags);
    f.arm_boot = rd16(fadt + fadt_off_arm_boot);
    // Linux (acpi_fadt_sanity_check) refuses ACPI on arm64 below 5.1, the
    // first revision with ARM_BOOT_ARCH.
    if (f.revision < 5 || (f.revision == 5 && f.minor < 1))
        return fail_v("FADT", "older than ACPI 5.1, so it has no ARM boot flags", f.revision, gen::sdt_off_revision);
    out = f;   // a refused FADT leaves `out` empty: no PSCI
    return {};
}

psci_info psci_from_fadt(const fadt_info& f) {
    psci_info p;
    if (!(f.arm_boot & boot_psci_compliant)) return p;
    p.present = true;
    p.method = (f.arm_boot & boot_psci_use_hvc) ? conduit::hvc : conduit::smc;
    p.dt_version = 0x2;
    // DEN0022D 5.1: the 0.2 IDs. PSCI_FEATURES exists only from 1.0, so it
    // is not assumed.
    p.fn_version = psci::fn_version;
    p.fn_cpu_on = psci::fn_cpu_on64;
    p.fn_cpu_off = psci::fn_cpu_off;
    p.fn_affinity_info = psci::fn_affinity_info64;
    p.fn_system_off = psci::fn_system_off;
    return p;
}

status decode_gicc(const madt_struct& s, gicc& g, const char*& note) {
    g = {};
    status st = gen::check_length(s, gicc_len_5_1, gicc_len_6_5, "too short for a GICC (ACPI 5.1: 76 bytes)", note);
    if (!st) return st;
    // ACPI 6.5 Table 5.47 offsets.
    const uint8_t* p = s.p;
    g.cpu_interface = rd32(p + 4);
    g.uid = rd32(p + 8);
    g.flags = rd32(p + 12);
    g.parking_version = rd32(p + 16);
    g.perf_gsiv = rd32(p + 20);
    g.parked_address = rd64(p + 24);
    g.base = rd64(p + 32);
    g.gicv = rd64(p + 40);
    g.gich = rd64(p + 48);
    g.vgic_gsiv = rd32(p + 56);
    g.gicr_base = rd64(p + 60);
    g.mpidr = rd64(p + 68);
    if (s.length >= gicc_len_6_0) {
        g.efficiency_class = rd8(p + 76);
        g.spe_gsiv = rd16(p + 78);
    }
    if (s.length >= gicc_len_6_5) g.trbe_gsiv = rd16(p + 80);
    return {};
}

discovery_result discover_cpus(const uint8_t* madt, size_t avail, const fadt_info& fadt, uint64_t boot_mpidr,
                               const discovery_out& out, const discovery_log* log, const madt_extras& extras) {
    discovery_result res;
    const emitter em{log};
    madt_info info;
    const uint64_t boot = boot_mpidr & mpidr_affinity_mask;
    cpu_info* const cpus = out.cpus;
    const uint32_t limit = cpus ? out.cpus_cap : 0;
    res.psci = psci_from_fadt(fadt);

    gen::madt_header h;
    res.acpi = gen::open_madt(madt, avail, h);
    if (!res.acpi) {
        em.say(log_level::error, res.acpi);
        return res;
    }
    info.revision = h.revision;
    if (limit == 0) {
        res.problem = "no room for any cpu";
        return res;
    }

    // Pass 1: check the chain and every GICC's length; find the boot CPU's
    // entry (the first enabled or online-capable GICC with its MPIDR).
    madt_struct s;
    gicc g;
    const char* note;
    uint32_t boot_index = gen::status::no_entry;
    for (gen::madt_cursor c(madt, h); !c.done();) {
        status st = c.next(s);
        if (st && s.type == madt_type_gicc) st = decode_gicc(s, g, note);
        if (!st) {
            res.acpi = st;
            em.say(log_level::error, st);
            return res;
        }
        if (s.type == madt_type_gicc && boot_index == gen::status::no_entry && g.mpidr == boot &&
            (g.flags & (gicc_enabled | gicc_online_capable)))
            boot_index = s.index;
    }
    res.boot_cpu_found = boot_index != gen::status::no_entry;
    if (!res.boot_cpu_found) em.say(log_level::error, "MADT", "missing boot CPU MPIDR, not enabling secondaries");
    cpus[0] = cpu_info{};
    cpus[0].hwid = boot;
    cpus[0].method = res.psci.present ? enable_method::psci : enable_method::none;
    cpus[0].topo = topology_of(boot);
    res.count = 1;
    if (out.descs) out.descs[0] = cpu_desc{boot, true};

    // Pass 2: every structure in table order.
    for (gen::madt_cursor c(madt, h); !c.done();) {
        if (!c.next(s)) break;   // unreachable: pass 1 checked the chain
        ++info.entries;
        madt_entry e;
        e.index = s.index;
        e.offset = s.offset;
        e.type = s.type;
        e.length = s.length;
        if (s.type != madt_type_gicc) {
            if (extras.visit) extras.visit(extras.ctx, e);
            continue;
        }
        ++info.giccs;
        (void)decode_gicc(s, e.cpu, e.problem);   // checked in pass 1
        char where[64];
        where_of(e, where, sizeof where);
        if (e.problem) em.say(log_level::warning, where, e.problem);
        const gicc& cpu = e.cpu;
        const bool enabled = cpu.flags & gicc_enabled;
        const bool online_capable = !enabled && (cpu.flags & gicc_online_capable);
        if (enabled && (cpu.flags & gicc_online_capable)) e.problem = "online capable set on an enabled GICC (ignored)";
        if (res.psci.present) e.method = enable_method::psci;
        else if (cpu.parking_version != 0 && cpu.parked_address != 0) e.method = enable_method::parking_protocol;

        const char* problem = nullptr;
        e.use = enabled ? usage::present : online_capable ? usage::possible : usage::disabled;
        if (e.use != usage::disabled) {
            if (cpu.mpidr & ~mpidr_affinity_mask) {
                problem = "invalid MPIDR (bits outside the affinity fields)";
            } else if (s.index == boot_index) {
                e.boot = true;
            } else if (cpu.mpidr == boot && res.boot_cpu_found) {
                problem = "duplicate CPU MPIDR (the boot CPU's)";
            } else {
                for (uint32_t i = 1; i < res.count && !problem; ++i)
                    if (cpus[i].hwid == cpu.mpidr) problem = "duplicate CPU MPIDR";
            }
            if (!problem && !e.boot) {
                if (!res.boot_cpu_found) problem = "boot CPU not described, secondaries not enabled";
                else if (e.method == enable_method::parking_protocol &&
                         parking::check(cpu.parked_address, cpu.parking_version) != parking::status::ok)
                    problem = parking::to_string(parking::check(cpu.parked_address, cpu.parking_version));
                else if (e.method == enable_method::none)
                    problem = "no enable method: the FADT has no PSCI and the GICC no parked address";
            }
        }

        cpu_node_report rep;
        copy_str(rep.path, sizeof rep.path, where);
        rep.hwid = cpu.mpidr;
        rep.method = e.method;
        copy_str(rep.method_name, sizeof rep.method_name, to_string(e.method));
        if (e.use == usage::disabled) {
            ++info.disabled;
            rep.problem = "disabled (neither Enabled nor Online Capable)";
        } else if (problem) {
            e.use = usage::rejected;
            e.problem = problem;
            ++res.rejected;
            ++info.rejected;
            em.say(log_level::warning, where, problem, cpu.mpidr);
            rep.problem = problem;
        } else {
            cpu_info ci;
            ci.hwid = cpu.mpidr;
            ci.method = e.method;
            ci.topo = topology_of(cpu.mpidr);
            ci.uid = cpu.uid;
            ci.gic_cpu_interface = cpu.cpu_interface;
            ci.parking_version = cpu.parking_version;
            ci.mailbox = cpu.parked_address;
            const bool is_present = e.use == usage::present;
            if (e.boot) {
                // The boot CPU runs, whatever its flags say.
                if (!is_present) e.problem = "the boot CPU's GICC is not enabled";
                e.use = usage::present;
                cpus[0] = ci;
                e.logical = 0;
            } else if (res.count < limit) {
                e.logical = res.count;
                if (out.descs) out.descs[res.count] = cpu_desc{ci.hwid, is_present};
                cpus[res.count++] = ci;
                if (!is_present) ++res.possible;
            } else {
                e.use = usage::dropped;
                e.problem = "beyond the configured maximum number of cpus, dropped";
                ++res.dropped;
                rep.problem = e.problem;
                em.say(log_level::warning, where, e.problem);
            }
            if (e.use == usage::present) ++info.present;
            else if (e.use == usage::possible) ++info.possible;
            else ++info.dropped;
            rep.usable = e.use == usage::present;
            if (e.logical != no_cpu) rep.logical = e.logical;
            if (e.use == usage::possible) rep.problem = "online capable, not enabled: possible, not started";
        }
        if (out.nodes && res.nodes < out.nodes_cap) out.nodes[res.nodes] = rep;
        ++res.nodes;
        if (extras.visit) extras.visit(extras.ctx, e);
    }
    if (res.dropped) em.say(log_level::warning, "MADT", "cpus dropped past max_cpus:", res.dropped);
    if (extras.info) *extras.info = info;
    return res;
}

discovery_result discover(const phys_reader& mem, uint64_t rsdp_phys, uint64_t boot_mpidr,
                          const discovery_out& out, const discovery_log* log, const madt_extras& extras) {
    discovery_result res;
    const emitter em{log};
    const gen::warn_sink warn{&emitter::warn_fn, const_cast<emitter*>(&em)};
    gen::rsdp_info rsdp;
    uint64_t phys = 0;
    uint32_t len = 0;
    fadt_info fadt;
    res.acpi = gen::open_rsdp(mem, rsdp_phys, rsdp);
    if (res.acpi) res.acpi = gen::find_table(mem, rsdp, "FACP", phys, len, &warn);
    if (res.acpi) res.acpi = read_fadt(mem.get(phys, len), len, fadt);
    // The root table's warning was given by the first lookup.
    if (res.acpi) res.acpi = gen::find_table(mem, rsdp, "APIC", phys, len);
    if (!res.acpi) {
        em.say(log_level::error, res.acpi);
        return res;
    }
    return discover_cpus(mem.get(phys, len), len, fadt, boot_mpidr, out, log, extras);
}

}  // namespace smpboot::arm64::acpi
