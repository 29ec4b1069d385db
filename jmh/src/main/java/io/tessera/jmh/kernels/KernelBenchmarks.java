package io.tessera.jmh.kernels;

import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;
import io.tessera.memory.kernel.ArrayKernels;
import io.tessera.memory.kernel.Kernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The memory kernels against the bound each one chases, in pairs: {@code X} runs the kernel,
 * {@code XBound} moves the same bytes with {@link MemorySegment#copy} or {@link MemorySegment#fill}.
 * Every benchmark verifies its output after each iteration. {@link KernelRatios} runs them and
 * prints kernel/bound ratios from the one run.
 *
 * <ul>
 *   <li>{@code chunkFill}: a contiguous 61x63x67 uint16 block into a chunk (target >= 0.8x copy);
 *   <li>{@code subBox}: a 64x64x64 uint16 chunk out of a 1000x1000x64 source at (333, 517, 0)
 *       (target >= 0.5x a copy of the same bytes); its rows merge into 8 KiB runs;
 *   <li>{@code subBoxRows}: the same chunk out of a 700x700x200 source at (333, 217, 5), where
 *       they cannot: 4096 rows of 128 bytes (same bound);
 *   <li>{@code scalarFill}: a 61x63x67 float32 chunk set to one value (target >= 0.8x fill);
 *   <li>{@code int32ToFloat32}: 257481 elements converted (target >= 0.5x copy of the same bytes);
 *   <li>{@code reversedCopy}, {@code byteSwap}: the uint16 block read backwards along its rows, or
 *       with each element's bytes swapped, into a chunk (against a copy);
 *   <li>{@code allEqual}: whether the float32 chunk holds one value everywhere (against
 *       {@link MemorySegment#mismatch} with a same-sized segment).
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class KernelBenchmarks {
    static final long[] CHUNK = {61, 63, 67};
    static final long[] SOURCE = {1000, 1000, 64};
    static final long[] BOX_AT = {333, 517, 0};
    static final long BOX = 64;
    static final long[] WIDE = {700, 700, 200};
    static final long[] WIDE_AT = {333, 217, 5};
    static final float FILL = 1.5f;

    /** Which twin runs the kernels: {@code vector} or {@code scalar}. */
    @Param({"vector"})
    public String kernels;

    private ArrayKernels k;
    private Arena arena;
    private NDArray wide, wideBox;
    private NDArray block, chunk, source, box, boxChunk, floats, value, ints, converted, reversed, filled;
    private MemorySegment bound, boundBox, filledTwin;

    @Setup(Level.Trial)
    public void setUp() {
        k = kernels.equals("scalar") ? Kernels.scalar() : Kernels.vector();
        arena = Arena.ofShared();
        block = NDArray.allocate(arena, DataType.UINT16, NDArray.Order.C, CHUNK);
        chunk = NDArray.allocate(arena, DataType.UINT16, NDArray.Order.C, CHUNK);
        pattern(block.segment());
        source = NDArray.allocate(arena, DataType.UINT16, NDArray.Order.C, SOURCE);
        pattern(source.segment());
        box = source.slice(0, BOX_AT[0], BOX_AT[0] + BOX, 1).slice(1, BOX_AT[1], BOX_AT[1] + BOX, 1);
        boxChunk = NDArray.allocate(arena, DataType.UINT16, NDArray.Order.C, BOX, BOX, BOX);
        wide = NDArray.allocate(arena, DataType.UINT16, NDArray.Order.C, WIDE);
        pattern(wide.segment());
        wideBox = wide;
        for (int d = 0; d < 3; d++) wideBox = wideBox.slice(d, WIDE_AT[d], WIDE_AT[d] + BOX, 1);
        floats = NDArray.allocate(arena, DataType.FLOAT32, NDArray.Order.C, CHUNK);
        value = NDArray.of(FILL);
        long n = floats.size();
        ints = NDArray.allocate(arena, DataType.INT32, NDArray.Order.C, n);
        for (long i = 0; i < n; i++) ints.segment().setAtIndex(ValueLayout.JAVA_INT, i, (int) (i * 2654435761L) >> 3);
        converted = NDArray.allocate(arena, DataType.FLOAT32, NDArray.Order.C, n);
        bound = arena.allocate(Math.max(ints.segment().byteSize(), boxChunk.segment().byteSize()), 64);
        boundBox = arena.allocate(boxChunk.segment().byteSize(), 64);
        reversed = block.slice(2, CHUNK[2] - 1, -1, -1);
        filled = NDArray.allocate(arena, DataType.FLOAT32, NDArray.Order.C, CHUNK);
        Kernels.scalar().copy(value.broadcastTo(CHUNK), filled);
        filledTwin = arena.allocate(filled.segment().byteSize(), 64);
        MemorySegment.copy(filled.segment(), 0, filledTwin, 0, filledTwin.byteSize());
    }

    @TearDown(Level.Trial)
    public void tearDown() { arena.close(); }

    private static void pattern(MemorySegment s) {
        for (long i = 0; i + 8 <= s.byteSize(); i += 8) s.set(ValueLayout.JAVA_LONG, i, i * 0x9E3779B97F4A7C15L);
    }

    // ---- contiguous block into a chunk -----------------------------------------------------

    @Benchmark
    public NDArray chunkFill() {
        k.copy(block, chunk);
        return chunk;
    }

    @Benchmark
    public MemorySegment chunkFillBound() {
        MemorySegment.copy(block.segment(), 0, bound, 0, block.segment().byteSize());
        return bound;
    }

    // ---- 64^3 box out of a large source ----------------------------------------------------

    @Benchmark
    public NDArray subBox() {
        k.copy(box, boxChunk);
        return boxChunk;
    }

    @Benchmark
    public MemorySegment subBoxBound() {
        MemorySegment.copy(source.segment(), box.offset(), boundBox, 0, boundBox.byteSize());
        return boundBox;
    }

    @Benchmark
    public NDArray subBoxRows() {
        k.copy(wideBox, boxChunk);
        return boxChunk;
    }

    @Benchmark
    public MemorySegment subBoxRowsBound() {
        MemorySegment.copy(wide.segment(), wideBox.offset(), boundBox, 0, boundBox.byteSize());
        return boundBox;
    }

    // ---- scalar broadcast fill -------------------------------------------------------------

    @Benchmark
    public NDArray scalarFill() {
        k.copy(value.broadcastTo(CHUNK), floats);
        return floats;
    }

    @Benchmark
    public MemorySegment scalarFillBound() {
        return bound.asSlice(0, floats.segment().byteSize()).fill((byte) 0x3F);
    }

    // ---- int32 -> float32 ------------------------------------------------------------------

    @Benchmark
    public NDArray int32ToFloat32() {
        k.copy(ints, converted);
        return converted;
    }

    @Benchmark
    public MemorySegment int32ToFloat32Bound() {
        MemorySegment.copy(ints.segment(), 0, bound, 0, ints.segment().byteSize());
        return bound;
    }

    // ---- reversed rows, byte swap, compare to a value ---------------------------------------

    @Benchmark
    public NDArray reversedCopy() {
        k.copy(reversed, chunk);
        return chunk;
    }

    @Benchmark
    public MemorySegment reversedCopyBound() { return chunkFillBound(); }

    @Benchmark
    public NDArray byteSwap() {
        k.byteSwap(block, chunk);
        return chunk;
    }

    @Benchmark
    public MemorySegment byteSwapBound() { return chunkFillBound(); }

    @Benchmark
    public boolean allEqual() {
        return k.equalBytes(filled, value.broadcastTo(CHUNK));
    }

    @Benchmark
    public long allEqualBound() {
        return MemorySegment.mismatch(filled.segment(), 0, filledTwin.byteSize(), filledTwin, 0, filledTwin.byteSize());
    }

    /** Fails the run when the output of the benchmark that just ran is wrong. */
    @TearDown(Level.Iteration)
    public void verify(BenchmarkParams params) {
        String name = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        switch (name) {
            case "chunkFill" -> check(same(block.segment(), chunk.segment(), chunk.segment().byteSize()), name);
            case "chunkFillBound" -> check(same(block.segment(), bound, block.segment().byteSize()), name);
            case "subBox" -> {
                // Element by element through NDArray's own indexing, independent of the kernels.
                long[] p = new long[3];
                for (p[0] = 0; p[0] < BOX; p[0]++) {
                    for (p[1] = 0; p[1] < BOX; p[1]++) {
                        for (p[2] = 0; p[2] < BOX; p[2]++) {
                            long want = source.getLong(p[0] + BOX_AT[0], p[1] + BOX_AT[1], p[2] + BOX_AT[2]);
                            check(boxChunk.getLong(p) == want, "subBox at " + Arrays.toString(p));
                        }
                    }
                }
            }
            case "subBoxRows" -> {
                long[] p = new long[3];
                for (p[0] = 0; p[0] < BOX; p[0]++) {
                    for (p[1] = 0; p[1] < BOX; p[1]++) {
                        for (p[2] = 0; p[2] < BOX; p[2]++) {
                            long want = wide.getLong(p[0] + WIDE_AT[0], p[1] + WIDE_AT[1], p[2] + WIDE_AT[2]);
                            check(boxChunk.getLong(p) == want, "subBoxRows at " + Arrays.toString(p));
                        }
                    }
                }
            }
            case "subBoxRowsBound" -> check(same(wide.segment().asSlice(wideBox.offset()), boundBox, boundBox.byteSize()), name);
            case "subBoxBound" -> check(same(source.segment().asSlice(box.offset()), boundBox, boundBox.byteSize()), name);
            case "scalarFill" -> {
                for (long i = 0; i < floats.size(); i++) check(floats.segment().getAtIndex(ValueLayout.JAVA_FLOAT, i) == FILL, "scalarFill at " + i);
            }
            case "scalarFillBound" -> {
                long n = floats.segment().byteSize();
                for (long i = 0; i < n; i++) check(bound.get(ValueLayout.JAVA_BYTE, i) == 0x3F, "scalarFillBound at " + i);
            }
            case "int32ToFloat32" -> {
                for (long i = 0; i < ints.size(); i++) {
                    check(converted.segment().getAtIndex(ValueLayout.JAVA_FLOAT, i) == (float) ints.segment().getAtIndex(ValueLayout.JAVA_INT, i),
                            "int32ToFloat32 at " + i);
                }
            }
            case "int32ToFloat32Bound" -> check(same(ints.segment(), bound, ints.segment().byteSize()), name);
            case "reversedCopy" -> {
                for (long r = 0; r < CHUNK[0] * CHUNK[1]; r++) {
                    for (long j = 0; j < CHUNK[2]; j++) {
                        check(chunk.getLong(r / CHUNK[1], r % CHUNK[1], j) == block.getLong(r / CHUNK[1], r % CHUNK[1], CHUNK[2] - 1 - j), "reversedCopy");
                    }
                }
            }
            case "byteSwap" -> {
                for (long i = 0; i < block.size(); i++) {
                    check(chunk.segment().getAtIndex(ValueLayout.JAVA_SHORT, i) == Short.reverseBytes(block.segment().getAtIndex(ValueLayout.JAVA_SHORT, i)), "byteSwap");
                }
            }
            case "allEqual" -> {
                check(k.equalBytes(filled, value.broadcastTo(CHUNK)), name);
                filled.setDouble(2.5, CHUNK[0] - 1, CHUNK[1] - 1, CHUNK[2] - 1);
                check(!k.equalBytes(filled, value.broadcastTo(CHUNK)), name + " of a chunk with one other value");
                filled.setDouble(FILL, CHUNK[0] - 1, CHUNK[1] - 1, CHUNK[2] - 1);
            }
            case "reversedCopyBound", "byteSwapBound" -> check(same(block.segment(), bound, block.segment().byteSize()), name);
            case "allEqualBound" -> check(same(filled.segment(), filledTwin, filledTwin.byteSize()), name);
            default -> throw new IllegalStateException("no check for " + name);
        }
    }

    private static boolean same(MemorySegment a, MemorySegment b, long bytes) {
        return MemorySegment.mismatch(a, 0, bytes, b, 0, bytes) < 0;
    }

    private static void check(boolean ok, String what) {
        if (!ok) throw new IllegalStateException("wrong result: " + what);
    }
}
