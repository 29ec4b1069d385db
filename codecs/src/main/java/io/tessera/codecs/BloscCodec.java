package io.tessera.codecs;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * zarr v2 {@code blosc} (the c-blosc 1.x format), through c-blosc via FFM (blosc-java's bundled
 * build compresses, the system's decompresses), else blosc-java's JNI API (see {@link BloscLib};
 * the choice is logged once).
 *
 * <p>blosc's typesize is not part of the metadata: it is the element size given to
 * {@link #encode}, as in TensorStore and numcodecs. {@code shuffle = -1} picks bit shuffle for
 * 1-byte elements and byte shuffle otherwise (TensorStore's and numcodecs' rule).
 *
 * <p>Decoding checks the whole 16-byte header and the block-start table against the expected
 * decoded size and the stored length before c-blosc sees the bytes; c-blosc then decompresses
 * with the stored length as its bound.
 *
 * @param cname the inner compressor: lz4, lz4hc, blosclz, zstd or zlib; {@code snappy} too when the
 *     c-blosc in use has it (the system c-blosc usually does, blosc-java's bundled one does not)
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
    private static final int FLAG_DONT_SPLIT = 0x10;
    /** c-blosc's MAX_SPLITS and MIN_BUFFERSIZE: a block splits by bytes of its type only up to 16 and of 128 bytes a split. */
    private static final int MAX_SPLITS = 16, MIN_SPLIT_BYTES = 128;
    /** Compressor format codes in header flags bits 5-7: blosclz, lz4(hc), snappy, zlib, zstd. */
    private static final String[] FORMATS = {"blosclz", "lz4", "snappy", "zlib", "zstd"};
    private static final int SNAPPY_FORMAT = 2;
    /** The c-blosc implementation, chosen once; see {@link BloscLib}. */
    static final BloscLib LIB = BloscLib.select();
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Validates the parameters. */
    public BloscCodec {
        if (cname == null) {
            throw new IllegalArgumentException("\"cname\" of blosc compressor must be a string, got null");
        }
        checkCname(cname, LIB);
        Codecs.checkRange("clevel", clevel, 0, 9);
        Codecs.checkRange("shuffle", shuffle, -1, 2);
        Codecs.checkRange("blocksize", blocksize, 0, Integer.MAX_VALUE);
    }

    /** Rejects a cname {@code lib} cannot write; snappy only exists in some c-blosc builds. */
    static void checkCname(String cname, BloscLib lib) {
        if (cname.equals("snappy")) {
            if (!lib.snappy()) {
                throw new IllegalArgumentException("blosc \"cname\" \"snappy\" is not supported by " + lib.describe()
                        + "; use one of " + String.join(", ", CNAMES) + ", or install a system c-blosc with snappy "
                        + "(Debian/Ubuntu: libblosc1)");
            }
            return;
        }
        if (!CNAMES.contains(cname)) {
            throw new IllegalArgumentException("Unsupported blosc \"cname\" \"" + cname + "\"; supported: "
                    + String.join(", ", CNAMES) + (lib.snappy() ? ", snappy" : ""));
        }
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
        return encode(LIB, raw, elementSize, allocator);
    }

    @Override
    public void decode(MemorySegment encoded, MemorySegment destination, String keyForErrors) {
        decode(LIB, encoded, destination, keyForErrors);
    }

    /** This codec on a given c-blosc implementation (tests run both). */
    Codec on(BloscLib lib) {
        BloscCodec self = this;
        return new Codec() {
            @Override
            public String id() {
                return "blosc";
            }

            @Override
            public ObjectNode toJson() {
                return self.toJson();
            }

            @Override
            public MemorySegment encode(MemorySegment raw, int elementSize, SegmentAllocator allocator) {
                return self.encode(lib, raw, elementSize, allocator);
            }

            @Override
            public void decode(MemorySegment encoded, MemorySegment destination, String keyForErrors) {
                self.decode(lib, encoded, destination, keyForErrors);
            }

            @Override
            public String toString() {
                return self + " via " + lib.getClass().getSimpleName();
            }
        };
    }

    private MemorySegment encode(BloscLib lib, MemorySegment raw, int elementSize, SegmentAllocator allocator) {
        Codecs.checkElementSize(elementSize);
        if (raw.byteSize() > MAX_BUFFER) {
            throw new IllegalArgumentException("blosc cannot encode " + raw.byteSize() + " bytes; at most " + MAX_BUFFER);
        }
        // c-blosc stores typesize in one byte and itself falls back to 1 for larger elements.
        int typesize = elementSize > MAX_TYPESIZE ? 1 : elementSize;
        checkCname(cname, lib);
        MemorySegment out = lib.compress(raw, typesize, cname, clevel, effectiveShuffle(elementSize), blocksize, allocator);
        if (out.byteSize() != Integer.toUnsignedLong(out.get(LE_INT, 12))) {
            throw new IllegalStateException("blosc compression of " + raw.byteSize() + " bytes gave an inconsistent buffer");
        }
        return out;
    }

    private void decode(BloscLib lib, MemorySegment encoded, MemorySegment destination, String keyForErrors) {
        long expected = destination.byteSize();
        Codecs.checkChunkSize(expected);
        checkHeader(encoded, expected, keyForErrors, lib);
        long result;
        try {
            result = lib.decompress(encoded, destination);
        } catch (RuntimeException e) {
            throw fail(keyForErrors, "c-blosc rejected the data: " + e.getMessage(), e);
        }
        if (result != expected) {
            throw fail(keyForErrors, result < 0 ? "c-blosc failed with code " + result + " (the compressed data is corrupt)"
                    : "c-blosc decoded " + result + " bytes, expected " + expected, null);
        }
    }

    /**
     * Everything c-blosc trusts in a buffer, checked against what we know: the stored length and the
     * chunk's decoded size.
     */
    static void checkHeader(MemorySegment in, long expected, String key, BloscLib lib) {
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
        if (format >= FORMATS.length || (format == SNAPPY_FORMAT && !lib.snappy())) {
            throw fail(key, format < FORMATS.length ? "blosc chunk is compressed with snappy, which "
                    + lib.describe() + " lacks" : "unknown blosc compressor code " + format);
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
        // Each block is its splits, each a 4-byte compressed length and that many bytes. The
        // blocks must fill the chunk from the end of the offsets to its last byte: c-blosc reads
        // only the blocks nbytes implies, so a header that understates nbytes (with blocks it
        // does not list behind them) would otherwise decode to the first part of the data.
        long firstStart = cbytes, lastEnd = 0;
        for (long i = 0; i < nblocks; i++) {
            long start = Integer.toUnsignedLong(in.get(LE_INT, HEADER + 4 * i));
            if (start < dataStart || start >= cbytes) {
                throw fail(key, "blosc block " + i + " starts at " + start + ", outside [" + dataStart + ", " + cbytes + ")");
            }
            boolean leftover = i == nblocks - 1 && nbytes % blocksize != 0;
            // c-blosc's rule (blosc_d): writers from before the flag (c-blosc <= 1.10) left it
            // clear on blocks they did not split, those of large types or few elements.
            int splits = (flags & FLAG_DONT_SPLIT) == 0 && typesize <= MAX_SPLITS && blocksize / typesize >= MIN_SPLIT_BYTES && !leftover
                    ? typesize : 1;
            long at = start;
            for (int j = 0; j < splits; j++) {
                long size = at + 4 <= cbytes ? in.get(LE_INT, at) : -1;
                if (size < 0 || at + 4 + size > cbytes) {
                    throw fail(key, "blosc block " + i + " runs past the end of the chunk (" + cbytes + " bytes)");
                }
                at += 4 + size;
            }
            firstStart = Math.min(firstStart, start);
            lastEnd = Math.max(lastEnd, at);
        }
        if (firstStart != dataStart || lastEnd != cbytes) {
            throw fail(key, "blosc blocks span bytes " + firstStart + " to " + lastEnd + " of the chunk, expected "
                    + dataStart + " to " + cbytes + " (" + nblocks + " blocks of " + nbytes + " decoded bytes)");
        }
    }

    private static CodecException fail(String key, String problem, Throwable cause) {
        return new CodecException(key, "blosc", problem, cause);
    }

    private static CodecException fail(String key, String problem) {
        return fail(key, problem, null);
    }
}
