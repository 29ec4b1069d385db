package io.tessera.memory.kernel;

import io.tessera.memory.DataType;
import io.tessera.memory.Elements;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The scalar twin of {@link VectorKernels}: the same operations with plain Java loops. Bulk
 * contiguous copies and comparisons still go through {@link MemorySegment#copy} and
 * {@link MemorySegment#mismatch}, which are not Vector API code. Its row loops also serve as the
 * vector kernels' tails and fallbacks.
 */
public final class ScalarKernels extends StridedLoops {
    static final ValueLayout.OfByte B = ValueLayout.JAVA_BYTE;
    static final ValueLayout.OfShort S = ValueLayout.JAVA_SHORT_UNALIGNED;
    static final ValueLayout.OfInt I = ValueLayout.JAVA_INT_UNALIGNED;
    static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG_UNALIGNED;
    static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    /** Use {@link Kernels#scalar()}. */
    ScalarKernels() {}

    @Override
    public String name() { return "scalar"; }

    @Override
    void copyRow(MemorySegment s, long so, long ss, MemorySegment d, long dOff, long ds, long n, int es) {
        if (ss == es && ds == es) MemorySegment.copy(s, so, d, dOff, n * es);
        else if (ss == 0) fill(s, so, d, dOff, ds, n, es);
        else stridedCopy(s, so, ss, d, dOff, ds, n, es);
    }

    @Override
    void convertRow(MemorySegment s, long so, long ss, DataType from, MemorySegment d, long dOff, long ds, DataType to, long n) {
        convert(s, so, ss, from, d, dOff, ds, to, n);
    }

    @Override
    void swapRow(MemorySegment s, long so, long ss, MemorySegment d, long dOff, long ds, long n, int es, int cs) {
        swap(s, so, ss, d, dOff, ds, n, es, cs);
    }

    @Override
    boolean equalRow(MemorySegment a, long ao, long as, MemorySegment b, long bo, long bs, long n, int es) {
        if (as == es && bs == es) return MemorySegment.mismatch(a, ao, ao + n * es, b, bo, bo + n * es) < 0;
        return stridedEqual(a, ao, as, b, bo, bs, n, es);
    }

    // One loop per element width: the switch stays outside, the loop body is a single load/store.
    static void stridedCopy(MemorySegment s, long so, long ss, MemorySegment d, long dOff, long ds, long n, int es) {
        switch (es) {
            case 1 -> { for (long i = 0; i < n; i++, so += ss, dOff += ds) d.set(B, dOff, s.get(B, so)); }
            case 2 -> { for (long i = 0; i < n; i++, so += ss, dOff += ds) d.set(S, dOff, s.get(S, so)); }
            case 4 -> { for (long i = 0; i < n; i++, so += ss, dOff += ds) d.set(I, dOff, s.get(I, so)); }
            case 8 -> { for (long i = 0; i < n; i++, so += ss, dOff += ds) d.set(L, dOff, s.get(L, so)); }
            case 16 -> {
                for (long i = 0; i < n; i++, so += ss, dOff += ds) {
                    d.set(L, dOff, s.get(L, so));
                    d.set(L, dOff + 8, s.get(L, so + 8));
                }
            }
            default -> throw new IllegalArgumentException("element size " + es);
        }
    }

    /** Writes the element at {@code so} to {@code n} places; it is read once, before any write. */
    static void fill(MemorySegment s, long so, MemorySegment d, long dOff, long ds, long n, int es) {
        switch (es) {
            case 1 -> {
                byte v = s.get(B, so);
                if (ds == 1) d.asSlice(dOff, n).fill(v);
                else for (long i = 0; i < n; i++, dOff += ds) d.set(B, dOff, v);
            }
            case 2 -> { short v = s.get(S, so); for (long i = 0; i < n; i++, dOff += ds) d.set(S, dOff, v); }
            case 4 -> { int v = s.get(I, so); for (long i = 0; i < n; i++, dOff += ds) d.set(I, dOff, v); }
            case 8 -> { long v = s.get(L, so); for (long i = 0; i < n; i++, dOff += ds) d.set(L, dOff, v); }
            case 16 -> {
                long lo = s.get(L, so), hi = s.get(L, so + 8);
                for (long i = 0; i < n; i++, dOff += ds) { d.set(L, dOff, lo); d.set(L, dOff + 8, hi); }
            }
            default -> throw new IllegalArgumentException("element size " + es);
        }
    }

    /** The generic conversion: {@link Elements#convert} defines the semantics every kernel matches. */
    static void convert(MemorySegment s, long so, long ss, DataType from, MemorySegment d, long dOff, long ds, DataType to, long n) {
        if (!tightConvert(s, so, ss, from, d, dOff, ds, to, n)) {
            for (long i = 0; i < n; i++, so += ss, dOff += ds) Elements.convert(s, so, from, d, dOff, to);
        }
    }

    /**
     * The most common pairs as one-cast loops, without the per-element dispatch of
     * {@link Elements#convert}; each cast is the one {@code Elements} applies for that pair.
     */
    private static boolean tightConvert(MemorySegment s, long so, long ss, DataType from, MemorySegment d, long dOff, long ds, DataType to, long n) {
        switch (from) {
            case INT32 -> {
                if (to == DataType.FLOAT32) { for (long i = 0; i < n; i++, so += ss, dOff += ds) d.set(F, dOff, (float) s.get(I, so)); return true; }
                if (to == DataType.FLOAT64) { for (long i = 0; i < n; i++, so += ss, dOff += ds) d.set(D, dOff, s.get(I, so)); return true; }
            }
            case INT16 -> {
                if (to == DataType.INT32) { for (long i = 0; i < n; i++, so += ss, dOff += ds) d.set(I, dOff, s.get(S, so)); return true; }
                if (to == DataType.FLOAT32) { for (long i = 0; i < n; i++, so += ss, dOff += ds) d.set(F, dOff, s.get(S, so)); return true; }
            }
            case UINT16 -> {
                if (to == DataType.FLOAT32) { for (long i = 0; i < n; i++, so += ss, dOff += ds) d.set(F, dOff, s.get(S, so) & 0xFFFF); return true; }
                if (to == DataType.INT32) { for (long i = 0; i < n; i++, so += ss, dOff += ds) d.set(I, dOff, s.get(S, so) & 0xFFFF); return true; }
            }
            case UINT8 -> {
                if (to == DataType.FLOAT32) { for (long i = 0; i < n; i++, so += ss, dOff += ds) d.set(F, dOff, s.get(B, so) & 0xFF); return true; }
            }
            case FLOAT32 -> {
                if (to == DataType.FLOAT64) { for (long i = 0; i < n; i++, so += ss, dOff += ds) d.set(D, dOff, s.get(F, so)); return true; }
            }
            case FLOAT64 -> {
                if (to == DataType.FLOAT32) { for (long i = 0; i < n; i++, so += ss, dOff += ds) d.set(F, dOff, (float) s.get(D, so)); return true; }
            }
            default -> { }
        }
        return false;
    }

    static void swap(MemorySegment s, long so, long ss, MemorySegment d, long dOff, long ds, long n, int es, int cs) {
        switch (cs) {
            case 1 -> stridedCopy(s, so, ss, d, dOff, ds, n, es);
            case 2 -> { for (long i = 0; i < n; i++, so += ss, dOff += ds) d.set(S, dOff, Short.reverseBytes(s.get(S, so))); }
            case 4 -> {
                // complex64: each float part reverses its own bytes; the parts keep their order.
                for (long i = 0; i < n; i++, so += ss, dOff += ds) {
                    for (int c = 0; c < es; c += 4) d.set(I, dOff + c, Integer.reverseBytes(s.get(I, so + c)));
                }
            }
            case 8 -> {
                for (long i = 0; i < n; i++, so += ss, dOff += ds) {
                    for (int c = 0; c < es; c += 8) d.set(L, dOff + c, Long.reverseBytes(s.get(L, so + c)));
                }
            }
            default -> throw new IllegalArgumentException("component size " + cs);
        }
    }

    static boolean stridedEqual(MemorySegment a, long ao, long as, MemorySegment b, long bo, long bs, long n, int es) {
        switch (es) {
            case 1 -> { for (long i = 0; i < n; i++, ao += as, bo += bs) if (a.get(B, ao) != b.get(B, bo)) return false; }
            case 2 -> { for (long i = 0; i < n; i++, ao += as, bo += bs) if (a.get(S, ao) != b.get(S, bo)) return false; }
            case 4 -> { for (long i = 0; i < n; i++, ao += as, bo += bs) if (a.get(I, ao) != b.get(I, bo)) return false; }
            case 8 -> { for (long i = 0; i < n; i++, ao += as, bo += bs) if (a.get(L, ao) != b.get(L, bo)) return false; }
            case 16 -> {
                for (long i = 0; i < n; i++, ao += as, bo += bs) {
                    if (a.get(L, ao) != b.get(L, bo) || a.get(L, ao + 8) != b.get(L, bo + 8)) return false;
                }
            }
            default -> throw new IllegalArgumentException("element size " + es);
        }
        return true;
    }
}
