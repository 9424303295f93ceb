// SPDX-License-Identifier: MIT
// Every C function of include/smpboot/smpboot.h that needs only "the"
// hotplug<> of this library. Included once, by the arch's file, after it
// defined smpboot::capi::arch (see api.hpp).
#pragma once

#include "api.hpp"

// ---- The C functions that need only the state machine ---------------------

namespace {
using smpboot::capi::arch;
using smpboot::capi::to_c;
using hp_t = arch::hotplug_t;
hp_t* hp() { return arch::hp.p; }
}  // namespace

extern "C" {

const char* smpboot_strerror(smpboot_errc code) { return smpboot::to_string(smpboot::errc(code)); }

const char* smpboot_state_name(smpboot_state st) {
    if (st >= smpboot::state_count) return "?";
    return hp() ? hp()->state_name(smpboot::state(st)) : smpboot::label_of(smpboot::state(st));
}

size_t smpboot_describe(const smpboot_result* r, char* buf, size_t len) {
    if (!buf || len == 0) return 0;
    smpboot::line<160> l;
    if (!r || r->code == SMPBOOT_OK) {
        l.str("ok");
    } else {
        l.str(smpboot_strerror(r->code));
        if (r->detail) l.str(" (").str(r->detail).chr(')');
        l.str(" at ").str(smpboot_state_name(r->failed_state));
        if (r->rc) l.str(" (rc ").sdec(r->rc).chr(')');
    }
    size_t n = 0;
    for (const char* p = l.c_str(); *p && n + 1 < len; ++p) buf[n++] = *p;
    buf[n] = '\0';
    return n;
}

smpboot_result smpboot_add_state(smpboot_section sec, const char* name, smpboot_state_fn startup,
                                 smpboot_state_fn teardown, void* ctx) {
    if (!hp()) return to_c(smpboot::capi::not_initialized());
    return to_c(hp()->add_state(smpboot::section(sec), name, startup, teardown, ctx));
}

smpboot_summary smpboot_bring_up_all(smpboot_mode mode) {
    if (!hp()) return {0, 0, to_c(smpboot::capi::not_initialized()), 0, 0};
    const smpboot::bringup_summary s = hp()->bring_up_all(
        mode == SMPBOOT_PARALLEL ? smpboot::bringup_mode::parallel : smpboot::bringup_mode::sequential);
    return {s.attempted, s.online, to_c(s.first_error), s.first_kick_ns, s.last_online_ns};
}

smpboot_result smpboot_cpu_up(smpboot_cpu cpu) {
    return to_c(hp() ? hp()->cpu_up(cpu) : smpboot::capi::not_initialized());
}
smpboot_result smpboot_cpu_down(smpboot_cpu cpu) {
    return to_c(hp() ? hp()->cpu_down(cpu) : smpboot::capi::not_initialized());
}
void smpboot_ap_poll(smpboot_cpu cpu) {
    if (hp()) hp()->ap_poll(cpu);
}
smpboot_result smpboot_ap_ready(smpboot_cpu cpu) {
    return to_c(hp() ? hp()->ap_ready(cpu) : smpboot::capi::not_initialized());
}
void smpboot_idle_once(smpboot_cpu cpu, bool (*busy)(void*), void* ctx) {
    if (hp()) arch::idle_once(*hp(), cpu, [=] { return busy && busy(ctx); });
}

uint32_t smpboot_cpu_count(void) { return hp() ? hp()->cpu_count() : 0; }
smpboot_hwid smpboot_hwid_of(smpboot_cpu cpu) { return hp() ? hp()->hwid_of(cpu) : ~smpboot_hwid{0}; }
bool smpboot_is_present(smpboot_cpu cpu) { return hp() && cpu < hp()->cpu_count() && hp()->present().test(cpu); }
bool smpboot_is_online(smpboot_cpu cpu) { return hp() && cpu < hp()->cpu_count() && hp()->online().test(cpu); }
bool smpboot_is_ready(smpboot_cpu cpu) { return hp() && hp()->is_ready(cpu); }
smpboot_state smpboot_state_of(smpboot_cpu cpu) { return hp() ? uint16_t(hp()->state_of(cpu)) : 0; }
smpboot_result smpboot_last_result(smpboot_cpu cpu) {
    return to_c(hp() ? hp()->last_result(cpu) : smpboot::capi::not_initialized());
}
smpboot_cpu smpboot_this_cpu(void) { return hp() ? hp()->this_cpu() : SMPBOOT_NO_CPU; }

}  // extern "C"
