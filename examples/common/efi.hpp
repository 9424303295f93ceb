// SPDX-License-Identifier: MIT
// The few UEFI 2.10 structures the example UEFI applications use (the x86-64
// and arm64 loaders, the arm64 test firmware stage), written from the
// specification, section per type (no gnu-efi, no EDK2 headers). Only the
// members up to the last one used are typed; the others are placeholders
// that keep the offsets right, and the offsets the applications rely on are
// checked below. Both arches are 64-bit, so UINTN is 64 bits. EFIAPI is the
// default calling convention of the *-unknown-windows targets these files
// are compiled for: Microsoft x64 on x86-64, AAPCS64 on arm64 (UEFI 2.10
// 2.3.4.2, 2.3.6.3), so plain function pointers describe the services.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace efi {

using status = uint64_t;   // EFI_STATUS (UINTN)
using handle = void*;
using char16 = char16_t;   // UCS-2 (2.3.1)

// Appendix D: error codes have the top bit set.
constexpr status success = 0;
constexpr status error_bit = uint64_t(1) << 63;
constexpr status invalid_parameter = error_bit | 2;
constexpr status buffer_too_small = error_bit | 5;
constexpr status not_found = error_bit | 14;
inline bool failed(status s) { return (s & error_bit) != 0; }

constexpr uint64_t page_size = 4096;

// 2.3.1 EFI_GUID: 128 bits, 64-bit aligned.
struct alignas(8) guid {
    uint32_t a;
    uint16_t b, c;
    uint8_t d[8];
};
inline bool operator==(const guid& x, const guid& y) {
    if (x.a != y.a || x.b != y.b || x.c != y.c) return false;
    for (int i = 0; i < 8; ++i)
        if (x.d[i] != y.d[i]) return false;
    return true;
}

// 4.6.1.1 ACPI_20_TABLE_GUID and ACPI_TABLE_GUID; 4.6.1.4 the device tree's.
constexpr guid acpi_20_table_guid{0x8868e871, 0xe4f1, 0x11d3, {0xbc, 0x22, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81}};
constexpr guid acpi_10_table_guid{0xeb9d2d30, 0x2d88, 0x11d3, {0x9a, 0x16, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d}};
constexpr guid dtb_table_guid{0xb1b621d5, 0xf19c, 0x41a5, {0x83, 0x0b, 0xd9, 0x15, 0x2c, 0x69, 0xaa, 0xe0}};
// 9.1.1 EFI_LOADED_IMAGE_PROTOCOL_GUID, 13.4.1 EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID.
constexpr guid loaded_image_guid{0x5b1b31a1, 0x9562, 0x11d2, {0x8e, 0x3f, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b}};
constexpr guid simple_file_system_guid{0x964e5b22, 0x6459, 0x11d2, {0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b}};
// UEFI PI 1.7 Vol. 2 13.4 EFI_MP_SERVICES_PROTOCOL_GUID.
constexpr guid mp_services_guid{0x3fdda605, 0xa76e, 0x4f46, {0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b, 0x3d, 0x08}};

// 7.2.1 EFI_ALLOCATE_TYPE and EFI_MEMORY_TYPE.
enum allocate_type : uint32_t { allocate_any_pages = 0, allocate_max_address = 1, allocate_address = 2 };
enum memory_type : uint32_t {
    reserved_memory = 0,
    loader_code = 1,
    loader_data = 2,
    boot_services_code = 3,
    boot_services_data = 4,
    runtime_services_code = 5,
    runtime_services_data = 6,
    conventional_memory = 7,
    unusable_memory = 8,
    acpi_reclaim_memory = 9,
    acpi_memory_nvs = 10,
};

// 7.2.3 EFI_MEMORY_DESCRIPTOR. Walk a map with the descriptor size
// GetMemoryMap returns, never sizeof: firmware may append fields.
struct memory_descriptor {
    uint32_t type;
    uint64_t physical_start;
    uint64_t virtual_start;
    uint64_t number_of_pages;
    uint64_t attribute;
};
static_assert(offsetof(memory_descriptor, physical_start) == 8);
static_assert(offsetof(memory_descriptor, number_of_pages) == 24);
static_assert(sizeof(memory_descriptor) == 40);

// 4.2.1 EFI_TABLE_HEADER.
struct table_header {
    uint64_t signature;
    uint32_t revision, header_size, crc32, reserved;
};

// 12.4.1 EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL (Reset, OutputString).
struct simple_text_output {
    status (*reset)(simple_text_output* self, bool extended);
    status (*output_string)(simple_text_output* self, const char16* text);
};

// 4.4.1 EFI_BOOT_SERVICES, in table order up to LocateProtocol (7.2 memory,
// 7.3 protocol handlers and InstallConfigurationTable, 7.4 images and
// ExitBootServices, 7.5 SetWatchdogTimer).
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
    void* connect_controller;
    void* disconnect_controller;
    void* open_protocol;
    void* close_protocol;
    void* open_protocol_information;
    void* protocols_per_handle;
    void* locate_handle_buffer;
    status (*locate_protocol)(const guid* protocol, void* registration, void** interface);
};
static_assert(offsetof(boot_services, allocate_pages) == 0x28);
static_assert(offsetof(boot_services, handle_protocol) == 0x98);
static_assert(offsetof(boot_services, install_configuration_table) == 0xc0);
static_assert(offsetof(boot_services, start_image) == 0xd0);
static_assert(offsetof(boot_services, exit_boot_services) == 0xe8);
static_assert(offsetof(boot_services, locate_protocol) == 0x140);

// 4.6.1 EFI_CONFIGURATION_TABLE.
struct configuration_table {
    guid vendor_guid;
    void* vendor_table;
};
static_assert(sizeof(configuration_table) == 24);

// 4.3.1 EFI_SYSTEM_TABLE.
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
    configuration_table* configuration;
};
static_assert(offsetof(system_table, con_out) == 64);
static_assert(offsetof(system_table, boot) == 96);
static_assert(offsetof(system_table, configuration) == 112);

// 9.1.1 EFI_LOADED_IMAGE_PROTOCOL.
struct loaded_image {
    uint32_t revision;
    handle parent;
    system_table* system;
    handle device;
    void* file_path;
    void* reserved;
    uint32_t load_options_size;   // bytes
    void* load_options;
    void* image_base;
    uint64_t image_size;
};
static_assert(offsetof(loaded_image, device) == 24);
static_assert(offsetof(loaded_image, load_options_size) == 48);
static_assert(offsetof(loaded_image, load_options) == 56);

// 13.5.1 EFI_FILE_PROTOCOL (up to Read).
constexpr uint64_t file_mode_read = 1;
struct file {
    uint64_t revision;
    status (*open)(file* self, file** out, const char16* name, uint64_t mode, uint64_t attributes);
    status (*close)(file* self);
    void* remove;
    status (*read)(file* self, uint64_t* size, void* buffer);
};

// 13.4.1 EFI_SIMPLE_FILE_SYSTEM_PROTOCOL.
struct simple_file_system {
    uint64_t revision;
    status (*open_volume)(simple_file_system* self, file** root);
};

// UEFI PI 1.7 Vol. 2 13.4.2 EFI_MP_SERVICES_PROTOCOL (the first member).
struct mp_services {
    status (*get_number_of_processors)(mp_services* self, uint64_t* processors, uint64_t* enabled);
};

}  // namespace efi
