package io.tessera.codecs;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/** DEFLATE over segments with java.util.zip, shared by zlib and gzip. */
final class Deflate {
    private Deflate() {}

    /** zlib's compressBound plus room for a gzip header and trailer. */
    static long bound(long n) {
        return n + (n >>> 12) + (n >>> 14) + (n >>> 25) + 13 + 32;
    }

    /**
     * Compresses {@code src} into {@code dst} at {@code offset}; returns the compressed length.
     * {@code dst} must hold {@link #bound} bytes past {@code offset}.
     */
    static int deflate(MemorySegment src, MemorySegment dst, long offset, int level, boolean nowrap) {
        Deflater deflater = new Deflater(level, nowrap);
        try {
            deflater.setInput(src.asByteBuffer());
            deflater.finish();
            ByteBuffer out = dst.asSlice(offset).asByteBuffer();
            while (!deflater.finished()) {
                if (!out.hasRemaining()) {
                    throw new IllegalStateException("deflate output exceeded its bound for " + src.byteSize() + " bytes");
                }
                deflater.deflate(out, Deflater.NO_FLUSH);
            }
            return out.position();
        } finally {
            deflater.end();
        }
    }

    /** What one inflated stream produced and how much input it left unread. */
    record Inflated(long produced, int remaining) {}

    /**
     * Inflates one stream from {@code src} into {@code dst}, which bounds its decoded size.
     *
     * @param mustFill whether the stream must decode to exactly {@code dst.byteSize()} bytes
     * @throws CodecException if the stream is corrupt, truncated, or larger than {@code dst}
     */
    static Inflated inflate(ByteBuffer src, MemorySegment dst, boolean nowrap, boolean mustFill, String key, String id) {
        Inflater inflater = new Inflater(nowrap);
        try {
            inflater.setInput(src);
            ByteBuffer out = dst.asByteBuffer();
            while (!inflater.finished()) {
                long readBefore = inflater.getBytesRead();
                int n = inflater.inflate(out);
                if (n == 0 && !inflater.finished()) {
                    if (inflater.needsDictionary()) {
                        throw new CodecException(key, id, "stream needs a preset dictionary", null);
                    }
                    if (inflater.needsInput()) {
                        throw new CodecException(key, id, "truncated stream: ended after "
                                + out.position() + " decoded bytes, expected " + dst.byteSize(), null);
                    }
                    if (!out.hasRemaining()) {
                        throw new CodecException(key, id, "stream decodes to more than the expected "
                                + dst.byteSize() + " bytes", null);
                    }
                    if (inflater.getBytesRead() == readBefore) {
                        throw new CodecException(key, id, "deflate stream makes no progress", null);
                    }
                }
            }
            if (mustFill && out.hasRemaining()) {
                throw new CodecException(key, id, "stream decoded to " + out.position()
                        + " bytes, expected " + dst.byteSize(), null);
            }
            return new Inflated(out.position(), inflater.getRemaining());
        } catch (DataFormatException e) {
            throw new CodecException(key, id, "corrupt deflate stream: " + e.getMessage(), e);
        } finally {
            inflater.end();
        }
    }
}
