# Writes arrays as .npy files beside NumPy's repr of each; the Java test reads the arrays with
# Tessera and compares its repr. Usage: repr_cases.py OUTDIR
import os, sys, warnings
import numpy as np
import ml_dtypes

warnings.simplefilter("ignore")
out = sys.argv[1]
cases = []

def add(name, a):
    a = np.asarray(a)
    if a.dtype == ml_dtypes.bfloat16:
        np.save(os.path.join(out, name + ".npy"), a.view(np.uint16))
        kind = "bf16"
    else:
        np.save(os.path.join(out, name + ".npy"), a)
        kind = "npy"
    with open(os.path.join(out, name + ".repr"), "w", encoding="utf-8") as f:
        f.write(repr(a))
    cases.append(name + "\t" + kind)

# The seed page.
seed = np.zeros((70, 80), np.uint32)
seed[5:10, 6:8] = 42
add("seed_10x10", seed[0:10, 0:10])
seed[5:10, 6:8] = [1, 2]
add("seed_5x2", seed[5:10, 6:8])
add("seed_zeros_5x2", np.zeros((5, 2), np.uint32))

INTS = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
FLOATS = ["float16", "float32", "float64"]
ALL = ["bool"] + INTS + FLOATS + ["complex64", "complex128", "bfloat16"]

def dtype(name):
    return np.dtype(ml_dtypes.bfloat16) if name == "bfloat16" else np.dtype(name)

rng = np.random.default_rng(20261124)

def floats(shape):
    style = rng.integers(0, 7)
    if style == 0:
        v = rng.standard_normal(shape) * 10.0 ** rng.integers(-12, 12)
    elif style == 1:
        v = rng.integers(-1000, 1000, size=shape).astype(float)
    elif style == 2:
        v = rng.choice([0.5, 0.25, 1.5, -2.0, 0.125, 3.0, 100.0, 0.0], size=shape)
    elif style == 3:
        v = rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 3, size=shape)
    elif style == 4:
        v = rng.uniform(-1, 1, size=shape) * 10.0 ** rng.integers(-300, 300)
    elif style == 5:
        v = np.round(rng.standard_normal(shape) * 1000, rng.integers(0, 4))
    else:
        v = rng.standard_normal(shape)
    v = np.asarray(v, dtype=float)
    if v.size and rng.random() < 0.3:
        flat = v.reshape(-1)
        for _ in range(rng.integers(1, 3)):
            flat[rng.integers(0, flat.size)] = rng.choice([np.nan, np.inf, -np.inf, -0.0])
    return v

def values(name, shape):
    dt = dtype(name)
    if name == "bool":
        return rng.random(shape) < 0.5
    if name in INTS:
        info = np.iinfo(dt)
        if rng.random() < 0.5:
            return rng.integers(info.min, info.max, size=shape, dtype=dt, endpoint=True)
        lo = max(int(info.min), -120)
        return rng.integers(lo, 120, size=shape, endpoint=True).astype(dt)
    if name.startswith("complex"):
        return (floats(shape) + 1j * floats(shape)).astype(dt)
    return floats(shape).astype(dt)

for i in range(500):
    name = ALL[i % len(ALL)]
    rank = int(rng.integers(0, 5))
    limit = [1, 40, 9, 5, 4][rank]
    shape = tuple(int(rng.integers(1, limit + 1)) for _ in range(rank))
    add(f"random{i}_{name}", values(name, shape))

# Summarized arrays (size > 1000) of every dtype and several ranks.
for j, name in enumerate(ALL):
    for k, shape in enumerate([(1001,), (3, 400), (10, 10, 11), (7, 7, 7, 7), (2, 1000), (1, 1, 1200)]):
        add(f"summary{j}_{k}_{name}", values(name, shape))
add("summary_arange", np.arange(2000).reshape(2, 1000))
add("summary_arange_f", np.arange(1001.0))

# Empty arrays.
for name in ALL:
    for k, shape in enumerate([(0,), (0, 3), (2, 0, 4)]):
        add(f"empty{k}_{name}", np.zeros(shape, dtype(name)))

# Floats that exercise each formatting rule.
special = {
    "exp_ratio": [1e-5, 1.0, 1e100],
    "tenths": [0.1, 0.2, 0.3],
    "ones": [1.0, 2.0, 3.0],
    "half": [1.0, 0.5],
    "nan_neginf": [np.nan, -np.inf],
    "nan_inf": [np.nan, np.inf],
    "all_nan": [np.nan, np.nan],
    "mixed_nonfinite": [1.5, np.nan, -np.inf, 2.25],
    "neg_zero": [-0.0, 0.0],
    "zero": [0.0],
    "huge": [1e300, -1e300],
    "tiny": [5e-324, 1e-310],
    "cutoff_1e8": [99999999.0, 1.0],
    "at_1e8": [1e8, 1.0],
    "min_1e-4": [1e-4, 1e-3],
    "below_1e-4": [9.999e-5, 1e-3],
    "ratio_1000": [1.0, 1000.0],
    "ratio_1001": [1.0, 1001.0],
    "long_fraction": [0.123456789012345, 1.0],
    "round_up": [0.999999999, 9.9999999999],
    "big_exponent_mix": [1e-100, 1e100, -1.0],
    "pi": [np.pi, np.e, -np.sqrt(2)],
}
for name, v in special.items():
    for f in FLOATS + ["bfloat16"]:
        add(f"special_{name}_{f}", np.array(v).astype(dtype(f)))
    add(f"special_{name}_complex128", np.array(v) + 1j * np.array(v[::-1]))
    add(f"special_{name}_complex64", (np.array(v) - 1j * np.array(v)).astype(np.complex64))
for f in FLOATS + ["bfloat16"]:
    for k, v in enumerate([65504.0, 1e-4, 1e6, 1e3, 999.9, 1.0, -0.0, np.nan, np.inf, 0.1, 1e-8, 123456.0, 2 ** -14, 6e-8]):
        add(f"scalar{k}_{f}", np.array(v).astype(dtype(f)))
    add(f"all_float16_{f}", np.arange(0, 65536, 97, dtype=np.uint16).view(np.float16).astype(dtype(f)))
every_half = np.arange(31744, dtype=np.uint16).view(np.float16)
for k in range(0, 31744, 1000):
    add(f"float16_all_{k}", every_half[k:k + 1000] * (1 if k % 2000 else -1))
add("float32_uniform", rng.uniform(1, 100, size=500).astype(np.float32))
add("float64_uniform", rng.uniform(1, 100, size=500))
add("float64_small_uniform", rng.uniform(1e-4, 1e-2, size=500))
add("float16_dense", np.arange(15360, 15360 + 900, dtype=np.uint16).view(np.float16))
add("float32_bits", rng.integers(0, 0x7F800000, size=600, dtype=np.uint32).view(np.float32))
add("float64_bits", rng.integers(0, 0x7FF0000000000000, size=600, dtype=np.uint64).view(np.float64))
add("float32_decimal", np.round(rng.standard_normal(300) * 100, 3).astype(np.float32))

# Integer extremes and wrapping of wide words.
for name in INTS:
    info = np.iinfo(name)
    add(f"extremes_{name}", np.array([info.min, info.max, 0], dtype=name))
    add(f"scalar_{name}", np.array(info.max, dtype=name))
    add(f"wrap_{name}", np.arange(100).astype(name).reshape(4, 25))
add("bools_2d", rng.random((4, 30)) < 0.5)
add("bool_scalar_true", np.array(True))
add("bool_scalar_false", np.array(False))
add("wide_3d", np.arange(2 * 3 * 30, dtype=np.int64).reshape(2, 3, 30) * 1000003)
add("wide_floats", rng.standard_normal((3, 20)))
add("wide_complex", rng.standard_normal((2, 9)) + 1j * rng.standard_normal((2, 9)))

# Every line length around the width limit, with and without the dtype suffix.
for n in range(1, 40):
    add(f"length{n}_uint32", np.arange(n, dtype=np.uint32) * 7)
    add(f"length{n}_int64", np.arange(n, dtype=np.int64) * -13)
    add(f"length{n}_float32", np.arange(n, dtype=np.float32) / 4)
    add(f"length{n}_2d_uint16", (np.arange(2 * n, dtype=np.uint16) * 101).reshape(2, n))
    add(f"length{n}_bool", np.arange(n) % 3 == 0)

with open(os.path.join(out, "manifest.tsv"), "w") as f:
    f.write("\n".join(cases) + "\n")
