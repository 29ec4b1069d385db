#!/usr/bin/env python3
"""The TensorStore side of bench/compare.

Runs one workload with TensorStore's Python API, mirroring
io.tessera.jmh.compare.CompareMain (same data, sizes, specs and element positions), and prints
one JSON line per measurement on stdout:

    {"side": "tensorstore", "workload": "memory_raw", "metric": "write", "unit": "MiB/s", "value": 5123.4}

or "error" in place of "unit"/"value" when the measurement could not be made. Every measurement
follows an untimed warm-up pass of the same work, and every result is read back and compared
outside the timed region.

Usage: ts_workloads.py WORKLOAD [--quick] [--dir SCRATCH_DIR]
"""
import argparse
import collections
import json
import math
import os
import resource
import shutil
import sys
import tempfile
import time

import numpy as np
import tensorstore as ts

MIB = 1024.0 * 1024.0
BLOSC = {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1, "blocksize": 0}
ZSTD = {"id": "zstd", "level": 1}
SYNC = {"file_io_sync": True}
GRID, CHUNK = 64, 256

workload = None
pending = []


def plan(*metrics):
    pending.extend(m for m in metrics if m not in pending)


def emit(metric, unit, value):
    if metric in pending:
        pending.remove(metric)
    print(json.dumps({"side": "tensorstore", "workload": workload, "metric": metric, "unit": unit, "value": value}), flush=True)


def fail_one(metric, e):
    if metric not in pending:
        return
    pending.remove(metric)
    msg = f"{type(e).__name__}: {e}".replace("\n", " ")
    print(f"{metric}: {msg}", file=sys.stderr)
    print(json.dumps({"side": "tensorstore", "workload": workload, "metric": metric, "error": msg}), flush=True)


def fail_pending(e):
    for m in list(pending):
        fail_one(m, e)


def smooth(shape):
    """Smooth uint16 data, value (3x + 5y + 7z) // 4 truncated to 16 bits, as CompareMain makes."""
    a = np.empty(shape, dtype=np.uint16)
    yz = 5 * np.arange(shape[1], dtype=np.int64)[:, None] + 7 * np.arange(shape[2], dtype=np.int64)[None, :]
    for x in range(shape[0]):
        a[x] = ((3 * x + yz) // 4).astype(np.uint16)
    return a


def open_array(kvstore, metadata, context, shape):
    spec = {"driver": "zarr", "kvstore": kvstore, "metadata": metadata}
    return ts.open(spec, create=True, delete_existing=True, dtype=ts.uint16, shape=list(shape),
                   context=ts.Context(context)).result()


def file_kv(path):
    return {"driver": "file", "path": os.path.abspath(path) + "/"}


KEEP = False  # --keep: leave the files for the caller to delete (see bench/README.md)


def delete_tree(path):
    if not KEEP:
        shutil.rmtree(path, ignore_errors=True)


# ---- workloads 1 and 2 ------------------------------------------------------------------------

# Untimed passes before the timed one, as many as the Java side makes (TESSERA_BENCH_WARMUPS).
WARMUPS = int(os.environ.get("TESSERA_BENCH_WARMUPS", "3"))
COMMITS = 5  # timed transaction commits per process (workload 4), as CompareMain.COMMITS
# Untimed operations before the timed ones of workloads 3 and 4, as in CompareMain: each such
# operation takes about a millisecond, so a few passes would leave a JVM still compiling.
WARM_SINGLES = int(os.environ.get("TESSERA_BENCH_WARM_SINGLES", "1000"))  # serial writes, then as many with 200 in flight
WARM_COMMITS = 10


def read_verified(ds, src):
    """Reads all of ds, checks it equals src (outside the time) and drops it; the read's seconds."""
    t0 = time.perf_counter()
    back = ds.read().result()
    seconds = time.perf_counter() - t0
    if not np.array_equal(back, src):
        raise RuntimeError("verification failed: read-back differs from the written data")
    del back
    return seconds


def write_read(store, compressor, shape, scratch):
    plan("write", "read")
    src = smooth(shape)
    nbytes = src.nbytes
    for p in range(WARMUPS + 1):
        path = None if store is None else os.path.join(scratch, f"{store}-{p}")
        kv = {"driver": "memory"} if path is None else file_kv(path)
        ds = open_array(kv, {"chunks": [64, 64, 64], "compressor": compressor}, {} if path is None else SYNC, shape)
        t0 = time.perf_counter()
        ds.write(src).result()
        t1 = time.perf_counter()
        t2 = t1 + read_verified(ds, src)
        if path is not None:
            delete_tree(path)
        if p == WARMUPS:
            emit("write", "MiB/s", nbytes / MIB / (t1 - t0))
            emit("read", "MiB/s", nbytes / MIB / (t2 - t1))


def cached_reads(shape, scratch):
    """Re-reads through a 1 GiB cache pool (recheck_cached_data true) of an array written once, zstd 1; as CompareMain.cachedReads."""
    plan("reread")
    src = smooth(shape)
    path = os.path.join(scratch, "cached")
    ds = open_array(file_kv(path), {"chunks": [64, 64, 64], "compressor": ZSTD}, {**SYNC, "cache_pool": {"total_bytes_limit": 1 << 30}}, shape)
    ds.write(src).result()
    ds.read().result()
    for p in range(WARMUPS + 1):
        seconds = read_verified(ds, src)
        if p == WARMUPS:
            emit("reread", "MiB/s", src.nbytes / MIB / seconds)
    del ds
    delete_tree(path)


# ---- workload 3 ---------------------------------------------------------------------------------

def single_pos(k):
    return ((k // GRID) * CHUNK + (k * 37) % CHUNK, (k % GRID) * CHUNK + (k * 101) % CHUNK)


def value(k):
    return k % 65535 + 1


def serial_writes(ds, k, n, latencies=None):
    for _ in range(n):
        x, y = single_pos(k)
        t0 = time.perf_counter()
        ds[x, y].write(value(k)).result()
        if latencies is not None:
            latencies.append(time.perf_counter() - t0)
        k += 1
    return k


def inflight_writes(ds, k, n, window=200):
    q = collections.deque()
    for _ in range(n):
        if len(q) >= window:
            q.popleft().result()
        x, y = single_pos(k)
        q.append(ds[x, y].write(value(k)))
        k += 1
    for f in q:
        f.result()
    return k


def verify_singles(path, n):
    """Reads the first n single writes back through a freshly opened handle."""
    check = ts.open({"driver": "zarr", "kvstore": file_kv(path)}, open=True, context=ts.Context(SYNC)).result()
    reads = [check[single_pos(i)].read() for i in range(n)]
    for i, r in enumerate(reads):
        got = int(r.result())
        if got != value(i):
            raise RuntimeError(f"verification failed: single write {i} read back {got}, expected {value(i)}")


def percentile(sorted_values, p):
    idx = math.ceil(p / 100.0 * len(sorted_values)) - 1
    return sorted_values[max(0, min(len(sorted_values) - 1, idx))]


def single_writes(quick, scratch):
    plan("serial_median", "serial_p99", "inflight")
    serial, inflight = (100, 400) if quick else (300, 1000)
    path = os.path.join(scratch, "single")
    chunk_rows = max(GRID, (2 * WARM_SINGLES + serial + inflight + GRID - 1) // GRID)  # a chunk per write
    ds = open_array(file_kv(path), {"chunks": [256, 256], "compressor": None}, SYNC, (chunk_rows * CHUNK, GRID * CHUNK))
    k = serial_writes(ds, 0, WARM_SINGLES)
    k = inflight_writes(ds, k, WARM_SINGLES)
    lat = []
    k = serial_writes(ds, k, serial, lat)
    first = k
    t0 = time.perf_counter()
    k = inflight_writes(ds, k, inflight)
    t1 = time.perf_counter()
    verify_singles(path, k)
    delete_tree(path)
    lat.sort()
    emit("serial_median", "ms", percentile(lat, 50) * 1e3)
    emit("serial_p99", "ms", percentile(lat, 99) * 1e3)
    emit("inflight", "writes/s", (k - first) / (t1 - t0))


def inflight_rounds(quick, scratch):
    """Workload 3's in-flight writes alone: 5 rounds of 2,000 into one fresh directory, each round's rate."""
    rounds, per_round = 5, (400 if quick else 2000)
    plan(*[f"round_{r}" for r in range(1, rounds + 1)])
    path = os.path.join(scratch, "inflight-rounds")
    chunk_rows = (rounds * per_round + GRID - 1) // GRID  # single_pos(k) is in chunk row k // GRID
    ds = open_array(file_kv(path), {"chunks": [256, 256], "compressor": None}, SYNC, (chunk_rows * CHUNK, GRID * CHUNK))
    k = 0
    for r in range(1, rounds + 1):
        t0 = time.perf_counter()
        k = inflight_writes(ds, k, per_round)
        emit(f"round_{r}", "writes/s", per_round / (time.perf_counter() - t0))
    verify_singles(path, k)
    delete_tree(path)


# ---- workload 4 ---------------------------------------------------------------------------------

def txn_pos(k):
    c, j = k % 100, k // 100
    return ((c // 10) * CHUNK + (j * 97) % CHUNK, (c % 10) * CHUNK + (j * 61 + 13) % CHUNK)


def stage(ds, txn, n):
    t = ds.with_transaction(txn)
    futures = [t[txn_pos(k)].write(value(k)) for k in range(n)]
    for f in futures:
        f.result()


def transactions(quick, scratch):
    plan("staged", "commit")
    n = 2000 if quick else 10000
    md = {"chunks": [256, 256], "compressor": None}
    shape = (10 * CHUNK, 10 * CHUNK)
    expected = np.zeros(shape, dtype=np.uint16)
    for k in range(n):
        expected[txn_pos(k)] = value(k)
    try:
        for p in range(WARMUPS + 1):
            ds = open_array({"driver": "memory"}, md, {}, shape)
            txn = ts.Transaction()
            t0 = time.perf_counter()
            stage(ds, txn, n)
            t1 = time.perf_counter()
            txn.commit_async().result()
            if not np.array_equal(ds.read().result(), expected):
                raise RuntimeError("verification failed: committed array differs")
            rate = n / (t1 - t0)
        emit("staged", "writes/s", rate)
    except Exception as e:  # noqa: BLE001 - reported, then the next measurement runs
        fail_one("staged", e)
    # One commit takes tens of milliseconds: the median of COMMITS timed ones after the warm-ups.
    times = []
    for p in range(WARM_COMMITS + COMMITS):
        path = os.path.join(scratch, f"txn-{p}")
        ds = open_array(file_kv(path), md, SYNC, shape)
        txn = ts.Transaction()
        stage(ds, txn, n)
        t0 = time.perf_counter()
        txn.commit_async().result()
        t1 = time.perf_counter()
        if not np.array_equal(ds.read().result(), expected):
            raise RuntimeError("verification failed: committed array differs")
        delete_tree(path)
        if p >= WARM_COMMITS:
            times.append((t1 - t0) * 1e3)
    emit("commit", "ms", sorted(times)[len(times) // 2])


# ---- workload 5 ---------------------------------------------------------------------------------

def scale_write(mib, context, metric, scratch):
    """Each step in a directory of its own, as CompareMain.scaleWrite (delete_existing would
    otherwise delete the last step's files right before this one's timed creations)."""
    shape = (mib * 4, 1024, 128)
    path = os.path.join(scratch, f"scale-{metric or 'warmup'}")
    src = smooth(shape)
    ds = open_array(file_kv(path), {"chunks": [64, 64, 64], "compressor": None}, context, shape)
    t0 = time.perf_counter()
    ds.write(src).result()
    t1 = time.perf_counter()
    for x in range(0, shape[0], 256):
        end = min(shape[0], x + 256)
        if not np.array_equal(ds[x:end].read().result(), src[x:end]):
            raise RuntimeError(f"verification failed: read-back of [{x}, {end}) differs")
    delete_tree(path)
    nbytes = src.nbytes
    del src
    if metric is not None:
        emit(metric, "MiB/s", nbytes / MIB / (t1 - t0))


def scale(quick, scratch):
    sizes = [64, 512] if quick else [64, 512, 2048]
    conc = 64 if quick else 512
    plan(*[f"write_{s}MiB" for s in sizes], f"write_{conc}MiB_copy1", f"write_{conc}MiB_copy2", "peak_rss")
    scale_write(64, SYNC, None, scratch)
    for s in sizes:
        try:
            scale_write(s, SYNC, f"write_{s}MiB", scratch)
        except Exception as e:  # noqa: BLE001
            fail_one(f"write_{s}MiB", e)
    for limit in (1, 2):
        metric = f"write_{conc}MiB_copy{limit}"
        try:
            scale_write(conc, dict(SYNC, data_copy_concurrency={"limit": limit}), metric, scratch)
        except Exception as e:  # noqa: BLE001
            fail_one(metric, e)
    # ru_maxrss is in KiB on Linux: the process's peak resident set, as CompareMain's VmHWM.
    emit("peak_rss", "MiB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0)


def main():
    global workload
    ap = argparse.ArgumentParser()
    ap.add_argument("workload", choices=["memory_raw", "file_raw", "file_blosc", "file_zstd", "cached_reads", "single_writes", "transactions", "scale", "inflight_rounds"])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--dir")
    ap.add_argument("--keep", action="store_true", help="leave the arrays written on disk")
    a = ap.parse_args()
    global KEEP
    KEEP = a.keep
    workload = a.workload
    scratch = a.dir or tempfile.mkdtemp(prefix="ts-compare")
    os.makedirs(scratch, exist_ok=True)
    shape = (512, 512, 128) if a.quick else (1024, 1024, 128)
    try:
        if workload == "memory_raw":
            write_read(None, None, shape, scratch)
        elif workload == "file_raw":
            write_read("raw", None, shape, scratch)
        elif workload == "file_blosc":
            write_read("blosc", BLOSC, shape, scratch)
        elif workload == "file_zstd":
            write_read("zstd", ZSTD, shape, scratch)
        elif workload == "cached_reads":
            cached_reads(shape, scratch)
        elif workload == "single_writes":
            single_writes(a.quick, scratch)
        elif workload == "transactions":
            transactions(a.quick, scratch)
        elif workload == "scale":
            scale(a.quick, scratch)
        elif workload == "inflight_rounds":
            inflight_rounds(a.quick, scratch)
    except Exception as e:  # noqa: BLE001
        fail_pending(e)
    fail_pending(RuntimeError("not measured"))


if __name__ == "__main__":
    main()
