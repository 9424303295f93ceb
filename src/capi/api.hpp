// SPDX-License-Identifier: MIT
// The arch-neutral types of the C API (include/smpboot/smpboot.h): the
// conversions between the C and C++ types and the placement storage. Each
// arch's file (x86_64.cpp, arm64.cpp) includes this, defines `capi::arch`
// (its backend and hotplug types, their storage, its idle turn), then
// includes api_ops.hpp for the C functions common to every arch.
#pragma once

#include <smpboot/format.hpp>
#include <smpboot/hotplug.hpp>
#include <smpboot/smpboot.h>

#ifndef SMPBOOT_C_MAX_CPUS
#define SMPBOOT_C_MAX_CPUS 256
#endif

inline void* operator new(size_t, void* p) noexcept { return p; }

namespace smpboot::capi {

// The C enum is smpboot::errc, value for value.
#define SMPBOOT_CAPI_SAME_(c, cxx) static_assert(uint16_t(SMPBOOT_##c) == uint16_t(errc::cxx));
SMPBOOT_CAPI_SAME_(OK, ok)
SMPBOOT_CAPI_SAME_(E_NO_IMAGE, no_image)
SMPBOOT_CAPI_SAME_(E_WRONG_CPU, wrong_cpu)
SMPBOOT_CAPI_SAME_(E_NESTED_CALL, nested_call)
SMPBOOT_CAPI_SAME_(E_READY_TIMEOUT, ready_timeout)
SMPBOOT_CAPI_SAME_(E_OFFLINE_TIMEOUT, offline_timeout)
SMPBOOT_CAPI_SAME_(E_BAD_FIRMWARE_TABLE, bad_firmware_table)
#undef SMPBOOT_CAPI_SAME_
static_assert(uint16_t(state::offline) == SMPBOOT_STATE_OFFLINE);
static_assert(uint32_t(SMPBOOT_SECTION_ONLINE) == uint32_t(section::online));

inline smpboot_result to_c(const result& r) {
    return {smpboot_errc(r.code), r.cpu, uint16_t(r.failed_state), r.rc, r.detail};
}

/// Placement storage: the C++ objects have constructors, and a kernel runs none.
template <class T>
struct slot {
    alignas(T) unsigned char bytes[sizeof(T)] = {};   // constant-initialized: no constructor runs
    T* p = nullptr;
    template <class... A>
    T& make(A&... a) {
        p = new (bytes) T(a...);
        return *p;
    }
};

/// The kernel's C host, called through host_ops trampolines: the C types
/// differ from the C++ ones (log level, stack region).
struct c_host {
    smpboot_host c{};
    host_ops ops{};

    void take(const smpboot_host& h) {
        c = h;
        ops.ctx = this;
        ops.monotonic_ns = [](void* s) { return self(s).c.monotonic_ns(self(s).c.ctx); };
        ops.delay_us = [](void* s, uint32_t us) { self(s).c.delay_us(self(s).c.ctx, us); };
        if (h.log) ops.log = [](void* s, log_level l, const char* t) { self(s).c.log(self(s).c.ctx, int(l), t); };
        ops.alloc_stack = [](void* s, cpu_id cpu) {
            const smpboot_stack st = self(s).c.alloc_stack(self(s).c.ctx, cpu);
            return stack_region{st.base, st.size};
        };
        if (h.free_stack)
            ops.free_stack = [](void* s, cpu_id cpu, stack_region st) {
                self(s).c.free_stack(self(s).c.ctx, cpu, smpboot_stack{st.base, st.size});
            };
        ops.ap_main = [](void* s, cpu_id cpu) { self(s).c.ap_main(self(s).c.ctx, cpu); };
        if (h.wake) ops.wake = [](void* s, cpu_id cpu) { self(s).c.wake(self(s).c.ctx, cpu); };
        ops.waits_for_ready = h.waits_for_ready;
    }
    /// Required callbacks present?
    static bool complete(const smpboot_host* h) {
        return h && h->monotonic_ns && h->delay_us && h->alloc_stack && h->ap_main;
    }

private:
    static c_host& self(void* s) { return *static_cast<c_host*>(s); }
};

inline timeouts limits_from(const smpboot_timeouts* t) {
    timeouts out;
    if (!t) return out;
    auto keep = [](uint64_t& field, uint64_t v) {
        if (v) field = v;
    };
    keep(out.callin_ns, t->callin_ns);
    keep(out.online_ns, t->online_ns);
    keep(out.down_ns, t->down_ns);
    keep(out.off_ns, t->off_ns);
    keep(out.ready_ns, t->ready_ns);
    return out;
}

inline result not_initialized() { return result::fail(errc::not_initialized, no_cpu); }

/// What each arch's `capi::arch` derives from: the one backend, discovery
/// and state machine of this library, in storage no constructor touches.
template <class Backend>
struct arch_base {
    using backend_t = Backend;
    using hotplug_t = typename Backend::template hotplug<>;
    static constinit inline slot<backend_t> be;
    static constinit inline slot<hotplug_t> hp;
    static constinit inline slot<typename Backend::discovery> found;
    static constinit inline c_host host;

    /// The common start of smpboot_<arch>_init: refuse a second call or a
    /// host without its required hooks, then keep the host and make the backend.
    static result begin(const smpboot_host* h) {
        if (hp.p) return result::fail(errc::busy, no_cpu);
        if (!c_host::complete(h)) return not_initialized();
        host.take(*h);
        be.make();
        return result::success();
    }
    /// Its common end, once the backend's init passed: the state machine
    /// over discovery's CPUs. The library is usable only if this succeeded.
    static smpboot_result finish(const smpboot_timeouts* limits) {
        const timeouts t = limits_from(limits);
        result r = hp.make(*be.p, host.ops, t).init(found.p->cpus, found.p->count);
        if (!r) hp.p = nullptr;
        return to_c(r ? result::success(0) : r);
    }
};

}  // namespace smpboot::capi

