package io.tessera.codecs;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * numcodecs' {@code lz4}: a 4-byte little-endian decoded size, then one raw LZ4 block. Decoding
 * uses LZ4's bounds-checked ("safe") decompressor into exactly the expected size.
 *
 * <p>{@code acceleration} is kept in the metadata, but lz4-java's compressor has no acceleration
 * knob and always compresses as acceleration 1 would: the output is the same format, only slower
 * and smaller than numcodecs' at accelerations above 1.
 *
 * @param acceleration numcodecs' speed/ratio trade-off: any C int, kept as given, as numcodecs
 *     keeps it (LZ4 treats values below 1 as 1 and caps large ones; decoding never uses it)
 */
public record Lz4Codec(int acceleration) implements Codec {
    /** LZ4_MAX_INPUT_SIZE: larger inputs cannot be one LZ4 block. */
    private static final int MAX_INPUT = 0x7E000000;
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    private static final LZ4Factory FACTORY = LZ4Factory.fastestInstance();
    // Both are stateless and documented thread-safe.
    private static final LZ4Compressor COMPRESSOR = FACTORY.fastCompressor();
    private static final LZ4SafeDecompressor DECOMPRESSOR = FACTORY.safeDecompressor();

    @Override
    public String id() {
        return "lz4";
    }

    @Override
    public ObjectNode toJson() {
        return JsonNodeFactory.instance.objectNode().put("id", "lz4").put("acceleration", acceleration);
    }

    @Override
    public MemorySegment encode(MemorySegment raw, int elementSize, SegmentAllocator allocator) {
        Codecs.checkElementSize(elementSize);
        if (raw.byteSize() > MAX_INPUT) {
            throw new IllegalArgumentException("lz4 cannot encode " + raw.byteSize() + " bytes; at most " + MAX_INPUT);
        }
        int n = (int) raw.byteSize();
        int bound = COMPRESSOR.maxCompressedLength(n);
        try (Scratch in = Scratch.borrow(); Scratch out = Scratch.borrow()) {
            MemorySegment dst = out.get(4L + bound);
            dst.set(LE_INT, 0, n);
            int size = COMPRESSOR.compress(Codecs.readable(raw, in).asByteBuffer(), 0, n, dst.asByteBuffer(), 4, bound);
            return Codecs.copyOut(dst.asSlice(0, 4L + size), allocator);
        }
    }

    @Override
    public void decode(MemorySegment encoded, MemorySegment destination, String keyForErrors) {
        long expected = destination.byteSize();
        Codecs.checkChunkSize(expected);
        if (encoded.byteSize() < 5) {
            throw fail(keyForErrors, "truncated: " + encoded.byteSize() + " bytes, need at least 5", null);
        }
        if (encoded.byteSize() > Codecs.MAX_CHUNK_BYTES) {
            throw fail(keyForErrors, "encoded size " + encoded.byteSize() + " exceeds " + Codecs.MAX_CHUNK_BYTES, null);
        }
        long declared = Integer.toUnsignedLong(encoded.get(LE_INT, 0));
        if (declared != expected) {
            throw fail(keyForErrors, "header says " + declared + " decoded bytes, expected " + expected, null);
        }
        int length = (int) encoded.byteSize();
        try (Scratch in = Scratch.borrow(); Scratch out = Scratch.borrow()) {
            ByteBuffer src = Codecs.readable(encoded, in).asByteBuffer();
            MemorySegment dst = Codecs.bufferable(destination) ? destination : out.get(expected);
            int produced;
            try {
                produced = DECOMPRESSOR.decompress(src, 4, length - 4, dst.asByteBuffer(), 0, (int) expected);
            } catch (RuntimeException e) {
                throw fail(keyForErrors, "corrupt LZ4 block: " + e.getMessage(), e);
            }
            if (produced != expected) {
                throw fail(keyForErrors, "decoded " + produced + " bytes, expected " + expected, null);
            }
            if (dst != destination) {
                MemorySegment.copy(dst, 0, destination, 0, expected);
            }
        }
    }

    private static CodecException fail(String key, String problem, Throwable cause) {
        return new CodecException(key, "lz4", problem, cause);
    }
}
