package io.tessera.index;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A map from an input domain (the coordinates a user indexes with) to the coordinates of an
 * array. Each input dimension has an inclusive minimum and a size; each output (array)
 * dimension is either a constant or {@code offset + stride * input[d]} for one input dimension.
 * That is exactly what NumPy basic indexing produces, and transforms compose under
 * {@link #apply(IndexExpression)}.
 */
public final class IndexTransform {
    private final long[] inputMin;
    private final long[] inputShape;
    // Dimensions added by None have implicit bounds [0*, 1*): TensorStore checks no index against them.
    private final boolean[] implicit;
    // For each output dimension: the input dimension it follows, or -1 for a constant.
    private final int[] outputInputDim;
    private final long[] outputOffset;
    private final long[] outputStride;
    // Bounds [0, outputShape) of the array coordinates; constant outputs must lie inside.
    private final long[] outputShape;

    private IndexTransform(long[] inputMin, long[] inputShape, boolean[] implicit, int[] outputInputDim, long[] outputOffset, long[] outputStride, long[] outputShape) {
        this.inputMin = inputMin;
        this.inputShape = inputShape;
        this.implicit = implicit;
        this.outputInputDim = outputInputDim;
        this.outputOffset = outputOffset;
        this.outputStride = outputStride;
        this.outputShape = outputShape;
    }

    /** The identity transform over the domain {@code [0, shape)}. */
    public static IndexTransform identity(long[] shape) {
        int n = shape.length;
        int[] dims = new int[n];
        long[] strides = new long[n];
        for (int d = 0; d < n; d++) { dims[d] = d; strides[d] = 1; }
        return new IndexTransform(new long[n], shape.clone(), new boolean[n], dims, new long[n], strides, shape.clone());
    }

    /**
     * A transform given map by map, as a spec's {@code "transform"} member gives it: output
     * dimension {@code j} is the constant {@code offset[j]} where {@code inputDim[j]} is -1, else
     * {@code offset[j] + stride[j] * input[inputDim[j]]}. {@code implicit} marks dimensions added by
     * None (no index is checked against them). Every position the domain reaches must lie in the
     * array's domain {@code [0, arrayShape)}.
     *
     * @throws IllegalArgumentException for inconsistent ranks or an input dimension out of range
     * @throws IndexOutOfBoundsException for a map that reaches outside the array
     */
    public static IndexTransform of(long[] inputMin, long[] inputShape, boolean[] implicit, int[] inputDim, long[] offset, long[] stride, long[] arrayShape) {
        int n = inputMin.length, m = arrayShape.length;
        if (inputShape.length != n || implicit.length != n) throw new IllegalArgumentException("input bounds of ranks " + n + " and " + inputShape.length);
        if (inputDim.length != m || offset.length != m || stride.length != m) {
            throw new IllegalArgumentException("Transform output rank " + inputDim.length + " does not match the array's rank " + m);
        }
        boolean empty = false;
        for (int d = 0; d < n; d++) {
            if (inputShape[d] < 0) throw new IllegalArgumentException("Input dimension " + d + " has negative size " + inputShape[d]);
            empty |= inputShape[d] == 0;
        }
        inputDim = inputDim.clone(); // stride-0 maps become constants below
        boolean[] used = new boolean[n];
        for (int j = 0; j < m; j++) {
            int d = inputDim[j];
            if (d < -1 || d >= n) throw new IllegalArgumentException("Output dimension " + j + " refers to input dimension " + d + " of a rank-" + n + " domain");
            // A stride of 0 makes the map a constant, as TensorStore normalizes it.
            if (d >= 0 && stride[j] == 0) {
                inputDim[j] = d = -1;
            }
            if (d >= 0) {
                // Chunks are split per input dimension: a diagonal (one input dimension feeding two
                // outputs) is not a view this library can read or write.
                if (used[d]) throw new IllegalArgumentException("Input dimension " + d + " is used by more than one output dimension, which is not supported");
                used[d] = true;
            }
            long lo, hi;
            if (d < 0) {
                lo = hi = offset[j];
            } else if (empty) {
                continue;
            } else {
                try {
                    long a = Math.addExact(offset[j], Math.multiplyExact(stride[j], inputMin[d]));
                    long b = Math.addExact(offset[j], Math.multiplyExact(stride[j], Math.addExact(inputMin[d], inputShape[d] - 1)));
                    lo = Math.min(a, b);
                    hi = Math.max(a, b);
                } catch (ArithmeticException e) {
                    throw new IllegalArgumentException("Integer overflow computing the output range of dimension " + j);
                }
            }
            if (lo < 0 || hi >= arrayShape[j]) {
                throw new IndexOutOfBoundsException("Output dimension " + j + " of the transform reaches [" + lo + ", " + hi
                        + "], outside the array's domain [0, " + arrayShape[j] + ")");
            }
        }
        return new IndexTransform(inputMin.clone(), inputShape.clone(), implicit.clone(), inputDim, offset.clone(), stride.clone(), arrayShape.clone());
    }

    /** Whether input dimension {@code d} was added by None (its bounds are implicit). */
    public boolean isImplicit(int d) { return implicit[d]; }

    /** Whether this maps its domain {@code [0, shape)} onto the array as it is (TensorStore then writes no output maps). */
    public boolean isIdentity() {
        if (inputRank() != outputRank()) return false;
        for (int j = 0; j < outputRank(); j++) {
            if (inputMin[j] != 0 || implicit[j] || outputInputDim[j] != j || outputOffset[j] != 0 || outputStride[j] != 1) return false;
        }
        return true;
    }

    public int inputRank() { return inputShape.length; }

    public int outputRank() { return outputInputDim.length; }

    /** Inclusive lower bounds of the input domain. */
    public long[] inputOrigin() { return inputMin.clone(); }

    /** Extents of the input domain. */
    public long[] inputShape() { return inputShape.clone(); }

    /** The input dimension output dimension {@code j} follows, or -1 if it is constant. */
    public int outputInputDim(int j) { return outputInputDim[j]; }

    public long outputOffset(int j) { return outputOffset[j]; }

    public long outputStride(int j) { return outputStride[j]; }

    /** The number of positions in the input domain. */
    public long inputSize() {
        long n = 1;
        for (long s : inputShape) n = Math.multiplyExact(n, s);
        return n;
    }

    /**
     * Applies an indexing expression to the input domain, giving the composed transform.
     *
     * @throws IndexOutOfBoundsException for an index or slice outside the domain, with
     *     TensorStore's message (e.g. {@code Index 4 is outside valid range [0, 4)})
     * @throws IllegalArgumentException for an expression that does not fit the rank
     */
    public IndexTransform apply(IndexExpression expr) {
        List<IndexExpression.Term> terms = expr.terms();
        int consuming = 0, ellipses = 0;
        for (IndexExpression.Term t : terms) {
            if (t instanceof IndexExpression.Index || t instanceof IndexExpression.Slice) consuming++;
            if (t instanceof IndexExpression.Ellipsis) ellipses++;
        }
        if (ellipses > 1) throw new IllegalArgumentException("An index can only have a single ellipsis (`...`)");
        int rank = inputRank();
        if (consuming > rank) {
            throw new IllegalArgumentException("Indexing expression requires " + consuming
                    + " dimensions, and cannot be applied to a domain of rank " + rank);
        }
        // For each old input dimension: fixed at a constant, or follows a new dimension.
        long[] oldConst = new long[rank];
        int[] oldFrom = new int[rank];
        long[] oldOffset = new long[rank], oldStride = new long[rank];
        List<long[]> newDims = new ArrayList<>(); // {min, size, implicit ? 1 : 0}
        int d = 0;
        for (IndexExpression.Term t : terms) {
            switch (t) {
                case IndexExpression.Ellipsis e -> {
                    int fill = rank - consuming;
                    for (int k = 0; k < fill; k++, d++) keep(d, newDims, oldFrom, oldOffset, oldStride);
                }
                case IndexExpression.NewAxis n -> newDims.add(new long[]{0, 1, 1});
                case IndexExpression.Index ix -> {
                    // An implicit dimension takes any finite index; an explicit one is checked below.
                    if (implicit[d] && (ix.index() < -MAX_FINITE_INDEX || ix.index() > MAX_FINITE_INDEX)) {
                        throw new IndexOutOfBoundsException("Index " + ix.index() + " is outside valid range (-inf, +inf)");
                    }
                    oldFrom[d] = -1;
                    oldConst[d] = ix.index();
                    d++;
                }
                case IndexExpression.Slice s -> {
                    slice(d, s, newDims, oldFrom, oldOffset, oldStride);
                    d++;
                }
            }
        }
        while (d < rank) { keep(d, newDims, oldFrom, oldOffset, oldStride); d++; }
        // As TensorStore: slices are checked as they are applied; integer indices against this
        // domain only when the result is not empty, and once composed, always against the array.
        boolean resultEmpty = newDims.stream().anyMatch(nd -> nd[1] == 0);
        if (!resultEmpty) {
            for (int k = 0; k < rank; k++) {
                long lo = inputMin[k], hi = inputMin[k] + inputShape[k];
                if (oldFrom[k] < 0 && !implicit[k] && (oldConst[k] < lo || oldConst[k] >= hi)) {
                    throw new IndexOutOfBoundsException("Index " + oldConst[k] + " is outside valid range [" + lo + ", " + hi + ")");
                }
            }
        }
        int newRank = newDims.size();
        long[] newMin = new long[newRank], newShape = new long[newRank];
        boolean[] newImplicit = new boolean[newRank];
        for (int k = 0; k < newRank; k++) {
            newMin[k] = newDims.get(k)[0];
            newShape[k] = newDims.get(k)[1];
            newImplicit[k] = newDims.get(k)[2] != 0;
        }
        int m = outputRank();
        int[] outDim = new int[m];
        long[] outOff = new long[m], outStride = new long[m];
        for (int j = 0; j < m; j++) {
            int in = outputInputDim[j];
            try {
                if (in < 0) {
                    outDim[j] = -1; outOff[j] = outputOffset[j];
                } else if (oldFrom[in] < 0) {
                    outDim[j] = -1; outOff[j] = Math.addExact(outputOffset[j], Math.multiplyExact(outputStride[j], oldConst[in]));
                } else {
                    outDim[j] = oldFrom[in];
                    outOff[j] = Math.addExact(outputOffset[j], Math.multiplyExact(outputStride[j], oldOffset[in]));
                    outStride[j] = Math.multiplyExact(outputStride[j], oldStride[in]);
                }
            } catch (ArithmeticException e) {
                // Wrapped, a stride could become 0 and an offset land back in range.
                throw new IllegalArgumentException("Integer overflow computing the output map of dimension " + j
                        + ": stride " + outputStride[j] + " times " + (oldFrom[in] < 0 ? "index " + oldConst[in] : oldStride[in]));
            }
        }
        for (int j = 0; j < m; j++) {
            if (outDim[j] < 0 && (outOff[j] < 0 || outOff[j] >= outputShape[j])) {
                throw new IndexOutOfBoundsException("Index " + outOff[j] + " is outside valid range [0, " + outputShape[j] + ")");
            }
        }
        return new IndexTransform(newMin, newShape, newImplicit, outDim, outOff, outStride, outputShape);
    }

    private void keep(int d, List<long[]> newDims, int[] oldFrom, long[] oldOffset, long[] oldStride) {
        oldFrom[d] = newDims.size();
        oldOffset[d] = 0;
        oldStride[d] = 1;
        newDims.add(new long[]{inputMin[d], inputShape[d], implicit[d] ? 1 : 0});
    }

    /**
     * TensorStore's index range: finite indices are within +-(2^62 - 2), and +-(2^62 - 1) are
     * its -inf and +inf; -2^63 in a slice means the bound (or step) was left out.
     */
    private static final long MAX_FINITE_INDEX = (1L << 62) - 2, INFINITY = MAX_FINITE_INDEX + 1;

    /** A slice bound or step as given; null when left out (including TensorStore's -2^63). */
    private static Long given(Long v) {
        return v == null || v == Long.MIN_VALUE ? null : v;
    }

    private void slice(int d, IndexExpression.Slice s, List<long[]> newDims, int[] oldFrom, long[] oldOffset, long[] oldStride) {
        long lo = inputMin[d], hi = inputMin[d] + inputShape[d];
        Long givenStart = given(s.start()), givenStop = given(s.stop()), givenStep = given(s.step());
        long step = givenStep == null ? 1 : givenStep;
        String where = "Computing interval slice for dimension " + d + ": ";
        if (step == 0) throw new IllegalArgumentException(where + "Invalid stride 0");
        // Bounded here, the arithmetic below cannot overflow.
        if (givenStart != null && Math.abs(givenStart) > INFINITY) throw new IllegalArgumentException(where + "Invalid start index " + givenStart);
        if (givenStop != null && Math.abs(givenStop) > INFINITY) throw new IllegalArgumentException(where + "Invalid stop index " + givenStop);
        long count, start;
        if (step > 0) {
            start = givenStart == null ? lo : givenStart;
            long stop = givenStop == null ? hi : givenStop;
            if (stop < start) throw new IllegalArgumentException(where + "(" + start + ", " + (stop - 1) + ") do not specify a valid closed index interval");
            if (!implicit[d] && stop > start && (start < lo || stop > hi)) {
                throw new IndexOutOfBoundsException(where + "Slice interval [" + start + ", " + stop + ") is not contained within domain [" + lo + ", " + hi + ")");
            }
            count = Math.ceilDiv(stop - start, step);
        } else {
            start = givenStart == null ? hi - 1 : givenStart;
            long stop = givenStop == null ? lo - 1 : givenStop;
            if (stop > start) throw new IllegalArgumentException(where + "(" + (stop + 1) + ", " + start + ") do not specify a valid closed index interval");
            if (!implicit[d] && start > stop && (stop + 1 < lo || start + 1 > hi)) {
                throw new IndexOutOfBoundsException(where + "Slice interval [" + (stop + 1) + ", " + (start + 1) + ") is not contained within domain [" + lo + ", " + hi + ")");
            }
            count = Math.ceilDiv(start - stop, -step);
        }
        // TensorStore keeps new = old / step (rounded toward zero), so old = (start % step) + step * new.
        long newMin = start / step;
        oldFrom[d] = newDims.size();
        oldOffset[d] = start - step * newMin;
        oldStride[d] = step;
        newDims.add(new long[]{newMin, count, implicit[d] && givenStart == null && givenStop == null ? 1 : 0});
    }

    /** The domain as TensorStore prints it, e.g. {@code { [1, 4), [0, 80) }}. */
    public String domainString() {
        StringBuilder sb = new StringBuilder("{ ");
        for (int k = 0; k < inputRank(); k++) {
            if (k > 0) sb.append(", ");
            sb.append('[').append(inputMin[k]).append(", ").append(inputMin[k] + inputShape[k]).append(')');
        }
        return sb.append(inputRank() == 0 ? "}" : " }").toString();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("IndexTransform(domain=").append(domainString()).append(", outputs=[");
        for (int j = 0; j < outputRank(); j++) {
            if (j > 0) sb.append(", ");
            sb.append(outputInputDim[j] < 0 ? Long.toString(outputOffset[j])
                    : outputOffset[j] + " + " + outputStride[j] + " * in[" + outputInputDim[j] + "]");
        }
        return sb.append("])").toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IndexTransform t && Arrays.equals(inputMin, t.inputMin) && Arrays.equals(inputShape, t.inputShape)
                && Arrays.equals(outputInputDim, t.outputInputDim) && Arrays.equals(outputOffset, t.outputOffset)
                && Arrays.equals(outputStride, t.outputStride);
    }

    @Override
    public int hashCode() { return Arrays.hashCode(inputShape) * 31 + Arrays.hashCode(outputOffset); }
}
