package io.tessera.memory.kernel;

import static io.tessera.memory.kernel.TestArrays.assertSameWrites;
import static io.tessera.memory.kernel.TestArrays.make;
import static io.tessera.memory.kernel.TestArrays.memory;

import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;
import io.tessera.memory.ReferenceOps;
import io.tessera.memory.kernel.TestArrays.Made;
import io.tessera.memory.kernel.TestArrays.Memory;
import java.lang.foreign.Arena;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Same-dtype strided copy, scalar fill and lower-rank broadcast: every kernel against the reference. */
class CopyKernelTest {

    @ParameterizedTest
    @EnumSource(DataType.class)
    void stridedCopyBetweenAnyLayouts(DataType t) {
        Random rnd = new Random(0xC0FFEE + t.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            for (Memory mem : Memory.values()) {
                for (int rank = 0; rank <= 5; rank++) {
                    for (long inner : TestArrays.awkwardSizes(t.byteSize())) {
                        long[] shape = TestArrays.shape(rnd, rank, inner);
                        for (int rep = 0; rep < 3; rep++) {
                            // rep 0: both dense (the bulk path); then random layouts, with zero strides on the source.
                            boolean dense = rep == 0;
                            NDArray src = make(rnd, t, shape, true, dense, mem, arena).view();
                            Made dst = make(rnd, t, shape, rep == 2 && rnd.nextInt(4) == 0, dense, memory(rnd), arena);
                            assertSameWrites(dst, "copy from " + src.dtype() + " strides " + java.util.Arrays.toString(src.byteStrides()),
                                    k -> k.copy(src, dst.view()), () -> ReferenceOps.copy(src, dst.view()));
                        }
                    }
                }
            }
        }
    }

    /**
     * Two copies at once: the halves of one region (split along a random dim) into the halves of
     * another, both of random layouts, against two reference copies; with a second source of
     * another layout or dtype, the pair falls back to two plain copies.
     */
    @ParameterizedTest
    @EnumSource(DataType.class)
    void pairedCopiesOfOneGeometry(DataType t) {
        Random rnd = new Random(0xDA1B + t.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            for (int rank = 1; rank <= 4; rank++) {
                for (long inner : TestArrays.awkwardSizes(t.byteSize())) {
                    for (int rep = 0; rep < 4; rep++) {
                        long[] half = TestArrays.shape(rnd, rank, inner);
                        int dim = rnd.nextInt(rank);
                        long[] whole = half.clone();
                        whole[dim] *= 2;
                        boolean dense = rep == 0;
                        NDArray src = make(rnd, t, whole, rep == 3, dense, memory(rnd), arena).view();
                        Made dst = make(rnd, t, whole, false, dense, memory(rnd), arena);
                        long h = half[dim];
                        NDArray s0 = src.slice(dim, 0, h, 1), s1 = src.slice(dim, h, 2 * h, 1);
                        NDArray d0 = dst.view().slice(dim, 0, h, 1), d1 = dst.view().slice(dim, h, 2 * h, 1);
                        // rep 2: the second source of another layout, or (for a convertible dtype) another dtype.
                        NDArray other = rep != 2 ? s1 : make(rnd, rnd.nextBoolean() ? t : DataType.INT16, half, false, false, memory(rnd), arena).view();
                        assertSameWrites(dst, "paired copy split along dim " + dim + " from strides " + java.util.Arrays.toString(src.byteStrides()),
                                k -> k.copyPair(s0, d0, other, d1), () -> {
                                    ReferenceOps.copy(s0, d0);
                                    ReferenceOps.copy(other, d1);
                                });
                    }
                }
            }
        }
    }

    /**
     * Pairs of one geometry within one buffer where a destination overlaps the other copy's
     * arrays: the second copy reads rows the first wrote, the first reads rows the second wrote,
     * or the destinations share rows. Each gives what two copies in turn give.
     */
    @ParameterizedTest
    @EnumSource(DataType.class)
    void pairedCopiesThatOverlapRunInTurn(DataType t) {
        Random rnd = new Random(0x0E1A + t.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            for (long inner : TestArrays.awkwardSizes(t.byteSize())) {
                long h = 2 + rnd.nextInt(5);
                Made buf = make(rnd, t, new long[] {3 * h + 2, inner + 1}, false, true, memory(rnd), arena);
                // A column short of the rows, so that rows stay apart and the pair interleaves them.
                NDArray v = buf.view().slice(1, 0, inner, 1);
                long[][] cases = { // first rows of src0, dst0, src1, dst1
                        {0, h, h + 1, 2 * h + 1},
                        {1, 2 * h + 2, h + 2, 2},
                        {0, 2 * h, h, 2 * h + 1}};
                for (long[] c : cases) {
                    NDArray s0 = v.slice(0, c[0], c[0] + h, 1), d0 = v.slice(0, c[1], c[1] + h, 1);
                    NDArray s1 = v.slice(0, c[2], c[2] + h, 1), d1 = v.slice(0, c[3], c[3] + h, 1);
                    assertSameWrites(buf, "overlapping paired copy, rows " + java.util.Arrays.toString(c) + " of " + h,
                            k -> k.copyPair(s0, d0, s1, d1), () -> {
                                ReferenceOps.copy(s0, d0);
                                ReferenceOps.copy(s1, d1);
                            });
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(DataType.class)
    void reversedRows(DataType t) {
        Random rnd = new Random(0xBEEF + t.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            for (long inner : TestArrays.awkwardSizes(t.byteSize())) {
                for (int rank = 1; rank <= 3; rank++) {
                    long[] shape = TestArrays.shape(rnd, rank, inner);
                    Memory mem = memory(rnd);
                    // A dense source read backwards along the innermost dim: the lane-reversing kernel.
                    NDArray dense = make(rnd, t, shape, false, true, mem, arena).view();
                    NDArray src = dense.slice(rank - 1, inner - 1, -1, -1);
                    Made dst = make(rnd, t, shape, false, true, memory(rnd), arena);
                    assertSameWrites(dst, "reversed copy", k -> k.copy(src, dst.view()), () -> ReferenceOps.copy(src, dst.view()));
                    // And a dense source into a destination written backwards.
                    Made back = make(rnd, t, shape, false, true, mem, arena);
                    NDArray dstRev = back.view().slice(rank - 1, inner - 1, -1, -1);
                    Made backRev = new Made(dstRev, back.backing(), back.layout() + " reversed");
                    assertSameWrites(backRev, "copy into reversed", k -> k.copy(dense, dstRev), () -> ReferenceOps.copy(dense, dstRev));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(DataType.class)
    void scalarAndLowerRankBroadcastFill(DataType t) {
        Random rnd = new Random(0xF111 + t.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            for (int rank = 0; rank <= 5; rank++) {
                for (long inner : TestArrays.awkwardSizes(t.byteSize())) {
                    long[] shape = TestArrays.shape(rnd, rank, inner);
                    boolean dense = rnd.nextInt(3) > 0;
                    Made dst = make(rnd, t, shape, false, dense, memory(rnd), arena);
                    NDArray value = make(rnd, t, new long[0], false, true, memory(rnd), arena).view();
                    NDArray scalar = value.broadcastTo(shape);
                    assertSameWrites(dst, "scalar fill", k -> k.copy(scalar, dst.view()), () -> ReferenceOps.copy(scalar, dst.view()));
                    // Values whose bytes are all alike (zero, the usual fill value) take a memset path.
                    for (byte b : new byte[] {0, t == DataType.BOOL ? 1 : (byte) 0x7F}) {
                        NDArray same = NDArray.allocate(arena, t, NDArray.Order.C, new long[0]);
                        same.segment().fill(b);
                        NDArray sameFill = same.broadcastTo(shape);
                        assertSameWrites(dst, "byte-repeat fill " + b, k -> k.copy(sameFill, dst.view()), () -> ReferenceOps.copy(sameFill, dst.view()));
                    }
                    if (rank >= 1) {
                        // A lower-rank array (the trailing dims) repeated over the leading ones.
                        int keep = 1 + rnd.nextInt(rank);
                        long[] tail = java.util.Arrays.copyOfRange(shape, rank - keep, rank);
                        NDArray row = make(rnd, t, tail, false, rnd.nextBoolean(), memory(rnd), arena).view().broadcastTo(shape);
                        assertSameWrites(dst, "lower-rank broadcast", k -> k.copy(row, dst.view()), () -> ReferenceOps.copy(row, dst.view()));
                    }
                }
            }
        }
    }
}
