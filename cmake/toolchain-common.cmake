# SPDX-License-Identifier: MIT
# Shared by the freestanding toolchains: one clang for every target, lld, no
# libc, no C++ runtime (docs/toolchain.md). Included after SMPBOOT_TRIPLE is set.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_C_COMPILER clang)
set(CMAKE_CXX_COMPILER clang++)
set(CMAKE_ASM_COMPILER clang)
foreach(lang C CXX ASM)
  set(CMAKE_${lang}_COMPILER_TARGET ${SMPBOOT_TRIPLE})
endforeach()
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_AR llvm-ar CACHE FILEPATH "")
set(CMAKE_RANLIB llvm-ranlib CACHE FILEPATH "")
set(CMAKE_OBJCOPY llvm-objcopy CACHE FILEPATH "")

# -nostdlibinc keeps clang's own stdint.h/stddef.h and drops the host's libc.
# set, not append: CMake reads a toolchain file more than once.
set(smpboot_freestanding "-ffreestanding -nostdlibinc -fno-builtin -fno-stack-protector -fno-pic")
set(CMAKE_C_FLAGS_INIT "${smpboot_freestanding} ${SMPBOOT_ARCH_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT "${smpboot_freestanding} ${SMPBOOT_ARCH_FLAGS} -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit")
set(CMAKE_ASM_FLAGS_INIT "${SMPBOOT_ARCH_FLAGS}")
# The compile flags reach the link line too, where -nostdlibinc means nothing.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-fuse-ld=lld -nostdlib -static -Wno-unused-command-line-argument")
