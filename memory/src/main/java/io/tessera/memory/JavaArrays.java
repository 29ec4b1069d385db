package io.tessera.memory;

import java.lang.foreign.MemorySegment;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts Java scalars and (nested) arrays into {@link NDArray}s by value, as TensorStore
 * converts Python scalars and lists: every element must fit the target dtype exactly in range
 * (and, for integer and bool targets, be integral), or the conversion fails naming the element.
 */
final class JavaArrays {
    private JavaArrays() {}

    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    static NDArray toNDArray(Object value, DataType target) {
        if (value == null) throw new IllegalArgumentException("Cannot convert null to an array");
        if (value instanceof NDArray a) {
            if (target == null || target == a.dtype()) return a;
            a.dtype().checkImplicitConversionTo(target);
            return a.cast(target);
        }
        long[] dims = shapeOf(value);
        DataType dtype = target != null ? target : naturalType(value);
        NDArray out = NDArray.allocate(dtype, dims);
        new Filler(dims, out.segment(), dtype).fill(value, 0);
        return out;
    }

    /** The shape, probing first elements; an empty array ends the probe with its static depth. */
    private static long[] shapeOf(Object value) {
        List<Long> shape = new ArrayList<>();
        Object probe = value;
        while (probe != null && probe.getClass().isArray()) {
            int n = Array.getLength(probe);
            shape.add((long) n);
            if (n == 0) {
                for (Class<?> c = probe.getClass().getComponentType(); c.isArray(); c = c.getComponentType()) shape.add(0L);
                break;
            }
            probe = Array.get(probe, 0);
        }
        return shape.stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * The dtype a Java value has by itself: that of its element type ({@code int} is int32,
     * {@code long} int64, {@code double} float64, {@code BigInteger} uint64, ...). Arrays
     * declared with {@code Object} or {@code Number} elements take Python's rule instead: bool if
     * all elements are booleans, else float64 if any is floating point, else int64 (uint64 if
     * some integer needs it).
     */
    private static DataType naturalType(Object value) {
        Class<?> c = value.getClass();
        while (c.isArray()) c = c.getComponentType();
        if (c == int.class || c == Integer.class) return DataType.INT32;
        if (c == long.class || c == Long.class) return DataType.INT64;
        if (c == short.class || c == Short.class) return DataType.INT16;
        if (c == byte.class || c == Byte.class) return DataType.INT8;
        if (c == float.class || c == Float.class) return DataType.FLOAT32;
        if (c == double.class || c == Double.class) return DataType.FLOAT64;
        if (c == boolean.class || c == Boolean.class) return DataType.BOOL;
        if (c == BigInteger.class) return DataType.UINT64;
        if (c == Object.class || c == Number.class || c == BigDecimal.class) {
            int[] seen = new int[4]; // booleans, floating, integers, beyond int64
            scanLeaves(value, seen);
            if (seen[0] > 0 && seen[1] + seen[2] == 0) return DataType.BOOL;
            if (seen[1] > 0 || seen[0] + seen[2] == 0) return DataType.FLOAT64;
            return seen[3] > 0 ? DataType.UINT64 : DataType.INT64;
        }
        throw new IllegalArgumentException("Cannot convert a " + c.getSimpleName() + " to an array element");
    }

    private static void scanLeaves(Object v, int[] seen) {
        if (v != null && v.getClass().isArray()) {
            for (int i = 0, n = Array.getLength(v); i < n; i++) scanLeaves(Array.get(v, i), seen);
        } else if (v instanceof Boolean) {
            seen[0]++;
        } else if (v instanceof Float || v instanceof Double || v instanceof BigDecimal) {
            seen[1]++;
        } else if (v instanceof BigInteger b) {
            seen[2]++;
            if (b.bitLength() > 63) seen[3]++;
        } else if (v instanceof Number) {
            seen[2]++;
        }
    }

    /** Writes the elements in C order, checking that the nesting is rectangular. */
    private static final class Filler {
        private final long[] dims;
        private final MemorySegment seg;
        private final DataType dtype;
        private final long[] index;
        private long offset;

        Filler(long[] dims, MemorySegment seg, DataType dtype) {
            this.dims = dims;
            this.seg = seg;
            this.dtype = dtype;
            this.index = new long[dims.length];
        }

        void fill(Object value, int depth) {
            if (depth == dims.length) {
                if (value != null && value.getClass().isArray()) {
                    throw new IllegalArgumentException("Ragged nested array: element " + position(depth)
                            + " is an array, expected a scalar");
                }
                store(value);
                offset += dtype.byteSize();
                return;
            }
            if (value == null || !value.getClass().isArray()) {
                throw new IllegalArgumentException("Ragged nested array: element " + position(depth) + " is "
                        + (value == null ? "null" : "a scalar") + ", expected an array of length " + dims[depth]);
            }
            int n = Array.getLength(value);
            if (n != dims[depth]) {
                throw new IllegalArgumentException("Ragged nested array: element " + position(depth) + " has length " + n
                        + ", expected " + dims[depth]);
            }
            if (depth == dims.length - 1 && (copyPrimitive(value, n) || convertPrimitive(value, n, depth))) return;
            for (int i = 0; i < n; i++) {
                index[depth] = i;
                fill(Array.get(value, i), depth + 1);
            }
        }

        /** Same-type primitive rows need no per-element checks: copy them in one go. */
        private boolean copyPrimitive(Object row, int n) {
            MemorySegment src = switch (row) {
                case byte[] b when dtype == DataType.INT8 -> MemorySegment.ofArray(b);
                case short[] s when dtype == DataType.INT16 -> MemorySegment.ofArray(s);
                case int[] i when dtype == DataType.INT32 -> MemorySegment.ofArray(i);
                case long[] l when dtype == DataType.INT64 -> MemorySegment.ofArray(l);
                case float[] f when dtype == DataType.FLOAT32 -> MemorySegment.ofArray(f);
                case double[] d when dtype == DataType.FLOAT64 -> MemorySegment.ofArray(d);
                default -> null;
            };
            if (src == null) return false;
            long bytes = (long) n * dtype.byteSize();
            MemorySegment.copy(src, 0, seg, offset, bytes);
            offset += bytes;
            return true;
        }

        /** Primitive rows of another type are checked and converted without boxing each element. */
        private boolean convertPrimitive(Object row, int n, int depth) {
            int size = dtype.byteSize();
            switch (row) {
                case byte[] a -> { for (int i = 0; i < n; i++, offset += size) { index[depth] = i; storeLong(a[i]); } }
                case short[] a -> { for (int i = 0; i < n; i++, offset += size) { index[depth] = i; storeLong(a[i]); } }
                case int[] a -> { for (int i = 0; i < n; i++, offset += size) { index[depth] = i; storeLong(a[i]); } }
                case long[] a -> { for (int i = 0; i < n; i++, offset += size) { index[depth] = i; storeLong(a[i]); } }
                case float[] a -> { for (int i = 0; i < n; i++, offset += size) { index[depth] = i; storeFloating(a[i]); } }
                case double[] a -> { for (int i = 0; i < n; i++, offset += size) { index[depth] = i; storeFloating(a[i]); } }
                case boolean[] a -> { for (int i = 0; i < n; i++, offset += size) { Elements.setLong(seg, offset, dtype, a[i] ? 1 : 0); } }
                default -> { return false; }
            }
            return true;
        }

        private String position(int depth) {
            StringBuilder sb = new StringBuilder("[");
            for (int d = 0; d < depth; d++) sb.append(d > 0 ? ", " : "").append(index[d]);
            return sb.append(']').toString();
        }

        private String at() {
            return dims.length == 0 ? "" : " at index " + position(dims.length);
        }

        private void store(Object v) {
            switch (v) {
                case Boolean b -> Elements.setLong(seg, offset, dtype, b ? 1 : 0);
                case Double d -> storeFloating(d);
                case Float f -> storeFloating(f.doubleValue());
                case BigInteger big -> storeInteger(big);
                case BigDecimal dec -> storeDecimal(dec);
                case Byte b -> storeLong(b);
                case Short s -> storeLong(s);
                case Integer i -> storeLong(i);
                case Long l -> storeLong(l);
                case null -> throw new IllegalArgumentException("Cannot convert null" + at() + " to " + dtype);
                default -> throw new IllegalArgumentException(
                        "Cannot convert a " + v.getClass().getSimpleName() + at() + " to " + dtype);
            }
        }

        private void storeLong(long v) {
            if (!dtype.isInteger() && dtype != DataType.BOOL) {
                storeFloatingValue(v, Long.toString(v));
                return;
            }
            boolean fits = dtype == DataType.UINT64 ? v >= 0 : v >= minLong(dtype) && v <= maxLong(dtype);
            if (!fits) throw outOfRange(Long.toString(v));
            Elements.setLong(seg, offset, dtype, v);
        }

        private void storeInteger(BigInteger v) {
            if (v.bitLength() <= 63) {
                storeLong(v.longValue());
            } else if (dtype.isInteger() || dtype == DataType.BOOL) {
                if (dtype != DataType.UINT64 || v.signum() < 0 || v.compareTo(UINT64_MAX) > 0) throw outOfRange(v.toString());
                Elements.setLong(seg, offset, dtype, v.longValue());
            } else {
                storeFloatingValue(v.doubleValue(), v.toString());
            }
        }

        private void storeDecimal(BigDecimal v) {
            if (dtype.isInteger() || dtype == DataType.BOOL) {
                BigInteger exact;
                try {
                    exact = v.toBigIntegerExact();
                } catch (ArithmeticException e) {
                    throw notIntegral(v.toString());
                }
                storeInteger(exact);
            } else {
                storeFloatingValue(v.doubleValue(), v.toString());
            }
        }

        private void storeFloating(double v) {
            if (dtype.isInteger() || dtype == DataType.BOOL) {
                if (Double.isNaN(v) || Double.isInfinite(v) || v != Math.rint(v)) throw notIntegral(Double.toString(v));
                storeInteger(new BigDecimal(v).toBigIntegerExact());
            } else {
                storeFloatingValue(v, Double.toString(v));
            }
        }

        /** A floating-point target: rounding is fine, overflowing a finite value to infinity is not. */
        private void storeFloatingValue(double v, String text) {
            Elements.setDouble(seg, offset, dtype, v);
            if (Double.isFinite(v) && Double.isInfinite(Elements.getDouble(seg, offset, dtype))) {
                throw new IllegalArgumentException("Value " + text + at() + " is outside the range of " + dtype);
            }
        }

        private IllegalArgumentException outOfRange(String v) {
            return new IllegalArgumentException("Value " + v + at() + " is outside the range of " + dtype
                    + " [" + minOf(dtype) + ", " + maxOf(dtype) + "]");
        }

        private IllegalArgumentException notIntegral(String v) {
            return new IllegalArgumentException("Value " + v + at() + " cannot be converted to " + dtype + " without loss");
        }
    }

    // An integer type's bounds as longs: exact for every type but UINT64's maximum (2^64 - 1),
    // which maxOf gives. A scalar written per element (or per single-element write) compares
    // against these and allocates no BigInteger.
    private static long minLong(DataType t) {
        return t.kind() == DataType.Kind.INT ? -(1L << (t.byteSize() * 8 - 1)) : 0;
    }

    private static long maxLong(DataType t) {
        return switch (t.kind()) {
            case INT -> (1L << (t.byteSize() * 8 - 1)) - 1;
            case UINT -> (1L << (t.byteSize() * 8)) - 1;
            default -> 1;
        };
    }

    static BigInteger minOf(DataType t) {
        return BigInteger.valueOf(minLong(t));
    }

    static BigInteger maxOf(DataType t) {
        return t == DataType.UINT64 ? UINT64_MAX : BigInteger.valueOf(maxLong(t));
    }
}
