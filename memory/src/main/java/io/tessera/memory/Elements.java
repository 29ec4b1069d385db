package io.tessera.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Reads, writes and converts single elements at a byte offset of a segment, in the platform's byte
 * order. This is the element-by-element path: kernels do the bulk work, this serves scalars, the
 * NumPy repr and the reference implementations tests compare kernels with.
 */
public final class Elements {
    private Elements() {}

    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    /**
     * The element as a long: integers sign- or zero-extended (uint64 as its two's complement bits),
     * bool as 0 or 1, floating point truncated toward zero, complex by its real part.
     */
    public static long getLong(MemorySegment s, long off, DataType t) {
        return switch (t) {
            case BOOL -> s.get(ValueLayout.JAVA_BYTE, off) != 0 ? 1 : 0;
            case INT8 -> s.get(ValueLayout.JAVA_BYTE, off);
            case UINT8 -> s.get(ValueLayout.JAVA_BYTE, off) & 0xFFL;
            case INT16 -> s.get(SHORT, off);
            case UINT16 -> s.get(SHORT, off) & 0xFFFFL;
            case INT32 -> s.get(INT, off);
            case UINT32 -> s.get(INT, off) & 0xFFFF_FFFFL;
            case INT64, UINT64 -> s.get(LONG, off);
            default -> doubleToLong(getDouble(s, off, t), DataType.INT64);
        };
    }

    /** The element as a double (uint64 unsigned; complex by its real part). */
    public static double getDouble(MemorySegment s, long off, DataType t) {
        return switch (t) {
            case FLOAT16 -> Float.float16ToFloat(s.get(SHORT, off));
            case BFLOAT16 -> Float.intBitsToFloat((s.get(SHORT, off) & 0xFFFF) << 16);
            case FLOAT32, COMPLEX64 -> s.get(FLOAT, off);
            case FLOAT64, COMPLEX128 -> s.get(DOUBLE, off);
            case UINT64 -> unsignedToDouble(s.get(LONG, off));
            default -> getLong(s, off, t);
        };
    }

    /** The imaginary part of a complex element; 0 for every other type. */
    public static double getImag(MemorySegment s, long off, DataType t) {
        return switch (t) {
            case COMPLEX64 -> s.get(FLOAT, off + 4);
            case COMPLEX128 -> s.get(DOUBLE, off + 8);
            default -> 0;
        };
    }

    /** Stores the low bits of {@code v} (C++ {@code static_cast} between integer types). */
    public static void setLong(MemorySegment s, long off, DataType t, long v) {
        switch (t) {
            case BOOL -> s.set(ValueLayout.JAVA_BYTE, off, (byte) (v != 0 ? 1 : 0));
            case INT8, UINT8 -> s.set(ValueLayout.JAVA_BYTE, off, (byte) v);
            case INT16, UINT16 -> s.set(SHORT, off, (short) v);
            case INT32, UINT32 -> s.set(INT, off, (int) v);
            case INT64, UINT64 -> s.set(LONG, off, v);
            case FLOAT32 -> s.set(FLOAT, off, (float) v);
            default -> setDouble(s, off, t, (double) v);
        }
    }

    /** Stores {@code v} rounded to the type (to nearest even); integers truncate toward zero. */
    public static void setDouble(MemorySegment s, long off, DataType t, double v) {
        switch (t) {
            case BOOL -> s.set(ValueLayout.JAVA_BYTE, off, (byte) (v != 0 ? 1 : 0));
            case FLOAT16 -> s.set(SHORT, off, Float.floatToFloat16((float) v));
            case BFLOAT16 -> s.set(SHORT, off, floatToBfloat16((float) v));
            case FLOAT32 -> s.set(FLOAT, off, (float) v);
            case FLOAT64 -> s.set(DOUBLE, off, v);
            case COMPLEX64 -> { s.set(FLOAT, off, (float) v); s.set(FLOAT, off + 4, 0f); }
            case COMPLEX128 -> { s.set(DOUBLE, off, v); s.set(DOUBLE, off + 8, 0d); }
            default -> setLong(s, off, t, doubleToLong(v, t));
        }
    }

    /** Stores a complex value; the imaginary part is dropped for non-complex types. */
    public static void setComplex(MemorySegment s, long off, DataType t, double re, double im) {
        switch (t) {
            case COMPLEX64 -> { s.set(FLOAT, off, (float) re); s.set(FLOAT, off + 4, (float) im); }
            case COMPLEX128 -> { s.set(DOUBLE, off, re); s.set(DOUBLE, off + 8, im); }
            default -> setDouble(s, off, t, re);
        }
    }

    /**
     * Converts one element from {@code (src, srcOff, from)} to {@code (dst, dstOff, to)}, with
     * TensorStore's (C++ {@code static_cast}) semantics; integers keep full 64-bit precision.
     */
    public static void convert(MemorySegment src, long srcOff, DataType from, MemorySegment dst, long dstOff, DataType to) {
        if (to == DataType.COMPLEX64 && from == DataType.UINT64) {
            dst.set(FLOAT, dstOff, unsignedToFloat(src.get(LONG, srcOff)));
            dst.set(FLOAT, dstOff + 4, 0f);
        } else if (to == DataType.COMPLEX64 && from.isInteger()) {
            // Rounded once, straight to float, as TensorStore and NumPy do: through a double, an
            // int64 beyond 2^53 would be rounded twice.
            dst.set(FLOAT, dstOff, (float) getLong(src, srcOff, from));
            dst.set(FLOAT, dstOff + 4, 0f);
        } else if (from.isComplex() && to == DataType.BOOL) {
            // Non-zero if either part is, as NumPy has it.
            setLong(dst, dstOff, to, getDouble(src, srcOff, from) != 0 || getImag(src, srcOff, from) != 0 ? 1 : 0);
        } else if (from.isComplex() || to.isComplex()) {
            setComplex(dst, dstOff, to, getDouble(src, srcOff, from), getImag(src, srcOff, from));
        } else if (from.isFloatingPoint()) {
            setDouble(dst, dstOff, to, getDouble(src, srcOff, from));
        } else if (to == DataType.FLOAT32 && from == DataType.UINT64) {
            dst.set(FLOAT, dstOff, unsignedToFloat(src.get(LONG, srcOff)));
        } else if (to.isFloatingPoint() && from == DataType.UINT64) {
            setDouble(dst, dstOff, to, unsignedToDouble(src.get(LONG, srcOff)));
        } else if (to == DataType.BOOL) {
            setLong(dst, dstOff, to, getLong(src, srcOff, from) != 0 ? 1 : 0);
        } else {
            setLong(dst, dstOff, to, getLong(src, srcOff, from));
        }
    }

    /** uint64 to the nearest double, rounded once (as C++ {@code static_cast<double>}). */
    static double unsignedToDouble(long v) {
        if (v >= 0) return v;
        // Halve, keeping the lost bit as a sticky bit, so the single rounding lands where it would
        // for the full 64-bit value; doubling is then exact.
        return (double) ((v >>> 1) | (v & 1)) * 2.0;
    }

    /** uint64 to the nearest float, rounded once (going through double would round twice). */
    static float unsignedToFloat(long v) {
        if (v >= 0) return v;
        return (float) ((v >>> 1) | (v & 1)) * 2.0f;
    }

    /** Truncates toward zero; saturates at the 64-bit range of the target (unsigned for uint64). */
    static long doubleToLong(double v, DataType t) {
        if (t == DataType.UINT64 && v >= 0x1p63) {
            return v >= 0x1p64 ? -1L : (long) (v - 0x1p63) ^ Long.MIN_VALUE;
        }
        if (t.kind() == DataType.Kind.UINT && v < 0 && v > -1) return 0;
        return (long) v;
    }

    /**
     * float32 to bfloat16, rounding to nearest even. A NaN keeps its sign and top payload bits,
     * with fraction bit 5 set so that truncation cannot turn it into an infinity: the bits
     * TensorStore produces.
     */
    public static short floatToBfloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x20);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
