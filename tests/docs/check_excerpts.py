#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check_excerpts.py ROOT DOC: every ```c block of DOC whose first line is
"/* from PATH */" must appear, from its second line on, verbatim in ROOT/PATH,
so the guide shows code the builds compile. Exits 1 naming each one it misses."""
import re
import sys


def main():
    root, doc = sys.argv[1], sys.argv[2]
    blocks = re.findall(r"^```c\n/\* from (\S+) \*/\n(.*?)^```$", open(doc, encoding="utf-8").read(), re.M | re.S)
    if not blocks:
        sys.exit(f"{doc}: no excerpts")
    status = 0
    for path, text in blocks:
        if text in open(f"{root}/{path}", encoding="utf-8").read():
            print(f"ok: {path}: {text.splitlines()[0].strip()}")
        else:
            print(f"FAIL: {doc}: excerpt not in {path}:\n{text}")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
