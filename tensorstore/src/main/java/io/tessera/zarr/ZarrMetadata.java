package io.tessera.zarr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tessera.codecs.JsonText;
import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;

import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The contents of a zarr v2 {@code .zarray}: shape, chunk shape, dtype (with byte order),
 * compressor, fill value, order and dimension separator.
 *
 * @param fillValue the JSON fill value exactly as stored ({@code null} JSON for none)
 */
public record ZarrMetadata(long[] shape, long[] chunks, DataType.Zarr dtype, JsonNode compressor, JsonNode fillValue,
                           NDArray.Order order, String dimensionSeparator) {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** The fields of {@code .zarray}, in the sorted order TensorStore writes them. */
    static final String[] FIELDS = {"chunks", "compressor", "dimension_separator", "dtype", "fill_value", "filters", "order", "shape", "zarr_format"};

    public int rank() { return shape.length; }

    public DataType dataType() { return dtype.dataType(); }

    /** Bytes of one decoded chunk. */
    public long chunkBytes() {
        long n = dataType().byteSize();
        for (long c : chunks) n = Math.multiplyExact(n, c);
        return n;
    }

    public long chunkElements() {
        long n = 1;
        for (long c : chunks) n *= c;
        return n;
    }

    /** The {@code .zarray} JSON with keys sorted, as TensorStore writes it. */
    public ObjectNode toJson() {
        ObjectNode o = NODES.objectNode();
        o.set("chunks", JsonText.longs(chunks));
        o.set("compressor", compressor == null ? NODES.nullNode() : sorted(compressor));
        o.put("dimension_separator", dimensionSeparator);
        o.put("dtype", dtype.toString());
        o.set("fill_value", fillValue == null ? NODES.nullNode() : renderFill(fillValue));
        o.putNull("filters");
        o.put("order", order == NDArray.Order.C ? "C" : "F");
        o.set("shape", JsonText.longs(shape));
        o.put("zarr_format", 2);
        return o;
    }

    /** The compact serialized {@code .zarray}. */
    public byte[] toBytes() {
        return JsonText.write(toJson()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * Parses a complete {@code .zarray} document.
     *
     * @throws IllegalArgumentException with TensorStore's wording for a missing or invalid member
     */
    public static ZarrMetadata parse(JsonNode j) {
        if (j == null || !j.isObject()) throw new IllegalArgumentException("Expected object, but received: " + j);
        // As TensorStore, members a stored .zarray may carry beyond zarr v2's are ignored.
        JsonNode fmt = require(j, "zarr_format");
        if (!fmt.isNumber() || fmt.asDouble() != 2) throw member("zarr_format", "Expected 2, but received: " + fmt);
        long[] shape = parseShape(require(j, "shape"), "shape", false);
        long[] chunks = parseShape(require(j, "chunks"), "chunks", true);
        if (shape.length != chunks.length) {
            throw new IllegalArgumentException("Rank of \"shape\" (" + shape.length + ") does not match rank of \"chunks\" (" + chunks.length + ")");
        }
        DataType.Zarr dtype = parseDtype(require(j, "dtype"));
        JsonNode compressor = require(j, "compressor");
        if (!compressor.isNull()) Compressors.validate(compressor);
        JsonNode fill = canonicalFillValue(require(j, "fill_value"), dtype.dataType());
        NDArray.Order order = parseOrder(require(j, "order"));
        JsonNode filters = require(j, "filters");
        if (!filters.isNull() && !(filters.isArray() && filters.isEmpty())) {
            throw member("filters", "Only null filters are supported, but received: " + filters);
        }
        String sep = parseSeparator(j.get("dimension_separator"));
        return new ZarrMetadata(shape, chunks, dtype, compressor.isNull() ? null : compressor, fill, order, sep);
    }

    static String parseSeparator(JsonNode s) {
        if (s == null) return ".";
        if (!s.isTextual() || !(s.asText().equals(".") || s.asText().equals("/"))) {
            throw member("dimension_separator", "Expected one of \".\", \"/\", but received: " + s);
        }
        return s.asText();
    }

    static NDArray.Order parseOrder(JsonNode o) {
        if (o.isTextual() && o.asText().equals("C")) return NDArray.Order.C;
        if (o.isTextual() && o.asText().equals("F")) return NDArray.Order.F;
        throw member("order", "Expected \"C\" or \"F\", but received: " + o);
    }

    static DataType.Zarr parseDtype(JsonNode d) {
        if (!d.isTextual()) throw member("dtype", "Expected string, but received: " + d);
        try {
            return DataType.parseZarrDtype(d.asText());
        } catch (IllegalArgumentException e) {
            throw member("dtype", e.getMessage());
        }
    }

    static long[] parseShape(JsonNode a, String name, boolean positive) {
        if (!a.isArray()) throw member(name, "Expected array, but received: " + a);
        long[] r = new long[a.size()];
        for (int i = 0; i < r.length; i++) {
            JsonNode v = a.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < (positive ? 1 : 0)) {
                throw member(name, "Error parsing value at position " + i + ": Expected integer in the range ["
                        + (positive ? 1 : 0) + ", +inf), but received: " + v);
            }
            r[i] = v.asLong();
        }
        return r;
    }

    /**
     * The fill value as a rank-0 array of {@code type} (native byte order), or {@code null} when
     * the JSON is null (reads then see zeros, and no chunk is elided).
     */
    public static NDArray parseFillValue(JsonNode f, DataType type) {
        if (f == null || f.isNull()) return null;
        NDArray out = NDArray.allocate(type);
        try {
            byte[] raw = base64Value(f, type);
            if (raw != null) {
                // zarr v2 stores values JSON cannot hold as the base64 of their little-endian bytes.
                java.lang.foreign.MemorySegment.copy(java.lang.foreign.MemorySegment.ofArray(raw), 0, out.segment(), out.offset(), raw.length);
                return out;
            }
            switch (type.kind()) {
                case BOOL -> {
                    if (!f.isBoolean()) throw new IllegalArgumentException("Expected boolean, but received: " + f);
                    out.setLong(f.asBoolean() ? 1 : 0);
                }
                case INT, UINT -> {
                    java.math.BigInteger v;
                    if (f.isIntegralNumber()) {
                        v = f.bigIntegerValue();
                    } else if (f.isNumber() && f.asDouble() == Math.rint(f.asDouble()) && !Double.isInfinite(f.asDouble())) {
                        v = f.decimalValue().toBigIntegerExact();
                    } else {
                        throw new IllegalArgumentException("Expected integer, but received: " + f);
                    }
                    return NDArray.of(v, type);
                }
                case FLOAT -> {
                    double d = floatOf(f);
                    // A NaN fill is the type's quiet NaN (bfloat16: 0x7fc0), as TensorStore stores it.
                    if (Double.isNaN(d) && type == DataType.BFLOAT16) {
                        out.segment().set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, out.offset(), (short) 0x7fc0);
                    } else {
                        out.setDouble(d);
                    }
                }
                case COMPLEX -> {
                    if (!f.isArray() || f.size() != 2) throw new IllegalArgumentException("Expected array of size 2, but received: " + f);
                    double re = floatOf(f.get(0)), im = floatOf(f.get(1));
                    io.tessera.memory.Elements.setComplex(out.segment(), out.offset(), type, re, im);
                }
            }
        } catch (IllegalArgumentException e) {
            throw member("fill_value", e.getMessage());
        }
        return out;
    }

    private static double floatOf(JsonNode f) {
        if (f.isNumber()) return f.asDouble();
        if (f.isTextual()) {
            String t = f.asText();
            switch (t) {
                case "NaN": return Double.NaN;
                case "Infinity": return Double.POSITIVE_INFINITY;
                case "-Infinity": return Double.NEGATIVE_INFINITY;
                default: break;
            }
            try {
                if (t.startsWith("0x") || t.startsWith("0X")) return Long.parseUnsignedLong(t.substring(2), 16);
                return Double.parseDouble(t);
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException("Invalid floating-point value: " + f);
    }

    /** The bytes of a base64 fill value of exactly one element, or null when {@code f} is not one. */
    private static byte[] base64Value(JsonNode f, DataType type) {
        // TensorStore takes base64 only where JSON has no form: complex values given as one string.
        if (!f.isTextual() || !type.isComplex()) return null;
        String t = f.asText();
        if (t.equals("NaN") || t.equals("Infinity") || t.equals("-Infinity") || t.startsWith("0x") || t.startsWith("0X")) return null;
        try {
            Double.parseDouble(t);
            return null;
        } catch (NumberFormatException notANumber) {
            try {
                byte[] b = java.util.Base64.getDecoder().decode(t);
                return b.length == type.byteSize() ? b : null;
            } catch (IllegalArgumentException notBase64) {
                return null;
            }
        }
    }

    /**
     * The fill value as TensorStore stores it: converted to the dtype, then integers as integers
     * and floating-point values as the double they became ({@code "NaN"}, {@code "Infinity"}).
     */
    static JsonNode canonicalFillValue(JsonNode f, DataType type) {
        NDArray v = parseFillValue(f, type);
        if (v == null) return NODES.nullNode();
        return switch (type.kind()) {
            case BOOL -> NODES.booleanNode(v.getLong() != 0);
            case INT -> NODES.numberNode(v.getLong());
            case UINT -> NODES.numberNode(new java.math.BigInteger(Long.toUnsignedString(v.getLong())));
            case FLOAT -> floatNode(v.getDouble());
            case COMPLEX -> NODES.arrayNode().add(floatNode(v.getDouble()))
                    .add(floatNode(io.tessera.memory.Elements.getImag(v.segment(), v.offset(), type)));
        };
    }

    private static JsonNode floatNode(double d) {
        if (Double.isNaN(d)) return NODES.textNode("NaN");
        if (Double.isInfinite(d)) return NODES.textNode(d > 0 ? "Infinity" : "-Infinity");
        return NODES.numberNode(d);
    }

    /** Floating-point fill values are written with TensorStore's number formatting. */
    private static JsonNode renderFill(JsonNode f) {
        if (f.isDouble()) return NODES.rawValueNode(new com.fasterxml.jackson.databind.util.RawValue(JsonNumbers.format(f.asDouble())));
        if (f.isArray()) {
            ArrayNode a = NODES.arrayNode();
            f.forEach(x -> a.add(renderFill(x)));
            return a;
        }
        return f;
    }

    static JsonNode require(JsonNode j, String name) {
        JsonNode v = j.get(name);
        if (v == null) throw new IllegalArgumentException("Error parsing object member \"" + name + "\": Expected member to be present");
        return v;
    }

    static IllegalArgumentException member(String name, String message) {
        return new IllegalArgumentException("Error parsing object member \"" + name + "\": " + message);
    }

    /** A copy of {@code node} whose objects have their keys sorted (nlohmann::json's order). */
    static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            TreeMap<String, JsonNode> m = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                m.put(e.getKey(), sorted(e.getValue()));
            }
            ObjectNode o = NODES.objectNode();
            m.forEach(o::set);
            return o;
        }
        if (node.isArray()) {
            ArrayNode a = NODES.arrayNode();
            node.forEach(v -> a.add(sorted(v)));
            return a;
        }
        return node;
    }

    /** The byte order of stored chunks. */
    public ByteOrder byteOrder() { return dtype.order(); }

    @Override
    public boolean equals(Object o) {
        return o instanceof ZarrMetadata m && toJson().equals(m.toJson());
    }

    @Override
    public int hashCode() { return toJson().hashCode(); }

    @Override
    public String toString() { return JsonText.write(toJson()); }
}
