/* SPDX-License-Identifier: MIT */
/*
 * The C API of smpboot: C11, freestanding (stdbool.h, stddef.h, stdint.h
 * only), over the same C++ code, compiled into one static library per arch
 * with its capacity fixed at build time (SMPBOOT_C_MAX_CPUS, default 256):
 * libsmpboot_x86_64.a and libsmpboot_arm64.a. One library instance per
 * kernel: the functions act on that kernel's single state machine.
 *
 *   smpboot_host host = {.monotonic_ns = now, .delay_us = delay,
 *                        .alloc_stack = stack_for, .ap_main = ap_main,
 *                        .wake = wake};
 *   smpboot_x86_config cfg = {...};         (or smpboot_arm64_config)
 *   smpboot_result r = smpboot_x86_init(&host, &cfg, NULL);
 *   smpboot_summary s = smpboot_bring_up_all(SMPBOOT_PARALLEL);
 *   ...
 *   void ap_main(void* ctx, smpboot_cpu cpu) {   // on each AP
 *       smpboot_ap_ready(cpu);                   // with host.waits_for_ready
 *       for (;;) smpboot_idle_once(cpu, NULL, NULL);
 *   }
 *
 * Every rule of the C++ API holds (smpboot/hotplug.hpp, smpboot/host.hpp):
 * which CPU may call what, where steps run, the idle loop's interrupt state,
 * what each error means. docs/porting.md walks through a port.
 */
#ifndef SMPBOOT_SMPBOOT_H
#define SMPBOOT_SMPBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Words ------------------------------------------------------------- */

/** A logical CPU: 0 is the boot CPU, then discovery's order. */
typedef uint32_t smpboot_cpu;
#define SMPBOOT_NO_CPU ((smpboot_cpu)0xffffffffu)
/** x86: the APIC ID; arm64: MPIDR_EL1's affinity fields. */
typedef uint64_t smpboot_hwid;
/** A hotplug state number; smpboot_state_name() gives its label. */
typedef uint16_t smpboot_state;
#define SMPBOOT_STATE_OFFLINE ((smpboot_state)0)

/** Why an operation failed: the values of smpboot::errc, in its order. */
typedef enum smpboot_errc {
    SMPBOOT_OK = 0,
    SMPBOOT_E_INVALID_CPU,
    SMPBOOT_E_NOT_PRESENT,
    SMPBOOT_E_ALREADY_ONLINE,
    SMPBOOT_E_ALREADY_OFFLINE,
    SMPBOOT_E_BOOT_CPU,
    SMPBOOT_E_LAST_CPU,
    SMPBOOT_E_BUSY,
    SMPBOOT_E_TABLE_FULL,
    SMPBOOT_E_NOT_INITIALIZED,
    SMPBOOT_E_NO_IMAGE,
    SMPBOOT_E_WRONG_CPU,
    SMPBOOT_E_NESTED_CALL,
    SMPBOOT_E_CALLBACK_FAILED,
    SMPBOOT_E_NO_STACK,
    SMPBOOT_E_CALLIN_TIMEOUT,
    SMPBOOT_E_ONLINE_TIMEOUT,
    SMPBOOT_E_DOWN_TIMEOUT,
    SMPBOOT_E_READY_TIMEOUT,
    SMPBOOT_E_OFFLINE_TIMEOUT,
    SMPBOOT_E_CPU_STUCK,
    SMPBOOT_E_ROLLBACK_FAILED,
    SMPBOOT_E_HW_TIMEOUT,
    SMPBOOT_E_KICK_FAILED,
    SMPBOOT_E_FIRMWARE_REFUSED,
    SMPBOOT_E_NO_ENABLE_METHOD,
    SMPBOOT_E_BAD_FIRMWARE_TABLE
} smpboot_errc;

/** The outcome of an operation: which CPU, which state, and why. */
typedef struct smpboot_result {
    smpboot_errc code;
    smpboot_cpu cpu;
    smpboot_state failed_state;
    int32_t rc;              /**< the callback's return value or firmware's raw code */
    const char* detail;      /**< the backend's name for rc ("PSCI DENIED"), or NULL */
} smpboot_result;

/** A short lower-case reason ("callin timeout"); never NULL. */
const char* smpboot_strerror(smpboot_errc code);
/** The host's name for one of its states, or the built-in label ("bp:bringup"). */
const char* smpboot_state_name(smpboot_state state);
/**
 * "<reason>[ (<detail>)] at <state>[ (rc N)]", or "ok", into buf (always
 * NUL-terminated when len > 0). Returns the length written.
 */
size_t smpboot_describe(const smpboot_result* r, char* buf, size_t len);

/* ---- What the kernel gives the library (smpboot::host_ops) ------------- */

typedef struct smpboot_stack {
    void* base;
    size_t size;
} smpboot_stack;

typedef struct smpboot_host {
    void* ctx;                                              /**< passed back to every callback */
    uint64_t (*monotonic_ns)(void* ctx);                    /**< any CPU; required */
    void (*delay_us)(void* ctx, uint32_t us);               /**< the calling CPU; required */
    void (*log)(void* ctx, int level, const char* line);    /**< 0 error .. 3 debug; optional */
    smpboot_stack (*alloc_stack)(void* ctx, smpboot_cpu cpu);           /**< 16-byte aligned */
    void (*free_stack)(void* ctx, smpboot_cpu cpu, smpboot_stack stack); /**< optional */
    /** On the new AP once online, interrupts masked; never returns. Required. */
    void (*ap_main)(void* ctx, smpboot_cpu cpu);
    /** Make an online AP's idle loop run soon (an IPI, or SEV). Optional. */
    void (*wake)(void* ctx, smpboot_cpu cpu);
    /** Bring-ups also wait for smpboot_ap_ready() from ap_main. */
    bool waits_for_ready;
} smpboot_host;

/** How long the calling CPU waits, in ns; a 0 field keeps the default. */
typedef struct smpboot_timeouts {
    uint64_t callin_ns, online_ns, down_ns, off_ns, ready_ns;
} smpboot_timeouts;

/* ---- Discovery and init, per arch (each library has its own) ----------- */

/** x86-64 (smpboot/x86/backend.hpp, config). */
#define SMPBOOT_X86_LOW_PAGES 6
typedef struct smpboot_x86_config {
    /** The ACPI RSDP (e.g. from PVH or multiboot2); 0 searches the EBDA and BIOS area. */
    uint64_t rsdp_phys;
    /** Readable pointer to `len` bytes of physical memory at `phys` (ACPI tables), or NULL. */
    const void* (*map_phys)(void* ctx, uint64_t phys, size_t len);
    /**
     * The first of SMPBOOT_X86_LOW_PAGES free, consecutive 4 KiB pages below
     * 1 MiB (outside 0xA0000-0xBFFFF): the SIPI trampoline and the transition
     * page tables the library builds; and where the boot CPU writes them.
     */
    uint64_t trampoline_phys;
    void* trampoline_virt;
    /** The page-table root every AP runs on: any, no identity map needed (x86::config::cr3). */
    uint64_t cr3;
    /**
     * Read access, during init, to the page-table page at `phys` (cr3's top
     * level and the tables on the way to the trampoline page), e.g. through a
     * direct map (x86::config::read_table). Required.
     */
    const uint64_t* (*read_table)(void* ctx, uint64_t phys);
    /**
     * Called on each AP before the library touches the APIC (MTRR sync, the
     * kernel's own GDT and IDT), with smpboot_host.ctx; may be NULL.
     */
    void (*ap_early)(void* ctx, smpboot_cpu cpu);
    /** The xAPIC page, uncached (called with smpboot_host.ctx); unused in x2APIC mode. */
    void* (*map_mmio)(void* ctx, uint64_t phys, size_t len);
    /**
     * The SDM's INIT, 10 ms, SIPI, 200 us, SIPI pacing; false: the pacing
     * Linux picks from the boot CPU's CPUID (x86::delay_policy::automatic).
     */
    bool legacy_delays;
    /** Spurious-interrupt vector programmed on each AP; 0 means 0xff. */
    uint8_t spurious_vector;
    /**
     * INIT and STARTUP to "all excluding self" when one bring-up starts every
     * AP the MADT lists and it lists no disabled or possible-only CPU; one IPI
     * per AP otherwise, and when false (x86::config::broadcast_cpus).
     */
    bool broadcast_ipis;
} smpboot_x86_config;

/** Discover the CPUs (MADT), set up the backend and the state machine. Boot CPU, once. */
smpboot_result smpboot_x86_init(const smpboot_host* host, const smpboot_x86_config* cfg,
                                const smpboot_timeouts* limits);
/** Send `vector` to an online CPU through the local APIC (host.wake). */
smpboot_result smpboot_x86_send_ipi(smpboot_cpu cpu, uint8_t vector);
/** End of interrupt on the running CPU's local APIC (the wake handler). */
void smpboot_x86_eoi(void);
/** How many bring-ups sent INIT-SIPI-SIPI to "all excluding self" (broadcast_ipis). */
uint32_t smpboot_x86_broadcast_kicks(void);

/** arm64 (smpboot/arm64/backend.hpp, config). */
#define SMPBOOT_ARM64_IDMAP_PAGES 8
typedef struct smpboot_arm64_config {
    const void* dtb;           /**< the flattened device tree */
    /** host.wake sends SEV (no interrupt): smpboot_idle_once waits in WFE, not WFI. */
    bool wake_by_event;
    /** virt <-> phys for the library's blocks and entry; NULL means identity. */
    void* ctx;
    uint64_t (*virt_to_phys)(void* ctx, const void* va);
    void* (*phys_to_virt)(void* ctx, uint64_t pa);
    /**
     * SMPBOOT_ARM64_IDMAP_PAGES 4 KiB-aligned pages of 4 KiB for the identity
     * map the APs turn their MMU on and off through, kept for as long as the
     * library is used (smpboot/arm64/idmap.hpp).
     */
    void* idmap_pages;
    uint32_t idmap_page_count;
} smpboot_arm64_config;

/**
 * Discover the CPUs (/cpus, PSCI), set up the backend with the running
 * CPU's MMU registers (read now: call it once the MMU is as APs should see
 * it) and the state machine. Boot CPU, once, at EL1.
 */
smpboot_result smpboot_arm64_init(const smpboot_host* host, const smpboot_arm64_config* cfg,
                                  const smpboot_timeouts* limits);
/** Leave EL2 for EL1 the way APs do (entry.S); returns at EL1, sp invalid. */
void smpboot_arm64_el2_to_el1(void);
/** PSCI SYSTEM_OFF; returns only if firmware refused or PSCI is absent. */
smpboot_result smpboot_arm64_system_off(void);
/**
 * A string property of the device tree through the library's checked
 * reader, e.g. ("/chosen", "bootargs"); NULL if the tree, node or property
 * is missing or the value is not a string.
 */
const char* smpboot_dt_string(const void* dtb, const char* node_path, const char* property);

/* ---- Host states ------------------------------------------------------- */

typedef enum smpboot_section {
    SMPBOOT_SECTION_PREPARE,   /**< on the calling CPU, before the kick */
    SMPBOOT_SECTION_STARTING,  /**< on the AP, interrupts masked, before online */
    SMPBOOT_SECTION_ONLINE     /**< on the AP, once in the online mask */
} smpboot_section;

/** A host step: 0 on success; anything else fails it (result.rc). */
typedef int (*smpboot_state_fn)(smpboot_cpu cpu, void* ctx);

/** Add a step after the earlier ones of its section; before any AP is online. */
smpboot_result smpboot_add_state(smpboot_section section, const char* name, smpboot_state_fn startup,
                                 smpboot_state_fn teardown, void* ctx);

/* ---- Operations -------------------------------------------------------- */

typedef enum smpboot_mode { SMPBOOT_SEQUENTIAL, SMPBOOT_PARALLEL } smpboot_mode;

typedef struct smpboot_summary {
    uint32_t attempted;
    uint32_t online;               /**< of those attempted */
    smpboot_result first_error;
    uint64_t first_kick_ns;        /**< host clock */
    uint64_t last_online_ns;
} smpboot_summary;

/** Every present offline CPU; each one's outcome is in smpboot_last_result(). */
smpboot_summary smpboot_bring_up_all(smpboot_mode mode);
smpboot_result smpboot_cpu_up(smpboot_cpu cpu);
/** Refused (SMPBOOT_E_WRONG_CPU) on `cpu` itself. */
smpboot_result smpboot_cpu_down(smpboot_cpu cpu);

/* ---- On the AP itself -------------------------------------------------- */

/** Answer a pending cpu_down (does not return then). Interrupts masked. */
void smpboot_ap_poll(smpboot_cpu cpu);
/** From ap_main once the CPU is usable (smpboot_host.waits_for_ready). */
smpboot_result smpboot_ap_ready(smpboot_cpu cpu);
/**
 * One turn of the idle loop, race-free: mask interrupts, poll, and unless
 * busy(ctx) says there is work (busy may be NULL), sleep (x86 STI; HLT,
 * arm64 WFI or WFE); interrupts are then as they were on entry. x86 takes
 * the wake interrupt in its handler during the sleep; arm64 called with
 * interrupts masked leaves it pending for the kernel to acknowledge (else
 * the next WFI returns at once).
 */
void smpboot_idle_once(smpboot_cpu cpu, bool (*busy)(void* ctx), void* ctx);

/* ---- Queries: any CPU -------------------------------------------------- */

uint32_t smpboot_cpu_count(void);           /**< possible CPUs (0 before init) */
smpboot_hwid smpboot_hwid_of(smpboot_cpu cpu);
bool smpboot_is_present(smpboot_cpu cpu);
bool smpboot_is_online(smpboot_cpu cpu);
bool smpboot_is_ready(smpboot_cpu cpu);
smpboot_state smpboot_state_of(smpboot_cpu cpu);
smpboot_result smpboot_last_result(smpboot_cpu cpu);
/** The running CPU's logical number, from the hardware; SMPBOOT_NO_CPU if unknown. */
smpboot_cpu smpboot_this_cpu(void);

#ifdef __cplusplus
}
#endif

#endif /* SMPBOOT_SMPBOOT_H */
