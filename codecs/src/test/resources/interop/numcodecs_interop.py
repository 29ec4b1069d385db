"""Oracle side of InteropTest: numcodecs encodes and decodes, Java checks (see InteropTest.java).

gen DIR:   writes DIR/manifest.json, DIR/raw_<case>.bin and DIR/np_<config>_<case>.bin (numcodecs' encoding)
check DIR [PREFIX]: decodes every DIR/<PREFIX, default java>_<config>_<case>.bin with numcodecs and compares with raw_<case>.bin;
           prints one JSON object {"checked": n, "failures": [...]}
"""
import json
import os
import sys

import numcodecs
import numpy as np

CONFIGS = []
for cname in ["lz4", "lz4hc", "blosclz", "zstd", "zlib"]:
    for shuffle in [-1, 0, 1, 2]:
        CONFIGS.append({"id": "blosc", "cname": cname, "clevel": 5, "shuffle": shuffle, "blocksize": 0})
CONFIGS += [
    {"id": "blosc", "cname": "lz4", "clevel": 0, "shuffle": 1, "blocksize": 0},
    {"id": "blosc", "cname": "lz4", "clevel": 9, "shuffle": -1, "blocksize": 4096},
    {"id": "blosc", "cname": "zstd", "clevel": 1, "shuffle": 2, "blocksize": 1000},
    {"id": "zlib", "level": 1}, {"id": "zlib", "level": 9}, {"id": "zlib", "level": 0},
    {"id": "gzip", "level": 1}, {"id": "gzip", "level": 9},
    {"id": "zstd", "level": 1}, {"id": "zstd", "level": 3}, {"id": "zstd", "level": -3}, {"id": "zstd", "level": 19},
    {"id": "bz2", "level": 1}, {"id": "bz2", "level": 9},
    {"id": "lz4", "acceleration": 1}, {"id": "lz4", "acceleration": 10},
]
# Partial configs: numcodecs' get_config() of these is compared with our toJson().
PARTIAL = [{"id": "blosc"}, {"id": "blosc", "cname": "zstd"}, {"id": "blosc", "shuffle": -1},
           {"id": "zlib"}, {"id": "gzip"}, {"id": "zstd"}, {"id": "bz2"}, {"id": "lz4"}]
DTYPES = ["<u1", "<u2", "<i4", "<f4", "<f8"]
COUNTS = [0, 1, 7, 1000, 12345, 70001]


def data(dtype, count, kind, seed):
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    if kind == "random":
        return np.frombuffer(rng.bytes(count * dt.itemsize), dtype=dt).copy()
    x = np.arange(count, dtype=np.float64)
    smooth = 100 + 50 * np.sin(x / 300.0) + np.cumsum(rng.integers(-1, 2, size=count))
    return smooth.astype(dt)


def gen(out):
    cases = []
    seed = 1
    for dtype in DTYPES:
        for count in COUNTS:
            for kind in ["smooth", "random"]:
                name = "%s_%d_%s" % (dtype[1:], count, kind)
                arr = data(dtype, count, kind, seed)
                seed += 1
                with open(os.path.join(out, "raw_%s.bin" % name), "wb") as f:
                    f.write(arr.tobytes())
                cases.append({"name": name, "itemsize": arr.dtype.itemsize, "nbytes": arr.nbytes})
                for i, config in enumerate(CONFIGS):
                    codec = numcodecs.get_codec(dict(config))
                    enc = bytes(codec.encode(arr))
                    with open(os.path.join(out, "np_%d_%s.bin" % (i, name)), "wb") as f:
                        f.write(enc)
    full = [numcodecs.get_codec(dict(c)).get_config() for c in CONFIGS]
    partial = [[c, numcodecs.get_codec(dict(c)).get_config()] for c in PARTIAL]
    manifest = {"numcodecs": numcodecs.__version__, "configs": CONFIGS, "full_configs": full,
                "partial": partial, "cases": cases}
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f)


def check(out, prefix="java"):
    with open(os.path.join(out, "manifest.json")) as f:
        manifest = json.load(f)
    checked, failures, own_failures = 0, [], []
    for case in manifest["cases"]:
        with open(os.path.join(out, "raw_%s.bin" % case["name"]), "rb") as f:
            raw = f.read()
        for i, config in enumerate(manifest["configs"]):
            with open(os.path.join(out, "%s_%d_%s.bin" % (prefix, i, case["name"])), "rb") as f:
                enc = f.read()
            checked += 1
            try:
                dec = bytes(numcodecs.get_codec(dict(config)).decode(enc))
                if dec != raw:
                    failures.append("%s %s: numcodecs decoded %d bytes that differ from the %d original bytes"
                                    % (config, case["name"], len(dec), len(raw)))
                continue
            except Exception as e:  # report every failure, not only the first
                error = e
            # numcodecs 0.11 cannot decode some of its own encodings (empty chunks); those are its
            # limits, not our bugs, and are reported apart.
            with open(os.path.join(out, "np_%d_%s.bin" % (i, case["name"])), "rb") as f:
                own = f.read()
            try:
                numcodecs.get_codec(dict(config)).decode(own)
                failures.append("%s %s: numcodecs failed: %r" % (config, case["name"], error))
            except Exception:
                own_failures.append("%s %s" % (config["id"], case["name"]))
    print(json.dumps({"checked": checked, "failures": failures[:20], "failure_count": len(failures),
                      "numcodecs_cannot_decode_own": len(own_failures),
                      "numcodecs_own_examples": sorted(set(own_failures))[:10]}))

if __name__ == "__main__":
    {"gen": gen, "check": check}[sys.argv[1]](*sys.argv[2:])
