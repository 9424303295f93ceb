// SPDX-License-Identifier: MIT
// smpboot-inspect: show what smpboot would do with a machine's firmware
// description before booting it. See docs/inspect.md.
#include "report.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

using namespace smpboot::inspect;

namespace {

constexpr const char* usage_text =
    "usage: smpboot-inspect [--json] [--boot-hwid ID] [--max-cpus N] [--psci hvc|smc|none] [--as dtb|madt|acpi-dir] INPUT...\n"
    "  INPUT     a DTB, one ACPI MADT (e.g. apic.dat), or a directory of ACPI tables (acpidump -b)\n"
    "  --json    one JSON object per input, one per line (docs/inspect.md has the schema)\n"
    "  --boot-hwid ID  the boot CPU's MPIDR or APIC ID (default: first cpu node / first enabled entry)\n"
    "  --max-cpus N    the kernel's CPU limit (default 4096)\n"
    "  --psci C        an arm64 MADT given without its FADT: assume PSCI by hvc (default), smc, or none\n"
    "  --as KIND       skip content detection\n"
    "exit status: 0 every input usable, 1 some input not usable, 2 bad arguments\n";

bool parse_number(const char* s, uint64_t& out) {
    char* end = nullptr;
    errno = 0;
    out = std::strtoull(s, &end, 0);
    return *s && end && *end == '\0' && errno == 0;
}

report inspect_path(const std::string& path, const std::string& kind, const options& opt) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (kind == "acpi-dir" || (kind.empty() && fs::is_directory(path, ec))) return inspect_acpi_dir(path, opt);
    std::ifstream in(path, std::ios::binary);
    report r;
    r.file = path;
    if (!in) {
        r.source = kind == "madt" ? "madt" : "dtb";
        r.errors.push_back(fmt::format("{}: cannot open", path));
        return r;
    }
    std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const bool fdt_magic = data.size() >= 4 && data[0] == 0xd0 && data[1] == 0x0d && data[2] == 0xfe && data[3] == 0xed;
    const bool apic_sig = data.size() >= 4 && std::memcmp(data.data(), "APIC", 4) == 0;
    if (kind == "dtb" || (kind.empty() && fdt_magic)) return inspect_dtb(path, data, opt);
    if (kind == "madt" || (kind.empty() && apic_sig)) return inspect_madt(path, data, opt);
    r.source = "dtb";
    if (data.size() >= 8 && std::memcmp(data.data(), "RSD PTR ", 8) == 0)
        r.errors.push_back(fmt::format("{}: an RSDP alone holds no CPUs; pass the directory of tables", path));
    else
        r.errors.push_back(fmt::format("{}: neither a DTB (magic 0xd00dfeed) nor a MADT (signature APIC)", path));
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    options opt;
    bool json = false;
    std::string kind;
    std::vector<std::string> inputs;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        uint64_t v;
        if (a == "--json") json = true;
        else if (a == "-h" || a == "--help") {
            std::fputs(usage_text, stdout);
            return 0;
        } else if (a == "--boot-hwid" && i + 1 < argc && parse_number(argv[i + 1], v)) {
            opt.boot_hwid = v;
            ++i;
        } else if (a == "--max-cpus" && i + 1 < argc && parse_number(argv[i + 1], v) && v > 0 && v <= 1u << 20) {
            opt.max_cpus = uint32_t(v);
            ++i;
        } else if (a == "--psci" && i + 1 < argc &&
                   (std::strcmp(argv[i + 1], "hvc") == 0 || std::strcmp(argv[i + 1], "smc") == 0 ||
                    std::strcmp(argv[i + 1], "none") == 0)) {
            opt.psci = argv[++i];
        } else if (a == "--as" && i + 1 < argc &&
                   (std::strcmp(argv[i + 1], "dtb") == 0 || std::strcmp(argv[i + 1], "madt") == 0 ||
                    std::strcmp(argv[i + 1], "acpi-dir") == 0)) {
            kind = argv[++i];
        } else if (a.size() > 1 && a[0] == '-') {
            fmt::print(stderr, "smpboot-inspect: bad argument '{}'\n{}", a, usage_text);
            return 2;
        } else {
            inputs.push_back(a);
        }
    }
    if (inputs.empty()) {
        std::fputs(usage_text, stderr);
        return 2;
    }
    int status = 0;
    for (size_t i = 0; i < inputs.size(); ++i) {
        const report r = inspect_path(inputs[i], kind, opt);
        if (json) std::fputs(to_json(r).c_str(), stdout);
        else std::fputs(((i ? "\n" : "") + to_text(r)).c_str(), stdout);
        if (!r.usable_input) status = 1;
    }
    return status;
}
