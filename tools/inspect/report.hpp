// SPDX-License-Identifier: MIT
// The inspector's model of one input: what the parsers found, CPU by CPU,
// the bring-up plan that follows, and every problem with where it came from.
// Both output formats (text, JSON) print this and nothing else, so they
// cannot disagree.
#pragma once

#include <smpboot/acpi/tables.hpp>
#include <smpboot/arm64/acpi.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace smpboot::inspect {

struct topology {
    uint32_t package = 0, cluster = 0, core = 0, thread = 0;
    bool from_cpu_map = false;
};

/// One DT cpu node or one MADT CPU structure, usable or not.
struct cpu_row {
    std::string node;                         ///< DT node name, or MADT entry index
    std::string where;                        ///< DT path, or "MADT entry N at offset 0x.."
    std::optional<uint64_t> hwid;             ///< reg / APIC ID; empty if unreadable
    std::optional<std::string> enable_method; ///< as written in the DT; "apic"/"x2apic" for MADT
    std::optional<uint64_t> release_addr;     ///< cpu-release-addr
    bool usable = false;                      ///< will be (or is) brought online now
    std::optional<std::string> problem;       ///< why not usable
    std::optional<std::string> note;          ///< a non-fatal remark on a usable CPU
    std::optional<uint32_t> logical;          ///< logical id, also for possible-only MADT CPUs
    bool boot = false;
    // MADT only.
    std::optional<bool> enabled, online_capable;
    std::optional<uint32_t> uid;
    std::optional<std::string> use;           ///< present/possible/disabled/rejected/dropped
    std::optional<topology> topo;
    /// arm64 MADT only: the GICC's raw fields (JSON "gicc"), in this order.
    std::vector<std::pair<std::string, uint64_t>> gicc;
};

/// One step of the bring-up plan, in the order the library takes them.
struct plan_step {
    uint32_t logical = 0;
    uint64_t hwid = 0;
    std::string method;   ///< "boot", "psci", "spin-table", "init-sipi-sipi", "none"
    std::string detail;   ///< the firmware call or the write that starts it
};

/// A line of facts for the text header and a key of the JSON "input" object.
struct fact {
    std::string key;
    std::string text;                 ///< human form
    std::optional<uint64_t> number;   ///< JSON value when numeric
    std::optional<std::string> str;   ///< JSON value when a string
    bool json_null = false;           ///< JSON null (else the text when neither is set)
};

/// One ACPI table file of a directory.
struct table_file {
    std::string file, signature;
    uint32_t length = 0;
    bool valid = false;
    std::string problem;
};

/// One MADT structure (CPU or not), for the text listing and JSON "madt".
struct madt_struct {
    uint32_t index = 0, offset = 0;
    uint8_t type = 0, length = 0;
    std::string type_name, use, summary;
    std::optional<std::string> problem;
};

struct report {
    std::string source;                       ///< "dtb" or "madt"
    std::string arch;                         ///< "arm64" (DTB, MADT with GICCs) or "x86"
    std::string file;
    bool usable_input = false;                ///< false: exit status 1
    std::optional<std::string> psci_method;   ///< "hvc"/"smc" as the DT names it
    std::optional<uint64_t> boot_hwid;
    std::string boot_hwid_origin;             ///< "--boot-hwid", "first cpu node", ...
    std::vector<fact> facts;
    std::vector<cpu_row> cpus;
    std::vector<plan_step> plan;
    std::vector<std::string> errors;          ///< every problem, prefixed with where
    std::vector<madt_struct> madt;
    std::vector<table_file> tables;
};

struct options {
    std::optional<uint64_t> boot_hwid;
    uint32_t max_cpus = 4096;
    /// arm64 MADT without a FADT: what to assume for ARM_BOOT_ARCH.
    std::string psci = "hvc";   ///< "hvc", "smc" or "none"
};

/// The inspectors; `data` is the whole file. They never throw on bad input.
report inspect_dtb(const std::string& file, const std::vector<uint8_t>& data, const options& opt);
report inspect_madt(const std::string& file, const std::vector<uint8_t>& data, const options& opt);
report inspect_acpi_dir(const std::string& dir, const options& opt);

/// The ACPI parts both arches share (inspect_acpi.cpp).
std::string describe(const smpboot::acpi::status& st);
/// A refused MADT, made readable to list what it holds: the length cut to
/// what was read and to before a malformed structure, the checksum made
/// right. Empty if nothing can be shown.
std::vector<uint8_t> repaired_madt(const uint8_t* madt, size_t len, const smpboot::acpi::status& st);
/// True if the MADT holds GIC CPU Interface structures and no Local APIC:
/// an arm64 table.
bool is_arm64_madt(const uint8_t* madt, size_t len);
/// The arm64 reading of a MADT (inspect_gicc.cpp), PSCI as `fadt` says.
void scan_gicc(report& r, const uint8_t* madt, size_t len, const smpboot::arm64::acpi::fadt_info& fadt,
               const options& opt);
/// A FADT file of a directory: its facts, or an error.
bool read_fadt_file(report& r, const std::vector<uint8_t>& data, const std::string& file,
                    smpboot::arm64::acpi::fadt_info& out);

std::string to_json(const report& r);
std::string to_text(const report& r);

std::string hex(uint64_t v);

}  // namespace smpboot::inspect
