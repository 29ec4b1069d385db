package io.tessera.memory.kernel;

import io.tessera.memory.NDArray;

/**
 * The bulk array operations behind {@link io.tessera.memory.ArrayOps}: N-d strided copy with
 * fused dtype conversion (a zero-stride source is a broadcast fill), byte swap and bytewise
 * comparison. Two implementations exist, {@link VectorKernels} (Vector API) and its scalar twin
 * {@link ScalarKernels}; {@link Kernels#selected()} is the one chosen at start.
 *
 * <p>Arrays must have the same shape. Source and destination must not overlap unless they are the
 * same view; zero strides in the destination keep the element the last C-order write would
 * leave, as the element-by-element definition does.
 */
public interface ArrayKernels {

    /** {@code "vector"} or {@code "scalar"}: the value of {@code -Dtessera.kernels} that selects it. */
    String name();

    /**
     * Copies {@code src} into {@code dst}, converting each element with
     * {@link io.tessera.memory.Elements#convert} semantics when the dtypes differ.
     */
    void copy(NDArray src, NDArray dst);

    /**
     * Two copies of one geometry at once: {@code src0} into {@code dst0} and {@code src1} into
     * {@code dst1}, each as {@link #copy}. When the sources have one dtype, shape and strides, and
     * so have the destinations, their rows are copied alternately: sources that interleave in
     * memory (the two halves of a region split between two chunks) are then read in address
     * order, at about the speed of a plain copy instead of with a gap after every row.
     */
    void copyPair(NDArray src0, NDArray dst0, NDArray src1, NDArray dst1);

    /** Copies {@code src} into {@code dst} reversing the bytes of each component (complex: of each part). */
    void byteSwap(NDArray src, NDArray dst);

    /** Whether corresponding elements of {@code a} and {@code b} have the same {@code a.dtype().byteSize()} bytes. */
    boolean equalBytes(NDArray a, NDArray b);
}
