# The first read on the seed page, through TensorStore itself.
import sys
import numpy as np
import tensorstore as ts

ds = ts.open({"driver": "zarr", "kvstore": {"driver": "memory"}},
             dtype=ts.uint32, shape=[70, 80], create=True).result()
ds[5:10, 6:8].write(42).result()
sys.stdout.write(repr(ds[0:10, 0:10].read().result()))
