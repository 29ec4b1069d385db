package io.tessera.codecs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * The registry of zarr v2 compressors: parses and validates {@code .zarray}'s {@code "compressor"}
 * member, filling defaults exactly as TensorStore does (which agrees with numcodecs except for
 * blosc's {@code shuffle}, whose TensorStore default is {@code -1}, automatic).
 *
 * <table>
 * <caption>Supported compressors and their defaults</caption>
 * <tr><th>id</th><th>members (default)</th></tr>
 * <tr><td>blosc</td><td>cname ("lz4"; lz4, lz4hc, blosclz, zstd, zlib; snappy if the c-blosc in use has it), clevel (5; 0-9),
 *     shuffle (-1; -1 auto, 0 none, 1 byte, 2 bit), blocksize (0 = automatic)</td></tr>
 * <tr><td>zlib, gzip</td><td>level (1; 0-9)</td></tr>
 * <tr><td>zstd</td><td>level (1; -131072..22)</td></tr>
 * <tr><td>bz2</td><td>level (1; 1-9)</td></tr>
 * <tr><td>lz4</td><td>acceleration (1; any int, kept as given), numcodecs' framing</td></tr>
 * </table>
 */
public final class Codecs {
    /**
     * The largest chunk, encoded or decoded, that the codecs accept: what blosc and Java's buffers
     * can address.
     */
    public static final long MAX_CHUNK_BYTES = Integer.MAX_VALUE - 64;

    private Codecs() {}

    /**
     * Parses a zarr v2 compressor. {@code null}, a missing node or JSON {@code null} mean "no
     * compressor" and give {@code null}.
     *
     * @throws IllegalArgumentException for an unknown id, an unknown member or a bad parameter, with
     *     a message naming it, e.g. {@code Unsupported compressor id "foo"} or
     *     {@code "clevel" must be in [0, 9], got 12}
     */
    public static Codec fromJson(JsonNode json) {
        if (json == null || json.isNull() || json.isMissingNode()) {
            return null;
        }
        if (!json.isObject()) {
            throw new IllegalArgumentException("A compressor must be a JSON object or null, got " + json);
        }
        JsonNode idNode = json.get("id");
        if (idNode == null) {
            throw new IllegalArgumentException("Compressor " + json + " has no \"id\" member");
        }
        if (!idNode.isTextual()) {
            throw new IllegalArgumentException("Compressor \"id\" must be a string, got " + idNode);
        }
        String id = idNode.asText();
        return switch (id) {
            case "blosc" -> {
                Params p = new Params(json, id, List.of("cname", "clevel", "shuffle", "blocksize"));
                yield new BloscCodec(p.string("cname", "lz4"), p.integer("clevel", 5, 0, 9),
                        p.integer("shuffle", -1, -1, 2), p.integer("blocksize", 0, 0, Integer.MAX_VALUE));
            }
            case "zlib" -> new ZlibCodec(new Params(json, id, List.of("level")).integer("level", 1, 0, 9));
            case "gzip" -> new GzipCodec(new Params(json, id, List.of("level")).integer("level", 1, 0, 9));
            case "zstd" -> new ZstdCodec(new Params(json, id, List.of("level"))
                    .integer("level", 1, ZstdCodec.MIN_LEVEL, ZstdCodec.MAX_LEVEL));
            case "bz2" -> new Bz2Codec(new Params(json, id, List.of("level")).integer("level", 1, 1, 9));
            case "lz4" -> new Lz4Codec(new Params(json, id, List.of("acceleration"))
                    .integer("acceleration", 1, Integer.MIN_VALUE, Integer.MAX_VALUE));
            default -> throw new IllegalArgumentException("Unsupported compressor id \"" + id
                    + "\"; supported: blosc, zlib, gzip, zstd, bz2, lz4");
        };
    }

    /** {@link #fromJson(JsonNode)} of JSON text; {@code "null"} gives {@code null}. */
    public static Codec fromJson(String json) {
        try {
            return fromJson(JsonText.parse(json));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Compressor is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** The {@code "compressor"} JSON of {@code codec}; JSON {@code null} for no compressor. */
    public static JsonNode toJson(Codec codec) {
        return codec == null ? JsonNodeFactory.instance.nullNode() : codec.toJson();
    }

    /** blosc with TensorStore's defaults: {@code {"id":"blosc","cname":"lz4","clevel":5,"shuffle":-1,"blocksize":0}}. */
    public static BloscCodec blosc() {
        return new BloscCodec("lz4", 5, -1, 0);
    }

    /** blosc with the given parameters; see {@link BloscCodec}. */
    public static BloscCodec blosc(String cname, int clevel, int shuffle, int blocksize) {
        return new BloscCodec(cname, clevel, shuffle, blocksize);
    }

    /** zlib (RFC 1950 framing) at {@code level} 0-9. */
    public static ZlibCodec zlib(int level) {
        return new ZlibCodec(level);
    }

    /** gzip (RFC 1952 framing) at {@code level} 0-9. */
    public static GzipCodec gzip(int level) {
        return new GzipCodec(level);
    }

    /** zstd at {@code level} (-131072..22). */
    public static ZstdCodec zstd(int level) {
        return new ZstdCodec(level);
    }

    /** bzip2 with {@code level} (block size in 100 kB) 1-9. */
    public static Bz2Codec bz2(int level) {
        return new Bz2Codec(level);
    }

    /** numcodecs' lz4: a 4-byte little-endian decoded size, then one LZ4 block. */
    public static Lz4Codec lz4(int acceleration) {
        return new Lz4Codec(acceleration);
    }

    static long checkRange(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException("\"" + name + "\" must be in [" + min + ", " + max + "], got " + value);
        }
        return value;
    }

    static void checkChunkSize(long size) {
        if (size < 0 || size > MAX_CHUNK_BYTES) {
            throw new IllegalArgumentException("Chunk size " + size + " is outside valid range [0, " + MAX_CHUNK_BYTES + "]");
        }
    }

    static void checkElementSize(int elementSize) {
        if (elementSize < 1) {
            throw new IllegalArgumentException("Element size must be at least 1, got " + elementSize);
        }
    }

    /** Copies {@code bytes} into a segment of exactly their length from {@code allocator}. */
    static MemorySegment copyOut(MemorySegment bytes, SegmentAllocator allocator) {
        MemorySegment out = allocator.allocate(bytes.byteSize(), 1);
        MemorySegment.copy(bytes, 0, out, 0, bytes.byteSize());
        return out;
    }

    static MemorySegment copyOut(byte[] bytes, int length, SegmentAllocator allocator) {
        MemorySegment out = allocator.allocate(length, 1);
        MemorySegment.copy(bytes, 0, out, ValueLayout.JAVA_BYTE, 0, length);
        return out;
    }

    /** A direct view of {@code s}: itself if native, else a staging copy in {@code scratch}. */
    static MemorySegment nativeView(MemorySegment s, Scratch scratch) {
        if (s.isNative()) {
            return s;
        }
        MemorySegment copy = scratch.get(s.byteSize());
        MemorySegment.copy(s, 0, copy, 0, s.byteSize());
        return copy;
    }

    /**
     * Whether ByteBuffer-taking libraries can use {@code s} in place: native memory or a byte[].
     * A heap segment over another array type (short[], float[]...) gives a ByteBuffer with neither
     * an address nor a byte[] behind it, which java.util.zip and lz4-java cannot take.
     */
    static boolean bufferable(MemorySegment s) {
        return s.isNative() || s.heapBase().orElse(null) instanceof byte[];
    }

    /** {@code s} itself if {@link #bufferable}, else a staging copy in {@code scratch}. */
    static MemorySegment readable(MemorySegment s, Scratch scratch) {
        return bufferable(s) ? s : nativeView(s, scratch);
    }

    /** The whole byte[] behind a heap segment, if the segment is exactly that array, else null. */
    static byte[] wholeArray(MemorySegment s) {
        if (s.heapBase().orElse(null) instanceof byte[] a && a.length == s.byteSize()
                && s.address() == 0) {
            return a;
        }
        return null;
    }

    static byte[] toBytes(MemorySegment s) {
        byte[] a = wholeArray(s);
        return a != null ? a : s.toArray(ValueLayout.JAVA_BYTE);
    }
}
