package io.tessera.codecs;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.zip.CRC32;

/**
 * zarr v2 {@code gzip}: a gzip (RFC 1952) member, as numcodecs writes it (mtime 0). Decoding reads
 * any header options (extra, name, comment, header CRC), checks each member's CRC-32 and length,
 * and accepts concatenated members as Python's {@code gzip} does.
 *
 * @param level the compression level, 0-9
 */
public record GzipCodec(int level) implements Codec {
    private static final int HEADER = 10;
    private static final int TRAILER = 8;
    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Validates the level. */
    public GzipCodec {
        Codecs.checkRange("level", level, 0, 9);
    }

    @Override
    public String id() {
        return "gzip";
    }

    @Override
    public ObjectNode toJson() {
        return JsonNodeFactory.instance.objectNode().put("id", "gzip").put("level", level);
    }

    @Override
    public MemorySegment encode(MemorySegment input, int elementSize, SegmentAllocator allocator) {
        Codecs.checkElementSize(elementSize);
        Codecs.checkChunkSize(input.byteSize());
        try (Scratch in = Scratch.borrow(); Scratch out = Scratch.borrow()) {
            MemorySegment raw = Codecs.readable(input, in);
            MemorySegment dst = out.get(HEADER + Deflate.bound(raw.byteSize()) + TRAILER);
            dst.asSlice(0, HEADER).fill((byte) 0);
            dst.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x1f);
            dst.set(ValueLayout.JAVA_BYTE, 1, (byte) 0x8b);
            dst.set(ValueLayout.JAVA_BYTE, 2, (byte) 8); // CM = deflate
            dst.set(ValueLayout.JAVA_BYTE, 8, (byte) (level == 9 ? 2 : level == 1 ? 4 : 0)); // XFL as zlib sets it
            dst.set(ValueLayout.JAVA_BYTE, 9, (byte) 255); // OS unknown, as Python writes
            int size = Deflate.deflate(raw, dst, HEADER, level, true);
            CRC32 crc = new CRC32();
            crc.update(raw.asByteBuffer());
            long end = HEADER + size;
            dst.set(LE_INT, end, (int) crc.getValue());
            dst.set(LE_INT, end + 4, (int) raw.byteSize());
            return Codecs.copyOut(dst.asSlice(0, end + TRAILER), allocator);
        }
    }

    @Override
    public void decode(MemorySegment encoded, MemorySegment destination, String keyForErrors) {
        if (Codecs.bufferable(encoded) && Codecs.bufferable(destination)) {
            decodeBufferable(encoded, destination, keyForErrors);
            return;
        }
        try (Scratch in = Scratch.borrow(); Scratch out = Scratch.borrow()) {
            MemorySegment dst = Codecs.bufferable(destination) ? destination : out.get(destination.byteSize());
            decodeBufferable(Codecs.readable(encoded, in), dst, keyForErrors);
            if (dst != destination) {
                MemorySegment.copy(dst, 0, destination, 0, dst.byteSize());
            }
        }
    }

    private void decodeBufferable(MemorySegment encoded, MemorySegment destination, String keyForErrors) {
        long expected = destination.byteSize();
        Codecs.checkChunkSize(expected);
        long length = encoded.byteSize();
        if (length > Codecs.MAX_CHUNK_BYTES) {
            throw fail(keyForErrors, "encoded size " + length + " is too large");
        }
        long pos = 0;
        long produced = 0;
        do {
            pos = skipHeader(encoded, pos, keyForErrors);
            // A member's size is unknown until its trailer; the rest of the destination bounds it.
            Deflate.Inflated member = Deflate.inflate(encoded.asSlice(pos).asByteBuffer(),
                    destination.asSlice(produced), true, false, keyForErrors, "gzip");
            long trailer = length - member.remaining();
            if (length - trailer < TRAILER) {
                throw fail(keyForErrors, "truncated: member trailer missing at offset " + trailer);
            }
            CRC32 crc = new CRC32();
            crc.update(destination.asSlice(produced, member.produced()).asByteBuffer());
            int storedCrc = encoded.get(LE_INT, trailer);
            int storedSize = encoded.get(LE_INT, trailer + 4);
            if (storedCrc != (int) crc.getValue()) {
                throw fail(keyForErrors, String.format("CRC-32 mismatch: stored %08x, computed %08x",
                        storedCrc, (int) crc.getValue()));
            }
            if (storedSize != (int) member.produced()) {
                throw fail(keyForErrors, "trailer says " + Integer.toUnsignedLong(storedSize)
                        + " bytes but the member decoded to " + member.produced());
            }
            produced += member.produced();
            pos = trailer + TRAILER;
        } while (pos < length);
        if (produced != expected) {
            throw fail(keyForErrors, "decoded " + produced + " bytes, expected " + expected);
        }
    }

    /** Checks a member header at {@code pos} and returns the offset of its deflate data. */
    private static long skipHeader(MemorySegment in, long pos, String key) {
        long length = in.byteSize();
        if (length - pos < HEADER) {
            throw fail(key, "truncated: " + (length - pos) + " bytes where a " + HEADER + "-byte gzip header belongs");
        }
        int id1 = Byte.toUnsignedInt(in.get(ValueLayout.JAVA_BYTE, pos));
        int id2 = Byte.toUnsignedInt(in.get(ValueLayout.JAVA_BYTE, pos + 1));
        int cm = Byte.toUnsignedInt(in.get(ValueLayout.JAVA_BYTE, pos + 2));
        int flags = Byte.toUnsignedInt(in.get(ValueLayout.JAVA_BYTE, pos + 3));
        if (id1 != 0x1f || id2 != 0x8b) {
            throw fail(key, String.format("not gzip data: magic %02x %02x at offset %d, expected 1f 8b", id1, id2, pos));
        }
        if (cm != 8) {
            throw fail(key, "unknown gzip compression method " + cm + ", expected 8 (deflate)");
        }
        if ((flags & 0xe0) != 0) {
            throw fail(key, String.format("reserved gzip header flags set: %02x", flags));
        }
        long p = pos + HEADER;
        if ((flags & FEXTRA) != 0) {
            if (length - p < 2) {
                throw fail(key, "truncated gzip extra field");
            }
            p += 2 + Short.toUnsignedInt(in.get(LE_SHORT, p));
        }
        if ((flags & FNAME) != 0) {
            p = skipZeroTerminated(in, p, key, "file name");
        }
        if ((flags & FCOMMENT) != 0) {
            p = skipZeroTerminated(in, p, key, "comment");
        }
        if ((flags & FHCRC) != 0) {
            p += 2;
        }
        if (p > length) {
            throw fail(key, "truncated gzip header");
        }
        return p;
    }

    private static long skipZeroTerminated(MemorySegment in, long p, String key, String what) {
        long length = in.byteSize();
        while (p < length) {
            if (in.get(ValueLayout.JAVA_BYTE, p++) == 0) {
                return p;
            }
        }
        throw fail(key, "truncated gzip header: unterminated " + what);
    }

    private static CodecException fail(String key, String problem) {
        return new CodecException(key, "gzip", problem, null);
    }
}
