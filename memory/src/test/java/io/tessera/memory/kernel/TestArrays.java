package io.tessera.memory.kernel;

import static org.junit.jupiter.api.Assertions.fail;

import io.tessera.memory.DataType;
import io.tessera.memory.Elements;
import io.tessera.memory.NDArray;
import io.tessera.memory.ReferenceOps;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/** Randomly laid out views over random bytes, and the three-way comparison kernel tests run. */
final class TestArrays {
    private TestArrays() {}

    enum Memory { HEAP_BYTES, HEAP_LONGS, OFF_HEAP }

    /** A view and the whole segment under it, so a test sees bytes written outside the view too. */
    record Made(NDArray view, MemorySegment backing, String layout) {
        byte[] snapshot() { return backing.toArray(ValueLayout.JAVA_BYTE); }

        void restore(byte[] bytes) { MemorySegment.copy(MemorySegment.ofArray(bytes), 0, backing, 0, bytes.length); }

        @Override
        public String toString() { return layout; }
    }

    static int vectorBytes() {
        try {
            return VectorKernels.vectorBytes();
        } catch (LinkageError e) {
            return 64;
        }
    }

    /** The awkward extents for elements of {@code es} bytes: 0, 1, lanes +- 1 for each lane count a kernel uses, 13, 207, 702. */
    static long[] awkwardSizes(int es) {
        int vb = vectorBytes();
        List<Long> sizes = new ArrayList<>(List.of(0L, 1L, 13L, 207L, 702L));
        for (int lanes : new int[] {vb / es, vb / 4, vb / 8}) {
            if (lanes > 1) { sizes.add((long) lanes - 1); sizes.add((long) lanes + 1); }
        }
        return sizes.stream().mapToLong(Long::longValue).distinct().sorted().toArray();
    }

    /** A random shape of {@code rank} whose innermost extent is {@code inner} and that stays small. */
    static long[] shape(Random rnd, int rank, long inner) {
        long[] shape = new long[rank];
        if (rank == 0) return shape;
        for (int d = 0; d < rank - 1; d++) shape[d] = 1 + rnd.nextInt(rank > 3 ? 2 : 3);
        shape[rank - 1] = inner;
        return shape;
    }

    private static final double[] SPECIAL = {
        Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 0.5, -0.5, -1.5, 127.5, 255.9,
        32768.0, 65535.5, -32769.0, 0x1p31, -0x1p31 - 1, 0x1p32, 3e9, -3e9, 0x1p63, -0x1p63, 0x1p64, 1e20, -1e20,
        1e-45, 1e-310, 3.4e38, 1e300, 16777217.0, 2049.0
    };

    /**
     * A view of {@code shape} with a random layout: dims permuted, reversed, stepped by 2, padded,
     * broadcast with stride 0 (when {@code zeroStrides}), at an unaligned offset, over random bytes
     * sprinkled with special values (NaN payloads, infinities, out-of-range) for floating types.
     * {@code dense} gives a C-contiguous view (still at a random offset).
     */
    static Made make(Random rnd, DataType t, long[] shape, boolean zeroStrides, boolean dense, Memory mem, Arena arena) {
        int rank = shape.length, es = t.byteSize();
        int[] step = new int[rank];
        boolean[] bcast = new boolean[rank];
        long[] base = new long[rank];
        int[] steps = {1, 1, 1, -1, 2, -2, -3};
        for (int d = 0; d < rank; d++) {
            bcast[d] = !dense && zeroStrides && rnd.nextInt(4) == 0;
            step[d] = dense ? 1 : steps[rnd.nextInt(steps.length)];
            long used = bcast[d] ? 1 : shape[d] == 0 ? 0 : (shape[d] - 1) * Math.abs(step[d]) + 1;
            base[d] = used + (dense ? 0 : rnd.nextInt(3));
        }
        int[] perm = new int[rank];
        for (int d = 0; d < rank; d++) perm[d] = d;
        if (!dense && rnd.nextInt(3) == 0) {
            for (int d = rank - 1; d > 0; d--) { int j = rnd.nextInt(d + 1); int x = perm[d]; perm[d] = perm[j]; perm[j] = x; }
        }
        long[] permuted = new long[rank];
        int[] inverse = new int[rank];
        for (int k = 0; k < rank; k++) { permuted[k] = base[perm[k]]; inverse[perm[k]] = k; }
        long count = 1;
        for (long e : permuted) count *= e;
        int offset = rnd.nextInt(9);
        long size = offset + Math.max(1, count) * es + rnd.nextInt(3);
        MemorySegment seg = switch (mem) {
            case HEAP_BYTES -> MemorySegment.ofArray(new byte[(int) size]);
            case HEAP_LONGS -> MemorySegment.ofArray(new long[(int) ((size + 7) / 8)]);
            case OFF_HEAP -> arena.allocate(size + 1, 16).asSlice(1);
        };
        byte[] noise = new byte[(int) seg.byteSize()];
        rnd.nextBytes(noise);
        MemorySegment.copy(MemorySegment.ofArray(noise), 0, seg, 0, noise.length);
        NDArray v = NDArray.view(seg, offset, t, new long[rank], permuted, NDArray.contiguousStrides(t, permuted, NDArray.Order.C))
                .transpose(inverse);
        for (int d = 0; d < rank; d++) {
            if (bcast[d]) { v = v.slice(d, 0, 1, 1); continue; }
            long span = shape[d] == 0 ? 0 : (shape[d] - 1) * Math.abs(step[d]) + 1;
            long slack = base[d] - span;
            long first = slack == 0 ? 0 : rnd.nextLong(slack + 1);
            if (step[d] > 0) v = v.slice(d, first, first + span, step[d]);
            else v = v.slice(d, base[d] - 1 - first, base[d] - 1 - first - span, step[d]);
        }
        v = v.broadcastTo(shape);
        if (t.isFloatingPoint() || t.isComplex()) {
            NDArray target = v;
            ReferenceOps.forEachPair(target, target, (s, o, s2, o2) -> {
                if (rnd.nextInt(4) == 0) {
                    double x = SPECIAL[rnd.nextInt(SPECIAL.length)];
                    if (Double.isNaN(x) && rnd.nextBoolean()) {
                        // A NaN with payload bits, the case where conversions most easily differ.
                        x = Double.longBitsToDouble(0x7FF0_0000_0000_0000L | (rnd.nextLong() & 0x000F_FFFF_FFFF_FFFFL) | 1L << 51 >>> rnd.nextInt(2));
                    }
                    Elements.setComplex(s, o, t, rnd.nextBoolean() ? x : -x, rnd.nextBoolean() ? x : 0);
                }
            });
        }
        String layout = t + " shape " + Arrays.toString(shape) + " strides " + Arrays.toString(v.byteStrides())
                + " offset " + v.offset() + " " + mem;
        return new Made(v, seg, layout);
    }

    /**
     * Runs {@code op} through the element-by-element reference, the scalar kernels, the vector
     * kernels (when this JVM can run them) and the selected ones, restoring {@code out}'s bytes in
     * between, and fails unless all leave the same bytes everywhere in {@code out}'s segment.
     */
    static void assertSameWrites(Made out, String what, Consumer<ArrayKernels> op, Runnable reference) {
        byte[] before = out.snapshot();
        reference.run();
        byte[] expected = out.snapshot();
        for (ArrayKernels k : kernels()) {
            out.restore(before);
            op.accept(k);
            byte[] actual = out.snapshot();
            int at = Arrays.mismatch(expected, actual);
            if (at >= 0) {
                fail(k.name() + " kernels differ from the reference at byte " + at + " of the output segment (expected "
                        + expected[at] + ", got " + actual[at] + "): " + what + " -> " + out);
            }
        }
        out.restore(before);
    }

    static List<ArrayKernels> kernels() {
        List<ArrayKernels> ks = new ArrayList<>(List.of(Kernels.scalar()));
        try {
            ks.add(Kernels.vector());
        } catch (IllegalStateException e) {
            // Without the Vector API only the scalar twin exists; KernelSelectionTest fails when a run requires it.
        }
        ks.add(Kernels.selected());
        return ks;
    }

    static Memory memory(Random rnd) { return Memory.values()[rnd.nextInt(Memory.values().length)]; }
}
