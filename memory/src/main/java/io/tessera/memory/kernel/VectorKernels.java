package io.tessera.memory.kernel;

import static jdk.incubator.vector.VectorOperators.*;

import io.tessera.memory.DataType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API kernels: broadcast fill, reversed-row copy, fused dtype conversion, byte swap and
 * compare-to-value run on vectors of the platform's preferred width; contiguous copies use
 * {@link MemorySegment#copy}, and fills with a value whose bytes are all alike (zero) use
 * {@link MemorySegment#fill}; every other case runs the loops of {@link ScalarKernels}, which define
 * the results bit for bit.
 *
 * <p>Until C2 compiles them, Vector API operations run as Java fallbacks many times slower than
 * scalar code (measured: the first 64 MiB fill in a fresh JVM took about 2x the scalar twin's
 * time, the first int32 -> float32 conversion about 3x). Long-running services warm up past this; a
 * one-shot process moving a large array once may run faster with {@code -Dtessera.kernels=scalar}.
 */
public final class VectorKernels extends StridedLoops {
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final VectorSpecies<Byte> BV = ByteVector.SPECIES_PREFERRED;
    private static final int VB = BV.vectorByteSize();

    // Conversion species come in two lane counts: that of the preferred int vector (W) and that of
    // the preferred long vector (N). Same lane count on both sides makes every convert one lane-wise step.
    private static final VectorSpecies<Integer> I_W = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> F_W = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> S_W = ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(I_W.vectorBitSize() / 2));
    private static final VectorSpecies<Byte> B_W = BV.withShape(VectorShape.forBitSize(I_W.vectorBitSize() / 4));
    private static final VectorSpecies<Long> L_N = LongVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> D_N = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I_N = I_W.withShape(VectorShape.forBitSize(L_N.vectorBitSize() / 2));
    private static final VectorSpecies<Float> F_N = F_W.withShape(VectorShape.forBitSize(L_N.vectorBitSize() / 2));
    private static final VectorSpecies<Short> S_N = S_W.withShape(VectorShape.forBitSize(L_N.vectorBitSize() / 4));
    private static final int W = I_W.length(), N = L_N.length();

    // Byte permutations: reverse the element order of a vector keeping each element's bytes, or
    // reverse the bytes inside each component. Each must be a constant where rearrange uses it: a
    // shuffle C2 cannot see as constant leaves the intrinsic, about 100x slower.
    private static final VectorShuffle<Byte> REV1 = reverseElements(1), REV2 = reverseElements(2), REV4 = reverseElements(4),
            REV8 = reverseElements(8), REV16 = reverseElements(16);
    private static final VectorShuffle<Byte> SWAP2 = swapBytes(2), SWAP4 = swapBytes(4), SWAP8 = swapBytes(8);

    /** Use {@link Kernels#vector()}. */
    VectorKernels() {}

    /** Why the vector path should not be used on this platform, or null. */
    static String unusableReason() {
        // Below 256 bits the narrow side of a widening convert would need a vector of under 64 bits.
        if (BV.vectorBitSize() < 256) return "preferred vector size is " + BV.vectorBitSize() + " bits, below 256";
        return null;
    }

    static String describe() { return BV.vectorBitSize() + "-bit vectors"; }

    /** Bytes per vector register: tests size their arrays around it. */
    static int vectorBytes() { return VB; }

    @Override
    public String name() { return "vector"; }

    @Override
    void copyRow(MemorySegment s, long so, long ss, MemorySegment d, long dOff, long ds, long n, int es) {
        long bytes = n * es;
        // Contiguous rows stay with MemorySegment.copy even when short: vector moves measured no faster
        // there, and unlike them it is fast before C2 has compiled this class.
        if (ss == es && ds == es) MemorySegment.copy(s, so, d, dOff, bytes);
        // A value whose bytes are all alike (zero, the usual fill value) is a memset. Once C2 has
        // compiled the vector stores they fill a cached chunk about 2x faster (113 against 58 GB/s
        // for 128 KiB here, 1 us a chunk), but until then they run as Java fallbacks at a fraction
        // of that, and a process's first thousands of small writes each fill a chunk.
        else if (ss == 0 && ds == es && isByteRepeat(s, so, es)) d.asSlice(dOff, bytes).fill(s.get(ScalarKernels.B, so));
        else if (ss == 0 && ds == es && bytes >= VB) fill(s, so, d, dOff, bytes, es);
        else if (ss == -es && ds == es && bytes >= VB) reverse(s, so, d, dOff, n, es);
        else if (ss == 0) ScalarKernels.fill(s, so, d, dOff, ds, n, es);
        else ScalarKernels.stridedCopy(s, so, ss, d, dOff, ds, n, es);
    }

    private static boolean isByteRepeat(MemorySegment s, long so, int es) {
        byte first = s.get(ScalarKernels.B, so);
        for (int j = 1; j < es; j++) if (s.get(ScalarKernels.B, so + j) != first) return false;
        return true;
    }

    private static ByteVector pattern(MemorySegment s, long so, int es) {
        byte[] p = new byte[VB];
        for (int j = 0; j < VB; j++) p[j] = s.get(ScalarKernels.B, so + j % es);
        return ByteVector.fromArray(BV, p, 0);
    }

    private static void fill(MemorySegment s, long so, MemorySegment d, long dOff, long bytes, int es) {
        // VB is a multiple of every element size, so the repeated pattern stays in phase at every store.
        ByteVector v = pattern(s, so, es);
        long bound = BV.loopBound(bytes);
        for (long i = 0; i < bound; i += VB) v.intoMemorySegment(d, dOff + i, NO);
        // Overlapping last store: rewriting bytes already filled is harmless, and bytes - VB is element aligned.
        if (bound < bytes) v.intoMemorySegment(d, dOff + bytes - VB, NO);
    }

    private static void reverse(MemorySegment s, long so, MemorySegment d, long dOff, long n, int es) {
        long bytes = n * es;
        // Output bytes [i, i+VB) come from the VB source bytes ending one element past source element i/es.
        long end = so + es;
        long bound = BV.loopBound(bytes);
        for (long i = 0; i < bound; i += VB) reverseBlock(s, end - i - VB, d, dOff + i, es);
        // Overlapping last block: the source is unchanged, so rewritten bytes get the same values.
        if (bound < bytes) reverseBlock(s, end - bytes, d, dOff + bytes - VB, es);
    }

    private static void reverseBlock(MemorySegment s, long from, MemorySegment d, long to, int es) {
        ByteVector v = ByteVector.fromMemorySegment(BV, s, from, NO);
        // A switch per block keeps each shuffle a constant; the branch is perfectly predicted.
        v = switch (es) {
            case 1 -> v.rearrange(REV1);
            case 2 -> v.rearrange(REV2);
            case 4 -> v.rearrange(REV4);
            case 8 -> v.rearrange(REV8);
            default -> v.rearrange(REV16);
        };
        v.intoMemorySegment(d, to, NO);
    }

    @Override
    void swapRow(MemorySegment s, long so, long ss, MemorySegment d, long dOff, long ds, long n, int es, int cs) {
        long bytes = n * es, i = 0;
        if (cs > 1 && ss == es && ds == es) {
            long bound = BV.loopBound(bytes);
            for (; i < bound; i += VB) {
                ByteVector v = ByteVector.fromMemorySegment(BV, s, so + i, NO);
                v = cs == 2 ? v.rearrange(SWAP2) : cs == 4 ? v.rearrange(SWAP4) : v.rearrange(SWAP8);
                v.intoMemorySegment(d, dOff + i, NO);
            }
        }
        // Scalar tail, not an overlapping vector: swapping in place must not swap any byte twice.
        ScalarKernels.swap(s, so + i, ss, d, dOff + i, ds, (bytes - i) / es, es, cs);
    }

    @Override
    boolean equalRow(MemorySegment a, long ao, long as, MemorySegment b, long bo, long bs, long n, int es) {
        long bytes = n * es;
        if (as == es && bs == es) return MemorySegment.mismatch(a, ao, ao + bytes, b, bo, bo + bytes) < 0;
        if (as != es || bs != 0 || bytes < VB) return ScalarKernels.stridedEqual(a, ao, as, b, bo, bs, n, es);
        ByteVector v = pattern(b, bo, es);
        long bound = BV.loopBound(bytes);
        for (long i = 0; i < bound; i += VB) {
            if (!ByteVector.fromMemorySegment(BV, a, ao + i, NO).eq(v).allTrue()) return false;
        }
        return bound == bytes || ByteVector.fromMemorySegment(BV, a, ao + bytes - VB, NO).eq(v).allTrue();
    }

    @Override
    void convertRow(MemorySegment s, long so, long ss, DataType from, MemorySegment d, long dOff, long ds, DataType to, long n) {
        long done = ss == from.byteSize() && ds == to.byteSize() ? convert(s, so, from, d, dOff, to, n) : 0;
        // Scalar tail: an in-place conversion between equal widths must not convert an element twice.
        ScalarKernels.convert(s, so + done * ss, ss, from, d, dOff + done * ds, ds, to, n - done);
    }

    /**
     * Converts the leading whole vectors of a contiguous row and returns how many elements it
     * converted (0 for pairs left to the scalar loop). Every conversion here goes through Java's
     * cast semantics, which {@code Elements.convert} also uses: integers narrow by keeping low
     * bits and widen by the source's signedness; floating point goes to an integer through long
     * (truncating, NaN to 0, saturating at the long range) and then keeps the low bits.
     */
    private static long convert(MemorySegment s, long so, DataType from, MemorySegment d, long dOff, DataType to, long n) {
        long i = 0;
        int ts = to.isInteger() ? to.byteSize() : 0;
        switch (from) {
            case INT8 -> {
                long b = I_W.loopBound(n);
                switch (to) {
                    case INT16, UINT16 -> { for (; i < b; i += W) ByteVector.fromMemorySegment(B_W, s, so + i, NO).convertShape(B2S, S_W, 0).intoMemorySegment(d, dOff + i * 2, NO); }
                    case INT32, UINT32 -> { for (; i < b; i += W) ByteVector.fromMemorySegment(B_W, s, so + i, NO).convertShape(B2I, I_W, 0).intoMemorySegment(d, dOff + i * 4, NO); }
                    case FLOAT32 -> { for (; i < b; i += W) ByteVector.fromMemorySegment(B_W, s, so + i, NO).convertShape(B2F, F_W, 0).intoMemorySegment(d, dOff + i * 4, NO); }
                    default -> { }
                }
            }
            case UINT8 -> {
                long b = I_W.loopBound(n);
                switch (to) {
                    case INT16, UINT16 -> { for (; i < b; i += W) ByteVector.fromMemorySegment(B_W, s, so + i, NO).convertShape(ZERO_EXTEND_B2S, S_W, 0).intoMemorySegment(d, dOff + i * 2, NO); }
                    case INT32, UINT32 -> { for (; i < b; i += W) ByteVector.fromMemorySegment(B_W, s, so + i, NO).convertShape(ZERO_EXTEND_B2I, I_W, 0).intoMemorySegment(d, dOff + i * 4, NO); }
                    // Zero-extended uint8 fits int exactly, so the int -> float step rounds nothing.
                    case FLOAT32 -> { for (; i < b; i += W) ByteVector.fromMemorySegment(B_W, s, so + i, NO).convertShape(ZERO_EXTEND_B2I, I_W, 0).convertShape(I2F, F_W, 0).intoMemorySegment(d, dOff + i * 4, NO); }
                    default -> { }
                }
            }
            case INT16 -> {
                if (ts == 1) { for (long b = I_W.loopBound(n); i < b; i += W) ShortVector.fromMemorySegment(S_W, s, so + i * 2, NO).convertShape(S2B, B_W, 0).intoMemorySegment(d, dOff + i, NO); }
                else if (ts == 4) { for (long b = I_W.loopBound(n); i < b; i += W) ShortVector.fromMemorySegment(S_W, s, so + i * 2, NO).convertShape(S2I, I_W, 0).intoMemorySegment(d, dOff + i * 4, NO); }
                else if (ts == 8) { for (long b = L_N.loopBound(n); i < b; i += N) ShortVector.fromMemorySegment(S_N, s, so + i * 2, NO).convertShape(S2L, L_N, 0).intoMemorySegment(d, dOff + i * 8, NO); }
                else if (to == DataType.FLOAT32) { for (long b = I_W.loopBound(n); i < b; i += W) ShortVector.fromMemorySegment(S_W, s, so + i * 2, NO).convertShape(S2F, F_W, 0).intoMemorySegment(d, dOff + i * 4, NO); }
                else if (to == DataType.FLOAT64) { for (long b = L_N.loopBound(n); i < b; i += N) ShortVector.fromMemorySegment(S_N, s, so + i * 2, NO).convertShape(S2D, D_N, 0).intoMemorySegment(d, dOff + i * 8, NO); }
            }
            case UINT16 -> {
                if (ts == 1) { for (long b = I_W.loopBound(n); i < b; i += W) ShortVector.fromMemorySegment(S_W, s, so + i * 2, NO).convertShape(S2B, B_W, 0).intoMemorySegment(d, dOff + i, NO); }
                else if (ts == 4) { for (long b = I_W.loopBound(n); i < b; i += W) ShortVector.fromMemorySegment(S_W, s, so + i * 2, NO).convertShape(ZERO_EXTEND_S2I, I_W, 0).intoMemorySegment(d, dOff + i * 4, NO); }
                else if (ts == 8) { for (long b = L_N.loopBound(n); i < b; i += N) ShortVector.fromMemorySegment(S_N, s, so + i * 2, NO).convertShape(ZERO_EXTEND_S2L, L_N, 0).intoMemorySegment(d, dOff + i * 8, NO); }
                else if (to == DataType.FLOAT32) { for (long b = I_W.loopBound(n); i < b; i += W) ShortVector.fromMemorySegment(S_W, s, so + i * 2, NO).convertShape(ZERO_EXTEND_S2I, I_W, 0).convertShape(I2F, F_W, 0).intoMemorySegment(d, dOff + i * 4, NO); }
                else if (to == DataType.FLOAT64) { for (long b = L_N.loopBound(n); i < b; i += N) ShortVector.fromMemorySegment(S_N, s, so + i * 2, NO).convertShape(ZERO_EXTEND_S2I, I_N, 0).convertShape(I2D, D_N, 0).intoMemorySegment(d, dOff + i * 8, NO); }
            }
            case INT32, UINT32 -> {
                boolean u = from == DataType.UINT32;
                if (ts == 1) { for (long b = I_W.loopBound(n); i < b; i += W) IntVector.fromMemorySegment(I_W, s, so + i * 4, NO).convertShape(I2B, B_W, 0).intoMemorySegment(d, dOff + i, NO); }
                else if (ts == 2) { for (long b = I_W.loopBound(n); i < b; i += W) IntVector.fromMemorySegment(I_W, s, so + i * 4, NO).convertShape(I2S, S_W, 0).intoMemorySegment(d, dOff + i * 2, NO); }
                else if (ts == 8 && !u) { for (long b = L_N.loopBound(n); i < b; i += N) IntVector.fromMemorySegment(I_N, s, so + i * 4, NO).convertShape(I2L, L_N, 0).intoMemorySegment(d, dOff + i * 8, NO); }
                else if (ts == 8) { for (long b = L_N.loopBound(n); i < b; i += N) IntVector.fromMemorySegment(I_N, s, so + i * 4, NO).convertShape(ZERO_EXTEND_I2L, L_N, 0).intoMemorySegment(d, dOff + i * 8, NO); }
                else if (to == DataType.FLOAT32 && !u) { for (long b = I_W.loopBound(n); i < b; i += W) IntVector.fromMemorySegment(I_W, s, so + i * 4, NO).convertShape(I2F, F_W, 0).intoMemorySegment(d, dOff + i * 4, NO); }
                // uint32 reaches float through long: an exact widening, then the one rounding Elements does.
                else if (to == DataType.FLOAT32) { for (long b = L_N.loopBound(n); i < b; i += N) IntVector.fromMemorySegment(I_N, s, so + i * 4, NO).convertShape(ZERO_EXTEND_I2L, L_N, 0).convertShape(L2F, F_N, 0).intoMemorySegment(d, dOff + i * 4, NO); }
                else if (to == DataType.FLOAT64 && !u) { for (long b = L_N.loopBound(n); i < b; i += N) IntVector.fromMemorySegment(I_N, s, so + i * 4, NO).convertShape(I2D, D_N, 0).intoMemorySegment(d, dOff + i * 8, NO); }
                else if (to == DataType.FLOAT64) { for (long b = L_N.loopBound(n); i < b; i += N) IntVector.fromMemorySegment(I_N, s, so + i * 4, NO).convertShape(ZERO_EXTEND_I2L, L_N, 0).convertShape(L2D, D_N, 0).intoMemorySegment(d, dOff + i * 8, NO); }
            }
            case INT64, UINT64 -> {
                long b = L_N.loopBound(n);
                if (ts == 2) { for (; i < b; i += N) LongVector.fromMemorySegment(L_N, s, so + i * 8, NO).convertShape(L2S, S_N, 0).intoMemorySegment(d, dOff + i * 2, NO); }
                else if (ts == 4) { for (; i < b; i += N) LongVector.fromMemorySegment(L_N, s, so + i * 8, NO).convertShape(L2I, I_N, 0).intoMemorySegment(d, dOff + i * 4, NO); }
                // uint64 -> float rounds differently from a signed convert above 2^63: left to the scalar loop.
                else if (from == DataType.INT64 && to == DataType.FLOAT32) { for (; i < b; i += N) LongVector.fromMemorySegment(L_N, s, so + i * 8, NO).convertShape(L2F, F_N, 0).intoMemorySegment(d, dOff + i * 4, NO); }
                else if (from == DataType.INT64 && to == DataType.FLOAT64) { for (; i < b; i += N) LongVector.fromMemorySegment(L_N, s, so + i * 8, NO).convertShape(L2D, D_N, 0).intoMemorySegment(d, dOff + i * 8, NO); }
            }
            case FLOAT32 -> {
                long b = L_N.loopBound(n);
                if (to == DataType.FLOAT64) { for (; i < b; i += N) FloatVector.fromMemorySegment(F_N, s, so + i * 4, NO).convertShape(F2D, D_N, 0).intoMemorySegment(d, dOff + i * 8, NO); }
                else if (ts == 2) { for (; i < b; i += N) FloatVector.fromMemorySegment(F_N, s, so + i * 4, NO).convertShape(F2L, L_N, 0).convertShape(L2S, S_N, 0).intoMemorySegment(d, dOff + i * 2, NO); }
                else if (ts == 4) { for (; i < b; i += N) FloatVector.fromMemorySegment(F_N, s, so + i * 4, NO).convertShape(F2L, L_N, 0).convertShape(L2I, I_N, 0).intoMemorySegment(d, dOff + i * 4, NO); }
                else if (to == DataType.INT64) { for (; i < b; i += N) FloatVector.fromMemorySegment(F_N, s, so + i * 4, NO).convertShape(F2L, L_N, 0).intoMemorySegment(d, dOff + i * 8, NO); }
            }
            case FLOAT64 -> {
                long b = L_N.loopBound(n);
                if (to == DataType.FLOAT32) { for (; i < b; i += N) DoubleVector.fromMemorySegment(D_N, s, so + i * 8, NO).convertShape(D2F, F_N, 0).intoMemorySegment(d, dOff + i * 4, NO); }
                else if (ts == 2) { for (; i < b; i += N) DoubleVector.fromMemorySegment(D_N, s, so + i * 8, NO).convertShape(D2L, L_N, 0).convertShape(L2S, S_N, 0).intoMemorySegment(d, dOff + i * 2, NO); }
                else if (ts == 4) { for (; i < b; i += N) DoubleVector.fromMemorySegment(D_N, s, so + i * 8, NO).convertShape(D2L, L_N, 0).convertShape(L2I, I_N, 0).intoMemorySegment(d, dOff + i * 4, NO); }
                else if (to == DataType.INT64) { for (; i < b; i += N) DoubleVector.fromMemorySegment(D_N, s, so + i * 8, NO).convertShape(D2L, L_N, 0).intoMemorySegment(d, dOff + i * 8, NO); }
            }
            default -> { }
        }
        return i;
    }

    private static VectorShuffle<Byte> reverseElements(int es) {
        return VectorShuffle.fromOp(BV, j -> (VB / es - 1 - j / es) * es + j % es);
    }

    private static VectorShuffle<Byte> swapBytes(int cs) {
        return VectorShuffle.fromOp(BV, j -> j / cs * cs + cs - 1 - j % cs);
    }
}
