# Loads the .npy files Tessera wrote (names in DIR/manifest.tsv), checks np.save writes the
# same bytes for the loaded array, and dumps each array's C-order bytes to NAME.numpy.bin.
# Prints NAME, dtype, shape, and whether np.save's bytes equal the file's.
import io, os, sys
import numpy as np

d = sys.argv[1]
for name in open(os.path.join(d, "manifest.tsv")).read().split():
    path = os.path.join(d, name + ".npy")
    raw = open(path, "rb").read()
    a = np.load(path)
    buf = io.BytesIO()
    np.save(buf, a)
    with open(os.path.join(d, name + ".numpy.bin"), "wb") as f:
        f.write(np.ascontiguousarray(a).tobytes())
    print("%s\t%s\t%s\t%s" % (name, a.dtype.name, ",".join(str(s) for s in a.shape), buf.getvalue() == raw))
