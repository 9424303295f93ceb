# SPDX-License-Identifier: MIT
"""What the smpboot-inspect case scripts share: running the tool, collecting
failures (a script reports them all, not just the first), and the verdict."""
import json
import shutil
import subprocess
import sys


def make_dir(work, name, files):
    """A fresh directory work/name holding `files` ({file name: bytes}), as
    acpidump -b leaves one."""
    d = work / name
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    for fname, data in files.items():
        (d / fname).write_bytes(data)
    return d


class Checks:
    def __init__(self, inspect):
        self.inspect = inspect
        self.failures = []

    def check(self, cond, what):
        if not cond:
            self.failures.append(what)

    def run(self, *args, expect_rc=0):
        r = subprocess.run([self.inspect, *map(str, args)], capture_output=True, text=True)
        self.check(r.returncode == expect_rc,
                   f"{args}: exit {r.returncode}, expected {expect_rc}\n{r.stdout}{r.stderr}")
        return r

    def json(self, *args, expect_rc=0, fallback=None):
        """The tool's --json output; `fallback` (a failure is recorded) if it is not JSON."""
        r = self.run("--json", *args, expect_rc=expect_rc)
        try:
            return json.loads(r.stdout)
        except json.JSONDecodeError as e:
            self.failures.append(f"{args}: not JSON ({e}): {r.stdout!r}")
            return fallback

    def finish(self, label):
        for f in self.failures:
            print("FAIL", f)
        print(f"{label}: {len(self.failures)} failures")
        sys.exit(1 if self.failures else 0)
