#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check-symbols.sh ARCH=BUILD_DIR...: link each arch's smpboot libraries and
# the probe into one relocatable object and list what stays undefined.
# Anything beyond memcpy/memmove/memset/memcmp (libc, libstdc++, exception
# handling, operator new, __cxa_*) fails the test.
set -euo pipefail
allowed='^(memcpy|memmove|memset|memcmp)$'
status=0
# check ARCH ARCHIVE...: link them whole into one object, judge what is left.
check() {
  local arch=$1
  shift
  local tmp undefined bad
  tmp=$(mktemp --suffix=.o)
  ld.lld -r --whole-archive "$@" -o "$tmp"
  undefined=$(llvm-nm -u "$tmp" | awk '{print $NF}' | sort -u)
  rm -f "$tmp"
  bad=$(grep -Ev "$allowed" <<<"$undefined" || true)
  echo "$arch: checked $(for f in "$@"; do basename "$f"; done | tr '\n' ' ')"
  echo "$arch: undefined: $(tr '\n' ' ' <<<"$undefined")"
  if [[ -n $bad ]]; then
    echo "FAIL $arch: references symbols a freestanding kernel does not have:"
    sed 's/^/  /' <<<"$bad"
    status=1
  fi
}
for pair in "$@"; do
  arch=${pair%%=*}
  dir=${pair#*=}
  probe=$dir/tests/freestanding/libsmpboot_freestanding_probe.a
  if [[ ! -f $probe ]]; then
    echo "FAIL $arch: $probe missing (build the $arch preset first)"
    status=1
    continue
  fi
  # The C API's libsmpboot_<arch>.a holds the same code as the others, so
  # it is checked on its own: everything a C kernel links.
  capi=$dir/src/capi/libsmpboot_$arch.a
  mapfile -t libs < <(find "$dir/src" -name 'libsmpboot_*.a' ! -name "libsmpboot_$arch.a" | sort)
  check "$arch" "$probe" "${libs[@]}"
  if [[ -f $capi ]]; then check "$arch" "$capi"; else echo "FAIL $arch: $capi missing"; status=1; fi
done
exit $status
