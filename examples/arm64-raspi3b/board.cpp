// SPDX-License-Identifier: MIT
// QEMU -M raspi3b (BCM2837): RAM from 0 up to the peripherals at
// 0x3f000000, the ARM local peripherals at 0x40000000, PL011 at 0x3f201000.
#include "board.hpp"

namespace example::arm64 {

namespace {
constexpr region raspi_map[] = {
    {0x00000000, 0x3f000000, mem_type::normal},
    {0x3f000000, 0x01000000, mem_type::device},
    {0x40000000, 0x40000000, mem_type::device},
};
}  // namespace

const board the_board{"arm64-raspi3b", 0x3f201000, raspi_map, 3};

}  // namespace example::arm64
