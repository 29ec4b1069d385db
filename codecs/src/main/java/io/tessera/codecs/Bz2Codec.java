package io.tessera.codecs;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;

/**
 * zarr v2 {@code bz2}: a bzip2 stream (Apache Commons Compress, pure Java). Concatenated streams
 * decode as Python's {@code bz2.decompress} decodes them.
 *
 * @param level the block size in units of 100 kB, 1-9
 */
public record Bz2Codec(int level) implements Codec {
    private static final int BUFFER = 64 << 10;

    /** Validates the level. */
    public Bz2Codec {
        Codecs.checkRange("level", level, 1, 9);
    }

    @Override
    public String id() {
        return "bz2";
    }

    @Override
    public ObjectNode toJson() {
        return JsonNodeFactory.instance.objectNode().put("id", "bz2").put("level", level);
    }

    @Override
    public MemorySegment encode(MemorySegment raw, int elementSize, SegmentAllocator allocator) {
        Codecs.checkElementSize(elementSize);
        Codecs.checkChunkSize(raw.byteSize());
        Sink sink = new Sink((int) Math.min(raw.byteSize() / 4 + 64, Integer.MAX_VALUE - 64));
        try (BZip2CompressorOutputStream bz = new BZip2CompressorOutputStream(sink, level)) {
            byte[] buffer = new byte[(int) Math.min(BUFFER, Math.max(raw.byteSize(), 1))];
            for (long pos = 0; pos < raw.byteSize(); ) {
                int n = (int) Math.min(buffer.length, raw.byteSize() - pos);
                MemorySegment.copy(raw, ValueLayout.JAVA_BYTE, pos, buffer, 0, n);
                bz.write(buffer, 0, n);
                pos += n;
            }
        } catch (IOException e) {
            throw new IllegalStateException("bz2 encoding failed: " + e.getMessage(), e);
        }
        return Codecs.copyOut(sink.buffer(), sink.size(), allocator);
    }

    @Override
    public void decode(MemorySegment encoded, MemorySegment destination, String keyForErrors) {
        long expected = destination.byteSize();
        Codecs.checkChunkSize(expected);
        long produced = 0;
        try (InputStream in = new BZip2CompressorInputStream(new SegmentInputStream(encoded), true)) {
            byte[] buffer = new byte[(int) Math.min(BUFFER, expected + 1)];
            int n;
            while ((n = in.read(buffer, 0, buffer.length)) >= 0) {
                // Stop at the first byte beyond the destination: a bomb must not run to its end.
                if (n > expected - produced) {
                    throw fail(keyForErrors, "stream decodes to more than the expected " + expected + " bytes", null);
                }
                MemorySegment.copy(buffer, 0, destination, ValueLayout.JAVA_BYTE, produced, n);
                produced += n;
            }
        } catch (CodecException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // Commons Compress reports some malformed streams as unchecked exceptions.
            throw fail(keyForErrors, "corrupt bzip2 stream: " + e, e);
        }
        if (produced != expected) {
            throw fail(keyForErrors, "decoded " + produced + " bytes, expected " + expected, null);
        }
    }

    private static CodecException fail(String key, String problem, Throwable cause) {
        return new CodecException(key, "bz2", problem, cause);
    }

    /** A ByteArrayOutputStream whose buffer we may read without the copy {@code toByteArray} makes. */
    private static final class Sink extends ByteArrayOutputStream {
        Sink(int initial) {
            super(initial);
        }

        byte[] buffer() {
            return buf;
        }
    }

    private static final class SegmentInputStream extends InputStream {
        private final MemorySegment segment;
        private long pos;

        SegmentInputStream(MemorySegment segment) {
            this.segment = segment;
        }

        @Override
        public int read() {
            return pos < segment.byteSize() ? Byte.toUnsignedInt(segment.get(ValueLayout.JAVA_BYTE, pos++)) : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            long left = segment.byteSize() - pos;
            if (left <= 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, pos, b, off, n);
            pos += n;
            return n;
        }

        @Override
        public int available() {
            return (int) Math.min(Integer.MAX_VALUE, segment.byteSize() - pos);
        }
    }
}
