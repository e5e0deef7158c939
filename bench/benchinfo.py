"""Shared by bench/run-bench and bench/run-entry: the release build, how a run was made (machine,
load, compiler, commit) and system-call counts from strace -ff files."""
import collections
import datetime
import json
import os
import platform
import re
import shlex
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def run(cmd, **kw):
    log("+ " + " ".join(cmd))
    return subprocess.run(cmd, check=True, **kw)


def build(build_dir, targets):
    """Configures build_dir for release (tests off) and builds only `targets`."""
    options = ["-Dbuildtype=release", "-Dtests=false", "-Dbench=true"]
    if os.path.exists(os.path.join(build_dir, "build.ninja")):
        run(["meson", "configure", build_dir] + options, stdout=sys.stderr)
    else:
        run(["meson", "setup", build_dir, ROOT] + options, stdout=sys.stderr)
    run(["ninja", "-C", build_dir] + targets, stdout=sys.stderr)


def first_line(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.splitlines()[0].strip()
    except (OSError, subprocess.CalledProcessError, IndexError):
        return "?"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def context_lines(build_dir, bench_cmd):
    """Markdown list items: date, kernel, CPU and load, compiler and build type, commit, command."""
    rev = first_line(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    buildtype = "?"
    try:
        info = json.loads(subprocess.run(["meson", "introspect", "--buildoptions", build_dir],
                                         capture_output=True, text=True, check=True).stdout)
        buildtype = next(o["value"] for o in info if o["name"] == "buildtype")
    except (OSError, subprocess.CalledProcessError, StopIteration, ValueError):
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"- date: {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M:%S %Z')}",
        f"- kernel: {' '.join(platform.uname()[i] for i in (0, 2, 3))} ({platform.machine()})",
        f"- CPU: {cpu_model()}, {os.cpu_count()} logical CPUs ({len(os.sched_getaffinity(0))} usable), "
        f"load average before the run: {load}",
        f"- compiler: {first_line(['c++', '--version'])}; buildtype={buildtype}",
        f"- source: {rev}{' with uncommitted changes' if dirty else ''}",
        f"- command: `{shlex.join(bench_cmd)}`",
    ]


SYSCALL_LINE = re.compile(r"^(?:\[pid\s+\d+\]\s+)?([a-z_0-9]+)\(")


def count_syscalls(path, after=None):
    """System calls per name in one strace output file; with `after`, only those after the first
    call of that name."""
    counts = collections.Counter()
    counting = after is None
    with open(path, errors="replace") as f:
        for line in f:
            m = SYSCALL_LINE.match(line)
            if not m:
                continue
            if counting:
                counts[m.group(1)] += 1
            elif m.group(1) == after:
                counting = True
    return counts
