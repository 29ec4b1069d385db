package io.tessera.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link NDArray}'s views (index, slice, transpose, broadcastTo) against NumPy's. */
class NDArrayViewsTest {

    /**
     * Large arrays come from huge-page mappings instead of the arena's allocator, but keep the
     * arena's contract: zero-filled, aligned, and freed with it (later access fails cleanly).
     */
    @Test
    void largeAllocationsAreZeroedAlignedAndFreedWithTheirArena() {
        for (long n : new long[] {(2L << 20) / 4 - 1, (2L << 20) / 4, (9L << 20) / 4 + 3}) {
            java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined();
            NDArray a = NDArray.allocate(arena, DataType.FLOAT32, NDArray.Order.C, n);
            java.lang.foreign.MemorySegment s = a.segment();
            assertEquals(n * 4, s.byteSize());
            assertEquals(0, s.address() % 64);
            // From 2 MiB on, the huge-page mapping (aligned to a huge page), not the arena's allocator.
            if (s.byteSize() >= io.tessera.nativeio.LibC.HUGE_PAGE) assertEquals(0, s.address() % io.tessera.nativeio.LibC.HUGE_PAGE);
            assertEquals(-1, s.mismatch(java.lang.foreign.MemorySegment.ofArray(new byte[(int) s.byteSize()])), "not zero-filled");
            s.set(ValueLayout.JAVA_FLOAT, s.byteSize() - 4, 1.5f);
            assertEquals(1.5f, a.getDouble(n - 1), 0);
            arena.close();
            assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_BYTE, 0));
        }
    }

    private static final DataType[] TYPES = {DataType.INT32, DataType.UINT8, DataType.FLOAT64, DataType.FLOAT32,
            DataType.BOOL, DataType.INT16, DataType.COMPLEX128, DataType.UINT64};

    private record Chain(DataType dtype, long[] shape, List<String> ops) {}

    private static NDArray arange(DataType t, long[] shape) {
        NDArray a = NDArray.allocate(t, shape);
        long[] pos = new long[shape.length];
        for (long i = 0; i < a.size(); i++) {
            long r = i;
            for (int d = shape.length - 1; d >= 0; d--) {
                pos[d] = r % shape[d];
                r /= shape[d];
            }
            a.setLong(i, pos);
        }
        return a;
    }

    private static NDArray apply(NDArray a, String op) {
        String[] f = op.split(" ");
        int[] args = Arrays.stream(f).skip(1).mapToInt(Integer::parseInt).toArray();
        return switch (f[0]) {
            case "i" -> a.index(args[0], args[1]);
            case "s" -> a.slice(args[0], args[1], args[2], args[3]);
            case "t" -> a.transpose(args);
            case "T" -> a.transpose();
            case "b" -> a.broadcastTo(Arrays.stream(args).asLongStream().toArray());
            default -> throw new IllegalArgumentException(op);
        };
    }

    /** A random op that is valid for an array of {@code shape}, or null. */
    private static String randomOp(SplittableRandom rnd, long[] shape) {
        int rank = shape.length;
        switch (rnd.nextInt(5)) {
            case 0 -> {
                if (rank == 0) return null;
                int d = rnd.nextInt(rank);
                return shape[d] == 0 ? null : "i " + d + " " + rnd.nextLong(shape[d]);
            }
            case 1 -> {
                if (rank == 0) return null;
                int d = rnd.nextInt(rank);
                long n = shape[d];
                int step = rnd.nextInt(1, 4) * (rnd.nextBoolean() ? 1 : -1);
                if (n == 0) return "s " + d + " 0 0 " + Math.abs(step);
                long start = rnd.nextLong(n);
                long stop = step > 0 ? rnd.nextLong(0, n + 1) : rnd.nextLong(-1, n);
                return "s " + d + " " + start + " " + stop + " " + step;
            }
            case 2 -> {
                List<Integer> p = new ArrayList<>();
                for (int d = 0; d < rank; d++) p.add(d);
                java.util.Collections.shuffle(p, new java.util.Random(rnd.nextLong()));
                return "t" + p.stream().map(x -> " " + x).collect(Collectors.joining());
            }
            case 3 -> {
                return "T";
            }
            default -> {
                if (rank >= 5) return null;
                StringBuilder sb = new StringBuilder("b");
                if (rnd.nextBoolean()) sb.append(' ').append(rnd.nextInt(1, 4));
                for (long s : shape) sb.append(' ').append(s == 1 ? rnd.nextInt(1, 4) : s);
                return sb.toString();
            }
        }
    }

    @Test
    void releasedPooledArrayAndItsViewsFailInsteadOfReadingRecycledMemory() {
        NDArray a = NDArray.allocateUninitialized(DataType.UINT16, NDArray.Order.C, 300, 400);
        a.setLong(5, 1, 2);
        NDArray view = a.slice(0, 1, 3, 1).transpose();
        assertEquals(5, view.getLong(2, 0));
        view.release(); // a view releases the memory it shares with every other view
        assertThrows(IllegalStateException.class, () -> a.getLong(1, 2));
        assertThrows(IllegalStateException.class, () -> view.getLong(2, 0));
        a.release();
        NDArray small = NDArray.allocateUninitialized(DataType.UINT16, NDArray.Order.C, 3);
        small.release(); // on the heap: nothing to give back, still usable
        assertEquals(0, small.getLong(0));
    }

    @Test
    void viewsMatchNumpy(@TempDir Path dir) throws IOException {
        SplittableRandom rnd = new SplittableRandom(2026);
        Map<String, Chain> chains = new LinkedHashMap<>();
        List<String> lines = new ArrayList<>();
        for (int c = 0; c < 400; c++) {
            DataType t = TYPES[c % TYPES.length];
            int rank = rnd.nextInt(5);
            long[] shape = new long[rank];
            // The last chains use larger arrays, so that their reprs are summarized.
            int maxExtent = c < 350 ? 6 : 40;
            for (int d = 0; d < rank; d++) shape[d] = rnd.nextInt(10) == 0 ? 0 : rnd.nextInt(1, maxExtent);
            NDArray a = arange(t, shape);
            List<String> ops = new ArrayList<>();
            int length = rnd.nextInt(1, 5);
            while (ops.size() < length) {
                String op = randomOp(rnd, a.shape());
                if (op == null) {
                    if (a.rank() == 0) break;
                    continue;
                }
                ops.add(op);
                a = apply(a, op);
            }
            String id = "c" + c;
            chains.put(id, new Chain(t, shape, ops));
            lines.add(id + "\t" + t.typeName() + "\t" + Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(","))
                    + "\t" + String.join(";", ops));
        }
        Path input = dir.resolve("chains.tsv");
        Files.write(input, lines);
        int checked = 0;
        for (String line : PythonOracle.run("views_oracle.py", input.toString()).split("\n")) {
            if (line.isBlank()) continue;
            String[] f = line.split("\t", -1);
            Chain chain = chains.get(f[0]);
            NDArray a = arange(chain.dtype, chain.shape);
            for (String op : chain.ops) a = apply(a, op);
            String what = f[0] + " " + chain.dtype + Arrays.toString(chain.shape) + " " + chain.ops;
            long[] shape = f[1].isEmpty() ? new long[0] : Arrays.stream(f[1].split(",")).mapToLong(Long::parseLong).toArray();
            assertArrayEquals(shape, a.shape(), what);
            NDArray c = a.copy();
            byte[] bytes = c.segment().asSlice(0, c.size() * c.dtype().byteSize()).toArray(ValueLayout.JAVA_BYTE);
            assertEquals(f[2], HexFormat.of().formatHex(bytes), what + ": values");
            assertEquals(f[3].replace("\\n", "\n"), a.toString(), what + ": repr");
            checked++;
        }
        assertEquals(chains.size(), checked);
    }

    @Test
    void invalidViewsFailWithTheNumbers() {
        NDArray a = NDArray.allocate(DataType.INT32, 4, 5);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> a.index(0, 4));
        assertEquals("Index 4 is outside valid range [0, 4)", e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> a.index(1, -1));
        assertThrows(IndexOutOfBoundsException.class, () -> a.slice(1, 0, 6, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> a.slice(1, 5, 0, -1));
        assertThrows(IllegalArgumentException.class, () -> a.slice(1, 0, 3, 0));
        assertThrows(IllegalArgumentException.class, () -> a.transpose(0, 0));
        assertThrows(IllegalArgumentException.class, () -> a.transpose(0));
        IllegalArgumentException b = assertThrows(IllegalArgumentException.class, () -> a.broadcastTo(4, 6));
        assertTrue(b.getMessage().contains("[4, 5]") && b.getMessage().contains("[4, 6]"), b.getMessage());
        assertThrows(IllegalArgumentException.class, () -> a.broadcastTo(5));
        assertThrows(IndexOutOfBoundsException.class,
                () -> NDArray.view(a.segment(), 0, DataType.INT32, new long[1], new long[] {21}, new long[] {4}));
    }

    /**
     * Slices and views at the ends of the long range: the arithmetic that decides how many
     * elements there are and where they lie does not wrap. Oracles: NumPy's {@code len(range(...))}
     * for the counts of in-range slices; out-of-range positions are errors in this API.
     */
    @Test
    void slicesAndViewsNearTheLongRangeDoNotWrap() {
        NDArray a = NDArray.allocate(DataType.INT8, 10);
        // len(range(-1, 2**63 - 1, 1)) is huge and starts out of range: an error, not an empty view.
        assertThrows(IndexOutOfBoundsException.class, () -> a.slice(0, -1, Long.MAX_VALUE, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> a.slice(0, 0, Long.MAX_VALUE, 1));
        // len(range(5, -2**63, 1)) == 0: empty, not an error.
        assertEquals(0, a.slice(0, 5, Long.MIN_VALUE, 1).shape(0));
        // len(range(5, 0, -2**63)) == 1 (position 5); range(5, -2**63, -2**63) also holds 5 - 2**63,
        // out of range.
        assertEquals(1, a.slice(0, 5, 0, Long.MIN_VALUE).shape(0));
        assertThrows(IndexOutOfBoundsException.class, () -> a.slice(0, 5, Long.MIN_VALUE, Long.MIN_VALUE));
        // len(range(9, -1, -(2**62))) == 1; len(range(0, 10, 2**62)) == 1.
        assertEquals(1, a.slice(0, 9, -1, -(1L << 62)).shape(0));
        assertEquals(1, a.slice(0, 0, 10, 1L << 62).shape(0));
        // A view whose extent wraps past 2^63 is refused instead of aliasing element 0.
        assertThrows(IndexOutOfBoundsException.class, () -> NDArray.view(java.lang.foreign.MemorySegment.ofArray(new byte[8]), 0, DataType.INT8,
                new long[4], new long[] {2, 2, 2, 2}, new long[] {1L << 62, 1L << 62, 1L << 62, 1L << 62}));
    }
}
