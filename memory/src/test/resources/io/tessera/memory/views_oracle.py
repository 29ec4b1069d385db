# Applies chains of view operations to np.arange arrays, as NDArray's views do. Input lines
# (file argv[1]): ID, dtype, shape (comma separated), ops separated by ';':
#   i D K            index dimension D at K
#   s D START STOP STEP   slice of dimension D (STOP -1 with a negative STEP: through index 0)
#   t P0 P1 ...      transpose by the permutation
#   T                reverse the dimensions
#   b S0 S1 ...      broadcast to the shape
# Output lines: ID, shape, C-order bytes (hex), repr (with newlines escaped as \n).
import sys
import numpy as np

for line in open(sys.argv[1]).read().splitlines():
    if not line:
        continue
    ident, dt, shape, ops = line.split("\t")
    shape = tuple(int(s) for s in shape.split(",")) if shape else ()
    a = np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape).astype(dt)
    for op in filter(None, ops.split(";")):
        f = op.split()
        args = [int(x) for x in f[1:]]
        if f[0] == "i":
            a = a[(slice(None),) * args[0] + (args[1],)]
        elif f[0] == "s":
            d, start, stop, step = args
            a = a[(slice(None),) * d + (slice(start, None if stop < 0 else stop, step),)]
        elif f[0] == "t":
            a = a.transpose(args)
        elif f[0] == "T":
            a = a.T
        elif f[0] == "b":
            a = np.broadcast_to(a, tuple(args))
    a = np.asarray(a)  # indexing every dimension gives a NumPy scalar; NDArray gives rank 0
    print("%s\t%s\t%s\t%s" % (ident, ",".join(str(s) for s in a.shape), np.ascontiguousarray(a).tobytes().hex(),
                              repr(a).replace("\n", "\\n")))
