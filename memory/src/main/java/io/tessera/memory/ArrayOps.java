package io.tessera.memory;

import io.tessera.memory.kernel.ArrayKernels;
import io.tessera.memory.kernel.Kernels;
import java.util.Arrays;

/**
 * Whole-array operations: copy (with dtype conversion), broadcast fill, byte swap and comparison.
 * Shapes must match exactly; broadcasting is expressed by zero strides of the source view.
 *
 * <p>Each call runs the kernels {@link Kernels#selected()} chose at start (Vector API or scalar,
 * {@code -Dtessera.kernels=vector|scalar}). Source and destination must not overlap unless they
 * are the same view.
 */
public final class ArrayOps {
    private ArrayOps() {}

    private static final ArrayKernels KERNELS = Kernels.selected();

    /**
     * Copies {@code src} into {@code dst} element by element, converting the dtype when they
     * differ (C++ {@code static_cast} semantics as {@link Elements#convert}; callers enforce which
     * conversions are allowed).
     */
    public static void copy(NDArray src, NDArray dst) {
        checkSameShape(src, dst);
        KERNELS.copy(src, dst);
    }

    /**
     * Copies {@code src0} into {@code dst0} and {@code src1} into {@code dst1}, as two
     * {@link #copy} calls would; faster when the two copies have one geometry and their sources
     * interleave in memory (see {@link ArrayKernels#copyPair}). Where one copy's destination
     * overlaps the other copy's arrays, the two copies run in turn, {@code src0} first.
     */
    public static void copyPair(NDArray src0, NDArray dst0, NDArray src1, NDArray dst1) {
        checkSameShape(src0, dst0);
        checkSameShape(src1, dst1);
        KERNELS.copyPair(src0, dst0, src1, dst1);
    }

    /** Sets every element of {@code dst} to the rank-0 {@code value}, converted to dst's dtype. */
    public static void fill(NDArray dst, NDArray value) {
        if (value.rank() != 0) throw new IllegalArgumentException("fill value must have rank 0, got " + value.rank());
        KERNELS.copy(value.broadcastTo(dst.shape()), dst);
    }

    /**
     * Copies {@code src} into {@code dst} broadcasting {@code src} by NumPy's rules (missing leading
     * and size-1 dims repeat), converting the dtype when they differ.
     */
    public static void broadcastCopy(NDArray src, NDArray dst) {
        KERNELS.copy(src.broadcastTo(dst.shape()), dst);
    }

    /** Copies {@code src} into {@code dst} (same dtype) reversing the bytes of each component. */
    public static void byteSwap(NDArray src, NDArray dst) {
        checkSameShape(src, dst);
        if (src.dtype().byteSize() != dst.dtype().byteSize()) throw new IllegalArgumentException("byteSwap needs equal element sizes");
        KERNELS.byteSwap(src, dst);
    }

    /** Whether every element of {@code array} has the same bytes as the rank-0 {@code value}. */
    public static boolean allEqual(NDArray array, NDArray value) {
        if (value.dtype() != array.dtype()) throw new IllegalArgumentException("allEqual needs equal dtypes");
        return equalBytes(array, value.broadcastTo(array.shape()));
    }

    /** Whether two arrays of one dtype and shape hold the same bytes element by element. */
    public static boolean equalBytes(NDArray a, NDArray b) {
        checkSameShape(a, b);
        return KERNELS.equalBytes(a, b);
    }

    static void checkSameShape(NDArray a, NDArray b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException("Shape mismatch: " + Arrays.toString(a.shape()) + " vs " + Arrays.toString(b.shape()));
        }
    }
}
