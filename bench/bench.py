#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""smpboot's bring-up benchmark against a floor kernel and Debian's Linux on the same QEMU.

Run through scripts/bench (which installs the kernels and builds first):

    scripts/bench [--reps 9] [--linux-reps R] [--ns 2,8,16,64] [--archs x86_64,arm64,x86_64-kvm]

For each arch and N: boots the example kernel and the floor kernel (bench/floor;
scripts/run-example, sequential and parallel) and Debian's kernel with no initrd
on the very same QEMU command line (taken from run-example's own echo of it),
interleaved, several times. x86_64-kvm is x86_64 under -accel kvm, without Linux.
smpboot's and the floor's time is the guest-measured bringup_us of their result
line (the floor prints the same line); Linux's is
the printk time from "smp: Bringing up secondary CPUs" to "smp: Brought up"
(QEMU is killed there: with no rootfs it would only panic later). Writes
bench/results/results.md, results.json, bringup.svg and 64-CPU timelines.
Standard library only.
"""
import argparse
import datetime
import glob
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "build", "bench")
LOGS = os.path.join(WORK, "logs")

ARCHS = {
    # run-example targets (the example, the floor kernel), Linux console,
    # Debian kernel package dir, extra environment of run-example.
    "x86_64": {"example": "x86_64", "floor": "floor-x86_64", "console": "ttyS0", "deb": "amd64"},
    "arm64": {"example": "arm64-virt", "floor": "floor-arm64", "console": "ttyAMA0", "deb": "arm64"},
    # The x86 kernels under KVM (run-example's SMPBOOT_X86_ACCEL=kvm). No Linux:
    # Debian's kernel does not boot under the nested KVM of these hosts.
    "x86_64-kvm": {"example": "x86_64", "floor": "floor-x86_64", "env": {"SMPBOOT_X86_ACCEL": "kvm"},
                   "linux": False},
}
KINDS = ("smpboot", "floor")   # what run-example boots; "linux" is booted directly
# x86 parallel bring-ups come two ways: one INIT and STARTUP per AP, and one to
# "all excluding self". A mode here is a parallel run with these words added.
PARALLEL_VARIANTS = {("smpboot", "broadcast"): ["smpboot.ipi=broadcast"],
                     ("floor", "unicast"): ["floor.kick=unicast"]}


def has_linux(arch):
    return ARCHS[arch].get("linux", True)


def kvm_usable():
    return os.access("/dev/kvm", os.R_OK | os.W_OK)
# run-example adds these to every QEMU command line it runs (but does not echo them).
RUNNER_FIXED = ["-display", "none", "-monitor", "none", "-serial", "stdio", "-no-reboot",
                "-accel", "tcg,thread=multi"]

PRINTK = re.compile(r"^\[\s*(\d+)\.(\d+)\]\s*(.*)$")


def log(msg):
    print(f"[{datetime.datetime.now():%H:%M:%S}] {msg}", flush=True)


# ---- the example kernels ---------------------------------------------------

def run_smpboot(arch, n, mode, tag, timeout, kind="smpboot", append=()):
    """One boot of the example (kind "smpboot") or of the floor kernel
    (kind "floor"): both print the same result line."""
    r = run_smpboot_once(arch, n, mode, tag, timeout, kind, append)
    if not r["ok"] and not os.path.exists(os.path.join(ROOT, r["log"])):
        # No serial log at all: the build failed (someone is editing the tree).
        time.sleep(20)
        r = run_smpboot_once(arch, n, mode, tag, timeout, kind, append)
        r["retried"] = True
    return r


def run_smpboot_once(arch, n, mode, tag, timeout, kind, append):
    example = ARCHS[arch]["example" if kind == "smpboot" else "floor"]
    logfile = os.path.join(LOGS, f"{kind}-{arch}-{n}-{mode}-{tag}.log")
    if os.path.exists(logfile):
        os.remove(logfile)   # a stale log must not pass for this run's
    cmd = [os.path.join(ROOT, "scripts", "run-example"), example, "-smp", str(n)]
    if mode == "seq":
        cmd += ["-append", "smpboot.mode=seq"]
    for word in PARALLEL_VARIANTS.get((kind, mode), []) + list(append):
        cmd += ["-append", word]
    env = dict(os.environ, SMPBOOT_LOG=logfile, SMPBOOT_TIMEOUT=str(timeout), **ARCHS[arch].get("env", {}))
    t0 = time.monotonic()
    p = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                       errors="replace")
    wall = time.monotonic() - t0
    res = {"kind": kind, "arch": arch, "n": n, "mode": mode, "ok": p.returncode == 0,
           "wall_s": round(wall, 2), "log": os.path.relpath(logfile, ROOT)}
    if p.returncode != 0:
        res["error"] = p.stderr.strip().splitlines()[-3:]
    for line in p.stderr.splitlines():
        if line.startswith("run-example: qemu-system"):
            res["qemu"] = line[len("run-example: "):]
    text = open(logfile, errors="replace").read() if os.path.exists(logfile) else ""
    m = re.search(r"^smpboot: result arch=\S+ online=(\d+)/(\d+) mode=(\S+) bringup_us=(\d+)", text, re.M)
    if m:
        res.update(online=int(m[1]), present=int(m[2]), bringup_us=int(m[4]))
        res["ok"] = res["ok"] and int(m[1]) == int(m[2]) == n and m[3] == ("seq" if mode == "seq" else "parallel")
    else:
        res["ok"] = False
    m = re.search(r"TSC (\d+) kHz", text)
    if m:
        res["tsc_khz"] = int(m[1])
    return res


# ---- Debian's Linux ----------------------------------------------------------

def debian_kernels(arch):
    return sorted(glob.glob(os.path.join(ROOT, "build", "debian", ARCHS[arch]["deb"], "root", "boot", "vmlinuz-*")))


def linux_kernel(arch):
    paths = debian_kernels(arch)
    if not paths:
        sys.exit(f"bench: no Debian {arch} kernel under build/debian; run scripts/install-deps --bench")
    path = paths[-1]
    with open(path, "rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    if not gz:
        return path   # x86 bzImage, or an arm64 Image that Debian shipped uncompressed
    # arm64 vmlinuz is a gzip'd Image: QEMU's virt loader wants the Image.
    out = os.path.join(WORK, os.path.basename(path) + ".Image")
    if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(path):
        with gzip.open(path) as src, open(out + ".tmp", "wb") as dst:
            shutil.copyfileobj(src, dst)
        os.replace(out + ".tmp", out)
    return out


def linux_command(smpboot_qemu, kernel, append, n=None):
    """The example's QEMU command line with Debian's kernel and command line
    in, and (if given) N CPUs: QEMU takes the last -smp."""
    words = smpboot_qemu.split(" -append ")[0].split()
    words[words.index("-kernel") + 1] = kernel
    if n is not None:
        words[max(j for j, w in enumerate(words) if w == "-smp") + 1] = str(n)
    return words + RUNNER_FIXED + ["-append", append]


def run_linux(cmd, stop, tag, timeout):
    """Boot until a line matching `stop` (then kill QEMU) or the timeout."""
    logfile = os.path.join(LOGS, f"linux-{tag}.log")
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    timer = threading.Timer(timeout, p.kill)
    timer.start()
    lines, hit = [], False
    try:
        for raw in p.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            lines.append(line)
            if re.search(stop, line):
                hit = True
                break
    finally:
        timer.cancel()
        p.kill()
        p.wait()
    with open(logfile, "w") as f:
        f.write("\n".join(lines) + "\n")
    return lines, hit, time.monotonic() - t0, os.path.relpath(logfile, ROOT)


def printk_time(lines, pattern):
    for line in lines:
        m = PRINTK.match(line)
        if m and re.search(pattern, m[3]):
            return int(m[1]) * 1_000_000 + int(m[2].ljust(6, "0")[:6])
    return None


def measure_linux(arch, n, variant, base_qemu, lpj, tag, timeout):
    append = f"console={ARCHS[arch]['console']} panic=-1"
    if variant == "lpj":
        append += f" lpj={lpj}"
    cmd = linux_command(base_qemu, linux_kernel(arch), append, n)
    lines, hit, wall, logfile = run_linux(cmd, r"smp: Brought up", f"{arch}-{n}-{variant}-{tag}", timeout)
    res = {"kind": "linux", "arch": arch, "n": n, "mode": variant, "ok": False, "wall_s": round(wall, 2),
           "log": logfile, "qemu": " ".join(cmd)}
    start = printk_time(lines, r"smp: Bringing up secondary CPUs")
    end = printk_time(lines, r"smp: Brought up")
    m = next((re.search(r"smp: Brought up \d+ nodes?, (\d+) CPUs", l) for l in lines
              if "smp: Brought up" in l), None)
    if hit and start is not None and end is not None and m:
        res.update(ok=int(m[1]) == n, bringup_us=end - start, online=int(m[1]))
    return res


def calibrate(arch, base_qemu, timeout):
    """One uniprocessor Linux boot: the lpj it computes, and the TSC frequency."""
    cmd = linux_command(base_qemu, linux_kernel(arch), f"console={ARCHS[arch]['console']} panic=-1", 1)
    lines, _, _, _ = run_linux(cmd, r"lpj=\d+", f"{arch}-calibrate", timeout)
    lpj = tsc = None
    for line in lines:
        m = re.search(r"lpj=(\d+)", line)
        if m:
            lpj = int(m[1])
        m = re.search(r"tsc: Detected ([\d.]+) MHz", line)
        if m:
            tsc = float(m[1])
    return lpj, tsc


# ---- sizes -------------------------------------------------------------------

def section_sizes(archive):
    """Per archive: code (.text*), read-only data, data, bss, summed over its objects."""
    out = {"text": 0, "rodata": 0, "data": 0, "bss": 0, "objects": {}}
    p = subprocess.run(["llvm-size", "-A", archive], capture_output=True, text=True)
    obj = None
    for line in p.stdout.splitlines():
        m = re.match(r"^(\S+)\s+\(ex ", line)
        if m:
            obj = m[1].removesuffix(".obj")
            continue
        w = line.split()
        if len(w) < 2 or not w[1].isdigit():
            continue
        name, size = w[0], int(w[1])
        for key, prefix in (("text", ".text"), ("rodata", ".rodata"), ("data", ".data"), ("bss", ".bss")):
            if name == prefix or name.startswith(prefix + "."):
                out[key] += size
                if key == "text" and obj:
                    out["objects"][obj] = out["objects"].get(obj, 0) + size
    return out


def linked_symbols(elf):
    """(demangled name, size) of every function and object in an ELF."""
    p = subprocess.run(["llvm-nm", "-S", "-C", elf], capture_output=True, text=True)
    syms = []
    for line in p.stdout.splitlines():
        w = line.split(None, 3)
        if len(w) == 4 and w[2] in "tTwWrRdDbB":
            syms.append((w[3], int(w[1], 16), w[2], int(w[0], 16)))
    return syms


LIBS = {
    "x86_64": {"core": "src/core/libsmpboot_core.a", "backend": "src/x86/libsmpboot_x86.a"},
    "arm64": {"core": "src/core/libsmpboot_core.a", "backend": "src/arm64/libsmpboot_arm64_backend.a",
              "fdt": "src/fdt/libsmpboot_fdt.a"},
}
KERNELS = {"x86_64": "examples/x86_64/kernel.elf", "arm64": "examples/arm64-virt/kernel.elf"}


def sizes_of(build, arch):
    if arch not in LIBS:
        return {}   # x86_64-kvm: the same build as x86_64
    s = {name: section_sizes(os.path.join(build, path)) for name, path in LIBS[arch].items()
         if os.path.exists(os.path.join(build, path))}
    elf = os.path.join(build, KERNELS[arch])
    if os.path.exists(elf):
        syms = linked_symbols(elf)
        # hotplug<> is a template: its code exists only where a kernel instantiates it.
        s["hotplug_instance_text"] = sum(size for name, size, t, _ in syms
                                         if t in "tTwW" and name.startswith("smpboot::hotplug<"))
        addr = {name: a for name, _, _, a in syms}
        if "smpboot_x86_tramp_start" in addr and "smpboot_x86_tramp_end" in addr:
            s["trampoline"] = addr["smpboot_x86_tramp_end"] - addr["smpboot_x86_tramp_start"]
    return s


def core_plus_backend(s):
    parts = [p for p in ("core", "backend", "fdt") if p in s]
    return sum(s[p]["text"] for p in parts) + s.get("hotplug_instance_text", 0)


def sizes(archs):
    """Sizes of the preset builds (RelWithDebInfo, -O2), and of a MinSizeRel
    (-Os) build of the same sources made here for comparison."""
    out = {"RelWithDebInfo": {}, "MinSizeRel": {}}
    for arch in archs:
        if arch not in LIBS:
            continue   # x86_64-kvm: the x86_64 build
        out["RelWithDebInfo"][arch] = sizes_of(os.path.join(ROOT, "build", arch), arch)
        ms = os.path.join(WORK, f"minsize-{arch}")
        ok = subprocess.run(["cmake", "--preset", arch, "-S", ROOT, "-B", ms, "-DCMAKE_BUILD_TYPE=MinSizeRel",
                             "-DSMPBOOT_TESTS=OFF"], cwd=ROOT, capture_output=True).returncode == 0
        ok = ok and subprocess.run(["cmake", "--build", ms], capture_output=True).returncode == 0
        if ok:
            out["MinSizeRel"][arch] = sizes_of(ms, arch)
    return out


# ---- statistics and reports ----------------------------------------------------

def stats(values):
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def summarise(results):
    table = {}
    for r in results:
        if not r.get("ok") or "bringup_us" not in r:
            continue
        key = (r["arch"], r["n"], r["kind"], r["mode"])
        table.setdefault(key, []).append(r.get("bringup_us_ref", r["bringup_us"]))
    return {k: stats(v) for k, v in table.items()}


def fmt_us(us):
    if us is None:
        return "–"
    if us >= 100_000:
        return f"{us / 1000:,.0f} ms"
    if us >= 10_000:
        return f"{us / 1000:.1f} ms"
    if us >= 1000:
        return f"{us / 1000:.2f} ms"
    return f"{us:.0f} µs"


def cell(st):
    if not st:
        return "–"
    return f"{fmt_us(st['median'])} ({fmt_us(st['min'])}–{fmt_us(st['max'])})"


def ratio(a, b):
    if not a or not b or not b["median"]:
        return None
    return a["median"] / b["median"]


def floor_ratio(sb, fl):
    """smpboot over the floor: by medians, and slowest run over slowest run."""
    if not sb or not fl or not fl["median"] or not fl["max"]:
        return "–"
    return f"{sb['median'] / fl['median']:.2f}× (max {sb['max'] / fl['max']:.2f}×)"


def fmt_ratio(r):
    return "–" if r is None else (f"{r:,.0f}×" if r >= 100 else f"{r:.1f}×")


SERIES = [  # kind, mode, label, colour, dash, marker
    ("smpboot", "parallel", "smpboot parallel", "#238b45", "", "circle"),
    ("smpboot", "seq", "smpboot sequential", "#2171b5", "6,3", "square"),
    ("floor", "parallel", "floor parallel", "#737373", "", "circle"),
    ("floor", "seq", "floor sequential", "#bdbdbd", "6,3", "square"),
    ("linux", "shipped", "Linux 6.1 (as shipped)", "#cb181d", "", "triangle"),
    ("linux", "lpj", "Linux 6.1 with lpj=", "#fd8d3c", "2,2", "diamond"),
]


def plot_svg(summary, ns, archs, path):
    """Bring-up time against N, log-log, one panel per arch, min–max bars."""
    import math
    pw, ph, ml, mt, gap = 460, 330, 70, 70, 85
    width = ml + len(archs) * (pw + gap) + 10
    height = mt + ph + 120
    vals = [v[k] for v in summary.values() if v for k in ("min", "max")]
    lo = 10 ** math.floor(math.log10(max(1, min(vals)))) if vals else 1
    hi = 10 ** math.ceil(math.log10(max(vals))) if vals else 10
    if hi <= lo:
        hi = lo * 10
    xs = sorted(ns)
    lx0, lx1 = math.log2(xs[0]), math.log2(xs[-1]) if len(xs) > 1 else math.log2(xs[0]) + 1

    def X(i, n):
        left = ml + i * (pw + gap)
        return left + 20 + (pw - 40) * (math.log2(n) - lx0) / ((lx1 - lx0) or 1)

    def Y(us):
        return mt + ph - ph * (math.log10(us) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))

    o = [f'<?xml version="1.0" encoding="UTF-8"?>',
         f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
         f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">',
         f'<rect width="{width}" height="{height}" fill="#fff"/>',
         f'<text x="{ml}" y="28" font-size="18" font-weight="bold">Secondary-CPU bring-up time under QEMU (TCG; x86_64-kvm: KVM) '
         f'(guest clock, median, bars = min–max)</text>']
    for i, arch in enumerate(archs):
        left = ml + i * (pw + gap)
        o.append(f'<text x="{left + pw / 2}" y="{mt - 12}" font-size="15" text-anchor="middle" '
                 f'font-weight="bold">{arch}</text>')
        o.append(f'<rect x="{left}" y="{mt}" width="{pw}" height="{ph}" fill="none" stroke="#444"/>')
        d = lo
        while d <= hi:
            for m in (1, 2, 5):
                v = d * m
                if lo <= v <= hi:
                    y = Y(v)
                    o.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" '
                             f'stroke="{"#ccc" if m == 1 else "#eee"}"/>')
                    if m == 1:
                        o.append(f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">'
                                 f'{axis_us(v)}</text>')
            d *= 10
        for n in xs:
            x = X(i, n)
            o.append(f'<line x1="{x:.1f}" y1="{mt}" x2="{x:.1f}" y2="{mt + ph}" stroke="#eee"/>')
            o.append(f'<text x="{x:.1f}" y="{mt + ph + 18}" font-size="12" text-anchor="middle">{n}</text>')
        o.append(f'<text x="{left + pw / 2}" y="{mt + ph + 38}" font-size="12" text-anchor="middle">'
                 f'CPUs (-smp N)</text>')
        for kind, mode, label, colour, dash, marker in SERIES:
            pts = [(n, summary.get((arch, n, kind, mode))) for n in xs]
            pts = [(n, s) for n, s in pts if s]
            if not pts:
                continue
            path_d = " ".join(f"{'M' if j == 0 else 'L'}{X(i, n):.1f},{Y(s['median']):.1f}"
                              for j, (n, s) in enumerate(pts))
            o.append(f'<path d="{path_d}" fill="none" stroke="{colour}" stroke-width="2" '
                     f'stroke-dasharray="{dash}"/>')
            for n, s in pts:
                x, y = X(i, n), Y(s["median"])
                o.append(f'<line x1="{x:.1f}" y1="{Y(s["min"]):.1f}" x2="{x:.1f}" y2="{Y(s["max"]):.1f}" '
                         f'stroke="{colour}" stroke-width="1.5"/>')
                o.append(marker_svg(marker, x, y, colour, f"{label}, N={n}: {fmt_us(s['median'])}"))
    # Legend under the panels.
    lx, ly = ml, mt + ph + 70
    for kind, mode, label, colour, dash, marker in SERIES:
        if not any(k[2] == kind and k[3] == mode for k in summary):
            continue
        o.append(f'<line x1="{lx}" y1="{ly}" x2="{lx + 30}" y2="{ly}" stroke="{colour}" stroke-width="2" '
                 f'stroke-dasharray="{dash}"/>')
        o.append(marker_svg(marker, lx + 15, ly, colour, label))
        o.append(f'<text x="{lx + 38}" y="{ly + 4}" font-size="12">{label}</text>')
        lx += 60 + len(label) * 7
    o.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(o) + "\n")


def axis_us(us):
    if us >= 1_000_000:
        return f"{us / 1_000_000:g} s"
    if us >= 1000:
        return f"{us / 1000:g} ms"
    return f"{us:g} µs"


def marker_svg(kind, x, y, colour, tip):
    t = f"<title>{tip}</title>"
    if kind == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{colour}">{t}</circle>'
    if kind == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}">{t}</rect>'
    if kind == "triangle":
        return f'<path d="M{x:.1f},{y - 5:.1f} L{x + 5:.1f},{y + 4:.1f} L{x - 5:.1f},{y + 4:.1f} Z" fill="{colour}">{t}</path>'
    return f'<path d="M{x:.1f},{y - 5:.1f} L{x + 5:.1f},{y:.1f} L{x:.1f},{y + 5:.1f} L{x - 5:.1f},{y:.1f} Z" fill="{colour}">{t}</path>'


def host_info():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    qemu = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True).stdout
    qemu = qemu.splitlines()[0] if qemu else "QEMU ?"
    kernels = {a: os.path.basename(debian_kernels(a)[-1]) for a in ARCHS if has_linux(a) and debian_kernels(a)}
    return {"cpu": cpu, "cores": os.cpu_count(), "qemu": qemu, "kernels": kernels,
            "date": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC")}


def parallel_modes(arch):
    """smpboot's parallel modes on this arch: on x86 one IPI per AP ("parallel")
    and broadcast."""
    return ("parallel", "broadcast") if arch.startswith("x86_64") else ("parallel",)


def ipis(arch, mode):
    """How a parallel mode sends its IPIs, where the arch has two ways: "per AP",
    "broadcast"; otherwise None."""
    if len(parallel_modes(arch)) < 2 or mode not in parallel_modes(arch):
        return None
    return "per AP" if mode == "parallel" else "broadcast"


def mode_label(arch, mode):
    """"parallel (per AP)", "parallel (broadcast)", or the mode itself."""
    way = ipis(arch, mode)
    return f"parallel ({way})" if way else mode


def floor_pair(arch, mode):
    """The floor run an smpboot mode is compared with: the one sending the same IPIs
    (on x86 the floor's "parallel" broadcasts; its per-AP run is "unicast")."""
    way = ipis(arch, mode)
    return mode if way is None else "unicast" if way == "per AP" else "parallel"


def report(results, meta, size, timelines, args):
    summary = summarise(results)
    ns, archs = args.ns, args.archs
    o = ["<!-- SPDX-License-Identifier: MIT -->", "# smpboot bring-up benchmark", ""]
    o.append(f"Measured {meta['host']['date']} on {meta['host']['cpu']} ({meta['host']['cores']} cores), "
             f"{meta['host']['qemu']}, TCG multi-threaded (x86_64-kvm: -accel kvm), Debian kernels "
             f"{', '.join(meta['host']['kernels'].values())}.")
    o.append("")
    o.append(f"Command: `{meta['command']}` (wall time {meta['wall_min']:.1f} min).")
    o.append("")
    o.append("Each cell: median (min–max) of the guest-measured time over "
             f"{args.reps} smpboot runs, as many floor-kernel runs and {args.linux_reps} Linux runs, "
             "interleaved. smpboot: `bringup_us` of the result line (first kick to last CPU online). "
             "Floor (bench/floor): the same line from a kernel that only kicks the CPUs and counts "
             "their callins (first kick to last callin). Linux: printk time "
             "from `smp: Bringing up secondary CPUs` to `smp: Brought up` on the same QEMU command line "
             "(no initrd; QEMU killed at `Brought up`). Linux 6.1 brings CPUs up one at a time, so it "
             "has no parallel mode. Ratios: Linux median / smpboot parallel median.")
    o.append("")
    qemu_of = meta.get("base_qemu", {})
    for arch in archs:
        o.append(f"## {arch}")
        o.append("")
        if arch in qemu_of:
            o.append(f"QEMU: `{qemu_of[arch]}` plus `{' '.join(RUNNER_FIXED)}` (the N = 2 warm-up; "
                     "the last -smp is N; " +
                     ("Linux gets the same with its own -kernel and -append)." if has_linux(arch) else
                      "QEMU takes the first -accel that works: KVM)."))
            o.append("")
        x86, linux = arch == "x86_64", has_linux(arch)
        modes = parallel_modes(arch)
        both = len(modes) > 1   # per-AP and broadcast IPIs
        floor = any(k[0] == arch and k[2] == "floor" for k in summary)
        head = ["N", "smpboot seq"] + [f"smpboot {mode_label(arch, m)}" for m in modes]
        if floor:
            head += ["floor seq"] + [f"floor {mode_label(arch, m)}" for m in modes]
            head += ["smpboot / floor seq"] + [f"smpboot / floor {ipis(arch, m) or m}" for m in modes]
        if linux:
            head += ["Linux"] + (["Linux lpj="] if x86 else []) + ["Linux / parallel"] + \
                    (["Linux lpj= / parallel"] if x86 else [])
        o.append("| " + " | ".join(head) + " |")
        o.append("|" + "---|" * len(head))
        for n in ns:
            g = lambda kind, mode: summary.get((arch, n, kind, mode))
            row = [str(n), cell(g("smpboot", "seq"))] + [cell(g("smpboot", m)) for m in modes]
            if floor:
                row += [cell(g("floor", "seq"))] + [cell(g("floor", floor_pair(arch, m))) for m in modes]
                row += [floor_ratio(g("smpboot", m), g("floor", floor_pair(arch, m))) for m in ("seq",) + modes]
            if linux:
                row.append(cell(g("linux", "shipped")))
                if x86:
                    row.append(cell(g("linux", "lpj")))
                row.append(fmt_ratio(ratio(g("linux", "shipped"), g("smpboot", "parallel"))))
                if x86:
                    row.append(fmt_ratio(ratio(g("linux", "lpj"), g("smpboot", "parallel"))))
            o.append("| " + " | ".join(row) + " |")
        o.append("")
        if floor:
            o.append("smpboot / floor: smpboot's median over the floor's median, and (max) smpboot's slowest "
                     "run over the floor's slowest. The floor kernels (bench/floor) kick and count callins "
                     "only: seq = one CPU at a time, waiting for each; parallel = " +
                     ("INIT to each AP then STARTUP to each (per AP), or one INIT and one STARTUP to "
                      "\"all excluding self\" (broadcast). smpboot's per-AP column is its default; its "
                      "broadcast column is `x86::config::broadcast_cpus` (`smpboot.ipi=broadcast`). Each "
                      "is compared with the floor that sends the same IPIs" if both
                      else "every PSCI CPU_ON back to back, then wait") + ".")
            o.append("")

    # The targets the project set itself.
    o += ["## Targets", "", "A target against Linux or time(8) counts as met only if both the medians and the "
          "fastest runs meet it; one against the floor says which runs it compares.", "",
          "| target | measured | verdict |", "|---|---|---|"]

    def verdict(ok, miss):
        return "met" if ok else f"**missed** ({miss})"

    big = max(ns)
    for arch, variant, what in (("x86_64", "lpj", "Linux with lpj="), ("arm64", "shipped", "Linux")):
        if arch not in archs:
            continue
        lin, sb = summary.get((arch, big, "linux", variant)), summary.get((arch, big, "smpboot", "parallel"))
        r = ratio(lin, sb)
        best = lin["min"] / sb["min"] if lin and sb and sb["min"] else None
        o.append(f"| {arch}: parallel bring-up of {big} CPUs ≥ 20× faster than {what} | {fmt_ratio(r)} "
                 f"(medians; fastest vs fastest run: {fmt_ratio(best)}) | "
                 f"{verdict(r is not None and best is not None and min(r, best) >= 20, 'no data' if r is None else f'{20 / min(r, best):.1f}× short')} |")
    small = 8 if 8 in ns else min(ns)
    for arch, mode in [(a, m) for a in archs for m in parallel_modes(a)]:
        hi_, lo_ = summary.get((arch, big, "smpboot", mode)), summary.get((arch, small, "smpboot", mode))
        if not hi_:
            continue
        fh, fl_ = (summary.get((arch, k, "floor", floor_pair(arch, mode))) for k in (big, small))
        r = ratio(hi_, lo_)
        fr = ratio(fh, fl_)
        best = hi_["min"] / lo_["min"] if hi_ and lo_ and lo_["min"] else None
        o.append(f"| {arch}: {mode_label(arch, mode)} time({big}) / time({small}) ≤ 3 | {'–' if r is None else f'{r:.2f}'} "
                 f"(medians; fastest runs: {'–' if best is None else f'{best:.2f}'}"
                 f"{'' if fr is None else f'; the floor: {fr:.2f}'}) | "
                 f"{verdict(r is not None and best is not None and max(r, best) <= 3, 'no data' if r is None else f'{(max(r, best) / 3 - 1) * 100:.0f}% over')} |")
    # Against the floor: parallel within 1.25x by medians and within 2x slowest
    # vs slowest over at least 9 runs each; under KVM, sequential within 2x by medians.
    for arch, mode in [(a, m) for a in archs for m in (("seq",) if a.endswith("-kvm") else parallel_modes(a))]:
        kvm = arch.endswith("-kvm")
        med_lim, max_lim = (2.0, None) if kvm else (1.25, 2.0)
        sb, fl = summary.get((arch, big, "smpboot", mode)), summary.get((arch, big, "floor", floor_pair(arch, mode)))
        if not fl or not sb:
            continue
        med = sb["median"] / fl["median"] if sb and fl["median"] else None
        slow = sb["max"] / fl["max"] if sb and fl["max"] else None
        runs = min(sb["n"], fl["n"]) if sb else 0
        want = f"{mode_label(arch, mode)} bring-up of {big} CPUs within {med_lim}× of the floor by median" + \
               (f", {max_lim}× slowest vs slowest (≥ 9 runs)" if max_lim else "")
        got = "–" if med is None else f"{med:.2f}× by median" + (f", {slow:.2f}× slowest ({runs} runs)" if max_lim else "")
        ok = med is not None and med <= med_lim and (max_lim is None or (slow <= max_lim and runs >= 9))
        miss = "no data" if med is None else "; ".join(
            x for x in (f"median {med / med_lim:.2f}× the limit" if med > med_lim else "",
                        f"slowest {slow / max_lim:.2f}× the limit" if max_lim and slow > max_lim else "",
                        f"only {runs} runs" if max_lim and runs < 9 else "") if x)
        o.append(f"| {arch}: {want} | {got} | {verdict(ok, miss)} |")
    rel, small_build = size.get("RelWithDebInfo", {}), size.get("MinSizeRel", {})
    tramp = rel.get("x86_64", {}).get("trampoline")
    o.append(f"| x86 trampoline ≤ 4 KiB | {tramp if tramp is not None else '–'} bytes | "
             f"{verdict(tramp is not None and tramp <= 4096, 'no data')} |")
    for arch in archs:
        if arch not in rel:
            continue
        text = core_plus_backend(rel[arch])
        other = core_plus_backend(small_build[arch]) if arch in small_build else None
        extra = f"; -Os: {other} bytes ({other / 1024:.1f} KiB)" if other else ""
        o.append(f"| {arch}: core + backend ≤ 16 KiB .text | {text} bytes ({text / 1024:.1f} KiB) at -O2{extra} | "
                 f"{verdict(text <= 16384, f'{text - 16384} bytes over at -O2' + ('' if other is None else (', met at -Os' if other <= 16384 else f', {other - 16384} over at -Os')))} |")
    o.append("")
    o.append("core + backend .text = the code sections of the static libraries (core, backend — with "
             "the FDT reader on arm64, which its discovery needs — including firmware-table "
             "discovery) plus the code of `smpboot::hotplug<>` as instantiated in the example kernel "
             "(a template: it has no code in libsmpboot_core.a; functions the compiler inlined "
             "into the kernel are not counted). Read-only data is not counted; see below.")
    o.append("")

    o += ["## Sizes (bytes)", "",
          "| arch | part | .text -O2 | .rodata | .data | .bss | .text -Os |", "|---|---|---|---|---|---|---|"]
    names = {"core": "libsmpboot_core.a", "backend": "backend library", "fdt": "libsmpboot_fdt.a"}
    for arch in archs:
        for part, s in rel.get(arch, {}).items():
            ms = small_build.get(arch, {}).get(part)
            if isinstance(s, dict):
                o.append(f"| {arch} | {names.get(part, part)} | {s['text']} | {s['rodata']} | {s['data']} | "
                         f"{s['bss']} | {ms['text'] if ms else '–'} |")
        if "hotplug_instance_text" in rel.get(arch, {}):
            ms = small_build.get(arch, {}).get("hotplug_instance_text", "–")
            o.append(f"| {arch} | hotplug<> in the example kernel | {rel[arch]['hotplug_instance_text']} | | | | {ms} |")
    if tramp is not None:
        ms = small_build.get("x86_64", {}).get("trampoline", "–")
        o.append(f"| x86_64 | trampoline blob (copied below 1 MiB) | {tramp} | | | | {ms} |")
    o.append("")
    objs = []
    for arch in archs:
        for part, s in rel.get(arch, {}).items():
            if isinstance(s, dict):
                objs += [f"{arch} {o_}: {t}" for o_, t in s.get("objects", {}).items()]
    if objs:
        o.append("Code (.text, -O2) per object: " + ", ".join(objs) + ".")
        o.append("")
    o.append("-O2: the presets' RelWithDebInfo cross builds (build/x86_64, build/arm64). -Os: the same "
             "sources built MinSizeRel by the benchmark (build/bench/minsize-*). The x86 backend's "
             ".rodata includes the trampoline's page-sized section (the blob plus padding to 4 KiB).")
    o.append("")

    if timelines:
        o += [f"## Where the time goes ({big} CPUs, parallel)", ""]
        for (arch, which), (svg, text, rep) in timelines.items():
            o.append(f"{arch}, the {which} run (round {rep}): timeline "
                     f"[{os.path.basename(svg)}]({os.path.basename(svg)}); `smpboot-trace --summary`:")
            o.append("")
            o.append("```")
            o.append(text.rstrip())
            o.append("```")
            o.append("")

    notes = meta.get("notes", [])
    failed = [r for r in results if not r.get("ok")]
    if failed:
        notes.append(f"{len(failed)} run(s) failed or timed out and are left out of the statistics: " +
                     ", ".join(f"{r['kind']} {r['arch']} N={r['n']} {r['mode']} ({r['log']})" for r in failed))
    if notes:
        o += ["## Notes", ""] + [f"- {n}" for n in notes] + [""]
    o.append(f"Plot: [bringup.svg](bringup.svg). Raw runs: [results.json](results.json).")
    return "\n".join(o) + "\n", summary


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=9, help="runs per smpboot configuration")
    ap.add_argument("--linux-reps", type=int, default=3, help="runs per Linux configuration")
    ap.add_argument("--ns", default="2,8,16,64", help="CPU counts")
    ap.add_argument("--archs", default="x86_64,arm64" + (",x86_64-kvm" if kvm_usable() else ""),
                    help="x86_64, arm64, x86_64-kvm (default: all three if /dev/kvm is usable)")
    ap.add_argument("--no-linux", action="store_true", help="no Linux boots")
    ap.add_argument("--no-floor", action="store_true", help="no floor-kernel boots")
    ap.add_argument("--append", action="append", default=[], metavar="WORD",
                    help="add WORD to every smpboot run's kernel command line")
    ap.add_argument("--floor-append", action="append", default=[], metavar="WORD",
                    help="the same for the floor kernels (e.g. floor.kick=unicast)")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    ap.add_argument("--timeout", type=int, default=600, help="per boot, seconds (a hang detector)")
    ap.add_argument("--report-only", action="store_true",
                    help="redo the tables, plot and timelines from OUT/results.json and the kept logs")
    args = ap.parse_args()
    if args.report_only:
        with open(os.path.join(args.out, "results.json")) as f:
            data = json.load(f)
        meta = data["meta"]
        args.ns, args.archs = meta["ns"], meta["archs"]
        args.reps, args.linux_reps = meta["reps"], meta["linux_reps"]
        finish(data["runs"], meta, args)
        return
    args.ns = [int(x) for x in args.ns.split(",")]
    args.archs = [a for a in args.archs.split(",") if a]
    for a in args.archs:
        if a not in ARCHS:
            sys.exit(f"bench: unknown arch {a}")
    os.makedirs(LOGS, exist_ok=True)
    os.makedirs(args.out, exist_ok=True)
    started = time.monotonic()
    meta = {"command": " ".join(["scripts/bench"] + sys.argv[1:]), "host": host_info(), "run_notes": [],
            "load_start": os.getloadavg(), "ns": args.ns, "archs": args.archs, "reps": args.reps,
            "linux_reps": args.linux_reps, "append": args.append, "floor_append": args.floor_append}
    if args.append or args.floor_append:
        meta["run_notes"].append("Extra kernel command line words: smpboot `" + " ".join(args.append) +
                                 "`, floor `" + " ".join(args.floor_append) + "`.")
    results = []

    def save():
        with open(os.path.join(args.out, "results.json"), "w") as f:
            json.dump({"meta": meta, "runs": results}, f, indent=1)

    # A warm-up boot per arch: builds what is missing, and its echoed QEMU
    # command line is the one Linux gets. Not measured.
    base, ref_tsc_khz, lpj = {}, None, None
    for arch in args.archs:
        w = run_smpboot(arch, 2, "parallel", "warmup", args.timeout, append=args.append)
        if "qemu" not in w:
            sys.exit(f"bench: the {arch} example did not run (see {w['log']})")
        base[arch] = w["qemu"]
        meta.setdefault("base_qemu", {})[arch] = w["qemu"]
        log(f"warm-up {arch}: {'ok' if w['ok'] else 'FAILED'} ({w['wall_s']} s)")
        if not args.no_floor:
            f = run_smpboot(arch, 2, "parallel", "warmup", args.timeout, "floor", args.floor_append)
            if not f["ok"]:
                sys.exit(f"bench: the {arch} floor kernel failed (see {f['log']})")
    if "x86_64" in args.archs and not args.no_linux:
        lpj, tsc_mhz = calibrate("x86_64", base["x86_64"], args.timeout)
        if lpj is None:
            sys.exit("bench: the calibration boot of Linux printed no lpj=")
        ref_tsc_khz = tsc_mhz * 1000 if tsc_mhz else None
        meta["lpj"] = lpj
        meta["run_notes"].append(f"lpj={lpj}: what a uniprocessor boot of the same kernel on the same QEMU "
                             f"printed (\"Calibrating delay loop (skipped) ... lpj=\"), read at the start of the run; "
                             f"Linux detected a {tsc_mhz} MHz TSC.")
        log(f"x86 Linux: lpj={lpj}, TSC {tsc_mhz} MHz")

    plan = []
    for arch in args.archs:
        for n in args.ns:
            for mode in ("seq",) + parallel_modes(arch):
                plan.append(("smpboot", arch, n, mode))
            if not args.no_floor:
                for mode in ("seq", "parallel") + (("unicast",) if len(parallel_modes(arch)) > 1 else ()):
                    plan.append(("floor", arch, n, mode))
            if not args.no_linux and has_linux(arch):
                plan.append(("linux", arch, n, "shipped"))
                if arch == "x86_64":
                    plan.append(("linux", arch, n, "lpj"))
    reps = max(args.reps, 0 if args.no_linux else args.linux_reps)
    for rep in range(reps):
        # Interleaved: every configuration once per round, the order rotated each round.
        order = plan[rep * len(plan) // max(reps, 1):] + plan[:rep * len(plan) // max(reps, 1)]
        for kind, arch, n, mode in order:
            if (kind in KINDS and rep >= args.reps) or (kind == "linux" and rep >= args.linux_reps):
                continue
            tag = f"r{rep}"
            if kind in KINDS:
                r = run_smpboot(arch, n, mode, tag, args.timeout, kind,
                                args.append if kind == "smpboot" else args.floor_append)
                if arch.startswith("x86_64") and ref_tsc_khz and r.get("tsc_khz") and "bringup_us" in r:
                    # Both kernels calibrate their TSC against the PIT; under a loaded
                    # host that can be far off. Rescale with Linux's calibration.
                    f = r["tsc_khz"] / ref_tsc_khz
                    if abs(f - 1) > 0.05:
                        r["bringup_us_ref"] = round(r["bringup_us"] * f)
            else:
                r = measure_linux(arch, n, mode, base[arch], lpj, tag, args.timeout)
            r["rep"] = rep
            results.append(r)
            save()
            shown = r.get("bringup_us_ref", r.get("bringup_us"))
            log(f"{kind:7} {arch:10} N={n:<3} {mode:8} rep {rep}: "
                f"{fmt_us(shown) if shown is not None else 'FAILED'} (wall {r['wall_s']} s)"
                + (f" [guest TSC {r['tsc_khz']} kHz, rescaled from {r['bringup_us']} us]" if "bringup_us_ref" in r else ""))

    meta["wall_min"] = (time.monotonic() - started) / 60
    meta["load_end"] = os.getloadavg()
    meta["ref_tsc_khz"] = ref_tsc_khz
    meta["sizes"] = sizes(args.archs)
    finish(results, meta, args)


def finish(results, meta, args):
    """Timelines, tables, plot: from the runs alone (so --report-only can redo them)."""
    def save():
        with open(os.path.join(args.out, "results.json"), "w") as f:
            json.dump({"meta": meta, "runs": results}, f, indent=1)

    for old in glob.glob(os.path.join(args.out, "timeline-*")):
        os.remove(old)   # only this run's timelines
    meta["notes"] = list(meta.get("run_notes", []))
    ref_tsc_khz = meta.get("ref_tsc_khz")
    rescaled = [r for r in results if "bringup_us_ref" in r]
    if rescaled:
        meta["notes"].append(
            f"{len(rescaled)} x86 run(s) had a guest TSC calibration more than 5% away from Linux's "
            f"({ref_tsc_khz / 1000:.0f} MHz) — the kernels calibrate against the PIT and a descheduled "
            "vCPU skews it — and were rescaled by guest/reference frequency: " +
            ", ".join(f"{r['kind']} {r['arch']} N={r['n']} {r['mode']} {r['tsc_khz']} kHz" for r in rescaled) + ".")

    # Timelines of the largest parallel runs per arch: the median run and the slowest.
    timelines = {}
    tool = os.path.join(ROOT, "build", "host", "tools", "smpboot-trace")
    big = max(args.ns)
    for arch in args.archs:
        runs = sorted((r for r in results if r["kind"] == "smpboot" and r["arch"] == arch and r["n"] == big
                       and r["mode"] == "parallel" and r["ok"]),
                      key=lambda r: r.get("bringup_us_ref", r["bringup_us"]))
        if not runs or not os.path.exists(tool):
            continue
        for which, r in (("median", runs[(len(runs) - 1) // 2]), ("slowest", runs[-1])):
            if which == "slowest" and len(runs) < 2:
                break
            stem = os.path.join(args.out, f"timeline-{arch}-{big}-{which}")
            p = subprocess.run([tool, os.path.join(ROOT, r["log"]), "--svg", stem + ".svg",
                                "--json", stem + ".trace.json", "--summary"], capture_output=True, text=True)
            if p.returncode == 0:
                timelines[(arch, which)] = (stem + ".svg", p.stdout, r["rep"])

    meta["notes"].append(
        "Host load average (1/5/15 min) at the start {} and at the end {}: the host cores run all "
        "vCPUs of a guest, and other jobs shared them; TCG guest time stretches with both, hence the "
        "spread.".format("/".join(f"{x:.1f}" for x in meta["load_start"]),
                         "/".join(f"{x:.1f}" for x in meta["load_end"])))
    save()
    md, summary = report(results, meta, meta["sizes"], timelines, args)
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(md)
    plot_svg(summary, args.ns, args.archs, os.path.join(args.out, "bringup.svg"))
    print(md)
    log(f"wrote {os.path.relpath(args.out, ROOT)}/results.md, bringup.svg, results.json")


if __name__ == "__main__":
    main()
