package io.tessera.codecs;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

/**
 * zarr v2 {@code zlib}: one zlib (RFC 1950) stream, as Python's {@code zlib.compress} writes it.
 * Decoding verifies the Adler-32 (zlib does) and rejects trailing bytes.
 *
 * @param level the compression level, 0-9
 */
public record ZlibCodec(int level) implements Codec {
    /** Validates the level. */
    public ZlibCodec {
        Codecs.checkRange("level", level, 0, 9);
    }

    @Override
    public String id() {
        return "zlib";
    }

    @Override
    public ObjectNode toJson() {
        return JsonNodeFactory.instance.objectNode().put("id", "zlib").put("level", level);
    }

    @Override
    public MemorySegment encode(MemorySegment raw, int elementSize, SegmentAllocator allocator) {
        Codecs.checkElementSize(elementSize);
        Codecs.checkChunkSize(raw.byteSize());
        try (Scratch in = Scratch.borrow(); Scratch out = Scratch.borrow()) {
            MemorySegment dst = out.get(Deflate.bound(raw.byteSize()));
            int size = Deflate.deflate(Codecs.readable(raw, in), dst, 0, level, false);
            return Codecs.copyOut(dst.asSlice(0, size), allocator);
        }
    }

    @Override
    public void decode(MemorySegment encoded, MemorySegment destination, String keyForErrors) {
        Codecs.checkChunkSize(destination.byteSize());
        if (encoded.byteSize() > Codecs.MAX_CHUNK_BYTES) {
            throw new CodecException(keyForErrors, "zlib", "encoded size " + encoded.byteSize() + " is too large", null);
        }
        try (Scratch in = Scratch.borrow(); Scratch out = Scratch.borrow()) {
            MemorySegment dst = Codecs.bufferable(destination) ? destination : out.get(destination.byteSize());
            int left = Deflate.inflate(Codecs.readable(encoded, in).asByteBuffer(), dst, false, true, keyForErrors, "zlib")
                    .remaining();
            if (left != 0) {
                throw new CodecException(keyForErrors, "zlib", left + " trailing bytes after the zlib stream", null);
            }
            if (dst != destination) {
                MemorySegment.copy(dst, 0, destination, 0, dst.byteSize());
            }
        }
    }
}
