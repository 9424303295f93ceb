#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh BUILD_DIR WORK_DIR CC CXX LDFLAGS [make args...]: install the cross
# build BUILD_DIR into WORK_DIR/prefix and build the Make consumer from it.
set -euo pipefail
build=$1 work=$2 cc=$3 cxx=$4 ldflags=$5
shift 5
here=$(cd "$(dirname "$0")" && pwd)
[[ -f $build/build.ninja ]] || { echo "run.sh: $build is not built (build its preset first)"; exit 1; }
rm -rf "$work" && mkdir -p "$work/out"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
make -C "$here" --no-print-directory SMPBOOT_MK="$work/prefix/share/smpboot/smpboot.mk" \
  CC="$cc" CXX="$cxx" LDFLAGS="$ldflags" OUT="$work/out" "$@"
echo "run.sh: built $(ls "$work/out" | tr '\n' ' ')"
