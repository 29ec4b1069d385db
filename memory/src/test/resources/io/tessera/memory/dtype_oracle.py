# TensorStore's data type rules. Prints tab-separated lines:
#   convert SRC DST 1|0     whether a SRC array can be written into a DST array without a cast
#   zarr_out NAME STRING    the zarr v2 dtype TensorStore writes for a new array of NAME
#   zarr_in STRING NAME|- NORMALIZED   the dtype TensorStore opens a zarr v2 "dtype" as
import numpy as np
import ml_dtypes
import tensorstore as ts

NAMES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
         "float16", "bfloat16", "float32", "float64", "complex64", "complex128"]

def np_dtype(n):
    return np.dtype(ml_dtypes.bfloat16) if n == "bfloat16" else np.dtype(n)

for a in NAMES:
    for b in NAMES:
        dst = ts.array(np.zeros(2, np_dtype(b)))
        try:
            dst.write(ts.array(np.zeros(2, np_dtype(a)))).result()
            ok = 1
        except Exception as e:
            # "Cannot convert" means no conversion exists at all (e.g. complex -> bool).
            if "Explicit data type conversion required" not in str(e) and "Cannot convert" not in str(e):
                raise
            ok = 0
        print("convert\t%s\t%s\t%d" % (a, b, ok))

def zarr(metadata):
    spec = {"driver": "zarr", "kvstore": {"driver": "memory"}, "metadata": metadata, "create": True}
    return ts.open(spec).result()

for n in NAMES:
    store = ts.open({"driver": "zarr", "kvstore": {"driver": "memory"}}, dtype=getattr(ts, n),
                    shape=[2], create=True).result()
    print("zarr_out\t%s\t%s" % (n, store.spec().to_json()["metadata"]["dtype"]))

candidates = ["bfloat16", "<V2", "float32", "<f", "", "b1", "<", "<f4 ", "<i04", "<u+4", "|O", "<U4", "<M8[s]"]
for kind in "biufc":
    for size in [1, 2, 3, 4, 8, 16]:
        for endian in "<>|=":
            candidates.append("%s%s%d" % (endian, kind, size))
for c in candidates:
    try:
        store = zarr({"dtype": c, "shape": [2], "chunks": [2]})
        print("zarr_in\t%s\t%s\t%s" % (c, store.dtype.name, store.spec().to_json()["metadata"]["dtype"]))
    except Exception:
        print("zarr_in\t%s\t-\t-" % c)
