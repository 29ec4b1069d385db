package io.tessera.memory.kernel;

import static io.tessera.memory.kernel.TestArrays.assertSameWrites;
import static io.tessera.memory.kernel.TestArrays.make;
import static io.tessera.memory.kernel.TestArrays.memory;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;
import io.tessera.memory.ReferenceOps;
import io.tessera.memory.kernel.TestArrays.Made;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Byte swap (also in place) and the bytewise comparisons, every kernel against the reference. */
class SwapAndEqualKernelTest {

    @ParameterizedTest
    @EnumSource(DataType.class)
    void byteSwap(DataType t) {
        Random rnd = new Random(0x5A5A + t.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            for (int rank = 0; rank <= 5; rank++) {
                for (long inner : TestArrays.awkwardSizes(t.byteSize())) {
                    long[] shape = TestArrays.shape(rnd, rank, inner);
                    boolean dense = rnd.nextInt(3) > 0;
                    NDArray src = make(rnd, t, shape, !dense, dense, memory(rnd), arena).view();
                    Made dst = make(rnd, t, shape, false, dense, memory(rnd), arena);
                    assertSameWrites(dst, "byteSwap", k -> k.byteSwap(src, dst.view()), () -> ReferenceOps.byteSwap(src, dst.view()));
                    // In place: each byte must be swapped exactly once, tails included. The byte-by-byte
                    // reference cannot swap in place, so it swaps from a copy.
                    Made self = make(rnd, t, shape, false, dense, memory(rnd), arena);
                    assertSameWrites(self, "byteSwap in place", k -> k.byteSwap(self.view(), self.view()), () -> {
                        NDArray copy = NDArray.allocate(t, shape);
                        ReferenceOps.copy(self.view(), copy);
                        ReferenceOps.byteSwap(copy, self.view());
                    });
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(DataType.class)
    void allEqualAndEqualBytes(DataType t) {
        Random rnd = new Random(0xE0 + t.ordinal());
        int es = t.byteSize();
        try (Arena arena = Arena.ofConfined()) {
            for (int rank = 0; rank <= 5; rank++) {
                for (long inner : TestArrays.awkwardSizes(es)) {
                    long[] shape = TestArrays.shape(rnd, rank, inner);
                    long size = 1;
                    for (long e : shape) size *= e;
                    boolean dense = rnd.nextInt(3) > 0;
                    Made a = make(rnd, t, shape, false, dense, memory(rnd), arena);
                    NDArray value = make(rnd, t, new long[0], false, true, memory(rnd), arena).view();
                    ReferenceOps.copy(value.broadcastTo(shape), a.view());
                    // Equal everywhere, then one byte off at a random element: first, last or anywhere.
                    check(a.view(), value.broadcastTo(shape), "all equal");
                    if (size > 0) {
                        long[] pos = new long[rank];
                        int where = rnd.nextInt(3);
                        for (int d = 0; d < rank; d++) pos[d] = where == 0 ? 0 : where == 1 ? shape[d] - 1 : rnd.nextLong(shape[d]);
                        long off = a.view().byteOffset(pos) + rnd.nextInt(es);
                        a.backing().set(ValueLayout.JAVA_BYTE, off, (byte) (a.backing().get(ValueLayout.JAVA_BYTE, off) ^ (1 << rnd.nextInt(8))));
                        check(a.view(), value.broadcastTo(shape), "one element differs at " + java.util.Arrays.toString(pos));
                    }
                    // Two arrays in different layouts holding the same values, and random ones.
                    NDArray b = make(rnd, t, shape, false, !dense, memory(rnd), arena).view();
                    check(a.view(), b, "random");
                    ReferenceOps.copy(a.view(), b);
                    check(a.view(), b, "copied");
                }
            }
        }
    }

    private static void check(NDArray a, NDArray b, String what) {
        boolean expected = ReferenceOps.equalBytes(a, b);
        for (ArrayKernels k : TestArrays.kernels()) {
            assertEquals(expected, k.equalBytes(a, b), k.name() + " " + what + ": " + a.dtype() + " strides "
                    + java.util.Arrays.toString(a.byteStrides()) + " vs " + java.util.Arrays.toString(b.byteStrides()));
        }
    }

}
