#!/usr/bin/env python3
"""Driver of bench/compare: runs each workload in TensorStore (bench/ts_workloads.py) and in
Tessera (io.tessera.jmh.compare.CompareMain), in rounds A B, B A, A B, ..., one fresh process per side
and round, then prints and saves the table (Markdown) and a PNG chart of the ratios.

Called by bench/compare, which provides the interpreter (with tensorstore and numpy), the JDK
and the built benchmarks.jar; see bench/README.md.
"""
import argparse
import datetime
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WORKLOADS = ["memory_raw", "file_raw", "file_blosc", "file_zstd", "cached_reads", "single_writes", "transactions", "scale"]
JVM_FLAGS = ["--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx6g", "-Xms6g",
             # Both sides make the same number of untimed passes (the Python side reads the variable).
             "-Dtessera.bench.warmups=" + os.environ.get("TESSERA_BENCH_WARMUPS", "3"),
             "-Dtessera.bench.warmSingles=" + os.environ.get("TESSERA_BENCH_WARM_SINGLES", "1000"),
             # Extra JVM options for the Tessera side(s), e.g. a switch to compare: "-Dtessera.file.syncfs=false".
             *os.environ.get("TESSERA_BENCH_JAVA_OPTS", "").split()]


# Display names of side A ("tensorstore" in the data) and side B; --baseline blocking makes side A
# Tessera on the blocking file driver, to compare the io_uring driver with its fallback.
NAMES = {"tensorstore": "TensorStore", "tessera": "Tessera"}
BASELINE = "tensorstore"


class Row:
    """One line of the table: a measurement both sides report under the same name."""

    def __init__(self, workload, metric, label, unit, target=None):
        self.workload, self.metric, self.label, self.unit, self.target = workload, metric, label, unit, target
        self.lower_is_better = unit in ("ms", "MiB")
        self.values = {"tensorstore": [], "tessera": []}  # one entry per round: float, or str (error)


def plan(quick):
    """The rows each workload produces; both sides compute the same sizes from --quick."""
    size = "64 MiB" if quick else "256 MiB"
    n_txn = 2000 if quick else 10000
    serial = 100 if quick else 300
    rows = [
        Row("memory_raw", "write", f"1. memory, raw, {size}: write", "MiB/s", 2.0),
        Row("memory_raw", "read", f"1. memory, raw, {size}: read", "MiB/s", 2.0),
    ]
    for w, name, target in (("file_raw", "raw", 1.5), ("file_blosc", "blosc lz4 shuffle", 1.2), ("file_zstd", "zstd 1", 1.2)):
        rows.append(Row(w, "write", f"2. file+fsync, {name}, {size}: write", "MiB/s", target))
        rows.append(Row(w, "read", f"2. file+fsync, {name}, {size}: read", "MiB/s", target))
    rows.append(Row("cached_reads", "reread", f"2. zstd 1, {size}: re-read through a cache_pool (revalidated)", "MiB/s"))
    rows += [
        Row("single_writes", "serial_median", f"3. single-element durable write, serial, median of {serial}", "ms"),
        Row("single_writes", "serial_p99", f"3. single-element durable write, serial, p99 of {serial}", "ms"),
        Row("single_writes", "inflight", "3. single-element durable writes, 200 in flight", "writes/s", 3.0),
        Row("transactions", "staged", f"4. txn: staged single-element writes (memory), {n_txn}", "writes/s"),
        Row("transactions", "commit", f"4. txn: commit of {n_txn} scattered writes over 100 chunks (file), median of 5", "ms"),
    ]
    sizes = [64, 512] if quick else [64, 512, 2048]
    conc = 64 if quick else 512
    for s in sizes:
        rows.append(Row("scale", f"write_{s}MiB", f"5. scale: file+fsync raw write, {fmt_size(s)}", "MiB/s", 1.5))
    for limit in (1, 2):
        rows.append(Row("scale", f"write_{conc}MiB_copy{limit}",
                        f"5. scale: write {fmt_size(conc)}, data_copy_concurrency {limit}", "MiB/s", 1.5))
    rows.append(Row("scale", "peak_rss", "5. scale: peak RSS of the process", "MiB"))
    return rows


def command_line(args):
    """The command as run, with the environment variables that change what is measured."""
    env = [f"{k}={shlex.quote(os.environ[k])}" for k in ("TESSERA_BENCH_WARMUPS", "TESSERA_BENCH_WARM_SINGLES", "TESSERA_BENCH_JAVA_OPTS")
           if os.environ.get(k)]
    return " ".join(env + [args.command])


def fmt_size(mib):
    return f"{mib // 1024} GiB" if mib >= 1024 else f"{mib} MiB"


# Workloads whose files stay until the end of the run (see bench/README.md: ext4 without a
# journal scans every recently deleted inode on each create), all that write files.
KEPT_WORKLOADS = {"file_raw", "file_blosc", "file_zstd", "cached_reads", "single_writes", "transactions", "scale"}


def run_side(side, workload, args, scratch_base, kept):
    """Runs one side once; returns ({metric: float or error str}, failure description or None).
    The scratch directory goes at once, or is appended to kept for the end of the run."""
    scratch = tempfile.mkdtemp(prefix=f"{side}-{workload}-", dir=scratch_base)
    keep = workload in KEPT_WORKLOADS and not args.delete_each
    if side == "tensorstore" and BASELINE == "tensorstore":
        cmd = [args.python, os.path.join(HERE, "ts_workloads.py"), workload]
    else:
        driver = ["-Dtessera.io_uring=" + ("false" if side == "tensorstore" else "true")] if BASELINE == "blocking" else []
        cmd = [args.java, *JVM_FLAGS, *driver, "-cp", args.jar, "io.tessera.jmh.compare.CompareMain", workload]
    cmd += ["--dir", scratch] + (["--quick"] if args.quick else []) + (["--keep"] if keep else [])
    out, failure = {}, None
    try:
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=args.timeout)
        stdout, stderr, rc = p.stdout, p.stderr, p.returncode
    except subprocess.TimeoutExpired as e:
        stdout = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        stderr, rc = "", None
        failure = f"timed out after {args.timeout} s"
    finally:
        if keep:
            kept.append(scratch)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    for line in stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            m = json.loads(line)
        except ValueError:
            continue
        if m.get("workload") != workload or "metric" not in m:
            continue
        out[m["metric"]] = m["value"] if "value" in m else str(m.get("error", "unknown error")).replace(scratch, "SCRATCH")
    if failure is None and rc != 0:
        last = [l for l in stderr.strip().splitlines() if l.strip()]
        failure = f"exit code {rc}" + (f": {last[-1].strip()}" if last else "")
    return out, failure


def median_or_none(values):
    nums = [v for v in values if isinstance(v, (int, float))]
    return statistics.median(nums) if nums else None


def first_error(values):
    return next((v for v in values if isinstance(v, str)), None)


def speedup(row, ts, te):
    """How many times better Tessera is: a throughput ratio, or the inverse ratio of latencies and sizes."""
    if ts is None or te is None or ts <= 0 or te <= 0:
        return None
    return ts / te if row.lower_is_better else te / ts


def row_ratio(row):
    """Median over rounds of the per-round ratio (each round's A and B ran back to back)."""
    pairs = [speedup(row, a, b) for a, b in zip(row.values["tensorstore"], row.values["tessera"])
             if isinstance(a, (int, float)) and isinstance(b, (int, float))]
    pairs = [p for p in pairs if p is not None]
    return statistics.median(pairs) if pairs else None


def fmt_value(v, unit):
    if unit in ("ms",):
        return f"{v:.2f}" if v < 100 else f"{v:.0f}"
    return f"{v:.0f}" if v >= 100 else f"{v:.1f}"


def cell(row, side, rounds):
    vals = row.values[side]
    m = median_or_none(vals)
    if m is None:
        err = first_error(vals) or "not measured"
        if len(err) > 90:
            err = err[:87] + "..."
        return f"n/a (error: {err})"
    ok = sum(isinstance(v, (int, float)) for v in vals)
    return fmt_value(m, row.unit) + ("" if ok == rounds else f" ({ok}/{rounds} rounds)")


def verdict(row, ratio):
    if row.target is None or BASELINE != "tensorstore":
        return "—"
    if ratio is None:
        return "n/a"
    return "PASS" if ratio >= row.target else "MISS"


def md_escape(s):
    return s.replace("|", "\\|")


def table(rows, rounds):
    a, b = NAMES["tensorstore"], NAMES["tessera"]
    lines = [f"| measurement | unit | {a} | {b} | ratio (>1: {b} better) | target | result |",
             "|---|---|---:|---:|---:|---:|---|"]
    for r in rows:
        ratio = row_ratio(r)
        lines.append("| " + " | ".join(md_escape(c) for c in [
            r.label, r.unit, cell(r, "tensorstore", rounds), cell(r, "tessera", rounds),
            "n/a" if ratio is None else f"{ratio:.2f}x",
            "—" if r.target is None or BASELINE != "tensorstore" else f">= {r.target:g}x",
            verdict(r, ratio)]) + " |")
    return "\n".join(lines)


def raw_table(rows):
    lines = ["| measurement | side | per round |", "|---|---|---|"]
    for r in rows:
        for side in ("tensorstore", "tessera"):
            vals = ", ".join(fmt_value(v, r.unit) if isinstance(v, (int, float)) else "error" for v in r.values[side])
            lines.append(f"| {md_escape(r.label)} | {NAMES[side]} | {vals} |")
    return "\n".join(lines)


def chart_rows(rows):
    out = []
    for r in rows:
        ratio = row_ratio(r)
        out.append((r.label, ratio, r.target if BASELINE == "tensorstore" else None, verdict(r, ratio)))
    return out


def draw_matplotlib(path, rows, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker
    data = chart_rows(rows)
    fig, ax = plt.subplots(figsize=(11, 0.42 * len(data) + 1.6))
    ys = list(range(len(data)))[::-1]
    finite = [d[1] for d in data if d[1] is not None] + [d[2] for d in data if d[2] is not None] + [1.0]
    lo, hi = min(finite) / 1.6, max(finite) * 1.6
    colors = {"PASS": "#2e8b57", "MISS": "#c0392b", "—": "#7f8c8d", "n/a": "#bbbbbb"}
    for y, (label, ratio, target, v) in zip(ys, data):
        if ratio is None:
            ax.text(lo * 1.05, y, "n/a", va="center", fontsize=8, color="#555555")
        else:
            ax.barh(y, ratio, left=0, color=colors[v], height=0.62)
            ax.text(ratio * 1.04, y, f"{ratio:.2f}x", va="center", fontsize=8)
        if target is not None:
            ax.plot([target, target], [y - 0.4, y + 0.4], color="black", linewidth=2)
    ax.axvline(1.0, color="#333333", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    ticks = [t for t in (0.1, 0.25, 0.5, 1, 1.2, 1.5, 2, 3, 5, 10, 20) if lo <= t <= hi]
    ax.xaxis.set_major_locator(matplotlib.ticker.FixedLocator(ticks))
    ax.xaxis.set_major_formatter(matplotlib.ticker.FixedFormatter([f"{t:g}x" for t in ticks]))
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.set_ylim(-0.7, len(data) - 0.3)
    ax.set_yticks(ys)
    ax.set_yticklabels([d[0] for d in data], fontsize=8)
    ax.set_xlabel(f"{NAMES['tessera']} relative to {NAMES['tensorstore']}, >1: {NAMES['tessera']} better (log scale; dashed: parity, black tick: target)")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def draw_java(path, rows, title, args):
    lines = [title]
    for label, ratio, target, v in chart_rows(rows):
        lines.append("\t".join([label, "" if ratio is None else repr(ratio), "" if target is None else repr(target), v]))
    subprocess.run([args.java, "-Djava.awt.headless=true", "-cp", args.jar, "io.tessera.jmh.compare.CompareChart", path],
                   input="\n".join(lines) + "\n", text=True, check=True)


def describe_env(args):
    env = []
    try:
        from importlib.metadata import version
        env.append(f"tensorstore {version('tensorstore')}, numpy {version('numpy')}")
    except Exception:  # noqa: BLE001
        pass
    try:
        jv = subprocess.run([args.java, "-version"], capture_output=True, text=True).stderr.splitlines()
        env.append(jv[0] if jv else "java ?")
    except OSError:
        pass
    env.append(f"{platform.node()}, {os.cpu_count()} cores, {platform.platform()}")
    try:
        env.append("git " + subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip())
    except OSError:
        pass
    return env


def loadavg():
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def main():
    ap = argparse.ArgumentParser(prog="bench/compare", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3, help="rounds of A B (default 3)")
    ap.add_argument("--quick", action="store_true", help="smaller arrays and fewer writes; skips the 2 GiB array")
    ap.add_argument("--only", help="comma-separated workloads to run: " + ",".join(WORKLOADS))
    ap.add_argument("--scratch", help="directory for the file-store arrays (default: bench/out/scratch)")
    ap.add_argument("--delete-each", action="store_true",
                    help="delete every pass's files right after it, as before 2026-11-24 11:50 (see bench/README.md)")
    ap.add_argument("--timeout", type=int, default=1800, help="seconds per process (default 1800)")
    ap.add_argument("--chart", choices=["auto", "matplotlib", "java"], default="auto",
                    help="how to draw the PNG (default: matplotlib if installed, else java.awt)")
    ap.add_argument("--baseline", choices=["tensorstore", "blocking"], default="tensorstore",
                    help="side A: TensorStore (default), or Tessera on its blocking file driver (io_uring vs fallback)")
    ap.add_argument("--python", default=sys.executable, help=argparse.SUPPRESS)
    ap.add_argument("--java", required=True, help=argparse.SUPPRESS)
    ap.add_argument("--jar", required=True, help=argparse.SUPPRESS)
    ap.add_argument("--command", default="bench/compare", help=argparse.SUPPRESS)
    args = ap.parse_args()
    global BASELINE
    BASELINE = args.baseline
    if BASELINE == "blocking":
        NAMES.update(tensorstore="Tessera, blocking driver", tessera="Tessera, io_uring")
    if args.rounds < 1:
        ap.error("--rounds must be at least 1")
    selected = WORKLOADS if not args.only else [w.strip() for w in args.only.split(",") if w.strip()]
    for w in selected:
        if w not in WORKLOADS:
            ap.error(f"unknown workload {w!r}; choose from {', '.join(WORKLOADS)}")

    outdir = os.path.join(HERE, "out")
    os.makedirs(outdir, exist_ok=True)
    scratch_base = args.scratch or os.path.join(outdir, "scratch")
    os.makedirs(scratch_base, exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H%M%SZ")
    rows = [r for r in plan(args.quick) if r.workload in selected]
    load_start = loadavg()
    started = time.time()
    kept = []

    for w in selected:
        wrows = [r for r in rows if r.workload == w]
        for rnd in range(args.rounds):
            # A B, then B A: storage need not serve both sides alike. This machine's disk, after
            # under a minute idle, takes about 1 GiB of durable 512 KiB writes at ~1,400 MiB/s and
            # then ~550-700 MiB/s; the side that ran first in every round would get the burst.
            for side in (("tensorstore", "tessera") if rnd % 2 == 0 else ("tessera", "tensorstore")):
                t0 = time.time()
                got, failure = run_side(side, w, args, scratch_base, kept)
                for r in wrows:
                    v = got.get(r.metric)
                    r.values[side].append(v if v is not None else (failure or "not reported"))
                summary = ", ".join(f"{r.metric} " + (fmt_value(r.values[side][-1], r.unit) + " " + r.unit
                                                       if isinstance(r.values[side][-1], (int, float)) else "error")
                                    for r in wrows)
                print(f"[{w} round {rnd + 1}/{args.rounds}] {NAMES[side]:26s} {time.time() - t0:6.1f}s  {summary}", file=sys.stderr, flush=True)

    elapsed = time.time() - started
    title = f"{NAMES['tessera']} vs {NAMES['tensorstore']}, {stamp}, {args.rounds} round(s){' (quick)' if args.quick else ''}"
    md = [f"# {title}", "",
          f"Command: `{command_line(args)}`  ",
          "Environment: " + "; ".join(describe_env(args)) + "  ",
          f"Load average at start / end: {load_start} / {loadavg()}; wall time {elapsed:.0f} s", "",
          f"Each cell is the median over rounds; each round ran a fresh {NAMES['tensorstore']} process and a fresh",
          f"{NAMES['tessera']} process, in turn first (A B, B A, ...), each doing {os.environ.get('TESSERA_BENCH_WARMUPS', '3')} warm-up passes (TESSERA_BENCH_WARMUPS) and then the timed pass, results verified",
          f"outside the timed region. *ratio* is the median over rounds of that round's {NAMES['tessera']}/{NAMES['tensorstore']}",
          f"throughput ratio ({NAMES['tensorstore']}/{NAMES['tessera']} for latencies in ms and sizes in MiB): above 1 means",
          f"{NAMES['tessera']} is faster (or smaller).", "",
          table(rows, args.rounds), "",
          "## Per round", "", raw_table(rows), ""]
    name = "compare" if BASELINE == "tensorstore" else "drivers"
    md_path = os.path.join(outdir, f"{name}-{stamp}.md")
    png_path = os.path.join(outdir, f"{name}-{stamp}.png")
    try:
        if args.chart == "java":
            raise ImportError("java chart requested")
        draw_matplotlib(png_path, rows, title)
    except ImportError:
        if args.chart == "matplotlib":
            raise
        try:
            draw_java(png_path, rows, title, args)
        except (OSError, subprocess.CalledProcessError) as e:
            print(f"compare: could not draw the chart: {e}", file=sys.stderr)
            png_path = None
    if png_path:
        md.insert(md.index("## Per round"), f"![ratios]({os.path.basename(png_path)})\n")
    with open(md_path, "w") as f:
        f.write("\n".join(md))
    print()
    print(table(rows, args.rounds))
    print()
    print(f"wrote {os.path.relpath(md_path, ROOT)}" + (f" and {os.path.relpath(png_path, ROOT)}" if png_path else ""))
    for d in kept:
        shutil.rmtree(d, ignore_errors=True)
    if not args.scratch:
        shutil.rmtree(scratch_base, ignore_errors=True)


if __name__ == "__main__":
    main()
