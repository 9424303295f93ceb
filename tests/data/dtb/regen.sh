#!/bin/sh
# SPDX-License-Identifier: MIT
# Rebuild the checked-in test blobs (needs dtc and qemu-system-aarch64).
set -eu
cd "$(dirname "$0")"
for f in *.dts; do dtc -q -I dts -O dtb -o "${f%.dts}.dtb" "$f"; done
dump() {
    out=$1; shift
    qemu-system-aarch64 "$@" -machine dumpdtb="$out.raw" -nographic >/dev/null 2>&1 || true
    dtc -q -I dtb -O dtb -o "$out" "$out.raw" && rm -f "$out.raw"
}
dump virt-gicv2-smp4.dtb -M virt,gic-version=2 -cpu cortex-a53 -smp 4
dump virt-gicv3-smp20.dtb -M virt,gic-version=3 -cpu cortex-a72 -smp 20
dump virt-el2-smp2.dtb -M virt,gic-version=3,virtualization=on -cpu cortex-a72 -smp 2
