package io.tessera;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tessera.memory.DataType;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * The seeded case matrix of {@link ZarrInteropTest}: arrays (dtype, byte order, compressor, order,
 * dimension separator, fill value, shape, chunks) and the writes applied to each, with every
 * value given as little-endian element bytes so that Java and Python write identical bits.
 */
final class InteropCases {
    private InteropCases() {}

    static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    enum FillKind { NULL, ZERO, NONZERO, NAN }

    /** One write: the box {@code [lo, hi)} per dimension and the C-order little-endian values. */
    record Op(long[][] box, byte[] values, boolean fillValue) {
        long[] shape() {
            long[] s = new long[box.length];
            for (int d = 0; d < s.length; d++) s[d] = box[d][1] - box[d][0];
            return s;
        }

        /** NumPy index syntax of the box; "..." at rank 0. */
        String index() {
            if (box.length == 0) return "...";
            StringBuilder sb = new StringBuilder();
            for (int d = 0; d < box.length; d++) sb.append(d > 0 ? ", " : "").append(box[d][0]).append(':').append(box[d][1]);
            return sb.toString();
        }

        ObjectNode toJson() {
            ObjectNode o = NODES.objectNode();
            ArrayNode b = o.putArray("box");
            for (long[] r : box) b.addArray().add(r[0]).add(r[1]);
            ArrayNode s = o.putArray("shape");
            for (long x : shape()) s.add(x);
            o.put("hex", HexFormat.of().formatHex(values));
            return o;
        }
    }

    /**
     * One array and its writes.
     *
     * @param group "matrix", "big-endian", "rank0", "fill-text", ...: which claim the case serves
     * @param specMetadata the "metadata" member both Tessera and TensorStore create the array with
     *     (members may be left to defaults)
     * @param fullMetadata every member, as zarr-python is told to create it
     */
    record Case(int id, String group, String zarrDtype, DataType type, String compressorName, JsonNode compressor, String order,
                String separator, FillKind fillKind, JsonNode fill, long[] shape, long[] chunks, ObjectNode specMetadata,
                ObjectNode fullMetadata, List<Op> ops, boolean tensorstore, boolean zarrPython) {
        String path() { return "case" + id; }

        /** Created from defaults and never read (the shape may be huge). */
        boolean metadataOnly() { return group.startsWith("defaults"); }

        boolean bigEndian() { return zarrDtype.startsWith(">"); }

        boolean hasEdgeChunk() {
            for (int d = 0; d < shape.length; d++) if (shape[d] % chunks[d] != 0) return true;
            return false;
        }

        @Override
        public String toString() {
            return "case" + id + " [" + group + "] " + specMetadata;
        }
    }

    static final DataType[] TYPES = {DataType.BOOL, DataType.INT8, DataType.INT16, DataType.INT32, DataType.INT64, DataType.UINT8,
            DataType.UINT16, DataType.UINT32, DataType.UINT64, DataType.FLOAT16, DataType.FLOAT32, DataType.FLOAT64,
            DataType.COMPLEX64, DataType.COMPLEX128, DataType.BFLOAT16};

    static final String[] COMPRESSORS = {"null", "blosc-lz4-auto", "blosc-lz4-noshuffle", "blosc-lz4-shuffle", "blosc-lz4-bitshuffle",
            "blosc-zstd", "blosc-zlib", "blosc-blosclz", "blosc-lz4hc", "zlib", "gzip", "zstd", "bz2", "lz4"};

    /** The compressor JSON, keys sorted as TensorStore writes them; level parameters drawn from {@code r}. */
    static JsonNode compressor(String name, Random r) {
        if (name.equals("null")) return NODES.nullNode();
        if (name.startsWith("blosc")) {
            String[] p = name.split("-");
            int shuffle = switch (p.length > 2 ? p[2] : "") {
                case "auto" -> -1;
                case "noshuffle" -> 0;
                case "shuffle" -> 1;
                case "bitshuffle" -> 2;
                default -> r.nextInt(4) - 1;
            };
            ObjectNode o = NODES.objectNode();
            o.put("blocksize", r.nextInt(4) == 0 ? 256 : 0);
            o.put("clevel", new int[]{1, 5, 9}[r.nextInt(3)]);
            o.put("cname", p[1]);
            o.put("id", "blosc");
            o.put("shuffle", shuffle);
            return o;
        }
        ObjectNode o = NODES.objectNode();
        switch (name) {
            case "lz4" -> o.put("acceleration", 1 + r.nextInt(3)).put("id", "lz4");
            case "zstd" -> o.put("id", "zstd").put("level", new int[]{1, 3, 9}[r.nextInt(3)]);
            case "bz2" -> o.put("id", "bz2").put("level", 1 + r.nextInt(9));
            case "bz2-1" -> o.put("id", "bz2").put("level", 1);
            default -> o.put("id", name).put("level", r.nextInt(10));
        }
        return o;
    }

    static String zarrDtype(DataType t, boolean bigEndian) {
        return t.zarrDtype(bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
    }

    // ---- fill values: JSON as TensorStore writes it, and the element's bytes -----------------

    static JsonNode fillJson(DataType t, FillKind kind, Random r) {
        return switch (kind) {
            case NULL -> NODES.nullNode();
            case ZERO -> switch (t.kind()) {
                case BOOL -> NODES.booleanNode(false);
                case INT, UINT -> NODES.numberNode(0);
                case FLOAT -> NODES.numberNode(0.0);
                case COMPLEX -> NODES.arrayNode().add(0.0).add(0.0);
            };
            case NONZERO -> switch (t.kind()) {
                case BOOL -> NODES.booleanNode(true);
                case INT, UINT -> NODES.numberNode(nonZeroInteger(t, r));
                case FLOAT -> floatJson(new double[]{1.5, -2.25, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1024.0}[r.nextInt(5)]);
                case COMPLEX -> NODES.arrayNode().add(floatJson(new double[]{1.5, -0.5, Double.NEGATIVE_INFINITY}[r.nextInt(3)]))
                        .add(floatJson(new double[]{-2.0, 0.0, 3.25}[r.nextInt(3)]));
            };
            case NAN -> t.isComplex() ? NODES.arrayNode().add("NaN").add(r.nextBoolean() ? NODES.numberNode(0.0) : NODES.textNode("NaN"))
                    : NODES.textNode("NaN");
        };
    }

    private static JsonNode floatJson(double v) {
        if (Double.isNaN(v)) return NODES.textNode("NaN");
        if (Double.isInfinite(v)) return NODES.textNode(v > 0 ? "Infinity" : "-Infinity");
        return NODES.numberNode(v);
    }

    private static BigInteger nonZeroInteger(DataType t, Random r) {
        int bits = t.byteSize() * 8;
        BigInteger max = t.kind() == DataType.Kind.UINT ? BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)
                : BigInteger.ONE.shiftLeft(bits - 1).subtract(BigInteger.ONE);
        BigInteger min = t.kind() == DataType.Kind.UINT ? BigInteger.ZERO : BigInteger.ONE.shiftLeft(bits - 1).negate();
        return switch (r.nextInt(4)) {
            case 0 -> max;
            case 1 -> t.kind() == DataType.Kind.UINT ? BigInteger.valueOf(7) : min;
            case 2 -> BigInteger.valueOf(42);
            default -> t.kind() == DataType.Kind.UINT ? BigInteger.valueOf(100) : BigInteger.valueOf(-3);
        };
    }

    /** The little-endian bytes of one element equal to the fill value (zeros for a null fill). */
    static byte[] fillBytes(DataType t, JsonNode fill) {
        ByteBuffer b = ByteBuffer.allocate(t.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        if (fill.isNull()) return b.array();
        switch (t.kind()) {
            case BOOL -> b.put((byte) (fill.asBoolean() ? 1 : 0));
            case INT, UINT -> {
                byte[] be = fill.bigIntegerValue().toByteArray();
                for (int i = 0; i < t.byteSize(); i++) {
                    int src = be.length - 1 - i;
                    b.put(i, src >= 0 ? be[src] : (byte) (fill.bigIntegerValue().signum() < 0 ? -1 : 0));
                }
            }
            case FLOAT -> putFloat(b, 0, t, parseFloat(fill));
            case COMPLEX -> {
                putFloat(b, 0, t, parseFloat(fill.get(0)));
                putFloat(b, t.componentSize(), t, parseFloat(fill.get(1)));
            }
        }
        return b.array();
    }

    private static double parseFloat(JsonNode f) {
        if (f.isNumber()) return f.asDouble();
        return switch (f.asText()) {
            case "NaN" -> Double.NaN;
            case "Infinity" -> Double.POSITIVE_INFINITY;
            case "-Infinity" -> Double.NEGATIVE_INFINITY;
            default -> throw new IllegalArgumentException(f.toString());
        };
    }

    /** Stores {@code v} as one float component of {@code t}; NaN as the canonical quiet NaN of the width. */
    private static void putFloat(ByteBuffer b, int at, DataType t, double v) {
        switch (t.componentSize()) {
            case 2 -> {
                short bits;
                if (t == DataType.BFLOAT16) bits = Double.isNaN(v) ? (short) 0x7fc0 : (short) (Float.floatToRawIntBits((float) v) >>> 16);
                else bits = Double.isNaN(v) ? (short) 0x7e00 : Float.floatToFloat16((float) v);
                b.putShort(at, bits);
            }
            case 4 -> b.putInt(at, Double.isNaN(v) ? 0x7fc00000 : Float.floatToRawIntBits((float) v));
            default -> b.putLong(at, Double.isNaN(v) ? 0x7ff8000000000000L : Double.doubleToRawLongBits(v));
        }
    }

    // ---- random data ---------------------------------------------------------------------------

    /** Random little-endian elements: random bits, with bool 0/1 and floats salted with NaNs, ±0, ±inf, subnormals. */
    static byte[] randomValues(DataType t, long count, Random r) {
        int size = t.byteSize();
        byte[] bytes = new byte[Math.toIntExact(count * size)];
        r.nextBytes(bytes);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            if (t == DataType.BOOL) {
                bytes[i] &= 1;
            } else if (t.isFloatingPoint() || t.isComplex()) {
                int comp = t.componentSize();
                for (int c = 0; c < size; c += comp) {
                    if (r.nextInt(4) != 0) continue;
                    int pick = r.nextInt(6);
                    int at = i * size + c;
                    switch (comp) {
                        case 2 -> b.putShort(at, (short) (t == DataType.BFLOAT16
                                ? new int[]{0x7fc0, 0x8000, 0x7f80, 0xff80, 0x0001, 0x7f81}[pick]
                                : new int[]{0x7e00, 0x8000, 0x7c00, 0xfc00, 0x0001, 0x7d01}[pick]));
                        case 4 -> b.putInt(at, new int[]{0x7fc00000, 0x80000000, 0x7f800000, 0xff800000, 0x00000001, 0x7fa00001}[pick]);
                        default -> b.putLong(at, new long[]{0x7ff8000000000000L, 0x8000000000000000L, 0x7ff0000000000000L,
                                0xfff0000000000000L, 1L, 0x7ff4000000000001L}[pick]);
                    }
                }
            }
        }
        return bytes;
    }

    /** Compressible little-endian elements: a slow ramp with a period, so that every codec has something to find. */
    static byte[] smoothValues(DataType t, long count) {
        int size = t.byteSize();
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(count * size)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            long v = (i / 5) % 1000;
            int at = i * size;
            switch (t.kind()) {
                case BOOL -> b.put(at, (byte) ((i / 9) & 1));
                case INT, UINT -> {
                    for (int k = 0; k < size; k++) b.put(at + k, (byte) (v >>> (8 * k)));
                }
                case FLOAT, COMPLEX -> {
                    double x = v * 0.25;
                    for (int c = 0; c < size; c += t.componentSize()) {
                        switch (t.componentSize()) {
                            case 2 -> b.putShort(at + c, t == DataType.BFLOAT16 ? (short) (Float.floatToRawIntBits((float) x) >>> 16)
                                    : Float.floatToFloat16((float) x));
                            case 4 -> b.putFloat(at + c, (float) x);
                            default -> b.putDouble(at + c, x);
                        }
                        x = -x;
                    }
                }
            }
        }
        return b.array();
    }

    static byte[] repeat(byte[] element, long count) {
        byte[] out = new byte[Math.toIntExact(count * element.length)];
        for (int i = 0; i < count; i++) System.arraycopy(element, 0, out, i * element.length, element.length);
        return out;
    }

    static long count(long[] shape) {
        long n = 1;
        for (long s : shape) n *= s;
        return n;
    }

    // ---- cases ---------------------------------------------------------------------------------

    static final class Builder {
        final Random r;
        final List<Case> cases = new ArrayList<>();

        Builder(long seed) { r = new Random(seed); }

        /** A case with the given fixed axes; everything left null is drawn at random. */
        Case add(String group, DataType t, Boolean bigEndian, String compressorName, String order, String separator, FillKind fill,
                 Integer rank) {
            if (bigEndian == null) bigEndian = t.byteSize() > 1 && t != DataType.BFLOAT16 && r.nextInt(10) < 3;
            if (order == null) order = r.nextBoolean() ? "C" : "F";
            if (separator == null) separator = r.nextBoolean() ? "." : "/";
            if (fill == null) {
                FillKind[] kinds = t.isFloatingPoint() || t.isComplex() ? FillKind.values() : new FillKind[]{FillKind.NULL, FillKind.ZERO, FillKind.NONZERO};
                fill = kinds[r.nextInt(kinds.length)];
            }
            if (rank == null) rank = new int[]{0, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3}[r.nextInt(11)];
            long[] shape = new long[rank], chunks = new long[rank];
            for (int d = 0; d < rank; d++) {
                shape[d] = 1 + r.nextInt(rank == 3 ? 6 : 9);
                // At most about three chunks per dimension; sometimes a chunk larger than the array.
                long min = Math.max(1, (shape[d] + 2) / 3);
                chunks[d] = min + r.nextInt((int) (shape[d] - min + 2));
            }
            JsonNode compressor = compressor(compressorName, r);
            String dtype = zarrDtype(t, bigEndian);
            JsonNode fillJson = fillJson(t, fill, r);
            ObjectNode full = fullMetadata(chunks, compressor, separator, dtype, fillJson, order, shape);
            ObjectNode spec = full.deepCopy();
            // Defaults both libraries must fill in the same way.
            spec.remove("filters");
            spec.remove("zarr_format");
            if (separator.equals(".") && r.nextBoolean()) spec.remove("dimension_separator");
            if (order.equals("C") && r.nextInt(3) == 0) spec.remove("order");
            if (compressorName.equals("blosc-lz4-auto") && compressor.get("clevel").asInt() == 5 && compressor.get("blocksize").asInt() == 0
                    && r.nextBoolean()) {
                spec.remove("compressor");
            }
            if (fill == FillKind.NULL && r.nextBoolean()) spec.remove("fill_value");
            List<Op> ops = ops(t, shape, chunks, fillJson, fill == FillKind.NULL);
            Case c = new Case(cases.size(), group, dtype, t, compressorName, compressor, order, separator, fill, fillJson, shape, chunks,
                    spec, full, ops, !compressorName.equals("lz4"), t != DataType.BFLOAT16);
            cases.add(c);
            return c;
        }

        /** A complete {@code .zarray} document, every member spelled out, keys in sorted order. */
        private static ObjectNode fullMetadata(long[] chunks, JsonNode compressor, String separator, String dtype, JsonNode fill,
                                               String order, long[] shape) {
            ObjectNode full = NODES.objectNode();
            full.set("chunks", JSON.valueToTree(chunks));
            full.set("compressor", compressor);
            full.put("dimension_separator", separator);
            full.put("dtype", dtype);
            full.set("fill_value", fill);
            full.putNull("filters");
            full.put("order", order);
            full.set("shape", JSON.valueToTree(shape));
            full.put("zarr_format", 2);
            return full;
        }

        /** A case with no writes whose metadata is given exactly as {@code metadata} (fill-value text checks). */
        Case addMetadataOnly(String dtype, JsonNode fill) {
            ObjectNode full = fullMetadata(new long[]{2}, NODES.nullNode(), ".", dtype, fill, "C", new long[]{3});
            // Exactly these members, no defaults filled in.
            ObjectNode spec = full.deepCopy();
            spec.remove(List.of("dimension_separator", "filters", "order", "zarr_format"));
            DataType t = DataType.parseZarrDtype(dtype).dataType();
            Case c = new Case(cases.size(), "fill-text", dtype, t, "null", NODES.nullNode(), "C", ".", FillKind.NONZERO, fill,
                    new long[]{3}, new long[]{2}, spec, full, List.of(), true, false);
            cases.add(c);
            return c;
        }

        /** A case with fixed metadata and writes (the claims the random matrix makes only by chance). */
        Case addCustom(String group, String dtype, String compressorName, JsonNode fill, long[] shape, long[] chunks, String order, List<Op> ops) {
            DataType t = DataType.parseZarrDtype(dtype).dataType();
            JsonNode compressor = compressor(compressorName, r);
            ObjectNode full = fullMetadata(chunks, compressor, ".", dtype, fill, order, shape);
            FillKind kind = fill.isNull() ? FillKind.NULL : fill.toString().contains("NaN") ? FillKind.NAN : FillKind.NONZERO;
            Case c = new Case(cases.size(), group, dtype, t, compressorName, compressor, order, ".", kind, fill, shape, chunks, full.deepCopy(),
                    full, ops, !compressorName.equals("lz4"), t != DataType.BFLOAT16);
            cases.add(c);
            return c;
        }

        /** A small array whose compressor is given as {@code compressor} (members missing or out of order); no writes but one. */
        Case addCompressorSpelling(JsonNode compressor) {
            ObjectNode spec = NODES.objectNode();
            spec.set("chunks", JSON.valueToTree(new long[]{2, 2}));
            spec.set("compressor", compressor);
            spec.put("dtype", "<u2");
            spec.put("fill_value", 9);
            spec.set("shape", JSON.valueToTree(new long[]{3, 3}));
            long[][] box = {{1, 3}, {0, 3}};
            Case c = new Case(cases.size(), "compressor-spelling", "<u2", DataType.UINT16, "spelled", compressor, "C", ".", FillKind.NONZERO,
                    spec.get("fill_value"), new long[]{3, 3}, new long[]{2, 2}, spec, spec.deepCopy(),
                    List.of(new Op(box, randomValues(DataType.UINT16, 6, r), false)), true, false);
            cases.add(c);
            return c;
        }

        /**
         * An array created from dtype and shape alone (in "metadata", or as open options when
         * {@code viaSchema}): every other member, the chunk shape above all, is a default. Not read.
         */
        Case addDefaults(DataType t, long[] shape, boolean viaSchema) {
            ObjectNode spec = NODES.objectNode();
            if (!viaSchema) {
                spec.put("dtype", zarrDtype(t, false));
                spec.set("shape", JSON.valueToTree(shape));
            }
            Case c = new Case(cases.size(), viaSchema ? "defaults-schema" : "defaults", zarrDtype(t, false), t, "default", NODES.nullNode(), "C", ".",
                    FillKind.NULL, NODES.nullNode(), shape, new long[shape.length], spec, spec.deepCopy(), List.of(), true, false);
            cases.add(c);
            return c;
        }

        /** A write of {@code element} (little-endian bytes) to every position of {@code box}. */
        static Op fillOp(long[][] box, byte[] element, boolean isFillValue) {
            return new Op(box, repeat(element, count(boxShape(box))), isFillValue);
        }

        /** A write of random values to {@code box}. */
        Op randomOp(DataType t, long[][] box) {
            return new Op(box, randomValues(t, count(boxShape(box)), r), false);
        }

        /**
         * The writes of a case: the whole array (always when the fill value is null, so that
         * zarr-python, which reads missing chunks as uninitialized memory then, sees only stored
         * chunks), the fill value over one chunk (which must then not be stored), and a partial
         * write into one chunk (a read-modify-write).
         */
        List<Op> ops(DataType t, long[] shape, long[] chunks, JsonNode fill, boolean nullFill) {
            List<Op> ops = new ArrayList<>();
            int rank = shape.length;
            long[][] whole = new long[rank][];
            for (int d = 0; d < rank; d++) whole[d] = new long[]{0, shape[d]};
            if (nullFill || r.nextInt(10) < 7) ops.add(new Op(whole, randomValues(t, count(shape), r), false));
            long[][] chunkBox = randomChunkBox(shape, chunks);
            ops.add(new Op(chunkBox, repeat(fillBytes(t, fill), count(boxShape(chunkBox))), true));
            if (rank == 0) {
                if (r.nextBoolean()) ops.add(new Op(whole, randomValues(t, 1, r), false));
                return ops;
            }
            long[][] target = randomChunkBox(shape, chunks);
            long[][] part = new long[rank][];
            for (int d = 0; d < rank; d++) {
                long lo = target[d][0], hi = target[d][1];
                long a = lo + r.nextInt((int) (hi - lo));
                long b = a + 1 + r.nextInt((int) (hi - a));
                part[d] = new long[]{a, b};
            }
            ops.add(new Op(part, randomValues(t, count(boxShape(part)), r), false));
            return ops;
        }

        private long[][] randomChunkBox(long[] shape, long[] chunks) {
            long[][] box = new long[shape.length][];
            for (int d = 0; d < shape.length; d++) {
                long n = (shape[d] + chunks[d] - 1) / chunks[d];
                long i = r.nextInt((int) n);
                box[d] = new long[]{i * chunks[d], Math.min(shape[d], (i + 1) * chunks[d])};
            }
            return box;
        }
    }

    static long[] boxShape(long[][] box) {
        long[] s = new long[box.length];
        for (int d = 0; d < s.length; d++) s[d] = box[d][1] - box[d][0];
        return s;
    }
}
