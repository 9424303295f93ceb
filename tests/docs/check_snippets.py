#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check_snippets.py README SNIPPET...: each snippet file, from its first
#include on, must appear in README as one ```cpp block, so the README shows
the code the cross builds compile. Exits 1 naming each snippet it misses."""
import re
import sys


def body(path):
    lines = open(path, encoding="utf-8").read().splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith("#include"):
            return "".join(lines[i:])
    sys.exit(f"{path}: no #include line")


def main():
    readme, snippets = sys.argv[1], sys.argv[2:]
    if not snippets:
        sys.exit("no snippet files given")
    blocks = re.findall(r"^```cpp\n(.*?)^```$", open(readme, encoding="utf-8").read(), re.M | re.S)
    status = 0
    for path in snippets:
        if body(path) in blocks:
            print(f"ok: {path}")
        else:
            print(f"FAIL: {readme} has no ```cpp block equal to {path} (from its first #include)")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
