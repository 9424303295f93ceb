#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The documents show the code the builds compile.

check_snippets.py README SNIPPET...: each snippet file, from its first
#include on, must appear in README as one ```cpp block.
check_snippets.py --excerpts ROOT DOC: every ```c block of DOC whose first
line is "/* from PATH */" must appear, from its second line on, verbatim in
ROOT/PATH.
Exits 1 naming each one it misses."""
import re
import sys


def body(path):
    lines = open(path, encoding="utf-8").read().splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith("#include"):
            return "".join(lines[i:])
    sys.exit(f"{path}: no #include line")


def read(path):
    return open(path, encoding="utf-8").read()


def snippets(readme, paths):
    """(name, found) per snippet file."""
    if not paths:
        sys.exit("no snippet files given")
    blocks = re.findall(r"^```cpp\n(.*?)^```$", read(readme), re.M | re.S)
    return [(f"{readme} shows {p}", body(p) in blocks) for p in paths]


def excerpts(root, doc):
    """(name, found) per quoted block."""
    blocks = re.findall(r"^```c\n/\* from (\S+) \*/\n(.*?)^```$", read(doc), re.M | re.S)
    if not blocks:
        sys.exit(f"{doc}: no excerpts")
    return [(f"{doc} quotes {p}: {t.splitlines()[0].strip()}", t in read(f"{root}/{p}")) for p, t in blocks]


def main():
    args = sys.argv[1:]
    checks = excerpts(args[1], args[2]) if args[:1] == ["--excerpts"] else snippets(args[0], args[1:])
    for name, found in checks:
        print(("ok: " if found else "FAIL: ") + name)
    return 0 if all(found for _, found in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
