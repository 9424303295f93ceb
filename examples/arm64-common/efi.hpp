// SPDX-License-Identifier: MIT
// The few UEFI 2.10 structures the arm64 example's UEFI loader uses, written
// from the specification (chapter and section per type). Only the members up
// to the last one used are named; later ones are not needed to reach them.
// AArch64 EFIAPI is the standard AAPCS64 calling convention (UEFI 2.10
// 2.3.6.3), so plain function pointers describe the services.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace efi {

using status = uint64_t;   // EFI_STATUS (UINTN)
using handle = void*;
using char16 = char16_t;

// Appendix D: errors have the top bit set.
constexpr status success = 0;
constexpr status error_bit = 1ull << 63;
constexpr status invalid_parameter = error_bit | 2;
constexpr status buffer_too_small = error_bit | 5;
constexpr status not_found = error_bit | 14;
inline bool failed(status s) { return (s & error_bit) != 0; }

// 2.3.1: EFI_GUID, 128 bits, 64-bit aligned.
struct guid {
    uint32_t d1;
    uint16_t d2, d3;
    uint8_t d4[8];
};
inline bool operator==(const guid& a, const guid& b) {
    if (a.d1 != b.d1 || a.d2 != b.d2 || a.d3 != b.d3) return false;
    for (int i = 0; i < 8; ++i)
        if (a.d4[i] != b.d4[i]) return false;
    return true;
}

// 4.6 (EFI_CONFIGURATION_TABLE) and the device tree GUID of 4.6.1.4.
constexpr guid dtb_table_guid{0xb1b621d5, 0xf19c, 0x41a5, {0x83, 0x0b, 0xd9, 0x15, 0x2c, 0x69, 0xaa, 0xe0}};
constexpr guid acpi20_table_guid{0x8868e871, 0xe4f1, 0x11d3, {0xbc, 0x22, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81}};
constexpr guid acpi10_table_guid{0xeb9d2d30, 0x2d88, 0x11d3, {0x9a, 0x16, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d}};
// 9.1 EFI_LOADED_IMAGE_PROTOCOL, 13.4 EFI_SIMPLE_FILE_SYSTEM_PROTOCOL.
constexpr guid loaded_image_guid{0x5b1b31a1, 0x9562, 0x11d2, {0x8e, 0x3f, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b}};
constexpr guid simple_file_system_guid{0x964e5b22, 0x6459, 0x11d2, {0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b}};

// 4.2 EFI_TABLE_HEADER.
struct table_header {
    uint64_t signature;
    uint32_t revision, header_size, crc32, reserved;
};

// 12.4 EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL (Reset, OutputString).
struct simple_text_output {
    status (*reset)(simple_text_output* self, bool extended);
    status (*output_string)(simple_text_output* self, const char16* s);
};

// 7.2 memory allocation: EFI_ALLOCATE_TYPE, EFI_MEMORY_TYPE, EFI_MEMORY_DESCRIPTOR.
enum allocate_type : uint32_t { allocate_any_pages, allocate_max_address, allocate_address };
enum memory_type : uint32_t {
    reserved_memory, loader_code, loader_data, boot_services_code, boot_services_data,
    runtime_services_code, runtime_services_data, conventional_memory,
    unusable_memory, acpi_reclaim_memory, acpi_memory_nvs,
};
struct memory_descriptor {
    uint32_t type;
    uint64_t physical_start, virtual_start, number_of_pages, attribute;
};
constexpr uint64_t page_size = 4096;

// 4.4 EFI_BOOT_SERVICES, in table order up to SetWatchdogTimer (7.3:
// InstallConfigurationTable; 7.4: LoadImage, StartImage).
struct boot_services {
    table_header hdr;
    void* raise_tpl;
    void* restore_tpl;
    status (*allocate_pages)(allocate_type type, memory_type mem, uint64_t pages, uint64_t* address);
    status (*free_pages)(uint64_t address, uint64_t pages);
    status (*get_memory_map)(uint64_t* map_size, memory_descriptor* map, uint64_t* map_key,
                             uint64_t* descriptor_size, uint32_t* descriptor_version);
    status (*allocate_pool)(memory_type mem, uint64_t size, void** buffer);
    status (*free_pool)(void* buffer);
    void* create_event;
    void* set_timer;
    void* wait_for_event;
    void* signal_event;
    void* close_event;
    void* check_event;
    void* install_protocol_interface;
    void* reinstall_protocol_interface;
    void* uninstall_protocol_interface;
    status (*handle_protocol)(handle h, const guid* protocol, void** interface);
    void* reserved;
    void* register_protocol_notify;
    void* locate_handle;
    void* locate_device_path;
    status (*install_configuration_table)(const guid* g, void* table);
    status (*load_image)(bool boot_policy, handle parent, void* device_path, void* source_buffer,
                         uint64_t source_size, handle* image);
    status (*start_image)(handle image, uint64_t* exit_data_size, char16** exit_data);
    void* exit;
    void* unload_image;
    status (*exit_boot_services)(handle image, uint64_t map_key);
    void* get_next_monotonic_count;
    void* stall;
    status (*set_watchdog_timer)(uint64_t timeout_s, uint64_t code, uint64_t data_size, const char16* data);
};

// 4.6 EFI_CONFIGURATION_TABLE.
struct configuration_table {
    guid vendor_guid;
    void* vendor_table;
};

// 4.3 EFI_SYSTEM_TABLE.
struct system_table {
    table_header hdr;
    const char16* firmware_vendor;
    uint32_t firmware_revision;
    handle console_in_handle;
    void* con_in;
    handle console_out_handle;
    simple_text_output* con_out;
    handle standard_error_handle;
    simple_text_output* std_err;
    void* runtime_services;
    boot_services* boot;
    uint64_t number_of_table_entries;
    configuration_table* configuration_table;
};

// 9.1 EFI_LOADED_IMAGE_PROTOCOL.
struct loaded_image {
    uint32_t revision;
    handle parent_handle;
    system_table* system;
    handle device_handle;
    void* file_path;
    void* reserved;
    uint32_t load_options_size;
    void* load_options;
    void* image_base;
    uint64_t image_size;
};

// 13.5 EFI_FILE_PROTOCOL (Open, Close, Delete, Read).
constexpr uint64_t file_mode_read = 1;
struct file {
    uint64_t revision;
    status (*open)(file* self, file** out, const char16* name, uint64_t mode, uint64_t attributes);
    status (*close)(file* self);
    status (*del)(file* self);
    status (*read)(file* self, uint64_t* size, void* buffer);
};

// 13.4 EFI_SIMPLE_FILE_SYSTEM_PROTOCOL.
struct simple_file_system {
    uint64_t revision;
    status (*open_volume)(simple_file_system* self, file** root);
};

static_assert(offsetof(system_table, boot) == 96, "EFI_SYSTEM_TABLE.BootServices");
static_assert(offsetof(boot_services, exit_boot_services) == 24 + 26 * 8, "EFI_BOOT_SERVICES.ExitBootServices");
static_assert(offsetof(boot_services, install_configuration_table) == 24 + 21 * 8 &&
                  offsetof(boot_services, start_image) == 24 + 23 * 8,
              "EFI_BOOT_SERVICES.InstallConfigurationTable, StartImage");
static_assert(offsetof(memory_descriptor, physical_start) == 8 && sizeof(memory_descriptor) == 40,
              "EFI_MEMORY_DESCRIPTOR");
static_assert(offsetof(loaded_image, load_options) == 56, "EFI_LOADED_IMAGE_PROTOCOL.LoadOptions");

}  // namespace efi
