// SPDX-License-Identifier: MIT
// QEMU -M virt (hw/arm/virt.c memory map): devices below 1 GiB, RAM from
// 1 GiB (up to 3 GiB of it mapped here), PL011 UART0 at 0x09000000.
#include "board.hpp"

namespace example::arm64 {

namespace {
constexpr region virt_map[] = {
    {0x00000000, 0x40000000, mem_type::device},
    {0x40000000, 0xc0000000, mem_type::normal},
};
}  // namespace

const board the_board{"arm64-virt", 0x09000000, virt_map, 2};

}  // namespace example::arm64
