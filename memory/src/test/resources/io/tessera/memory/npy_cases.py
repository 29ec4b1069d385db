# Writes .npy files with NumPy (every dtype, rank 0-4, C and Fortran order, both byte orders,
# format versions 1.0/2.0/3.0) and beside each NAME.bin: the array's values as C-order,
# little-endian bytes. manifest.tsv lines: NAME, dtype, shape (comma
# separated), C or F, byte order (big only for multi-byte big-endian data).
import os, sys
import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(7)
DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64", "complex64", "complex128"]
lines = []

def save(name, a, version=None, raw_header_align=None):
    path = os.path.join(out, name + ".npy")
    if raw_header_align:
        # An old-style header padded to 16 bytes only (as NumPy < 1.?? wrote them).
        order = a.dtype.str
        fortran = a.flags.f_contiguous and not a.flags.c_contiguous
        d = "{'descr': '%s', 'fortran_order': %s, 'shape': %r, }" % (order, fortran, a.shape)
        total = 10 + len(d) + 1
        d += " " * ((raw_header_align - total % raw_header_align) % raw_header_align) + "\n"
        with open(path, "wb") as f:
            f.write(b"\x93NUMPY\x01\x00" + len(d).to_bytes(2, "little") + d.encode("latin1"))
            f.write(a.tobytes(order="F" if fortran else "C"))
    elif version is None:
        np.save(path, a)
    else:
        with open(path, "wb") as f:
            np.lib.format.write_array(f, a, version=version)
    native = a.astype(a.dtype.newbyteorder("<"), order="C")
    with open(os.path.join(out, name + ".bin"), "wb") as f:
        f.write(native.tobytes(order="C"))
    dt = np.dtype(a.dtype).newbyteorder("=").name
    fortran = np.lib.format.header_data_from_array_1_0(a)["fortran_order"]
    big = a.dtype.byteorder == ">" or (a.dtype.kind == "c" and a.dtype.str[0] == ">")
    lines.append("%s\t%s\t%s\t%s\t%s" % (name, dt, ",".join(str(s) for s in a.shape), "F" if fortran else "C",
                                          "big" if big else "little"))

def values(dt, shape):
    dt = np.dtype(dt)
    if dt == np.bool_:
        return rng.random(shape) < 0.5
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return rng.integers(info.min, info.max, size=shape, dtype=dt, endpoint=True)
    if dt.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dt)
    return rng.standard_normal(shape).astype(dt)

n = 0
for dt in DTYPES:
    for rank in range(5):
        shape = tuple(int(rng.integers(1, 6)) for _ in range(rank))
        base = values(dt, shape)
        for order in "CF":
            for endian in "<>":
                a = np.asarray(base, dtype=np.dtype(dt).newbyteorder(endian), order=order)
                if order == "F":
                    a = np.asfortranarray(a)
                save("np%d_%s_r%d_%s%s" % (n, dt, rank, order, "le" if endian == "<" else "be"), a)
                n += 1
for k, version in enumerate([(1, 0), (2, 0), (3, 0)]):
    save("version%d_%d" % version, values("uint16", (3, 4)), version=version)
    save("version%d_%d_f" % version, np.asfortranarray(values(">f8", (2, 5))), version=version)
save("aligned16", values("<i4", (3, 5)), raw_header_align=16)
save("aligned16_be_f", np.asfortranarray(values(">c8", (4, 3))), raw_header_align=16)
save("empty_0", np.zeros((0,), np.float32))
save("empty_2x0x3", np.zeros((2, 0, 3), np.int16))
save("scalar_be", np.array(123456789, dtype=">i8"))
save("noncontig", values("int32", (6, 8))[::2, ::-3])
with open(os.path.join(out, "manifest.tsv"), "w") as f:
    f.write("\n".join(lines) + "\n")
