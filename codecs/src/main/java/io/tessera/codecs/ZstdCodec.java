package io.tessera.codecs;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.foreign.SegmentAllocator;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * zarr v2 {@code zstd}: one zstd frame (numcodecs writes the content size into it). Decoding checks
 * the frame's declared content size against the expected chunk size before decompressing, and
 * decompresses into a destination of exactly that size, so a hostile frame can neither overrun nor
 * make us allocate.
 *
 * @param level the compression level, -131072..22
 */
public record ZstdCodec(int level) implements Codec {
    static final int MIN_LEVEL = -131072;
    static final int MAX_LEVEL = 22;

    /**
     * zstd contexts are expensive to create (hundreds of kB of tables) and not thread-safe, so each
     * call borrows one from these pools and gives it back; the pools only grow to the number of
     * threads that ever coded at once.
     */
    private static final ConcurrentHashMap<Integer, ConcurrentLinkedQueue<ZstdCompressCtx>> COMPRESSORS =
            new ConcurrentHashMap<>();
    private static final ConcurrentLinkedQueue<ZstdDecompressCtx> DECOMPRESSORS = new ConcurrentLinkedQueue<>();

    /** Validates the level. */
    public ZstdCodec {
        Codecs.checkRange("level", level, MIN_LEVEL, MAX_LEVEL);
    }

    @Override
    public String id() {
        return "zstd";
    }

    @Override
    public ObjectNode toJson() {
        return JsonNodeFactory.instance.objectNode().put("id", "zstd").put("level", level);
    }

    @Override
    public MemorySegment encode(MemorySegment raw, int elementSize, SegmentAllocator allocator) {
        Codecs.checkElementSize(elementSize);
        Codecs.checkChunkSize(raw.byteSize());
        int n = (int) raw.byteSize();
        long bound = Zstd.compressBound(n);
        // One pool per level: a context is configured once, and zstd reuses its tables cheaply
        // only while the parameters stay the same.
        ConcurrentLinkedQueue<ZstdCompressCtx> pool = COMPRESSORS.computeIfAbsent(level, l -> new ConcurrentLinkedQueue<>());
        ZstdCompressCtx ctx = pool.poll();
        if (ctx == null) {
            ctx = new ZstdCompressCtx().setLevel(level).setContentSize(true).setChecksum(false);
        }
        try (Scratch in = Scratch.borrow(); Scratch out = Scratch.borrow()) {
            MemorySegment src = Codecs.nativeView(raw, in);
            MemorySegment dst = out.get(bound);
            int size = ctx.compressDirectByteBuffer(dst.asByteBuffer(), 0, (int) bound, src.asByteBuffer(), 0, n);
            return Codecs.copyOut(dst.asSlice(0, size), allocator);
        } finally {
            pool.offer(ctx);
        }
    }

    @Override
    public void decode(MemorySegment encoded, MemorySegment destination, String keyForErrors) {
        long expected = destination.byteSize();
        Codecs.checkChunkSize(expected);
        if (encoded.byteSize() > Codecs.MAX_CHUNK_BYTES) {
            throw fail(keyForErrors, "encoded size " + encoded.byteSize() + " exceeds " + Codecs.MAX_CHUNK_BYTES, null);
        }
        int length = (int) encoded.byteSize();
        try (Scratch in = Scratch.borrow(); Scratch out = Scratch.borrow()) {
            ByteBuffer src = Codecs.nativeView(encoded, in).asByteBuffer();
            long contentSize = Zstd.getDirectByteBufferFrameContentSize(src, 0, length);
            // -1 is ZSTD_CONTENTSIZE_UNKNOWN (a streamed frame): then the bounded decompression
            // below is the only check, and it suffices. Other negatives are errors.
            if (contentSize < -1) {
                throw fail(keyForErrors, (magic(encoded) == FRAME_MAGIC ? "truncated zstd frame header (" : "not a zstd frame (")
                        + length + " bytes)", null);
            }
            if (contentSize >= 0 && contentSize != expected) {
                long frame = Zstd.findDirectByteBufferFrameCompressedSize(src, 0, length);
                // Several concatenated frames decode to their sum; only a lone frame must match.
                if (frame == length || contentSize > expected) {
                    boolean skippable = (magic(encoded) & SKIPPABLE_MASK) == SKIPPABLE_MAGIC;
                    throw fail(keyForErrors, skippable && frame == length ? "the chunk is one skippable zstd frame, which holds no data"
                            : "frame content size is " + contentSize + " bytes, expected " + expected, null);
                }
            }
            MemorySegment dst = destination.isNative() ? destination : out.get(expected);
            ZstdDecompressCtx ctx = DECOMPRESSORS.poll();
            if (ctx == null) {
                ctx = new ZstdDecompressCtx();
            }
            int produced;
            try {
                produced = ctx.decompressDirectByteBuffer(dst.asByteBuffer(), 0, (int) expected, src, 0, length);
            } finally {
                ctx.reset();
                DECOMPRESSORS.offer(ctx);
            }
            if (produced != expected) {
                throw fail(keyForErrors, "decoded " + produced + " bytes, expected " + expected, null);
            }
            if (dst != destination) {
                MemorySegment.copy(dst, 0, destination, 0, expected);
            }
        } catch (CodecException e) {
            throw e;
        } catch (RuntimeException e) {
            throw fail(keyForErrors, "corrupt or truncated zstd data: " + e.getMessage(), e);
        }
    }

    private static final int FRAME_MAGIC = 0xFD2FB528, SKIPPABLE_MAGIC = 0x184D2A50, SKIPPABLE_MASK = 0xFFFFFFF0;

    /** The first four bytes, little-endian, as zstd's magic numbers are written; 0 if there are fewer. */
    private static int magic(MemorySegment encoded) {
        return encoded.byteSize() < 4 ? 0 : encoded.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0);
    }

    private static CodecException fail(String key, String problem, Throwable cause) {
        return new CodecException(key, "zstd", problem, cause);
    }
}
