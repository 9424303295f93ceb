# SPDX-License-Identifier: MIT
# Shared by the GCC freestanding toolchains (the clang ones are
# toolchain-common.cmake): Debian's gcc/g++ for x86-64, gcc-aarch64-linux-gnu
# for arm64, GNU ld and binutils. Included after SMPBOOT_GCC_PREFIX
# ("" or "aarch64-linux-gnu-") and SMPBOOT_ARCH_FLAGS are set.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_C_COMPILER ${SMPBOOT_GCC_PREFIX}gcc)
set(CMAKE_CXX_COMPILER ${SMPBOOT_GCC_PREFIX}g++)
set(CMAKE_ASM_COMPILER ${SMPBOOT_GCC_PREFIX}gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_AR ${SMPBOOT_GCC_PREFIX}gcc-ar CACHE FILEPATH "")
set(CMAKE_RANLIB ${SMPBOOT_GCC_PREFIX}gcc-ranlib CACHE FILEPATH "")
set(CMAKE_OBJCOPY ${SMPBOOT_GCC_PREFIX}objcopy CACHE FILEPATH "")

# GCC's own freestanding headers (stdint.h, stddef.h, stdarg.h, stdbool.h)
# and nothing of /usr/include: -nostdinc, then GCC's include directory back.
execute_process(COMMAND ${SMPBOOT_GCC_PREFIX}gcc -print-file-name=include
                OUTPUT_VARIABLE smpboot_gcc_include OUTPUT_STRIP_TRAILING_WHITESPACE)
# Debian's GCC builds position-independent executables by default, with
# outline atomics on arm64: a kernel wants neither.
set(smpboot_freestanding "-ffreestanding -nostdinc -isystem ${smpboot_gcc_include} -fno-builtin -fno-stack-protector -fno-pic -fno-pie")
set(CMAKE_C_FLAGS_INIT "${smpboot_freestanding} ${SMPBOOT_ARCH_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT "${smpboot_freestanding} ${SMPBOOT_ARCH_FLAGS} -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit")
set(CMAKE_ASM_FLAGS_INIT "${SMPBOOT_ARCH_FLAGS} -fno-pic -fno-pie -Wa,--noexecstack")
# A kernel image is one RWX load segment by design: no warning for it.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostdlib -static -no-pie -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments")
