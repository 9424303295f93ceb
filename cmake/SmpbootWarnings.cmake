# SPDX-License-Identifier: MIT
# The one list of warning flags, applied to every target this project builds
# with smpboot_warnings(<target>...). On by default only when smpboot is the
# top-level project: a kernel that adds us with add_subdirectory keeps its
# own warning policy for its own code, and ours stay PRIVATE either way.
option(SMPBOOT_WARNINGS "Compile smpboot's own targets with its warning flags" ${smpboot_top_level})
option(SMPBOOT_WERROR "Treat those warnings as errors" OFF)

set(SMPBOOT_WARNING_FLAGS -Wall -Wextra)

# The flags themselves, in <out> (empty when SMPBOOT_WARNINGS is off): for a
# compiler call that is not a target of this build (the UEFI loader).
function(smpboot_warning_flags out)
  set(flags)
  if(SMPBOOT_WARNINGS)
    set(flags ${SMPBOOT_WARNING_FLAGS})
    if(SMPBOOT_WERROR)
      list(APPEND flags -Werror)
    endif()
  endif()
  set(${out} ${flags} PARENT_SCOPE)
endfunction()

function(smpboot_warnings)
  smpboot_warning_flags(flags)
  if(NOT flags)
    return()
  endif()
  foreach(target ${ARGN})
    # C and C++ only: the assembler takes none of these.
    target_compile_options(${target} PRIVATE "$<$<COMPILE_LANGUAGE:C,CXX>:${flags}>")
  endforeach()
endfunction()
