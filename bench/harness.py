#!/usr/bin/env python3
"""appgov benchmark harness: appgov vs androguard, apk-info and apkInspector.

Started by `bench/run`, which prepares the venv first. Every measurement is a
fresh process (interpreter start included for the Python tools), best of N,
wall time from fork to reap and peak RSS from the kernel's rusage of the reaped
process tree. See bench/README.md for what each task means and why it is fair.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import hashlib
import json
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
PEERS = BENCH / "peers"
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
MB = 1024 * 1024

TASKS = {
    "A": "manifest + signing (package, version, SDKs, permissions, components, all signature blocks/certs)",
    "B": "A + all DEX class names + all DEX strings",
    "C": "full appgov analysis of the bank-sized synthetic APK(s), one core (taskset -c 0, --jobs 1)",
}
ALL_TOOLS = ["appgov", "apk-info", "apkInspector", "androguard"]
# Which tool can do which task; the others show "n/a".
CAPABLE = {
    "appgov": {"A", "B", "C"},
    "apk-info": {"A"},
    "apkInspector": {"A"},
    "androguard": {"A", "B"},
}
PEER_SCRIPT = {
    "apk-info": "apkinfo_peer.py",
    "apkInspector": "apkinspector_peer.py",
    "androguard": "androguard_peer.py",
}
SYNTHETIC = {"synthetic": 100, "synthetic300": 300}
# Which time the tables, ratios and targets use: "wall_s" (default) or "cpu_s"
# (user+sys; steadier on a busy shared machine, but only 10 ms resolution).
METRIC = "wall_s"
CPU_FLOOR_S = 0.005  # a CPU time under GNU time's 10 ms resolution counts as 5 ms


def metric(rec: dict) -> float:
    v = rec.get(METRIC) or 0.0
    return max(v, CPU_FLOOR_S) if METRIC == "cpu_s" else v


# --------------------------------------------------------------------------
# measuring one process


@dataclass
class Run:
    status: str  # ok | error | timeout | oom | missing
    wall: float
    rss_kb: int
    cpu: float
    exit_code: int | None
    stderr_tail: str = ""


GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
# Fallback launcher when GNU time is missing: a bare interpreter that forks the
# tool and reports its rusage (adds a ~8 MB RSS floor; GNU time adds ~1 MB).
FALLBACK_LAUNCHER = r"""
import os, sys
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, st, ru = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    if os.WIFSIGNALED(st):
        f.write("Command terminated by signal %d\n" % os.WTERMSIG(st))
    f.write("RUSAGE %d %.3f %.3f\n" % (ru.ru_maxrss, ru.ru_utime, ru.ru_stime))
sys.exit(os.waitstatus_to_exitcode(st) if not os.WIFSIGNALED(st) else 128 + os.WTERMSIG(st))
"""


def rss_method() -> str:
    if GNU_TIME:
        return "GNU time %M of the tool process (kernel rusage ru_maxrss)"
    return "rusage ru_maxrss via a bare Python fork launcher (~8 MB floor)"


def measure(cmd: list[str], stdout_path: Path, timeout: float, env: dict | None = None) -> Run:
    """Run cmd once in a fresh process; wall time here, peak RSS and CPU from rusage.

    The tool is started through a tiny launcher (GNU time) because the kernel
    carries the parent's peak RSS into a vfork()ed child's ru_maxrss: started
    straight from this Python process, every tool would show this harness's RSS
    as its floor.
    """
    stderr_path = stdout_path.with_suffix(".stderr")
    stats_path = stdout_path.with_suffix(".rusage")
    stats_path.unlink(missing_ok=True)
    if GNU_TIME:
        launcher = [GNU_TIME, "-o", str(stats_path), "-f", "RUSAGE %M %U %S"]
    else:
        launcher = [sys.executable, "-S", "-c", FALLBACK_LAUNCHER, str(stats_path)]
    with open(stdout_path, "wb") as so, open(stderr_path, "wb") as se:
        t0 = time.perf_counter()
        try:
            p = subprocess.Popen(
                launcher + cmd, stdin=subprocess.DEVNULL, stdout=so, stderr=se, start_new_session=True, env=env
            )
        except OSError as e:
            return Run("missing", 0.0, 0, 0.0, None, str(e))
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, _ = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
    rss_kb, cpu, signalled = 0, 0.0, None
    try:
        for line in stats_path.read_text().splitlines():
            if line.startswith("RUSAGE "):
                _, m, u, s_ = line.split()
                rss_kb, cpu = int(m), float(u) + float(s_)
            elif line.startswith("Command terminated by signal"):
                signalled = int(line.rsplit(" ", 1)[-1])
    except (OSError, ValueError):
        pass
    try:
        err = stderr_path.read_bytes()[-4000:].decode("utf-8", "replace")
    except OSError:
        err = ""
    code = p.returncode if signalled is None else -signalled
    if timed_out.is_set():
        st = "timeout"
    elif code == 0:
        st = "ok"
    elif code == 3 or "MemoryError" in err or "memory allocation of" in err or code == -signal.SIGKILL:
        # 3: peer driver caught MemoryError; Rust aborts on allocation failure;
        # a SIGKILL we did not send is almost always the kernel OOM killer.
        st = "oom"
    elif code == 127 and not stdout_path.stat().st_size:
        st = "missing"
    else:
        st = "error"
    return Run(st, wall, rss_kb, cpu, code, err.strip()[-600:])


def warm_page_cache(path: Path) -> None:
    with open(path, "rb") as f:
        while f.read(8 * MB):
            pass


# --------------------------------------------------------------------------
# appgov binary


@dataclass
class Appgov:
    path: Path | None
    version: str = ""
    has_only: bool = False
    has_jobs: bool = False
    has_format: bool = True
    has_quiet: bool = False
    notes: list[str] = field(default_factory=list)

    def cmd(self, task: str, file: Path, pinned: bool) -> list[str]:
        assert self.path is not None
        c = [str(self.path), "scan", str(file)]
        if self.has_format:
            c += ["--format", "json"]
        if self.has_quiet:
            c.append("--quiet")  # no progress bar or summary line on stderr
        # Same work as the peers: they read certificates but verify no digests.
        # Task C is appgov's full default scan (verification, code, native,
        # assets, endpoints).
        if task == "A" and self.has_only:
            c += ["--only", "signing", "--no-verify"]
        elif task == "B" and self.has_only:
            c += ["--only", "signing,code", "--no-verify"]
        if (pinned or task == "C") and self.has_jobs:
            c += ["--jobs", "1"]
        return c


def build_appgov(args) -> Appgov:
    target_dir = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")
    binary = Path(args.appgov) if args.appgov else target_dir / "release" / "appgov"
    if not args.appgov and not args.no_build:
        cargo = shutil.which("cargo")
        if cargo is None:
            print("!! cargo not found: using an existing appgov binary if there is one")
        else:
            print(f"-- building appgov: cargo build --release -p appgov-cli (target dir {target_dir})")
            t0 = time.perf_counter()
            r = subprocess.run([cargo, "build", "--release", "-p", "appgov-cli"], cwd=REPO)
            print(f"-- build finished in {time.perf_counter() - t0:.1f} s (exit {r.returncode})")
            if r.returncode != 0:
                print("!! appgov build FAILED: appgov columns will be empty")
                return Appgov(None, notes=["appgov build failed"])
    if not binary.is_file():
        print(f"!! appgov binary not found at {binary}: appgov columns will be empty")
        print("   (build it with `cargo build --release -p appgov-cli` or pass --appgov PATH)")
        return Appgov(None, notes=[f"appgov binary missing at {binary}"])
    ag = Appgov(binary)
    try:
        v = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30)
        ag.version = (v.stdout or v.stderr).strip().splitlines()[0] if (v.stdout or v.stderr).strip() else ""
        h = subprocess.run([str(binary), "scan", "--help"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        print(f"!! appgov at {binary} does not run: {e}")
        return Appgov(None, notes=[f"appgov does not run: {e}"])
    help_text = h.stdout + h.stderr
    if h.returncode != 0 or "scan" not in help_text.lower() and "usage" not in help_text.lower():
        print(f"!! `appgov scan --help` failed (exit {h.returncode}); the scan command may not exist yet")
        print("   " + help_text.strip()[:400].replace("\n", "\n   "))
        return Appgov(None, notes=["`appgov scan` not available"])
    ag.has_only = "--only" in help_text
    ag.has_jobs = "--jobs" in help_text
    ag.has_format = "--format" in help_text
    ag.has_quiet = "--quiet" in help_text
    if not ag.has_only:
        ag.notes.append("`--only` not supported: task A runs the full `appgov scan` (more work than asked)")
    if not ag.has_jobs:
        ag.notes.append("`--jobs` not supported: appgov ran with its default thread count (still pinned by taskset)")
    if not ag.has_format:
        ag.notes.append("`--format` not supported: default output used")
    for n in ag.notes:
        print(f"   note: {n}")
    return ag


# --------------------------------------------------------------------------
# inputs


def synthetic_path(size_mb: int) -> Path:
    return OUT / "synthetic" / f"synthetic-{size_mb}mb.apk"


def ensure_synthetic(size_mb: int, corpus: Path) -> Path | None:
    """Generate (or reuse) the signed synthetic APK of size_mb MiB."""
    out = synthetic_path(size_mb)
    gen = BENCH / "make_synthetic.py"
    stamp_key = hashlib.sha256(gen.read_bytes() + str(size_mb).encode() + str(corpus.resolve()).encode()).hexdigest()
    stamp = out.with_suffix(".stamp.json")
    if out.is_file() and stamp.is_file():
        try:
            if json.loads(stamp.read_text()).get("key") == stamp_key:
                return out
        except (OSError, ValueError):
            pass
    print(f"-- generating {out.relative_to(BENCH)} ({size_mb} MiB, signed v1+v2+v3)")
    t0 = time.perf_counter()
    sign = shutil.which("apksigner") is not None and shutil.which("keytool") is not None
    cmd = [
        sys.executable,
        str(gen),
        "--corpus",
        str(corpus),
        "--out",
        str(out),
        "--size-mb",
        str(size_mb),
        "--keys-dir",
        str(OUT / "keys"),
    ]
    if sign:
        cmd.append("--sign")
    else:
        print("!! apksigner/keytool missing: the synthetic APK stays unsigned")
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        print(f"!! generator failed:\n{r.stderr[-2000:]}")
        return None
    info = json.loads(r.stdout)
    info["key"] = stamp_key
    stamp.write_text(json.dumps(info, indent=1))
    print(
        f"   {info['bytes'] / 1e6:.1f} MB, {info['dex']} dex, {info['so']} .so, {info['entries']} entries, "
        f"signed={info['signed']} in {time.perf_counter() - t0:.1f} s"
    )
    return out


def select_files(spec: str, corpus: Path, big: bool) -> list[Path]:
    files: list[Path] = []
    items = [s for s in spec.replace(",", " ").split() if s] if spec else ["corpus", "synthetic"]
    if big and "synthetic300" not in items:
        items.append("synthetic300")
    for item in items:
        if item == "corpus":
            files += sorted((corpus / "apk").glob("*.apk"))
        elif item in SYNTHETIC:
            p = ensure_synthetic(SYNTHETIC[item], corpus)
            if p:
                files.append(p)
        else:
            matches = sorted(glob.glob(item)) or sorted(glob.glob(str(corpus / "apk" / f"*{item}*")))
            if not matches:
                print(f"!! --files: nothing matches {item!r}")
            files += [Path(m) for m in matches if Path(m).is_file()]
    seen: set[Path] = set()
    unique = []
    for f in files:
        r = f.resolve()
        if r not in seen:
            seen.add(r)
            unique.append(f)
    return unique


# --------------------------------------------------------------------------
# reading facts back (defensive: appgov's JSON shape is still moving)


def norm_key(k: str) -> str:
    return k.replace("_", "").replace("-", "").lower()


def find_first(obj, names: list[str], depth: int = 0):
    """Breadth-first search for the first key (normalised) in names."""
    wanted = {norm_key(n) for n in names}
    frontier = [obj]
    for _ in range(8):
        nxt = []
        for o in frontier:
            if isinstance(o, dict):
                for k, v in o.items():
                    if isinstance(k, str) and norm_key(k) in wanted:
                        return v
                nxt.extend(v for v in o.values() if isinstance(v, (dict, list)))
            elif isinstance(o, list):
                nxt.extend(v for v in o[:200] if isinstance(v, (dict, list)))
        frontier = nxt
        if not frontier:
            break
    return None


def as_count(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, list):
        return len(v)
    if isinstance(v, dict):
        for k in ("count", "total", "len", "n"):
            if isinstance(v.get(k), int):
                return v[k]
    return None


def appgov_facts(data) -> dict:
    f: dict = {}
    pkg = find_first(data, ["package", "package_name", "packageName"])
    if isinstance(pkg, dict):
        pkg = find_first(pkg, ["name", "package"])
    f["package"] = pkg if isinstance(pkg, str) else None
    vc = find_first(data, ["version_code", "versionCode"])
    f["version_code"] = str(vc) if vc is not None else None
    for key, names in (
        ("permissions", ["permissions", "uses_permissions", "requested_permissions"]),
        ("activities", ["activities"]),
        ("services", ["services"]),
        ("receivers", ["receivers"]),
        ("providers", ["providers"]),
        ("certs", ["certificates", "certs"]),
    ):
        f[key] = as_count(find_first(data, names))
    comps = find_first(data, ["components"])
    if isinstance(comps, list) and comps and all(isinstance(c, dict) for c in comps):
        # One list with a kind per component wins over same-named keys found
        # elsewhere (e.g. <queries><provider>); aliases are not activities.
        kinds = [str(c.get("kind") or c.get("type") or "").lower() for c in comps]
        for key, kind in (
            ("activities", "activity"),
            ("services", "service"),
            ("receivers", "receiver"),
            ("providers", "provider"),
        ):
            f[key] = sum(1 for k in kinds if k == kind)
    dex = find_first(data, ["dex"])
    files = dex.get("files") if isinstance(dex, dict) else None
    if isinstance(files, list) and files and all(isinstance(d, dict) and "path" in d for d in files):
        # Per-file list: count the APK's own classes*.dex like the peers do, and
        # keep the total with nested packages (assets/x.apk!/classes.dex) apart.
        top = [d for d in files if "!" not in str(d["path"]) and "/" not in str(d["path"])]
        cs = [as_count(d.get("classes")) for d in top]
        ss = [as_count(d.get("strings")) for d in top]
        if top and None not in cs and None not in ss:
            f["dex_files"] = len(top)
            f["classes"] = sum(cs)
            f["strings"] = sum(ss)
            f["classes_incl_nested"] = as_count(dex.get("classes"))
            f["strings_incl_nested"] = as_count(dex.get("strings"))
            return f
    classes = strings = None
    if isinstance(dex, list):
        cs = [as_count(find_first(d, ["classes", "class_count", "classes_count", "class_names"])) for d in dex]
        ss = [as_count(find_first(d, ["strings", "string_count", "strings_count"])) for d in dex]
        classes = sum(c for c in cs if c is not None) if any(c is not None for c in cs) else None
        strings = sum(s for s in ss if s is not None) if any(s is not None for s in ss) else None
    elif isinstance(dex, dict):
        classes = as_count(find_first(dex, ["classes", "class_count", "classes_count", "class_names"]))
        strings = as_count(find_first(dex, ["strings", "string_count", "strings_count"]))
    f["classes"] = classes
    f["strings"] = strings
    return f


def json_output(out_path: Path) -> dict | None:
    """The tool's stdout as one JSON object, or None."""
    try:
        d = json.loads(out_path.read_text("utf-8", "replace"))
    except (OSError, ValueError):
        return None
    return d if isinstance(d, dict) else None


def read_facts(tool: str, out_path: Path) -> dict:
    try:
        text = out_path.read_text("utf-8", "replace")
    except OSError:
        return {}
    if tool == "appgov":
        digest = {"digest": hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:16], "output_bytes": len(text)}
        try:
            return appgov_facts(json.loads(text)) | digest
        except ValueError:
            # maybe JSON lines; take the last parseable document
            for line in reversed(text.splitlines()):
                try:
                    return appgov_facts(json.loads(line)) | digest
                except ValueError:
                    continue
            return {"parse": "stdout is not JSON"} | digest
    for line in reversed(text.splitlines()):
        try:
            d = json.loads(line)
        except ValueError:
            continue
        return {k: v for k, v in d.items() if k not in ("tool", "task", "file")}
    return {}


# --------------------------------------------------------------------------
# running the matrix


def tool_cmd(tool: str, task: str, file: Path, ag: Appgov, pin: int | None) -> list[str] | None:
    if tool == "appgov":
        if ag.path is None:
            return None
        cmd = ag.cmd(task, file, pin is not None)
        if task == "C" and pin is None:
            pin = 0  # task C is defined on one core
    else:
        cmd = [sys.executable, str(PEERS / PEER_SCRIPT[tool]), task, str(file)]
    if pin is not None and shutil.which("taskset"):
        cmd = ["taskset", "-c", str(pin)] + cmd
    return cmd


def run_matrix(args, files, ag, tasks, tools) -> list[dict]:
    results = []
    pin = None if args.no_pin else args.pin
    scratch = OUT / "runs"
    scratch.mkdir(parents=True, exist_ok=True)
    # The peer drivers cap their own address space (see peers/common.py), so a
    # runaway peer ends as "oom" instead of dragging the shared machine down.
    peer_env = dict(os.environ)
    if args.mem_limit_mb:
        peer_env["BENCH_MEM_LIMIT_MB"] = str(args.mem_limit_mb)
    # Untimed warm-up per tool: byte-compiles the peers' .pyc, pages binaries in.
    smallest = min(files, key=lambda p: p.stat().st_size)
    for tool in tools:
        for task in ("A", "B"):
            if task in CAPABLE[tool] and task in tasks:
                cmd = tool_cmd(tool, task, smallest, ag, pin)
                if cmd:
                    measure(cmd, scratch / "warmup.out", args.timeout, peer_env)
    # Fixed cost of each Python peer (interpreter start + imports), for context.
    for tool in tools:
        if tool in PEER_SCRIPT:
            cmd = [sys.executable, str(PEERS / PEER_SCRIPT[tool]), "startup"]
            if pin is not None and shutil.which("taskset"):
                cmd = ["taskset", "-c", str(pin)] + cmd
            runs = [measure(cmd, scratch / "startup.out", args.timeout, peer_env) for _ in range(args.repeat)]
            ok = [r for r in runs if r.status == "ok"]
            if ok:
                results.append(
                    {
                        "task": "startup",
                        "tool": tool,
                        "file": "-",
                        "path": "-",
                        "bytes": 0,
                        "command": cmd,
                        "status": "ok",
                        "wall_s": round(min(r.wall for r in ok), 4),
                        "peak_rss_mb": round(max(r.rss_kb for r in ok) / 1024, 1),
                        "cpu_s": round(min(r.cpu for r in ok), 4),
                    }
                )
    for task in tasks:
        task_files = files
        if task == "C":
            task_files = [f for f in files if f.stat().st_size >= 50 * 1000 * 1000]
            if not task_files:
                print("-- task C skipped: no selected file is >= 50 MB (select `synthetic`)")
                continue
        print(f"\n-- task {task}: {TASKS[task]}")
        for file in task_files:
            warm_page_cache(file)
            for tool in tools:
                if task not in CAPABLE[tool]:
                    continue
                cmd = tool_cmd(tool, task, file, ag, pin)
                rec = {
                    "task": task,
                    "tool": tool,
                    "file": file.name,
                    "path": str(file),
                    "bytes": file.stat().st_size,
                    "command": cmd,
                    "runs": [],
                }
                if cmd is None:
                    rec["status"] = "missing"
                    results.append(rec)
                    continue
                out_path = scratch / f"{task}-{tool}-{file.name}.out"
                facts = {}
                for _ in range(args.repeat):
                    r = measure(cmd, out_path, args.timeout, peer_env if tool != "appgov" else None)
                    if tool == "appgov" and r.status == "error":
                        # A scanner may exit non-zero to flag findings; a JSON report
                        # without a top-level `error` means the analysis ran. With an
                        # `error` (appgov exits 1), the file was not analysed.
                        report = json_output(out_path)
                        if report is not None and not report.get("error"):
                            rec["nonzero_exit_with_report"] = r.exit_code
                            r.status = "ok"
                        elif report is not None:
                            r.stderr_tail = f"report error: {str(report.get('error'))[:300]}\n{r.stderr_tail}"
                    rec["runs"].append(
                        {
                            "status": r.status,
                            "wall_s": round(r.wall, 4),
                            "rss_kb": r.rss_kb,
                            "cpu_s": round(r.cpu, 4),
                            "exit": r.exit_code,
                        }
                    )
                    if r.status == "ok" and not facts:
                        facts = read_facts(tool, out_path)
                    if r.status != "ok":
                        rec["stderr_tail"] = r.stderr_tail
                        if tool != "appgov" or r.status in ("timeout", "oom"):
                            facts = facts or read_facts(tool, out_path)
                        break  # a failure repeats; do not spend N timeouts on it
                ok = [x for x in rec["runs"] if x["status"] == "ok"]
                if ok:
                    best = min(ok, key=lambda x: (x[METRIC], x["wall_s"]))
                    rec.update(
                        status="ok",
                        wall_s=best["wall_s"],
                        cpu_s=best["cpu_s"],
                        peak_rss_mb=round(max(x["rss_kb"] for x in ok) / 1024, 1),
                    )
                else:
                    last = rec["runs"][-1]
                    rec.update(
                        status=last["status"],
                        wall_s=last["wall_s"],
                        cpu_s=last["cpu_s"],
                        peak_rss_mb=round(last["rss_kb"] / 1024, 1),
                    )
                rec["facts"] = facts
                results.append(rec)
                print(f"   {file.name[:48]:48s} {tool:12s} {cell(rec):>20s}")
    return results


# --------------------------------------------------------------------------
# reporting


def cell(rec: dict | None) -> str:
    if rec is None:
        return "n/a"
    st = rec.get("status")
    if st == "ok":
        return f"{fmt_s(metric(rec))} {rec['peak_rss_mb']:.0f}MB"
    if st == "timeout":
        return f"timeout>{rec['wall_s']:.0f}s"
    if st == "oom":
        return f"OOM {rec.get('peak_rss_mb', 0):.0f}MB"
    if st == "missing":
        return "missing"
    return f"error({rec['runs'][-1]['exit'] if rec.get('runs') else '?'})"


def fmt_s(s: float) -> str:
    if s < 0.1:
        return f"{s * 1000:.1f}ms"
    return f"{s:.3f}s" if s < 10 else f"{s:.1f}s"


def fmt_size(n: int) -> str:
    return f"{n / 1e6:.1f}MB" if n >= 1e6 else f"{n / 1e3:.0f}KB"


def short(name: str) -> str:
    n = name.split("__", 1)[-1]
    return n if len(n) <= 44 else n[:41] + "..."


def ratio(peer: dict | None, ag: dict | None) -> float | None:
    """peer/appgov wall-time ratio; a peer timeout gives a lower bound."""
    if not peer or not ag or ag.get("status") != "ok" or metric(ag) <= 0:
        return None
    if peer.get("status") in ("ok", "timeout"):
        # a timeout's CPU time is unknown (killed): its wall time is the bound
        return (peer["wall_s"] if peer["status"] == "timeout" else metric(peer)) / metric(ag)
    return None


def geomean(xs: list[float]) -> float | None:
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def index(results):
    idx = {}
    for r in results:
        idx[(r["task"], r["tool"], r["path"])] = r
    return idx


def task_table(task: str, results, files, tools) -> tuple[list[str], list[list[str]]]:
    idx = index(results)
    tt = [t for t in tools if task in CAPABLE[t]]
    peers = [t for t in tt if t != "appgov"]
    header = ["file", "size"] + [f"{t} time / RSS" for t in tt] + [f"{p}/appgov" for p in peers]
    rows = []
    ratios = {p: [] for p in peers}
    tfiles = [f for f in files if any((task, t, str(f)) in idx for t in tt)]
    for f in tfiles:
        ag = idx.get((task, "appgov", str(f)))
        row = [short(f.name), fmt_size(f.stat().st_size)]
        row += [cell(idx.get((task, t, str(f)))) for t in tt]
        for p in peers:
            x = ratio(idx.get((task, p, str(f))), ag)
            if x is not None:
                ratios[p].append(x)
            lb = ">" if x is not None and idx[(task, p, str(f))]["status"] == "timeout" else ""
            row.append(f"{lb}{x:.1f}x" if x is not None else "-")
        rows.append(row)
    if peers and rows:
        row = ["geomean", ""] + [""] * len(tt)
        for p in peers:
            g = geomean(ratios[p])
            row.append(f"{g:.1f}x" if g else "-")
        rows.append(row)
    return header, rows


def c_table(task: str, results, files, tools) -> tuple[list[str], list[list[str]]]:
    """Task C: appgov alone; wall and CPU on one core, RSS against file size."""
    header = ["file", "size", "appgov wall", "CPU (user+sys)", "peak RSS", "RSS / file size"]
    rows = []
    for r in results:
        if r["task"] != "C":
            continue
        size = fmt_size(r["bytes"])
        if r.get("status") == "ok":
            rows.append(
                [
                    short(r["file"]),
                    size,
                    fmt_s(r["wall_s"]),
                    fmt_s(r["cpu_s"]),
                    f"{r['peak_rss_mb']:.0f}MB",
                    f"{r['peak_rss_mb'] * MB / r['bytes']:.2f}",
                ]
            )
        else:
            rows.append([short(r["file"]), size, cell(r), "-", "-", "-"])
    return header, rows


def print_table(title: str, header, rows) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)] if rows else [len(h) for h in header]
    print(f"\n== {title}")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))


def md_table(header, rows) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


CHECK_KEYS = [
    "package",
    "version_code",
    "permissions",
    "activities",
    "services",
    "receivers",
    "providers",
    "certs",
    "classes",
    "strings",
]


def parity(results, files) -> list[str]:
    """Cross-tool disagreements on the counts each tool printed (androguard is the reference)."""
    lines = []
    idx = index(results)
    for task in ("A", "B"):
        for f in files:
            recs = {t: idx.get((task, t, str(f))) for t in ALL_TOOLS}
            recs = {t: r for t, r in recs.items() if r and r.get("status") == "ok" and r.get("facts")}
            if len(recs) < 2:
                continue
            ref_tool = "androguard" if "androguard" in recs else next(iter(recs))
            ref = recs[ref_tool]["facts"]
            for t, r in recs.items():
                if t == ref_tool:
                    continue
                diffs = []
                for k in CHECK_KEYS:
                    a, b = ref.get(k), r["facts"].get(k)
                    if a is None or b is None or a == "n/a" or b == "n/a":
                        continue
                    if str(a) != str(b):
                        diffs.append(f"{k} {ref_tool}={a} {t}={b}")
                if diffs:
                    lines.append(f"task {task} {short(f.name)}: " + "; ".join(diffs))
    return lines


def counts_summary(results, task: str) -> list[str]:
    out = []
    for r in results:
        if r["task"] != task or r.get("status") != "ok":
            continue
        fa = r.get("facts") or {}
        bits = [
            f"{k}={fa[k]}"
            for k in ("package", "permissions", "activities", "certs", "classes", "strings")
            if fa.get(k) is not None
        ]
        out.append(f"{short(r['file'])[:36]:36s} {r['tool']:12s} digest={fa.get('digest', '-')} " + " ".join(bits))
    return out


def targets(results, files) -> list[dict]:
    idx = index(results)
    out = []

    def add(name, status, detail):
        out.append({"target": name, "status": status, "detail": detail})

    # 1. task B: appgov >= 20x faster than androguard on every file.
    rs = []
    for f in files:
        x = ratio(idx.get(("B", "androguard", str(f))), idx.get(("B", "appgov", str(f))))
        if x is not None:
            rs.append((x, f.name))
    name = "B: appgov >= 20x faster than androguard (every file)"
    if not rs:
        add(name, "SKIP", "no file with both appgov and androguard results")
    else:
        worst = min(rs)
        g = geomean([x for x, _ in rs])
        add(
            name,
            "PASS" if worst[0] >= 20 else "FAIL",
            f"min {worst[0]:.1f}x ({short(worst[1])}), geomean {g:.1f}x over {len(rs)} files",
        )
    # 2. task A: appgov no slower than apk-info on every file.
    rs = []
    for f in files:
        x = ratio(idx.get(("A", "apk-info", str(f))), idx.get(("A", "appgov", str(f))))
        if x is not None:
            rs.append((x, f.name))
    name = "A: appgov no slower than apk-info (every file)"
    if not rs:
        add(name, "SKIP", "no file with both appgov and apk-info results")
    else:
        worst = min(rs)
        slower = sum(1 for x, _ in rs if x < 1.0)
        add(
            name,
            "PASS" if slower == 0 else "FAIL",
            f"apk-info/appgov min {worst[0]:.2f}x ({short(worst[1])}), geomean {geomean([x for x, _ in rs]):.2f}x, "
            f"appgov slower on {slower}/{len(rs)} files",
        )
    # 3. task C: 100 MB synthetic in <= 1 s on one core, peak RSS below file size.
    kind = "wall" if METRIC == "wall_s" else "CPU"
    name = f"C: 100 MB APK fully analysed in <= 1 s ({kind}) on one core, peak RSS < file size"
    big = [f for f in files if f.name == synthetic_path(100).name]
    rec = idx.get(("C", "appgov", str(big[0]))) if big else None
    if rec is None:
        add(name, "SKIP", "synthetic-100mb.apk not selected or task C not run")
    elif rec.get("status") != "ok":
        add(name, "SKIP" if rec.get("status") == "missing" else "FAIL", f"appgov {cell(rec)}")
    else:
        size_mb = rec["bytes"] / MB
        ok = metric(rec) <= 1.0 and rec["peak_rss_mb"] < size_mb
        add(
            name,
            "PASS" if ok else "FAIL",
            f"{rec['wall_s']:.3f} s wall, {rec['cpu_s']:.3f} s CPU, peak RSS {rec['peak_rss_mb']:.0f} MiB "
            f"vs file {size_mb:.0f} MiB",
        )
    return out


def env_info(args, ag: Appgov) -> dict:
    def cpu_model():
        try:
            for line in Path("/proc/cpuinfo").read_text().splitlines():
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return platform.processor()

    versions = {}
    try:
        from importlib.metadata import version

        for pkg in ("androguard", "apkInspector", "apk-info"):
            try:
                versions[pkg] = version(pkg)
            except Exception:  # noqa: BLE001
                versions[pkg] = "not installed"
    except ImportError:
        pass
    try:
        rev = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        rev = ""
    return {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "host_cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "peer_versions": versions,
        "appgov": str(ag.path) if ag.path else None,
        "appgov_version": ag.version,
        "notes": list(ag.notes),
        "git_rev": rev,
        "repeat": args.repeat,
        "metric": METRIC,
        "pinned_cpu": None if args.no_pin else args.pin,
        "timeout_s": args.timeout,
        "peer_mem_limit_mb": args.mem_limit_mb,
        "loadavg_start": os.getloadavg(),
        "rss_method": rss_method(),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description="appgov vs peers benchmark (see bench/README.md)")
    ap.add_argument(
        "--files",
        default="",
        help="comma list: corpus, synthetic, synthetic300, paths, globs or corpus name parts "
        "(default: corpus,synthetic)",
    )
    ap.add_argument("--tools", default=",".join(ALL_TOOLS), help="comma list of " + ", ".join(ALL_TOOLS))
    ap.add_argument("--tasks", default="A,B,C", help="comma list of A, B, C")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement, best is kept (default 3)")
    ap.add_argument("--quick", action="store_true", help="one run per measurement")
    ap.add_argument("--big", action="store_true", help="also generate and run the ~300 MiB synthetic APK")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per run before it counts as timeout")
    ap.add_argument("--mem-limit-mb", type=int, default=12288, help="address-space cap for peers (0 = none)")
    ap.add_argument("--pin", type=int, default=0, help="CPU every tool is pinned to (default 0)")
    ap.add_argument("--no-pin", action="store_true", help="let tools use all CPUs (appgov default --jobs)")
    ap.add_argument(
        "--metric",
        choices=["wall", "cpu"],
        default="wall",
        help="time used in tables, ratios and targets: wall (default) or cpu (user+sys, for a busy machine)",
    )
    ap.add_argument("--appgov", help="appgov binary to use (skips the cargo build)")
    ap.add_argument("--no-build", action="store_true", help="do not run cargo build")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = ap.parse_args()
    if args.quick:
        args.repeat = 1
    global METRIC
    METRIC = "cpu_s" if args.metric == "cpu" else "wall_s"
    args.repeat = max(1, args.repeat)
    args.mem_limit_mb = args.mem_limit_mb or None
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    tasks = [t.strip().upper() for t in args.tasks.split(",") if t.strip()]
    bad = [t for t in tools if t not in ALL_TOOLS] + [t for t in tasks if t not in TASKS]
    if bad:
        ap.error(f"unknown tool/task: {', '.join(bad)}")
    if "C" in tasks and "appgov" not in tools:
        tasks.remove("C")  # C is appgov-only
    t_start = time.perf_counter()
    OUT.mkdir(parents=True, exist_ok=True)
    # Two harnesses at once would share out/ and skew each other's timings.
    import fcntl

    lock = open(OUT / ".lock", "w")  # noqa: SIM115 - held until exit
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        print("!! another bench/run is in progress (bench/out/.lock); wait for it to finish")
        return 2
    if not args.corpus.is_dir():
        print(f"!! corpus not found at {args.corpus} (pass --corpus)")
        return 2

    ag = build_appgov(args) if "appgov" in tools else Appgov(None, notes=["appgov not selected"])
    files = select_files(args.files, args.corpus, args.big)
    if not files:
        print("!! no input files selected")
        return 2
    print(
        f"-- {len(files)} files, tools {', '.join(tools)}, tasks {', '.join(tasks)}, best of {args.repeat}, "
        + ("unpinned" if args.no_pin else f"pinned to CPU {args.pin}")
    )
    meta = env_info(args, ag)
    load1 = meta["loadavg_start"][0]
    if load1 > (os.cpu_count() or 1) * 0.75:
        busy = (
            f"machine busy at start (load {load1:.1f} on {os.cpu_count()} CPUs): wall times are inflated; "
            "compare CPU times in results.json or re-run when idle"
        )
        print(f"!! {busy}")
        meta["notes"].append(busy)
    results = run_matrix(args, files, ag, tasks, tools)
    meta["loadavg_end"] = os.getloadavg()
    meta["harness_wall_s"] = round(time.perf_counter() - t_start, 1)

    md = [
        "# appgov benchmark results",
        "",
        f"{meta['date']} · {meta['host_cpu']} ({meta['cpus']} CPUs) · Linux {meta['kernel']} · "
        f"Python {meta['python']} · git {meta['git_rev']}",
        "",
        f"Peers: androguard {meta['peer_versions'].get('androguard')}, "
        f"apkInspector {meta['peer_versions'].get('apkInspector')}, "
        f"apk-info {meta['peer_versions'].get('apk-info')}. appgov: {meta['appgov_version'] or 'n/a'}.",
        "",
        f"Best of {args.repeat} fresh-process runs, warm page cache, "
        + ("all tools unpinned" if args.no_pin else f"every tool pinned to one CPU (taskset -c {args.pin})")
        + f", timeout {args.timeout:.0f} s. "
        + ("Times are wall-clock" if METRIC == "wall_s" else "Times are CPU (user+sys, 10 ms resolution)")
        + " and include process start; for the Python peers that "
        "includes interpreter start and imports. RSS = peak resident set of the process (kernel "
        "rusage). Ratio = peer time / appgov time (higher = appgov faster).",
        "",
    ]
    for n in meta["notes"]:
        md.append(f"- note: {n}")
    if meta["notes"]:
        md.append("")
    for task in tasks:
        header, rows = (c_table if task == "C" else task_table)(task, results, files, tools)
        if not rows:
            continue
        title = f"Task {task}: {TASKS[task]}"
        print_table(title, header, rows)
        md += [f"## {title}", "", md_table(header, rows), ""]
    st = [r for r in results if r["task"] == "startup"]
    if st:
        header = ["peer", "start + imports", "RSS"]
        rows = [[r["tool"], fmt_s(metric(r)), f"{r['peak_rss_mb']:.0f}MB"] for r in st]
        title = "Fixed cost of a Python peer (interpreter start + imports, included in its times above)"
        print_table(title, header, rows)
        md += [f"## {title}", "", md_table(header, rows), ""]
    for task in ("A", "B"):
        if task in tasks:
            lines = counts_summary(results, task)
            if lines:
                print(f"\n== counts printed by each tool, task {task} (proof of work)")
                for ln in lines:
                    print("   " + ln)
    par = parity(results, files)
    print("\n== cross-tool disagreements (reference: androguard)")
    for ln in par or ["none"]:
        print("   " + ln)
    tg = targets(results, files)
    print("\n== targets")
    md += ["## Targets", ""]
    for t in tg:
        line = f"{t['status']}: {t['target']} — {t['detail']}"
        print("   " + line)
        md.append(f"- **{t['status']}** {t['target']} — {t['detail']}")
    if par:
        md += ["", "## Cross-tool disagreements (reference: androguard)", ""] + [f"- {x}" for x in par]
    md += ["", f"Harness wall time: {meta['harness_wall_s']} s.", ""]
    (OUT / "results.json").write_text(json.dumps({"meta": meta, "targets": tg, "results": results}, indent=1))
    (OUT / "results.md").write_text("\n".join(md))
    print(f"\n-- wrote {OUT / 'results.json'} and {OUT / 'results.md'}")
    print(f"-- harness wall time {meta['harness_wall_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
