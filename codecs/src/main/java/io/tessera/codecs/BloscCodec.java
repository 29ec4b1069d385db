package io.tessera.codecs;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.scalableminds.bloscjava.Blosc;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * zarr v2 {@code blosc} (c-blosc 1.x format, the bundled c-blosc 1.21.4 of blosc-java).
 *
 * <p>blosc's typesize is not part of the metadata: it is the element size given to
 * {@link #encode}, as in TensorStore and numcodecs. {@code shuffle = -1} picks bit shuffle for
 * 1-byte elements and byte shuffle otherwise (TensorStore's and numcodecs' rule).
 *
 * <p>Decoding checks the whole 16-byte header and the block-start table against the expected
 * decoded size and the stored length before c-blosc sees the bytes; c-blosc then decompresses
 * with the stored length as its bound.
 *
 * @param cname the inner compressor: lz4, lz4hc, blosclz, zstd or zlib ({@code snappy} is not
 *     compiled into the bundled c-blosc)
 * @param clevel 0-9
 * @param shuffle -1 automatic, 0 none, 1 byte shuffle, 2 bit shuffle
 * @param blocksize bytes per block, 0 for c-blosc's automatic choice
 */
public record BloscCodec(String cname, int clevel, int shuffle, int blocksize) implements Codec {
    /** The cnames the bundled c-blosc can write, in c-blosc's order. */
    public static final List<String> CNAMES = List.of("blosclz", "lz4", "lz4hc", "zlib", "zstd");

    private static final int HEADER = 16;
    private static final int MAX_TYPESIZE = 255;
    private static final int MAX_BUFFER = Integer.MAX_VALUE - HEADER;
    private static final int FLAG_SHUFFLE = 0x1;
    private static final int FLAG_MEMCPYED = 0x2;
    private static final int FLAG_BITSHUFFLE = 0x4;
    /** Compressor format codes in header flags bits 5-7: blosclz, lz4(hc), snappy, zlib, zstd. */
    private static final String[] FORMATS = {"blosclz", "lz4", "snappy", "zlib", "zstd"};
    private static final int SNAPPY_FORMAT = 2;
    /** Bounded by the number of threads that encode at once; stale sizes are dropped on borrow. */
    private static final java.util.concurrent.ConcurrentLinkedQueue<byte[]> STAGING =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Validates the parameters. */
    public BloscCodec {
        if (cname == null) {
            throw new IllegalArgumentException("\"cname\" of blosc compressor must be a string, got null");
        }
        if (cname.equals("snappy")) {
            throw new IllegalArgumentException("blosc \"cname\" \"snappy\" is not supported: the bundled c-blosc "
                    + "was built without snappy; use one of " + String.join(", ", CNAMES));
        }
        if (!CNAMES.contains(cname)) {
            throw new IllegalArgumentException("Unsupported blosc \"cname\" \"" + cname + "\"; supported: "
                    + String.join(", ", CNAMES));
        }
        Codecs.checkRange("clevel", clevel, 0, 9);
        Codecs.checkRange("shuffle", shuffle, -1, 2);
        Codecs.checkRange("blocksize", blocksize, 0, Integer.MAX_VALUE);
    }

    @Override
    public String id() {
        return "blosc";
    }

    @Override
    public ObjectNode toJson() {
        return JsonNodeFactory.instance.objectNode().put("id", "blosc").put("cname", cname).put("clevel", clevel)
                .put("shuffle", shuffle).put("blocksize", blocksize);
    }

    /** The shuffle actually applied to elements of {@code elementSize} bytes: 0, 1 or 2. */
    public int effectiveShuffle(int elementSize) {
        return shuffle != -1 ? shuffle : elementSize == 1 ? 2 : 1;
    }

    @Override
    public MemorySegment encode(MemorySegment raw, int elementSize, SegmentAllocator allocator) {
        Codecs.checkElementSize(elementSize);
        if (raw.byteSize() > MAX_BUFFER) {
            throw new IllegalArgumentException("blosc cannot encode " + raw.byteSize() + " bytes; at most " + MAX_BUFFER);
        }
        // c-blosc stores typesize in one byte and itself falls back to 1 for larger elements.
        int typesize = elementSize > MAX_TYPESIZE ? 1 : elementSize;
        byte[] in = Codecs.wholeArray(raw);
        boolean pooled = in == null;
        if (pooled) {
            in = borrowStaging((int) raw.byteSize());
            MemorySegment.copy(raw, ValueLayout.JAVA_BYTE, 0, in, 0, in.length);
        }
        byte[] out;
        try {
            out = Blosc.compress(in, typesize, Blosc.Compressor.fromString(cname), clevel,
                    Blosc.Shuffle.fromInt(effectiveShuffle(elementSize)), blocksize, 1);
        } finally {
            if (pooled) {
                STAGING.offer(in);
            }
        }
        if (out == null || out.length < HEADER || out.length != MemorySegment.ofArray(out).get(LE_INT, 12)) {
            throw new IllegalStateException("blosc compression of " + raw.byteSize() + " bytes failed");
        }
        return Codecs.copyOut(out, out.length, allocator);
    }

    @Override
    public void decode(MemorySegment encoded, MemorySegment destination, String keyForErrors) {
        long expected = destination.byteSize();
        Codecs.checkChunkSize(expected);
        checkHeader(encoded, expected, keyForErrors);
        byte[] out;
        try {
            out = Blosc.decompress(Codecs.toBytes(encoded), 1);
        } catch (RuntimeException e) {
            throw fail(keyForErrors, "c-blosc rejected the data: " + e.getMessage(), e);
        }
        if (out == null || out.length != expected) {
            throw fail(keyForErrors, "c-blosc decoded " + (out == null ? "nothing" : out.length + " bytes")
                    + ", expected " + expected, null);
        }
        MemorySegment.copy(out, 0, destination, ValueLayout.JAVA_BYTE, 0, out.length);
    }

    /**
     * A staging array of exactly {@code length} bytes. The JNI binding takes the input's length from
     * the array, so it must be exact; chunks of one array all have one size, so reuse nearly always
     * hits, and saves allocating and zeroing a chunk-sized array per encode.
     */
    private static byte[] borrowStaging(int length) {
        for (int tries = 0; tries < 2; tries++) {
            byte[] a = STAGING.poll();
            if (a == null) {
                break;
            }
            if (a.length == length) {
                return a;
            }
        }
        return new byte[length];
    }

    /**
     * Everything c-blosc trusts in a buffer, checked against what we know: the stored length and the
     * chunk's decoded size.
     */
    static void checkHeader(MemorySegment in, long expected, String key) {
        long length = in.byteSize();
        if (length < HEADER) {
            throw fail(key, "truncated: " + length + " bytes, a blosc header alone is " + HEADER);
        }
        int version = Byte.toUnsignedInt(in.get(ValueLayout.JAVA_BYTE, 0));
        int flags = Byte.toUnsignedInt(in.get(ValueLayout.JAVA_BYTE, 2));
        int typesize = Byte.toUnsignedInt(in.get(ValueLayout.JAVA_BYTE, 3));
        long nbytes = Integer.toUnsignedLong(in.get(LE_INT, 4));
        long blocksize = Integer.toUnsignedLong(in.get(LE_INT, 8));
        long cbytes = Integer.toUnsignedLong(in.get(LE_INT, 12));
        if (version < 1 || version > 2) {
            throw fail(key, "unsupported blosc format version " + version + " (expected 1 or 2)");
        }
        if (typesize == 0) {
            throw fail(key, "blosc header has typesize 0");
        }
        if (nbytes != expected) {
            throw fail(key, "blosc header says " + nbytes + " decoded bytes, expected " + expected);
        }
        if (cbytes != length) {
            throw fail(key, "blosc header says " + cbytes + " compressed bytes, but the chunk has " + length);
        }
        if ((flags & FLAG_MEMCPYED) != 0) {
            if (cbytes != nbytes + HEADER) {
                throw fail(key, "stored-uncompressed blosc chunk has " + cbytes + " bytes, expected " + (nbytes + HEADER));
            }
            return;
        }
        if ((flags & FLAG_SHUFFLE) != 0 && (flags & FLAG_BITSHUFFLE) != 0 && typesize > 1) {
            throw fail(key, "blosc header sets both byte and bit shuffle");
        }
        int format = flags >>> 5;
        if (format >= FORMATS.length || format == SNAPPY_FORMAT) {
            throw fail(key, format < FORMATS.length ? "blosc chunk is compressed with snappy, which the bundled "
                    + "c-blosc lacks" : "unknown blosc compressor code " + format);
        }
        if (nbytes == 0) {
            if (cbytes != HEADER) {
                throw fail(key, "empty blosc chunk has " + cbytes + " bytes, expected " + HEADER);
            }
            return;
        }
        if (blocksize == 0 || blocksize > nbytes) {
            throw fail(key, "blosc blocksize " + blocksize + " is outside valid range [1, " + nbytes + "]");
        }
        long nblocks = (nbytes + blocksize - 1) / blocksize;
        long dataStart = HEADER + 4 * nblocks;
        if (dataStart > cbytes) {
            throw fail(key, "truncated: " + nblocks + " block offsets need " + dataStart + " bytes, chunk has " + cbytes);
        }
        for (long i = 0; i < nblocks; i++) {
            long start = Integer.toUnsignedLong(in.get(LE_INT, HEADER + 4 * i));
            if (start < dataStart || start >= cbytes) {
                throw fail(key, "blosc block " + i + " starts at " + start + ", outside [" + dataStart + ", " + cbytes + ")");
            }
        }
    }

    private static CodecException fail(String key, String problem, Throwable cause) {
        return new CodecException(key, "blosc", problem, cause);
    }

    private static CodecException fail(String key, String problem) {
        return fail(key, problem, null);
    }
}
