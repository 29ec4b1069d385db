package io.tessera.memory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * An N-dimensional array view over a {@link MemorySegment}: a data type, a shape, byte strides
 * (negative and zero strides allowed) and an origin (the index of its first element in each
 * dimension, 0 unless the array came from a domain that does not start at 0).
 *
 * <p>Views ({@link #index}, {@link #slice}, {@link #transpose}, {@link #broadcastTo}) never copy:
 * they share the segment. The segment's lifetime is its arena's; an array allocated by
 * {@link #allocate(DataType, long...)} is owned by the garbage collector.
 *
 * <p>{@link #toString()} is NumPy's {@code repr}, e.g. {@code array([[1, 2]], dtype=uint32)}.
 */
public final class NDArray {
    private final MemorySegment segment;
    private final long offset;
    private final DataType dtype;
    private final long[] origin;
    private final long[] shape;
    private final long[] byteStrides;
    /** The pool buffer this array's memory was taken as, for {@link #release()}; usually null. */
    private final BufferPool.Buffer owner;

    private NDArray(MemorySegment segment, long offset, DataType dtype, long[] origin, long[] shape, long[] byteStrides) {
        this(segment, offset, dtype, origin, shape, byteStrides, null);
    }

    private NDArray(MemorySegment segment, long offset, DataType dtype, long[] origin, long[] shape, long[] byteStrides, BufferPool.Buffer owner) {
        this.owner = owner;
        this.segment = segment;
        this.offset = offset;
        this.dtype = dtype;
        this.origin = origin;
        this.shape = shape;
        this.byteStrides = byteStrides;
    }

    /** Element order of a newly allocated array. */
    public enum Order { C, F }

    // ---- factories -------------------------------------------------------------------------

    /** A zero-filled C-order array whose memory the garbage collector owns. */
    public static NDArray allocate(DataType dtype, long... shape) {
        return allocateOnHeap(dtype, Order.C, shape);
    }

    /**
     * A zero-filled array backed by a Java {@code byte[]} (native ones beyond 2 GiB). Why the
     * heap: the collector accounts for it (bounded by -Xmx) and recycles already-touched pages,
     * where GC-freed native memory grows unaccounted between collections and every fresh
     * allocation pays its page faults. A {@code byte[]} (not a wider array) keeps
     * {@link MemorySegment#asByteBuffer()} available to I/O and codec libraries.
     */
    public static NDArray allocateOnHeap(DataType dtype, Order order, long... shape) {
        long bytes = Math.multiplyExact(checkedCount(shape), (long) dtype.byteSize());
        if (bytes > Integer.MAX_VALUE - 16) {
            return allocate(Arena.ofAuto(), dtype, order, shape);
        }
        MemorySegment seg = MemorySegment.ofArray(new byte[(int) Math.max(1, bytes)]);
        return new NDArray(seg, 0, dtype, new long[shape.length], shape.clone(), contiguousStrides(dtype, shape, order));
    }

    /**
     * An array whose contents are unspecified, for a caller that writes every element before it
     * reads one: from the {@link BufferPool} (recycled native memory, returned when the array is
     * unreachable or {@link #release() released}) when large, else on the heap.
     */
    public static NDArray allocateUninitialized(DataType dtype, Order order, long... shape) {
        long bytes = Math.multiplyExact(checkedCount(shape), (long) dtype.byteSize());
        if (bytes < BufferPool.MIN_POOLED) return allocateOnHeap(dtype, order, shape);
        BufferPool.Buffer b = BufferPool.shared().takeGuarded(bytes);
        return new NDArray(b.segment(), 0, dtype, new long[shape.length], shape.clone(), contiguousStrides(dtype, shape, order), b);
    }

    /**
     * A zero-filled array in {@code order}, allocated in {@code arena} (aligned to 64 bytes). From
     * 2 MiB on the memory is a private mapping advised for transparent huge pages, owned by the
     * arena (unmapped when it frees it) but not allocated by it: strided copies out of it miss the
     * TLB less, as NumPy's large arrays, which it advises likewise. {@code
     * -Dtessera.buffers.hugePages=false} makes every array the arena's own allocation.
     */
    public static NDArray allocate(Arena arena, DataType dtype, Order order, long... shape) {
        long count = checkedCount(shape);
        MemorySegment seg = BufferPool.fresh(Math.max(1, Math.multiplyExact(count, (long) dtype.byteSize())), arena, 64);
        return new NDArray(seg, 0, dtype, new long[shape.length], shape.clone(), contiguousStrides(dtype, shape, order));
    }

    /** A C-order view of {@code segment} as an array of {@code shape}. */
    public static NDArray wrap(MemorySegment segment, DataType dtype, long... shape) {
        return wrap(segment, dtype, Order.C, shape);
    }

    /** A view of {@code segment} as a contiguous array of {@code shape} in {@code order}. */
    public static NDArray wrap(MemorySegment segment, DataType dtype, Order order, long... shape) {
        return view(segment, 0, dtype, new long[shape.length], shape, contiguousStrides(dtype, shape, order));
    }

    /**
     * A general strided view: the element at index {@code origin} is at byte {@code offset} of
     * {@code segment}, and a step of one in dimension {@code d} moves {@code byteStrides[d]} bytes.
     *
     * @throws IndexOutOfBoundsException if some element would lie outside the segment
     */
    public static NDArray view(MemorySegment segment, long offset, DataType dtype, long[] origin, long[] shape, long[] byteStrides) {
        if (origin.length != shape.length || byteStrides.length != shape.length) {
            throw new IllegalArgumentException("origin, shape and byteStrides must have the same rank: "
                    + origin.length + ", " + shape.length + ", " + byteStrides.length);
        }
        long count = checkedCount(shape);
        if (count > 0) {
            long lo = offset, hi = offset;
            try {
                for (int d = 0; d < shape.length; d++) {
                    long extent = Math.multiplyExact(shape[d] - 1, byteStrides[d]);
                    if (extent < 0) lo = Math.addExact(lo, extent); else hi = Math.addExact(hi, extent);
                }
            } catch (ArithmeticException e) {
                throw new IndexOutOfBoundsException("Array view of shape " + Arrays.toString(shape) + " and byte strides "
                        + Arrays.toString(byteStrides) + " spans more than 2^63 bytes");
            }
            if (lo < 0 || hi + dtype.byteSize() > segment.byteSize()) {
                throw new IndexOutOfBoundsException("Array view bytes [" + lo + ", " + (hi + dtype.byteSize())
                        + ") lie outside its segment of " + segment.byteSize() + " bytes");
            }
        }
        return new NDArray(segment, offset, dtype, origin.clone(), shape.clone(), byteStrides.clone());
    }

    /**
     * A new array holding a Java value: a boxed scalar, a primitive array, or nested arrays (which
     * must be rectangular). Its dtype follows the Java element type: {@code int} is int32,
     * {@code long} int64, {@code double} float64, {@code boolean} bool, {@code BigInteger} uint64;
     * arrays of {@code Object} or {@code Number} follow Python's rule (bool if all elements are
     * booleans, else float64 if any is floating point, else int64). An {@code NDArray} is returned
     * as is.
     */
    public static NDArray of(Object value) {
        return JavaArrays.toNDArray(value, null);
    }

    /**
     * A new array of {@code dtype} holding a Java value converted by value, as TensorStore converts
     * Python scalars and lists.
     *
     * @throws IllegalArgumentException if some element does not fit {@code dtype} (e.g. -1 into
     *     uint8, 1.5 into an integer type, 1e300 into float32), if nested arrays are ragged, or if
     *     {@code value} is an {@code NDArray} whose dtype does not convert to {@code dtype}
     *     implicitly (use {@link #cast} for that)
     */
    public static NDArray of(Object value, DataType dtype) {
        return JavaArrays.toNDArray(value, dtype);
    }

    /**
     * Maps a {@code .npy} file (format 1.0, 2.0 or 3.0; C or Fortran order; any dtype but
     * bfloat16, which {@code .npy} cannot name) as an array.
     *
     * <p>The mapping is read-only and owned by the garbage collector (an automatic arena): it stays
     * valid while this array or any view of it is reachable, and is unmapped after. Writing into
     * it throws; {@link #copy()} gives a writable array. A big-endian file is read into a
     * native-order copy instead.
     *
     * @throws IOException naming the file and what is wrong with it when it is not a valid
     *     {@code .npy} file, is truncated, or holds an unsupported dtype (structured, object, ...)
     */
    public static NDArray readNpy(Path path) throws IOException {
        return Npy.read(path);
    }

    /**
     * Writes this array (any view, strided or not) as a {@code .npy} file: version 1.0, C order,
     * little-endian, the same bytes {@code np.save} writes. The file is replaced atomically where
     * the file system allows, so an array mapped from that very file may be written back to it.
     *
     * @throws IllegalArgumentException for bfloat16, which {@code .npy} cannot name
     */
    public void writeNpy(Path path) throws IOException {
        Npy.write(this, path);
    }

    // ---- properties ------------------------------------------------------------------------

    public DataType dtype() { return dtype; }

    public int rank() { return shape.length; }

    public long[] shape() { return shape.clone(); }

    public long shape(int dim) { return shape[dim]; }

    public long[] origin() { return origin.clone(); }

    public long[] byteStrides() { return byteStrides.clone(); }

    public long byteStride(int dim) { return byteStrides[dim]; }

    /** The segment this array views. */
    public MemorySegment segment() { return segment; }

    /** The byte offset, in {@link #segment()}, of the first element (the one at {@link #origin()}). */
    public long offset() { return offset; }

    /** The number of elements. */
    public long size() { return checkedCount(shape); }

    /** Whether the elements are laid out densely in C order, first at {@link #offset()}. */
    public boolean isCContiguous() {
        return Arrays.equals(byteStrides, contiguousStrides(dtype, shape, Order.C)) || size() <= 1;
    }

    /** The byte offset in {@link #segment()} of the element at zero-based {@code position}. */
    public long byteOffset(long... position) {
        if (position.length != shape.length) {
            throw new IllegalArgumentException("Expected " + shape.length + " indices, got " + position.length);
        }
        long off = offset;
        for (int d = 0; d < shape.length; d++) {
            if (position[d] < 0 || position[d] >= shape[d]) {
                throw new IndexOutOfBoundsException("Index " + position[d] + " is outside valid range [0, " + shape[d] + ")");
            }
            off += position[d] * byteStrides[d];
        }
        return off;
    }

    public long getLong(long... position) { return Elements.getLong(segment, byteOffset(position), dtype); }

    public double getDouble(long... position) { return Elements.getDouble(segment, byteOffset(position), dtype); }

    public void setLong(long value, long... position) { Elements.setLong(segment, byteOffset(position), dtype, value); }

    public void setDouble(double value, long... position) { Elements.setDouble(segment, byteOffset(position), dtype, value); }

    // ---- views -----------------------------------------------------------------------------

    /** Drops dimension {@code dim}, fixing it at zero-based position {@code i}. */
    public NDArray index(int dim, long i) {
        if (i < 0 || i >= shape[dim]) {
            throw new IndexOutOfBoundsException("Index " + i + " is outside valid range [0, " + shape[dim] + ")");
        }
        return new NDArray(segment, offset + i * byteStrides[dim], dtype, remove(origin, dim), remove(shape, dim), remove(byteStrides, dim), owner);
    }

    /**
     * Positions {@code start, start+step, ...} (zero-based, stopping before {@code stop}) of
     * dimension {@code dim}; a negative step walks backwards, as in NumPy.
     */
    public NDArray slice(int dim, long start, long stop, long step) {
        if (step == 0) throw new IllegalArgumentException("slice step cannot be zero");
        // The distance is positive where it is taken, so read unsigned it is exact even where it
        // overflows a long; so is -step for Long.MIN_VALUE. A count of 2^63 or more reads negative.
        long n = step > 0 ? (stop <= start ? 0 : Long.divideUnsigned(stop - start - 1, step) + 1)
                : (stop >= start ? 0 : Long.divideUnsigned(start - stop - 1, -step) + 1);
        if (n != 0) {
            boolean inside;
            try {
                long last = Math.addExact(start, Math.multiplyExact(n - 1, step));
                inside = n > 0 && n <= shape[dim] && start >= 0 && start < shape[dim] && last >= 0 && last < shape[dim];
            } catch (ArithmeticException e) {
                inside = false;
            }
            if (!inside) {
                throw new IndexOutOfBoundsException("Slice " + start + ":" + stop + ":" + step + " is outside valid range [0, " + shape[dim] + ")");
            }
        }
        long[] s = shape.clone(), st = byteStrides.clone(), o = origin.clone();
        s[dim] = n;
        // A single element's stride is never used (and a huge step times it could overflow).
        st[dim] = n > 1 ? byteStrides[dim] * step : byteStrides[dim];
        o[dim] = 0;
        return new NDArray(segment, n > 0 ? offset + start * byteStrides[dim] : offset, dtype, o, s, st, owner);
    }

    /** Dimension {@code d} of the result is dimension {@code permutation[d]} of this array. */
    public NDArray transpose(int... permutation) {
        if (permutation.length != shape.length) throw new IllegalArgumentException("permutation rank " + permutation.length + " != " + shape.length);
        long[] s = new long[shape.length], st = new long[shape.length], o = new long[shape.length];
        boolean[] seen = new boolean[shape.length];
        for (int d = 0; d < permutation.length; d++) {
            int p = permutation[d];
            if (p < 0 || p >= shape.length || seen[p]) throw new IllegalArgumentException("Invalid permutation " + Arrays.toString(permutation));
            seen[p] = true;
            s[d] = shape[p];
            st[d] = byteStrides[p];
            o[d] = origin[p];
        }
        return new NDArray(segment, offset, dtype, o, s, st, owner);
    }

    /** The reversed dimension order (NumPy's {@code .T}). */
    public NDArray transpose() {
        int[] p = new int[shape.length];
        for (int d = 0; d < p.length; d++) p[d] = p.length - 1 - d;
        return transpose(p);
    }

    /**
     * This array broadcast to {@code target} by NumPy's rules: dimensions are right-aligned,
     * missing leading ones and size-1 ones repeat with byte stride 0.
     */
    public NDArray broadcastTo(long... target) {
        if (target.length < shape.length) {
            throw new IllegalArgumentException("Cannot broadcast array of shape " + Arrays.toString(shape) + " to shape " + Arrays.toString(target));
        }
        int lead = target.length - shape.length;
        long[] st = new long[target.length], o = new long[target.length];
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == target[lead + d]) {
                st[lead + d] = byteStrides[d];
                o[lead + d] = origin[d];
            } else if (shape[d] != 1) {
                throw new IllegalArgumentException("Cannot broadcast array of shape " + Arrays.toString(shape) + " to shape " + Arrays.toString(target));
            }
        }
        return new NDArray(segment, offset, dtype, o, target.clone(), st, owner);
    }

    /** The same elements with a different origin (index of the first element). */
    public NDArray translateTo(long... newOrigin) {
        if (newOrigin.length != shape.length) throw new IllegalArgumentException("origin rank " + newOrigin.length + " != " + shape.length);
        return new NDArray(segment, offset, dtype, newOrigin.clone(), shape, byteStrides, owner);
    }

    /**
     * Gives the memory of an array that {@link #allocateUninitialized} took from the buffer pool
     * (the array a read returns, for one) back now, instead of once the array is unreachable:
     * the JVM's counterpart of dropping the last reference to a NumPy array. This array, every
     * view of it and every segment taken from it are unusable afterwards: an access fails with
     * {@link IllegalStateException}. Does nothing for other arrays, or when called again.
     */
    public void release() {
        if (owner != null) owner.release();
    }

    // ---- copies ----------------------------------------------------------------------------

    /** A C-order copy in memory the garbage collector owns. */
    public NDArray copy() {
        NDArray out = allocate(dtype, shape).translateTo(origin);
        ArrayOps.copy(this, out);
        return out;
    }

    /** A C-order copy converted to {@code target} (explicit conversion: any numeric type). */
    public NDArray cast(DataType target) {
        NDArray out = allocate(target, shape).translateTo(origin);
        ArrayOps.copy(this, out);
        return out;
    }

    /** Whether both arrays have the same dtype, shape and element bytes (origin ignored). */
    public boolean contentEquals(NDArray other) {
        return dtype == other.dtype && Arrays.equals(shape, other.shape) && ArrayOps.equalBytes(this, other);
    }

    /** NumPy's {@code repr} of this array, e.g. {@code array([[1, 2]], dtype=uint32)}. */
    @Override
    public String toString() {
        return NumpyRepr.repr(this);
    }

    // ---- helpers ---------------------------------------------------------------------------

    /** Byte strides of a dense array of {@code shape} in {@code order}. */
    public static long[] contiguousStrides(DataType dtype, long[] shape, Order order) {
        long[] strides = new long[shape.length];
        long stride = dtype.byteSize();
        if (order == Order.C) {
            for (int d = shape.length - 1; d >= 0; d--) { strides[d] = stride; stride *= Math.max(1, shape[d]); }
        } else {
            for (int d = 0; d < shape.length; d++) { strides[d] = stride; stride *= Math.max(1, shape[d]); }
        }
        return strides;
    }

    static long checkedCount(long[] shape) {
        long n = 1;
        for (long s : shape) {
            if (s < 0) throw new IllegalArgumentException("Negative extent in shape " + Arrays.toString(shape));
        }
        for (long s : shape) {
            try {
                n = Math.multiplyExact(n, s);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("Shape " + Arrays.toString(shape) + " has more than " + Long.MAX_VALUE + " elements");
            }
        }
        return n;
    }

    private static long[] remove(long[] a, int i) {
        long[] r = new long[a.length - 1];
        System.arraycopy(a, 0, r, 0, i);
        System.arraycopy(a, i + 1, r, i, a.length - i - 1);
        return r;
    }

}
