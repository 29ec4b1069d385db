package io.tessera.memory;

import java.lang.foreign.MemorySegment;
import java.lang.reflect.Array;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/** Converts Java scalars and (nested) arrays into {@link NDArray}s, by value. */
final class JavaArrays {
    private JavaArrays() {}

    static NDArray toNDArray(Object value, DataType target) {
        if (value == null) throw new IllegalArgumentException("Cannot convert null to an array");
        if (value instanceof NDArray a) {
            return target == null || target == a.dtype() ? a : a.cast(target);
        }
        List<Long> shape = new ArrayList<>();
        Object probe = value;
        while (probe.getClass().isArray()) {
            int n = Array.getLength(probe);
            shape.add((long) n);
            if (n == 0) break;
            probe = Array.get(probe, 0);
        }
        long[] dims = shape.stream().mapToLong(Long::longValue).toArray();
        DataType dtype = target != null ? target : naturalType(value, dims.length);
        NDArray out = NDArray.allocate(dtype, dims);
        long[] cursor = {0};
        fill(value, 0, dims, out.segment(), cursor, dtype);
        return out;
    }

    private static void fill(Object value, int depth, long[] dims, MemorySegment seg, long[] cursor, DataType dtype) {
        if (depth == dims.length) {
            if (value != null && value.getClass().isArray()) {
                throw new IllegalArgumentException("Ragged nested array: expected a scalar at depth " + depth);
            }
            store(value, seg, cursor[0], dtype);
            cursor[0] += dtype.byteSize();
            return;
        }
        if (value == null || !value.getClass().isArray() || Array.getLength(value) != dims[depth]) {
            throw new IllegalArgumentException("Ragged nested array: expected length " + dims[depth] + " at depth " + depth);
        }
        int n = Array.getLength(value);
        for (int i = 0; i < n; i++) fill(Array.get(value, i), depth + 1, dims, seg, cursor, dtype);
    }

    private static DataType naturalType(Object value, int rank) {
        Class<?> c = value.getClass();
        for (int i = 0; i < rank; i++) c = c.getComponentType();
        if (c == int.class || c == Integer.class) return DataType.INT32;
        if (c == long.class || c == Long.class) return DataType.INT64;
        if (c == short.class || c == Short.class) return DataType.INT16;
        if (c == byte.class || c == Byte.class) return DataType.INT8;
        if (c == float.class || c == Float.class) return DataType.FLOAT32;
        if (c == double.class || c == Double.class) return DataType.FLOAT64;
        if (c == boolean.class || c == Boolean.class) return DataType.BOOL;
        if (c == BigInteger.class) return DataType.UINT64;
        if (Number.class.isAssignableFrom(c) || c == Object.class) return DataType.FLOAT64;
        throw new IllegalArgumentException("Cannot convert a " + c.getSimpleName() + " to an array element");
    }

    private static void store(Object v, MemorySegment seg, long off, DataType t) {
        switch (v) {
            case Boolean b -> Elements.setLong(seg, off, t, b ? 1 : 0);
            case Double d -> storeFloating(d, seg, off, t);
            case Float f -> storeFloating(f.doubleValue(), seg, off, t);
            case BigInteger big -> storeInteger(big, seg, off, t);
            case Number n -> storeInteger(BigInteger.valueOf(n.longValue()), seg, off, t);
            case null, default -> throw new IllegalArgumentException(
                    "Cannot convert " + (v == null ? "null" : v.getClass().getSimpleName()) + " to " + t);
        }
    }

    private static void storeInteger(BigInteger v, MemorySegment seg, long off, DataType t) {
        if (t.isInteger() || t == DataType.BOOL) {
            BigInteger min = minOf(t), max = maxOf(t);
            if (v.compareTo(min) < 0 || v.compareTo(max) > 0) {
                throw new IllegalArgumentException("Value " + v + " is outside the range of " + t + " [" + min + ", " + max + "]");
            }
            Elements.setLong(seg, off, t, v.longValue());
        } else {
            Elements.setDouble(seg, off, t, v.doubleValue());
        }
    }

    private static void storeFloating(double v, MemorySegment seg, long off, DataType t) {
        if (t.isInteger() || t == DataType.BOOL) {
            if (Double.isNaN(v) || Double.isInfinite(v) || v != Math.rint(v)) {
                throw new IllegalArgumentException("Value " + v + " cannot be converted to " + t + " without loss");
            }
            storeInteger(new java.math.BigDecimal(v).toBigIntegerExact(), seg, off, t);
        } else {
            Elements.setDouble(seg, off, t, v);
        }
    }

    static BigInteger minOf(DataType t) {
        return switch (t.kind()) {
            case INT -> BigInteger.ONE.shiftLeft(t.byteSize() * 8 - 1).negate();
            default -> BigInteger.ZERO;
        };
    }

    static BigInteger maxOf(DataType t) {
        return switch (t.kind()) {
            case INT -> BigInteger.ONE.shiftLeft(t.byteSize() * 8 - 1).subtract(BigInteger.ONE);
            case UINT -> BigInteger.ONE.shiftLeft(t.byteSize() * 8).subtract(BigInteger.ONE);
            default -> BigInteger.ONE;
        };
    }
}
