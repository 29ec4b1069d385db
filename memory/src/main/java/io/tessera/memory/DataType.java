package io.tessera.memory;

import java.nio.ByteOrder;
import java.util.Locale;

/**
 * The element types of an array, with their NumPy names, zarr v2 type strings and TensorStore's
 * conversion rules.
 *
 * <p>In memory every element is stored in the platform's byte order (little-endian on every
 * platform Tessera runs on); a big-endian zarr dtype only affects the bytes of a stored chunk.
 */
public enum DataType {
    BOOL("bool", 1, Kind.BOOL, 'b', 1, 0, 0),
    INT8("int8", 1, Kind.INT, 'i', 7, 0, 0),
    INT16("int16", 2, Kind.INT, 'i', 15, 0, 0),
    INT32("int32", 4, Kind.INT, 'i', 31, 0, 0),
    INT64("int64", 8, Kind.INT, 'i', 63, 0, 0),
    UINT8("uint8", 1, Kind.UINT, 'u', 8, 0, 0),
    UINT16("uint16", 2, Kind.UINT, 'u', 16, 0, 0),
    UINT32("uint32", 4, Kind.UINT, 'u', 32, 0, 0),
    UINT64("uint64", 8, Kind.UINT, 'u', 64, 0, 0),
    FLOAT16("float16", 2, Kind.FLOAT, 'f', 11, -13, 16),
    BFLOAT16("bfloat16", 2, Kind.FLOAT, 'f', 8, -125, 128),
    FLOAT32("float32", 4, Kind.FLOAT, 'f', 24, -125, 128),
    FLOAT64("float64", 8, Kind.FLOAT, 'f', 53, -1021, 1024),
    COMPLEX64("complex64", 8, Kind.COMPLEX, 'c', 24, -125, 128),
    COMPLEX128("complex128", 16, Kind.COMPLEX, 'c', 53, -1021, 1024);

    /** The family of a data type. */
    public enum Kind { BOOL, INT, UINT, FLOAT, COMPLEX }

    private final String typeName;
    private final int byteSize;
    private final Kind kind;
    private final char zarrKindChar;
    // std::numeric_limits<T>::digits, min_exponent and max_exponent of the (component) type:
    // TensorStore decides which conversions are implicit from exactly these.
    private final int digits;
    private final int minExponent;
    private final int maxExponent;

    DataType(String typeName, int byteSize, Kind kind, char zarrKindChar, int digits, int minExponent, int maxExponent) {
        this.typeName = typeName;
        this.byteSize = byteSize;
        this.kind = kind;
        this.zarrKindChar = zarrKindChar;
        this.digits = digits;
        this.minExponent = minExponent;
        this.maxExponent = maxExponent;
    }

    /** NumPy's and TensorStore's name: {@code "uint32"}, {@code "float64"}, ... */
    public String typeName() { return typeName; }

    /** Bytes per element. */
    public int byteSize() { return byteSize; }

    /** The family: bool, signed or unsigned integer, floating point or complex. */
    public Kind kind() { return kind; }

    /** Whether this is a signed or unsigned integer type (bool is not). */
    public boolean isInteger() { return kind == Kind.INT || kind == Kind.UINT; }

    /** Whether negative values exist: signed integers, floating point and complex types. */
    public boolean isSigned() { return kind == Kind.INT || kind == Kind.FLOAT || kind == Kind.COMPLEX; }

    /** Whether this is a real floating-point type (float16, bfloat16, float32, float64). */
    public boolean isFloatingPoint() { return kind == Kind.FLOAT; }

    /** Whether this is complex64 or complex128. */
    public boolean isComplex() { return kind == Kind.COMPLEX; }

    /** Bytes of one scalar component: the element size, or half of it for complex types. */
    public int componentSize() { return kind == Kind.COMPLEX ? byteSize / 2 : byteSize; }

    /** Looks up a type by its NumPy/TensorStore name, e.g. {@code "uint16"}. */
    public static DataType fromName(String name) {
        for (DataType t : values()) {
            if (t.typeName.equals(name)) return t;
        }
        throw new IllegalArgumentException("Unsupported data type: \"" + name + "\"");
    }

    /**
     * The zarr v2 type string of this type in the given byte order: {@code "<u4"}, {@code ">i2"},
     * {@code "|u1"}, {@code "|b1"}; bfloat16 is {@code "bfloat16"} as TensorStore writes it.
     */
    public String zarrDtype(ByteOrder order) {
        if (this == BFLOAT16) return "bfloat16";
        char endian = byteSize == 1 ? '|' : (order == ByteOrder.BIG_ENDIAN ? '>' : '<');
        return "" + endian + zarrKindChar + byteSize;
    }

    /**
     * A zarr v2 type string parsed into a data type and the byte order of stored chunks.
     * {@code text} is the string as given: like TensorStore, Tessera keeps {@code "<u1"} as
     * {@code "<u1"} (not {@code "|u1"}) when it writes the metadata back.
     */
    public record Zarr(DataType dataType, ByteOrder order, String text) {
        /** The canonical string for {@code dataType} in {@code order}, e.g. {@code "<u4"}. */
        public Zarr(DataType dataType, ByteOrder order) {
            this(dataType, order, dataType.zarrDtype(order));
        }

        @Override
        public String toString() { return text; }
    }

    /**
     * Parses a zarr v2 type string ({@code "<u4"}, {@code ">f8"}, {@code "|b1"}, {@code "bfloat16"}).
     *
     * @throws IllegalArgumentException naming the string when it is not a supported type
     */
    public static Zarr parseZarrDtype(String s) {
        if ("bfloat16".equals(s)) return new Zarr(BFLOAT16, ByteOrder.LITTLE_ENDIAN);
        if (s.length() >= 3) {
            char endian = s.charAt(0);
            char kindChar = s.charAt(1);
            int size;
            // Only plain decimal digits: Integer.parseInt would also take "+4" and "04".
            size = s.substring(2).matches("[1-9][0-9]{0,2}") ? Integer.parseInt(s.substring(2)) : -1;
            for (DataType t : values()) {
                if (t == BFLOAT16 || t.zarrKindChar != kindChar || t.byteSize != size) continue;
                if (size == 1 && (endian == '|' || endian == '<' || endian == '>')) {
                    return new Zarr(t, ByteOrder.LITTLE_ENDIAN, s);
                }
                if (size > 1 && endian == '<') return new Zarr(t, ByteOrder.LITTLE_ENDIAN, s);
                if (size > 1 && endian == '>') return new Zarr(t, ByteOrder.BIG_ENDIAN, s);
            }
        }
        throw new IllegalArgumentException("Unsupported zarr dtype: \"" + s + "\"");
    }

    /**
     * Whether TensorStore converts this type to {@code target} implicitly (no loss of range or
     * precision), as on a write of an array of this type into an array of {@code target}.
     */
    public boolean canConvertImplicitlyTo(DataType target) {
        if (this == target || this == BOOL) return true;
        if (target == BOOL) return false;
        return switch (kind) {
            case INT, UINT -> switch (target.kind) {
                case INT, UINT -> digits <= target.digits && (!isSigned() || target.isSigned());
                case FLOAT, COMPLEX -> digits <= target.digits;
                default -> false;
            };
            case FLOAT -> (target.kind == Kind.FLOAT || target.kind == Kind.COMPLEX) && floatFitsIn(target);
            case COMPLEX -> target.kind == Kind.COMPLEX && floatFitsIn(target);
            default -> false;
        };
    }

    private boolean floatFitsIn(DataType target) {
        return digits <= target.digits && minExponent >= target.minExponent && maxExponent <= target.maxExponent;
    }

    /**
     * Throws TensorStore's error when converting this type to {@code target} needs an explicit
     * cast: {@code Explicit data type conversion required to convert float64 -> uint32}; for
     * complex to bool, which TensorStore cannot convert at all, {@code Cannot convert ...}.
     */
    public void checkImplicitConversionTo(DataType target) {
        if (kind == Kind.COMPLEX && target == BOOL) {
            throw new IllegalArgumentException("Cannot convert " + typeName + " -> " + target.typeName);
        }
        if (!canConvertImplicitlyTo(target)) {
            throw new IllegalArgumentException(
                    "Explicit data type conversion required to convert " + typeName + " -> " + target.typeName);
        }
    }

    @Override
    public String toString() { return typeName; }

    /** Parses a name case-insensitively, e.g. for the command line. */
    public static DataType parse(String name) { return fromName(name.toLowerCase(Locale.ROOT)); }
}
