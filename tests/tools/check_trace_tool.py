#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Tests of smpboot-trace on synthetic and captured serial logs.

    check_trace_tool.py <path to smpboot-trace> <tests/tools/data> <scratch dir> [case...]

Each case runs the tool, checks its exit status and messages, parses the
Chrome trace with json and the SVG with xml.etree, and checks what they say.
"""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

TOOL, DATA, OUT = sys.argv[1:4]
SVG_NS = "{http://www.w3.org/2000/svg}"
failures = []


def check(cond, what):
    if not cond:
        failures.append(f"{current}: {what}")
    return cond


def run(*args, stdin=None):
    p = subprocess.run([TOOL, *args], capture_output=True, text=True, input=stdin, timeout=60)
    return p.returncode, p.stdout, p.stderr


def convert(log, name=None):
    """Run with --json and --svg; return (status, stderr, trace dict, svg root)."""
    name = name or os.path.splitext(os.path.basename(log))[0]
    js, svg = os.path.join(OUT, name + ".trace.json"), os.path.join(OUT, name + ".svg")
    for f in (js, svg):
        if os.path.exists(f):
            os.remove(f)
    status, _, err = run(log, "--json", js, "--svg", svg)
    trace = root = None
    if status == 0:
        with open(js) as f:
            trace = json.load(f)   # raises on invalid JSON: the test fails
        root = ET.parse(svg).getroot()   # raises on malformed XML
        check(root.tag == SVG_NS + "svg", "SVG root is not <svg>")
    return status, err, trace, root


def slices(trace, tid):
    return [e for e in trace["traceEvents"] if e["ph"] == "X" and e["tid"] == tid]


def instants(trace, tid=None):
    return [e for e in trace["traceEvents"] if e["ph"] == "i" and (tid is None or e["tid"] == tid)]


def thread_names(trace):
    return {e["tid"]: e["args"]["name"] for e in trace["traceEvents"]
            if e["ph"] == "M" and e["name"] == "thread_name"}


def svg_texts(root):
    return ["".join(t.itertext()) for t in root.iter(SVG_NS + "text")]


def svg_lane_labels(root):
    return [t for t in root.iter(SVG_NS + "text") if t.get("class") == "lane-label"]


def check_well_formed(trace):
    """Properties every trace must have: ordered, non-overlapping slices per thread."""
    per_tid = {}
    for e in trace["traceEvents"]:
        if e["ph"] == "X":
            check(e["dur"] >= 0, f"negative duration {e}")
            per_tid.setdefault(e["tid"], []).append(e)
    for tid, evs in per_tid.items():
        for a, b in zip(evs, evs[1:]):
            check(a["ts"] + a["dur"] <= b["ts"] + 1e-6, f"cpu {tid}: {a['name']} overlaps {b['name']}")


def case_valid_parallel(log=None, name=None):
    status, err, trace, root = convert(log or os.path.join(DATA, "valid-parallel.log"), name)
    if not check(status == 0, f"exit status {status}, stderr {err!r}"):
        return
    check(err == "", f"unexpected messages {err!r}")
    check_well_formed(trace)
    names = thread_names(trace)
    check(sorted(names) == [0, 1, 2, 3], f"threads {names}")
    check(names.get(3) == "cpu 3 hwid 0x10", f"cpu 3 named {names.get(3)!r}")
    cpu1 = [(e["name"], e["ts"], e["dur"], e["args"]["steps"]) for e in slices(trace, 1)]
    want = [("bp:prepare", 0, 0, 1), ("bp:prepare-dyn", 0, 0, 2), ("bp:bringup", 0, 100, 1),
            ("ap:starting", 100, 30, 1), ('host "starting" & <step>', 130, 10, 1),
            ("ap:starting-dyn", 140, 0.2, 2), ("ap:online", 140.2, 9.8, 1),
            ("host:online", 150, 10, 1), ("online", 160, 10, 1)]
    check(len(cpu1) == len(want) and all(
        a[0] == b[0] and abs(a[1] - b[1]) < 1e-6 and abs(a[2] - b[2]) < 1e-6 and a[3] == b[3]
        for a, b in zip(cpu1, want)), f"cpu 1 slices {cpu1}")
    cats = {e["name"]: e["cat"] for e in slices(trace, 1)}
    check(cats.get('host "starting" & <step>') == "host starting steps", f"categories {cats}")
    check(cats.get("host:online") == "host online steps", f"categories {cats}")
    bp = slices(trace, 0)
    check(len(bp) == 1 and bp[0]["name"] == "kick_all" and bp[0]["dur"] == 90,
          f"boot CPU slices {bp}")
    kinds = sorted(e["name"] for e in instants(trace))
    check(kinds == ["callin"] * 3 + ["kick"] * 3, f"instants {kinds}")
    counter = [e["args"]["online"] for e in trace["traceEvents"] if e["ph"] == "C"]
    check(counter == [1, 2, 3, 4], f"online counter {counter}")
    check(trace["otherData"]["bringup_us"] == 250 and trace["otherData"]["truncated"] is False,
          f"otherData {trace['otherData']}")
    texts = svg_texts(root)
    check(any("4/4 CPUs online in 250 \u00b5s" in t for t in texts), f"SVG title: {texts[:2]}")
    check(any(t.startswith("total 250") for t in texts), "SVG has no total marker")
    labels = [("".join(t.itertext())) for t in svg_lane_labels(root)]
    check(len(labels) == 4 and labels[3].startswith("cpu 3") and "0x10" in labels[3],
          f"SVG lanes {labels}")
    tips = [t.text or "" for t in root.iter(SVG_NS + "title")]
    check(any('host "starting" & <step>' in t for t in tips), "state name not escaped/kept in SVG")
    check(any(t == "kick_all (boot CPU)" for t in texts), "legend lacks kick_all")


def case_crlf():
    src = os.path.join(DATA, "valid-parallel.log")
    crlf = os.path.join(OUT, "valid-crlf.log")
    with open(src, "rb") as f, open(crlf, "wb") as g:
        g.write(f.read().replace(b"\n", b"\r\n"))
    case_valid_parallel(crlf, "valid-crlf")


def case_stdin_and_summary():
    with open(os.path.join(DATA, "valid-parallel.log")) as f:
        status, out, err = run("-", stdin=f.read())
    check(status == 0, f"stdin: exit {status} {err!r}")
    check("x86_64 parallel: 4/4 online, bring-up 250 us" in out, f"summary header: {out!r}")
    check("last CPU online: cpu 3 at 250 us" in out, f"summary end: {out!r}")


def case_seq_failure():
    status, err, trace, root = convert(os.path.join(DATA, "seq-failure.log"))
    if not check(status == 0, f"exit status {status}, stderr {err!r}"):
        return
    check("dropped 3" in err, f"no dropped warning: {err!r}")
    check_well_formed(trace)
    cpu1 = [(e["name"], e["ts"], e["dur"]) for e in slices(trace, 1)]
    check(cpu1[:3] == [("bp:prepare", 0, 0), ("demo:prepare", 0, 0), ("bp:bringup", 0, 35)],
          f"cpu 1 (callin before the kick returned) {cpu1}")
    cpu2 = [(e["name"], e["args"]["kind"], e["cat"]) for e in slices(trace, 2)]
    check(("demo:starting", "fail", "failed") in cpu2, f"cpu 2 failure slice {cpu2}")
    check(sum(1 for n, k, c in cpu2 if k == "down" and c == "teardown") == 4, f"cpu 2 teardowns {cpu2}")
    fails = [e["name"] for e in instants(trace, 2)]
    check("fail: demo:starting" in fails, f"cpu 2 instants {fails}")
    check(not any(e["name"] == "callin" for e in instants(trace, 3)), "cpu 3 never called in")
    check(slices(trace, 0) == [], "sequential mode has no kick_all slice")
    names = thread_names(trace)
    check("failed: AP did not call in" in names.get(3, ""), f"cpu 3 name {names.get(3)!r}")
    red = [t for t in svg_lane_labels(root) if t.get("fill") == "#a50f15"]
    check(len(red) == 2, f"failed lanes drawn red: {len(red)}")
    check(any("sequential mode: 2/4 CPUs online" in t for t in svg_texts(root)), "SVG title")
    check(any("3 DROPPED" in t for t in svg_texts(root)), "SVG does not show the dropped events")


def case_truncated():
    status, err, trace, root = convert(os.path.join(DATA, "truncated.log"))
    if not check(status == 0, f"a truncated log still draws: exit {status} {err!r}"):
        return
    check("no result line" in err, f"no truncation warning: {err!r}")
    check("malformed trace line" in err, f"the cut line is not reported: {err!r}")
    check(trace["otherData"]["truncated"] is True, "otherData.truncated")
    check(any("no result line" in t for t in svg_texts(root)), "SVG title does not say truncated")


def expect_error(args, status, message, stdin=None):
    got, out, err = run(*args, stdin=stdin)
    check(got == status, f"{args}: exit {got}, want {status}")
    check(message in err, f"{args}: stderr {err!r} lacks {message!r}")


def case_unusable():
    js, svg = os.path.join(OUT, "bad.json"), os.path.join(OUT, "bad.svg")
    for f in (js, svg):
        if os.path.exists(f):
            os.remove(f)
    expect_error([os.path.join(DATA, "garbage.log"), "--json", js, "--svg", svg], 1,
                 "no smpboot contract lines")
    check(not os.path.exists(js) and not os.path.exists(svg), "outputs written for garbage")
    _, _, err = run(os.path.join(DATA, "garbage.log"))
    check(err.count("malformed") == 4, f"garbage: malformed lines reported: {err!r}")
    expect_error([os.path.join(DATA, "no-trace.log")], 1, "no usable 'smpboot: trace' lines")
    expect_error(["-"], 1, "no smpboot contract lines", stdin="")
    expect_error([os.path.join(DATA, "does-not-exist.log")], 2, "cannot open")
    expect_error([], 2, "no input file")
    expect_error([os.path.join(DATA, "valid-parallel.log"), "--frobnicate"], 2, "unknown option")
    expect_error([os.path.join(DATA, "valid-parallel.log"), "--json"], 2, "needs a file name")
    expect_error([os.path.join(DATA, "valid-parallel.log"), "--svg", "/nonexistent-dir/x.svg"], 1,
                 "cannot write")


def case_two_runs():
    status, err, trace, _ = convert(os.path.join(DATA, "two-runs.log"))
    if not check(status == 0, f"exit {status} {err!r}"):
        return
    check(sorted(thread_names(trace)) == [0, 1], f"lanes {thread_names(trace)}")
    check(trace["otherData"]["bringup_us"] == 3 and trace["otherData"]["mode"] == "seq",
          f"otherData {trace['otherData']}")


def case_qemu_logs():
    """Logs captured from the example kernels (scripts/run-example)."""
    for name in ("qemu-x86_64-smp16", "qemu-arm64-virt-smp8"):
        log = os.path.join(DATA, name + ".log")
        n = int(name.rsplit("smp", 1)[1])
        status, err, trace, root = convert(log)
        if not check(status == 0 and err == "", f"{name}: exit {status} {err!r}"):
            continue
        check_well_formed(trace)
        check(sorted(thread_names(trace)) == list(range(n)), f"{name}: lanes")
        for cpu in range(1, n):
            names = [e["name"] for e in slices(trace, cpu)]
            check("bp:bringup" in names and names[-1] == "online", f"{name}: cpu {cpu} slices {names}")
            check(sum(1 for e in instants(trace, cpu) if e["name"] == "callin") == 1, f"{name}: cpu {cpu} callin")
        check(len(svg_lane_labels(root)) == n, f"{name}: SVG lanes")
        check(trace["otherData"]["online"] == n, f"{name}: online")


CASES = {k[5:]: v for k, v in globals().items() if k.startswith("case_")}
selected = sys.argv[4:] or list(CASES)
os.makedirs(OUT, exist_ok=True)
for current in selected:
    CASES[current]()
for f in failures:
    print("FAIL:", f)
print(f"{len(selected)} cases, {len(failures)} failures")
sys.exit(1 if failures else 0)
