# TensorStore's element conversions (ts.cast) between every pair of data types, for values that
# probe rounding, wrapping and special cases. Output lines: SRC, DST, source bytes (hex),
# converted bytes (hex); pairs TensorStore cannot convert at all are left out. Float-to-integer
# conversions of values outside the target's range are undefined behaviour in C++ and left out.
import warnings
import numpy as np
import ml_dtypes
import tensorstore as ts

warnings.simplefilter("ignore")
NAMES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
         "float16", "bfloat16", "float32", "float64", "complex64", "complex128"]

def np_dtype(n):
    return np.dtype(ml_dtypes.bfloat16) if n == "bfloat16" else np.dtype(n)

VALUES = [0.0, -0.0, 1.0, -1.0, 1.5, -1.5, 2.5, 0.4, -0.6, 127.0, 128.0, 255.0, 256.0, -128.0, -129.0,
          32767.0, 65535.0, 65504.0, 65519.0, 65520.0, 1e10, -1e10, 2.0 ** 31, 2.0 ** 32, 2.0 ** 53 + 2,
          2.0 ** 63, 2.0 ** 64 - 2048, 1.00048828125 + 2.0 ** -40, 1.0 + 2.0 ** -8 + 2.0 ** -30, 3.4e38, 3.5e38,
          1e-8, 6e-8, 1e-40, 1e-300, np.nan, np.inf, -np.inf, 0.1, 1.0 / 3.0]
INTS = {
    "int8": [-128, -1, 0, 1, 127], "int16": [-32768, -1, 255, 32767], "int32": [-2 ** 31, -1, 2 ** 24 + 1, 2 ** 31 - 1],
    "int64": [-2 ** 63, -1, 2 ** 53 + 1, 2 ** 63 - 1, 2 ** 63 - 512, 2 ** 62 + 1,
              # to complex64, rounded twice (through double) these land elsewhere than rounded once:
              2 ** 60 + 2 ** 36 + 1, -(2 ** 60 + 2 ** 36 + 1)],
    "uint8": [0, 1, 200, 255], "uint16": [0, 300, 65535, 2049], "uint32": [0, 2 ** 32 - 1, 2 ** 24 + 1, 2 ** 31],
    "uint64": [0, 2 ** 64 - 1, 2 ** 63, 2 ** 53 + 1, 2 ** 64 - 1024, 2 ** 63 + 1,
               # rounded twice (through double) these would land elsewhere than rounded once:
               2 ** 63 + 2 ** 10 + 1, 2 ** 63 + 2 ** 39 + 1, 2 ** 64 - 2 ** 39 - 1],
}

def source(name):
    dt = np_dtype(name)
    if name == "bool":
        return np.array([False, True])
    if name in INTS:
        return np.array(INTS[name], dtype=dt)
    vals = np.array(VALUES)
    if name.startswith("complex"):
        vals = vals + 1j * vals[::-1]
        return vals.astype(dt)
    # Through TensorStore's own cast, so the source holds what TensorStore would hold.
    return ts.cast(ts.array(vals), ts.dtype(name)).read().result()

def in_range(src, dst):
    floating = src == "bfloat16" or np_dtype(src).kind in "fc"
    if np_dtype(dst).kind not in "iu" or not floating:
        return np.ones(src_arr.shape, bool)
    re = np.real(src_arr.astype(np.complex128)) if src.startswith("complex") else src_arr.astype(np.float64)
    info = np.iinfo(np_dtype(dst))
    with np.errstate(invalid="ignore"):
        # float(info.max) + 1 is exactly 2**bits: comparing with info.max itself would round.
        return np.isfinite(re) & (np.trunc(re) >= info.min) & (np.trunc(re) < float(info.max) + 1)

for s in NAMES:
    src_arr = source(s)
    for d in NAMES:
        try:
            out = ts.cast(ts.array(src_arr), ts.dtype(d)).read().result()
        except Exception as e:
            # No conversion at all (complex -> bool): the cast driver cannot read.
            if "Cannot convert" in str(e) or "does not support reading" in str(e):
                continue
            raise
        keep = in_range(s, d)
        a, b = np.ascontiguousarray(src_arr[keep]), np.ascontiguousarray(out[keep])
        print("%s\t%s\t%s\t%s" % (s, d, a.tobytes().hex(), b.tobytes().hex()))
