// SPDX-License-Identifier: MIT
// The arm64 backend (see smpboot/arm64/backend.hpp). Sysregs and cache
// maintenance are inline asm here; the paths that run with the MMU off or
// without a stack are in entry.S.
#include <smpboot/arm64/backend.hpp>
#include <smpboot/format.hpp>
#include <smpboot/states.hpp>

struct smpboot_arm64_ap_table_t {
    uint64_t blocks_phys;
    uint64_t count;
};
static_assert(sizeof(smpboot_arm64_ap_table_t) == SMPBOOT_APT_SIZE);
static_assert(__builtin_offsetof(smpboot_arm64_ap_table_t, blocks_phys) == SMPBOOT_APT_BLOCKS);
static_assert(__builtin_offsetof(smpboot_arm64_ap_table_t, count) == SMPBOOT_APT_COUNT);

extern "C" {
extern smpboot_arm64_ap_table_t smpboot_arm64_ap_table;
[[noreturn]] void smpboot_arm64_park(smpboot::arm64::ap_block* block);
void smpboot_arm64_park_idmap();
[[noreturn]] void smpboot_arm64_psci_leave(smpboot::arm64::ap_block* block, uint32_t fn, uint64_t use_smc);
}

namespace smpboot::arm64 {

namespace {

#define SMPBOOT_MRS(reg)                                  \
    ({                                                    \
        uint64_t v_;                                      \
        asm volatile("mrs %0, " #reg : "=r"(v_));         \
        v_;                                               \
    })

// Arm ARM D7.5.9: clean by VA to the point of coherency, so that a CPU with
// its MMU (and so its caches) off reads what we wrote. CTR_EL0.DminLine gives
// the smallest D-cache line.
void clean_to_poc(const void* p, size_t size) {
    const uint64_t line = 4ull << ((SMPBOOT_MRS(ctr_el0) >> 16) & 0xf);
    uintptr_t a = uintptr_t(p) & ~(line - 1);
    for (; a < uintptr_t(p) + size; a += line) asm volatile("dc cvac, %0" ::"r"(a) : "memory");
    asm volatile("dsb sy" ::: "memory");
}

/// Clean and invalidate: the next read comes from memory (written by a CPU
/// whose MMU is off).
void fresh(const void* p) {
    asm volatile("dc civac, %0\n\tdsb sy" ::"r"(p) : "memory");
}

uint64_t identity_phys(void*, const void* va) { return uint64_t(uintptr_t(va)); }

uint64_t read_volatile(const uint64_t* p) {
    fresh(p);
    return *static_cast<const volatile uint64_t*>(p);
}

}  // namespace

mmu_state current_mmu_state() {
    mmu_state m;
    m.ttbr0 = SMPBOOT_MRS(ttbr0_el1);
    m.ttbr1 = SMPBOOT_MRS(ttbr1_el1);
    m.tcr = SMPBOOT_MRS(tcr_el1);
    m.mair = SMPBOOT_MRS(mair_el1);
    m.sctlr = SMPBOOT_MRS(sctlr_el1);
    m.vbar = SMPBOOT_MRS(vbar_el1);
    return m;
}

uint64_t read_mpidr() { return SMPBOOT_MRS(mpidr_el1); }

int64_t backend_base::psci_call(uint32_t fn, uint64_t a1, uint64_t a2, uint64_t a3) {
    // SMCCC (DEN0028): function ID in w0, arguments in x1..x3, result in x0;
    // x0..x17 may be clobbered.
    register uint64_t x0 asm("x0") = fn;
    register uint64_t x1 asm("x1") = a1;
    register uint64_t x2 asm("x2") = a2;
    register uint64_t x3 asm("x3") = a3;
    if (psci_.method == conduit::smc) {
        asm volatile("smc #0"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
                     :
                     : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14",
                       "x15", "x16", "x17", "memory");
    } else if (psci_.method == conduit::hvc) {
        asm volatile("hvc #0"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
                     :
                     : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14",
                       "x15", "x16", "x17", "memory");
    } else {
        return psci::not_supported;
    }
    return int64_t(x0);
}

uint64_t backend_base::to_phys(const void* va) const {
    return cfg_.virt_to_phys ? cfg_.virt_to_phys(cfg_.ctx, va) : uint64_t(uintptr_t(va));
}

void* backend_base::to_virt(uint64_t pa) const {
    return cfg_.phys_to_virt ? cfg_.phys_to_virt(cfg_.ctx, pa) : reinterpret_cast<void*>(uintptr_t(pa));
}

uint64_t backend_base::now() const { return host_->monotonic_ns(host_->ctx); }

void backend_base::log(log_level lvl, const char* what, cpu_id cpu, int64_t rc) const {
    if (!host_ || !host_->log) return;
    line<128> l;
    l.str("arm64: cpu ").dec(cpu).str(": ").str(what);
    if (rc) l.str(" (rc ").sdec(rc).chr(')');
    host_->log(host_->ctx, lvl, l.c_str());
}

result backend_base::init(const config& cfg, const host_ops& host, const cpu_info* cpus, uint32_t count,
                          const psci_info& psci) {
    if (!host.monotonic_ns || count == 0) return result::fail(errc::not_initialized, no_cpu);
    if (count > capacity_) return result::fail(errc::invalid_cpu, count);
    cfg_ = cfg;
    host_ = &host;
    psci_ = psci;
    count_ = count;
    for (uint32_t i = 0; i < count; ++i) {
        slots_[i] = cpu_slot{};
        slots_[i].method = cpus[i].method;
        slots_[i].release_addr = cpus[i].release_addr;
        slots_[i].mailbox = cpus[i].mailbox;
        slots_[i].parking_version = cpus[i].parking_version;
        slots_[i].gic_cpu_interface = cpus[i].gic_cpu_interface;
        slots_[i].place = i == 0 ? cpu_place::running : cpu_place::firmware;
        blocks_[i] = ap_block{};
        blocks_[i].mpidr = cpus[i].hwid;
        blocks_[i].cpu = i;
        blocks_[i].self_phys = to_phys(&blocks_[i]);
    }
    if (result r = build_idmap(); !r) return r;
    // AFFINITY_INFO is optional in practice; PSCI 1.0's PSCI_FEATURES says
    // whether this firmware has it (DEN0022D 5.1.14).
    if (psci_.fn_features && psci_.fn_affinity_info &&
        psci_call(psci_.fn_features, psci_.fn_affinity_info, 0, 0) < 0) {
        log(log_level::info, "PSCI AFFINITY_INFO not supported; CPU_OFF is trusted", 0, 0);
        psci_.fn_affinity_info = 0;
    }
    clean_to_poc(blocks_, sizeof(ap_block) * count);
    smpboot_arm64_ap_table.blocks_phys = to_phys(blocks_);
    smpboot_arm64_ap_table.count = count;
    clean_to_poc(&smpboot_arm64_ap_table, sizeof smpboot_arm64_ap_table);
    return result::success(0);
}

result backend_base::build_idmap() {
    const mmu_state& m = cfg_.mmu;
    const auto fail = [&](const char* why) {
        log(log_level::error, why, 0, 0);
        return result::fail(errc::not_initialized, no_cpu);
    };
    // 52-bit output addresses change the descriptor format (TCR_EL1.DS,
    // Arm ARM D8.3, VMSAv8-64 descriptors); the idmap's descriptors are the 48-bit kind.
    if (m.tcr & vmsa::tcr_ds) return fail("idmap: TCR_EL1.DS (52-bit addresses) is not supported");
    const int attr = normal_wb_index(m.mair);
    if (attr < 0) return fail("idmap: MAIR_EL1 has no Normal write-back attribute (0xff)");
    const auto text_va = uint64_t(uintptr_t(smpboot_arm64_idmap_text_start));
    const uint64_t text_pa = to_phys(smpboot_arm64_idmap_text_start);
    // The AP branches from the idmap to the code's kernel address and
    // switches TTBR0 there: that address must not depend on TTBR0 unless it
    // is the identity alias itself (VA bit 55 selects TTBR1, Arm ARM D8.2).
    if (text_va != text_pa && !((text_va >> 55) & 1))
        return fail("idmap: the library's code must run in TTBR1's half or at VA == PA");
    const uint64_t pa[2] = {text_pa, blocks_[0].self_phys};
    const uint64_t size[2] = {uint64_t(smpboot_arm64_idmap_text_end - smpboot_arm64_idmap_text_start),
                              sizeof(ap_block) * count_};
    const uint32_t need = idmap::pages_needed(pa, size, 2);
    if (!cfg_.idmap_pages || cfg_.idmap_page_count < need) {
        line<96> l;
        l.str("idmap: needs ").dec(need).str(" pages, given ").dec(cfg_.idmap_page_count);
        return fail(l.c_str());
    }
    idmap map(cfg_.idmap_pages, cfg_.idmap_page_count, cfg_.virt_to_phys ? cfg_.virt_to_phys : identity_phys,
              cfg_.ctx, uint8_t(attr));
    if (!map.map(pa[0], size[0], true) || !map.map(pa[1], size[1], false))
        return fail("idmap: an address does not fit 48 bits");
    clean_to_poc(cfg_.idmap_pages, sizeof(idmap_page) * map.pages_used());
    const uint64_t ttbr0 = idmap_ttbr0(map.root(), m.tcr, m.ttbr0, m.ttbr1);
    const uint64_t park = to_phys(reinterpret_cast<const void*>(&smpboot_arm64_park_idmap));
    for (uint32_t i = 0; i < count_; ++i) {
        blocks_[i].idmap_ttbr0 = ttbr0;
        blocks_[i].idmap_tcr = idmap_tcr(m.tcr);
        blocks_[i].park_phys = park;
    }
    return result::success(0);
}

void backend_base::publish(ap_block& b, const ap_boot& boot) {
    b.stack_top = boot.stack_top;
    b.ttbr0 = cfg_.mmu.ttbr0;
    b.ttbr1 = cfg_.mmu.ttbr1;
    b.tcr = cfg_.mmu.tcr;
    b.mair = cfg_.mmu.mair;
    b.sctlr = cfg_.mmu.sctlr;
    b.vbar = cfg_.mmu.vbar;
    b.entry = uint64_t(uintptr_t(boot.entry));
    b.core = uint64_t(uintptr_t(boot.core));
    b.image_entry = boot.image_entry;
    b.image_arg = boot.image_arg;
    b.release = 0;
    b.parked = 0;
    b.off_rc = 0;
    clean_to_poc(&b, sizeof b);
}

result backend_base::start(ap_boot& boot, bool sev) {
    const cpu_id cpu = boot.cpu;
    if (cpu == 0 || cpu >= count_) return result::fail(errc::invalid_cpu, cpu);
    cpu_slot& s = slots_[cpu];
    ap_block& b = blocks_[cpu];
    // A CPU whose place is unknown (missed callin, or never reported off)
    // may have turned up since and left: into the park loop or by CPU_OFF.
    // It marks its own block either way, so the block says.
    const bool maybe_late = s.place == cpu_place::unknown;
    const uint64_t mark = maybe_late ? read_volatile(&b.parked) : 0;
    const bool parked = s.place == cpu_place::parked || mark == SMPBOOT_PARKED_LOOP;
    publish(b, boot);

    const uint64_t entry_psci = to_phys(reinterpret_cast<const void*>(&smpboot_arm64_entry_psci));
    if (parked || maybe_late) {
        // Our own park loop jumps to the release word with x0 = block. A CPU
        // of unknown place gets it too: if it is on its way to the loop, it
        // finds the word there; if it is in firmware, the firmware way below
        // brings it in and entry.S clears the word.
        b.release = entry_psci;
        clean_to_poc(&b.release, sizeof b.release);
        if (sev) asm volatile("sev" ::: "memory");
        if (parked) {
            s.place = cpu_place::running;
            return result::success(cpu);
        }
    }
    switch (s.method) {
    case enable_method::psci: {
        if (!psci_.fn_cpu_on) return result::fail(errc::no_enable_method, cpu);
        const int64_t rc = psci_call(psci_.fn_cpu_on, b.mpidr, entry_psci, b.self_phys);
        const result r = psci::to_result(rc, cpu, state::bp_bringup);
        // Running already, and not on its way out by CPU_OFF: a late CPU on
        // its way to the park loop (PSCI without CPU_OFF parks), which the
        // release word brings in (DEN0022D 5.1.4: ALREADY_ON, ON_PENDING).
        const bool late = maybe_late && mark != SMPBOOT_PARKED_CPU_OFF &&
                          (rc == psci::already_on || rc == psci::on_pending);
        if (!r && !late) {
            // Not wanted after all: a CPU that parks later must stay parked.
            b.release = 0;
            clean_to_poc(&b.release, sizeof b.release);
            log(log_level::error, "PSCI CPU_ON failed", cpu, rc);
            return r;
        }
        break;
    }
    case enable_method::spin_table: {
        // Linux Documentation/arch/arm64/booting.rst: write the entry's
        // physical address to cpu-release-addr, clean it to PoC, SEV.
        auto* release = static_cast<uint64_t*>(to_virt(s.release_addr));
        *static_cast<volatile uint64_t*>(release) =
            to_phys(reinterpret_cast<const void*>(&smpboot_arm64_entry_spin));
        clean_to_poc(release, sizeof *release);
        if (sev) asm volatile("sev" ::: "memory");
        break;
    }
    case enable_method::parking_protocol:
        // Woken before: the mailbox is used once, so only the release word
        // set above can bring the CPU in.
        if (s.mailbox_used) break;
        if (result r = wake_parked(cpu); !r) return r;
        break;
    default:
        return result::fail(errc::no_enable_method, cpu);
    }
    s.place = cpu_place::running;
    return result::success(cpu);
}

result backend_base::wake_parked(cpu_id cpu) {
    cpu_slot& s = slots_[cpu];
    if (!cfg_.wake_sgi) {
        log(log_level::error, "parking protocol: no wake_sgi in the config", cpu, 0);
        return result::fail(errc::no_enable_method, cpu);
    }
    struct wake_ctx {
        const config* cfg;
        uint64_t mpidr;
    } w{&cfg_, blocks_[cpu].mpidr};
    const parking::ops ops{
        &w,
        [](void*, const volatile void* p, size_t size) { clean_to_poc(const_cast<const void*>(p), size); },
        [](void* ctx, uint32_t cpu_id) {
            const auto& c = *static_cast<wake_ctx*>(ctx);
            c.cfg->wake_sgi(c.cfg->ctx, c.mpidr, cpu_id);
        },
    };
    // The parked CPU jumps with its MMU off and no argument, as a
    // spin-table CPU is released: the spin-table entry finds its block.
    const uint64_t jump = to_phys(reinterpret_cast<const void*>(&smpboot_arm64_entry_spin));
    auto* mb = static_cast<parking::mailbox*>(to_virt(s.mailbox));
    const parking::status st = parking::wake(*mb, s.mailbox, s.parking_version, s.gic_cpu_interface, jump, ops);
    if (st != parking::status::ok) {
        log(log_level::error, parking::to_string(st), cpu, 0);
        return result::fail(errc::kick_failed, cpu, state::bp_bringup, int32_t(st), parking::to_string(st));
    }
    s.mailbox_used = true;
    return result::success(cpu);
}

bool backend_base::mailbox_acknowledged(cpu_id cpu) const {
    if (cpu >= count_ || slots_[cpu].method != enable_method::parking_protocol || !slots_[cpu].mailbox_used)
        return false;
    const auto* mb = static_cast<const parking::mailbox*>(to_virt(slots_[cpu].mailbox));
    fresh(mb);   // CPU ID and jump address share one line, which the CPU wrote with its MMU off
    return parking::acknowledged(*mb);
}

result backend_base::kick(ap_boot& boot) { return start(boot, true); }

void backend_base::kick_all(ap_boot* const* batch, uint32_t n, result* outcomes) {
    for (uint32_t i = 0; i < n; ++i) outcomes[i] = start(*batch[i], false);
    // One event wakes every spin-table and park-loop CPU released above.
    asm volatile("dsb sy\n\tsev" ::: "memory");
}

bool backend_base::abandon(cpu_id cpu) {
    if (cpu >= count_) return false;
    cpu_slot& s = slots_[cpu];
    // start() leaves the place as it was when the firmware refused: then
    // nothing was started and nothing can turn up. A CPU of unknown place
    // stays unknown (a refused CPU_ON does not say where it is), and one
    // that ALREADY_ON brought in from the way to the park loop is running.
    if (s.place != cpu_place::running && s.place != cpu_place::unknown) return true;
    // Neither PSCI nor spin-table can stop a CPU that is somewhere on its way
    // in: if it turns up, the core sends it to ap_leave().
    s.place = cpu_place::unknown;
    // A parked CPU that never cleared its jump address did not take its
    // mailbox at all: the firmware's loop did not answer the wake-up.
    if (s.method == enable_method::parking_protocol && s.mailbox_used && !mailbox_acknowledged(cpu))
        log(log_level::warning, "parking protocol: the mailbox's jump address was never cleared (no answer)", cpu, 0);
    log(log_level::warning, "missed its callin; left to leave by itself", cpu, 0);
    return false;
}

result backend_base::wait_off(cpu_id cpu, uint64_t deadline_ns) {
    if (cpu == 0 || cpu >= count_) return result::fail(errc::invalid_cpu, cpu);
    cpu_slot& s = slots_[cpu];
    ap_block& b = blocks_[cpu];
    for (;;) {
        const uint64_t parked = read_volatile(&b.parked);
        const int64_t off_rc = int64_t(read_volatile(reinterpret_cast<const uint64_t*>(&b.off_rc)));
        if (parked == SMPBOOT_PARKED_LOOP) {
            // In the park loop: spin-table, a refused CPU_OFF, or a returned image.
            if (off_rc) log(log_level::warning, "PSCI CPU_OFF failed; parked instead", cpu, off_rc);
            s.place = cpu_place::parked;
            return result::success(cpu);
        }
        if (parked == SMPBOOT_PARKED_CPU_OFF) {
            if (!psci_.fn_affinity_info) {
                // PSCI 0.1: no way to ask; it is off the stack and calling CPU_OFF.
                s.place = cpu_place::psci_off;
                return result::success(cpu);
            }
            const int64_t rc = psci_call(psci_.fn_affinity_info, b.mpidr, 0, 0);
            if (rc == psci::not_supported) {
                // Firmware without AFFINITY_INFO after all: trust CPU_OFF from now on.
                psci_.fn_affinity_info = 0;
                continue;
            }
            if (rc == psci::affinity_off) {
                s.place = cpu_place::psci_off;
                return result::success(cpu);
            }
            if (rc < 0) {
                log(log_level::error, "PSCI AFFINITY_INFO failed", cpu, rc);
                return psci::to_result(rc, cpu, state::bp_bringup);
            }
        }
        if (now() >= deadline_ns) {
            s.place = cpu_place::unknown;
            return result::fail(errc::offline_timeout, cpu, state::bp_bringup);
        }
        relax();
    }
}

result backend_base::ap_init(cpu_id cpu) {
    // The CPU that came up must be the one we started.
    const uint64_t me = read_mpidr() & mpidr_affinity_mask;
    if (cpu >= count_ || me != blocks_[cpu].mpidr) return result::fail(errc::kick_failed, cpu, state::ap_starting);
    return result::success(cpu);
}

void backend_base::ap_exit(cpu_id) {}

void backend_base::ap_leave(cpu_id cpu) {
    ap_block& b = blocks_[cpu];
    if (slots_[cpu].method == enable_method::psci && psci_.fn_cpu_off)
        smpboot_arm64_psci_leave(&b, psci_.fn_cpu_off, psci_.method == conduit::smc);
    smpboot_arm64_park(&b);
}

image_return backend_base::image_return_path(cpu_id cpu) const {
    if (cpu == 0 || cpu >= count_) return {};
    return {to_phys(reinterpret_cast<const void*>(&smpboot_arm64_image_return)), blocks_[cpu].self_phys};
}

void backend_base::relax() { asm volatile("yield" ::: "memory"); }

uint32_t backend_base::psci_version() {
    if (!psci_.fn_version) return 0;
    return uint32_t(psci_call(psci_.fn_version, 0, 0, 0));
}

result backend_base::system_off() {
    if (!psci_.fn_system_off) return psci::to_result(psci::not_supported, 0, state::online);
    const int64_t rc = psci_call(psci_.fn_system_off, 0, 0, 0);
    return psci::to_result(rc, 0, state::online);
}

}  // namespace smpboot::arm64
