package io.tessera.memory;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The plain element-by-element definition of {@link ArrayOps} (its implementation before the
 * kernels), kept as the oracle kernel tests compare with. Shapes must match exactly; broadcasting
 * is expressed by zero strides of the source view.
 */
public final class ReferenceOps {
    private ReferenceOps() {}

    /**
     * Copies {@code src} into {@code dst} element by element, converting the dtype when they
     * differ (C++ {@code static_cast} semantics; callers enforce which conversions are allowed).
     */
    public static void copy(NDArray src, NDArray dst) {
        checkSameShape(src, dst);
        DataType from = src.dtype(), to = dst.dtype();
        forEachPair(src, dst, (s, so, d, dOff) -> {
            if (from == to) MemorySegment.copy(s, so, d, dOff, from.byteSize());
            else Elements.convert(s, so, from, d, dOff, to);
        });
    }

    /** Sets every element of {@code dst} to the rank-0 {@code value}, converted to dst's dtype. */
    public static void fill(NDArray dst, NDArray value) {
        if (value.rank() != 0) throw new IllegalArgumentException("fill value must have rank 0, got " + value.rank());
        copy(value.broadcastTo(dst.shape()), dst);
    }

    /** Copies {@code src} into {@code dst} (same dtype) reversing the bytes of each component. */
    public static void byteSwap(NDArray src, NDArray dst) {
        checkSameShape(src, dst);
        if (src.dtype().byteSize() != dst.dtype().byteSize()) throw new IllegalArgumentException("byteSwap needs equal element sizes");
        int comp = src.dtype().componentSize(), n = src.dtype().byteSize();
        forEachPair(src, dst, (s, so, d, dOff) -> {
            for (int c = 0; c < n; c += comp) {
                for (int b = 0; b < comp; b++) {
                    d.set(java.lang.foreign.ValueLayout.JAVA_BYTE, dOff + c + b, s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, so + c + comp - 1 - b));
                }
            }
        });
    }

    /** Whether every element of {@code array} has the same bytes as the rank-0 {@code value}. */
    public static boolean allEqual(NDArray array, NDArray value) {
        if (value.dtype() != array.dtype()) throw new IllegalArgumentException("allEqual needs equal dtypes");
        return equalBytes(array, value.broadcastTo(array.shape()));
    }

    /** Whether two arrays of one dtype and shape hold the same bytes element by element. */
    public static boolean equalBytes(NDArray a, NDArray b) {
        checkSameShape(a, b);
        int n = a.dtype().byteSize();
        boolean[] equal = {true};
        forEachPair(a, b, (s, so, d, dOff) -> {
            if (equal[0] && MemorySegment.mismatch(s, so, so + n, d, dOff, dOff + n) >= 0) equal[0] = false;
        });
        return equal[0];
    }

    /** Visits the byte offsets of corresponding elements of two arrays of the same shape, in C order. */
    public interface PairVisitor {
        void visit(MemorySegment a, long aOffset, MemorySegment b, long bOffset);
    }

    public static void forEachPair(NDArray a, NDArray b, PairVisitor visitor) {
        int rank = a.rank();
        long[] shape = a.shape();
        if (a.size() == 0) return;
        long[] idx = new long[rank];
        long aOff = a.offset(), bOff = b.offset();
        MemorySegment as = a.segment(), bs = b.segment();
        while (true) {
            visitor.visit(as, aOff, bs, bOff);
            int d = rank - 1;
            while (d >= 0) {
                idx[d]++;
                aOff += a.byteStride(d);
                bOff += b.byteStride(d);
                if (idx[d] < shape[d]) break;
                aOff -= shape[d] * a.byteStride(d);
                bOff -= shape[d] * b.byteStride(d);
                idx[d] = 0;
                d--;
            }
            if (d < 0) return;
        }
    }

    static void checkSameShape(NDArray a, NDArray b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException("Shape mismatch: " + Arrays.toString(a.shape()) + " vs " + Arrays.toString(b.shape()));
        }
    }
}
