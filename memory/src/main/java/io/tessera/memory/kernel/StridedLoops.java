package io.tessera.memory.kernel;

import io.tessera.memory.DataType;
import io.tessera.memory.Elements;
import io.tessera.memory.NDArray;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The N-d part shared by both kernel twins: it reduces two equally shaped views to the fewest
 * rows possible and hands each row to a 1-D row kernel that the subclass implements.
 */
abstract sealed class StridedLoops implements ArrayKernels permits ScalarKernels, VectorKernels {

    /** Copies {@code n} elements of {@code es} bytes; strides are in bytes and may be 0 or negative. */
    abstract void copyRow(MemorySegment s, long so, long ss, MemorySegment d, long dOff, long ds, long n, int es);

    /** Converts {@code n} elements {@code from -> to}; {@code ss} is never 0 (broadcasts convert once, then fill). */
    abstract void convertRow(MemorySegment s, long so, long ss, DataType from, MemorySegment d, long dOff, long ds, DataType to, long n);

    /** Copies {@code n} elements of {@code es} bytes reversing each {@code cs}-byte component. */
    abstract void swapRow(MemorySegment s, long so, long ss, MemorySegment d, long dOff, long ds, long n, int es, int cs);

    /** Whether {@code n} elements of {@code es} bytes are equal; {@code as} is never negative. */
    abstract boolean equalRow(MemorySegment a, long ao, long as, MemorySegment b, long bo, long bs, long n, int es);

    @Override
    public final void copy(NDArray src, NDArray dst) {
        requireSameShape(src, dst);
        DataType from = src.dtype(), to = dst.dtype();
        Layout l = Layout.of(dst, src, true, to.byteSize(), from.byteSize());
        if (l == null) return;
        MemorySegment s = src.segment(), d = dst.segment();
        // Integers of one width differ only in how they are read: static_cast keeps the bits.
        boolean sameBits = from == to || (from.isInteger() && to.isInteger() && from.byteSize() == to.byteSize());
        if (sameBits && l.rowO == to.byteSize() && l.rowP == to.byteSize()) {
            l.copyContiguousRows(s, d, l.rowN * to.byteSize());
        } else if (sameBits) {
            do l.copyRow(this, s, d, to.byteSize()); while (l.next());
        } else if (l.rowO == 0) {
            // A broadcast source converts once per row, then the row is a plain fill.
            MemorySegment one = MemorySegment.ofArray(new long[2]);
            do {
                Elements.convert(s, l.offO, from, one, 0, to);
                copyRow(one, 0, 0, d, l.offP, l.rowP, l.rowN, to.byteSize());
            } while (l.next());
        } else {
            do convertRow(s, l.offO, l.rowO, from, d, l.offP, l.rowP, to, l.rowN); while (l.next());
        }
    }

    @Override
    public final void copyPair(NDArray src0, NDArray dst0, NDArray src1, NDArray dst1) {
        requireSameShape(src0, dst0);
        requireSameShape(src1, dst1);
        DataType dt = dst0.dtype();
        int es = dt.byteSize();
        boolean twins = src0.dtype() == dt && src1.dtype() == dt && dst1.dtype() == dt
                && Arrays.equals(src0.shape(), src1.shape()) && sameStrides(src0, src1) && sameStrides(dst0, dst1);
        Layout l = twins ? Layout.of(dst0, src0, true, es, es) : null;
        // Interleaved, one copy could read what the other already wrote: two copies in turn then.
        if (l == null || l.rowO != es || l.rowP != es || overlap(dst0, src1) || overlap(dst0, dst1) || overlap(dst1, src0)) {
            copy(src0, dst0);
            copy(src1, dst1);
            return;
        }
        // One geometry: the second copy's rows are the first's, shifted by the views' offsets.
        l.copyContiguousRowPairs(src0.segment(), dst0.segment(), src1.segment(), dst1.segment(),
                src1.offset() - src0.offset(), dst1.offset() - dst0.offset(), l.rowN * es);
    }

    /** Whether the bytes two views can touch intersect (the spans they lie in, not element by element). */
    private static boolean overlap(NDArray a, NDArray b) {
        if (a.size() == 0 || b.size() == 0) return false;
        return span(a).asOverlappingSlice(span(b)).isPresent();
    }

    private static MemorySegment span(NDArray a) {
        long lo = a.offset(), hi = a.offset();
        for (int d = 0; d < a.rank(); d++) {
            long reach = (a.shape(d) - 1) * a.byteStride(d);
            if (reach < 0) lo += reach; else hi += reach;
        }
        return a.segment().asSlice(lo, hi - lo + a.dtype().byteSize());
    }

    private static boolean sameStrides(NDArray a, NDArray b) {
        for (int d = 0; d < a.rank(); d++) if (a.byteStride(d) != b.byteStride(d)) return false;
        return true;
    }

    @Override
    public final void byteSwap(NDArray src, NDArray dst) {
        requireSameShape(src, dst);
        int es = src.dtype().byteSize(), cs = src.dtype().componentSize();
        if (dst.dtype().byteSize() != es) throw new IllegalArgumentException("byteSwap needs equal element sizes");
        Layout l = Layout.of(dst, src, true, es, es);
        if (l == null) return;
        MemorySegment s = src.segment(), d = dst.segment();
        do swapRow(s, l.offO, l.rowO, d, l.offP, l.rowP, l.rowN, es, cs); while (l.next());
    }

    @Override
    public final boolean equalBytes(NDArray a, NDArray b) {
        requireSameShape(a, b);
        int es = a.dtype().byteSize();
        Layout l = Layout.of(a, b, false, es, es);
        if (l == null) return true;
        MemorySegment as = a.segment(), bs = b.segment();
        do {
            if (!equalRow(as, l.offP, l.rowP, bs, l.offO, l.rowO, l.rowN, es)) return false;
        } while (l.next());
        return true;
    }

    static void requireSameShape(NDArray a, NDArray b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException("Shape mismatch: " + Arrays.toString(a.shape()) + " vs " + Arrays.toString(b.shape()));
        }
    }

    /**
     * Two views over one shape reduced to rows: size-1 dims dropped, dims reordered so the primary
     * array walks forward with its smallest stride innermost, and dims that are contiguous in both
     * merged. The fields hold the current row; {@link #next()} steps the outer odometer.
     */
    static final class Layout {
        final long[] n, sp, so, idx;
        final int outer;
        final long rowN, rowP, rowO;
        long offP, offO;

        private Layout(long[] n, long[] sp, long[] so, int rank, long offP, long offO, int esP, int esO) {
            this.n = n;
            this.sp = sp;
            this.so = so;
            this.offP = offP;
            this.offO = offO;
            if (rank == 0) {
                outer = 0;
                rowN = 1;
                rowP = esP;
                rowO = esO;
            } else {
                outer = rank - 1;
                rowN = n[outer];
                rowP = sp[outer];
                rowO = so[outer];
            }
            idx = new long[outer];
        }

        /**
         * The rows of {@code primary} and {@code other}, or null when they hold no element. With
         * {@code lastWriteWins} the primary is written: where it has stride 0 only the last element
         * of the other one along that dim matters, as in a C-order element-by-element loop.
         */
        static Layout of(NDArray primary, NDArray other, boolean lastWriteWins, int esP, int esO) {
            int rank = primary.rank();
            long[] n = new long[rank], sp = new long[rank], so = new long[rank];
            long offP = primary.offset(), offO = other.offset();
            int r = 0;
            for (int d = 0; d < rank; d++) {
                long e = primary.shape(d), a = primary.byteStride(d), b = other.byteStride(d);
                if (e == 0) return null;
                if (e == 1) continue;
                if (a == 0) {
                    if (lastWriteWins) { offO += (e - 1) * b; continue; }
                    if (b == 0) continue;
                }
                // Walking both arrays backwards along a dim visits the same pairs; the primary then moves forward.
                if (a < 0) {
                    offP += (e - 1) * a;
                    offO += (e - 1) * b;
                    a = -a;
                    b = -b;
                }
                // Insertion by descending primary stride (stable): the densest dim of the output ends up innermost.
                int j = r++;
                while (j > 0 && sp[j - 1] < a) {
                    n[j] = n[j - 1]; sp[j] = sp[j - 1]; so[j] = so[j - 1];
                    j--;
                }
                n[j] = e; sp[j] = a; so[j] = b;
            }
            int m = 0;
            for (int d = 0; d < r; d++) {
                if (m > 0 && sp[m - 1] == sp[d] * n[d] && so[m - 1] == so[d] * n[d]) {
                    n[m - 1] *= n[d]; sp[m - 1] = sp[d]; so[m - 1] = so[d];
                } else {
                    n[m] = n[d]; sp[m] = sp[d]; so[m] = so[d];
                    m++;
                }
            }
            return new Layout(n, sp, so, m, offP, offO, esP, esO);
        }

        void copyRow(StridedLoops k, MemorySegment s, MemorySegment d, int es) {
            k.copyRow(s, offO, rowO, d, offP, rowP, rowN, es);
        }

        /**
         * Copies every row with {@link MemorySegment#copy}. Rows that did not merge are often short
         * (a chunk cut from a wider array), so the per-row cost is kept to the copy itself: no row
         * kernel dispatch, and plain nested loops for the common case of two outer dims.
         */
        void copyContiguousRows(MemorySegment s, MemorySegment d, long rowBytes) {
            if (outer == 2) {
                long n0 = n[0], n1 = n[1], p0 = sp[0], p1 = sp[1], o0 = so[0], o1 = so[1];
                for (long i = 0; i < n0; i++) {
                    long p = offP + i * p0, o = offO + i * o0;
                    for (long j = 0; j < n1; j++, p += p1, o += o1) MemorySegment.copy(s, o, d, p, rowBytes);
                }
            } else {
                do MemorySegment.copy(s, offO, d, offP, rowBytes); while (next());
            }
        }

        /** {@link #copyContiguousRows} for two copies of this geometry, row by row alternately. */
        void copyContiguousRowPairs(MemorySegment s0, MemorySegment d0, MemorySegment s1, MemorySegment d1, long dS, long dD, long rowBytes) {
            if (outer == 2) {
                long n0 = n[0], n1 = n[1], p0 = sp[0], p1 = sp[1], o0 = so[0], o1 = so[1];
                for (long i = 0; i < n0; i++) {
                    long p = offP + i * p0, o = offO + i * o0;
                    for (long j = 0; j < n1; j++, p += p1, o += o1) {
                        MemorySegment.copy(s0, o, d0, p, rowBytes);
                        MemorySegment.copy(s1, o + dS, d1, p + dD, rowBytes);
                    }
                }
            } else {
                do {
                    MemorySegment.copy(s0, offO, d0, offP, rowBytes);
                    MemorySegment.copy(s1, offO + dS, d1, offP + dD, rowBytes);
                } while (next());
            }
        }

        /** Moves to the next row; false after the last one. */
        boolean next() {
            for (int d = outer - 1; d >= 0; d--) {
                if (++idx[d] < n[d]) {
                    offP += sp[d];
                    offO += so[d];
                    return true;
                }
                idx[d] = 0;
                offP -= (n[d] - 1) * sp[d];
                offO -= (n[d] - 1) * so[d];
            }
            return false;
        }
    }
}
