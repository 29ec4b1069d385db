package io.tessera.codecs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

/**
 * A zarr v2 compressor working on {@link MemorySegment}s. Instances are immutable and thread-safe:
 * any number of threads may encode and decode different chunks with one instance at once.
 *
 * <p>Obtain instances from {@link Codecs#fromJson} or the factories in {@link Codecs}. Segments may
 * be native or heap; native segments avoid staging copies wherever the library accepts direct
 * buffers.
 */
public interface Codec {

    /** The zarr v2 {@code "id"} of this compressor, e.g. {@code "blosc"}. */
    String id();

    /**
     * The compressor's zarr v2 metadata form ({@code .zarray}'s {@code "compressor"}), with every
     * parameter spelled out, as numcodecs' {@code get_config()} and TensorStore write it.
     */
    ObjectNode toJson();

    /**
     * Encodes {@code raw} (the chunk's bytes in C order).
     *
     * @param raw the bytes to compress; at most {@link Codecs#MAX_CHUNK_BYTES} bytes
     * @param elementSize the size in bytes of one array element (blosc's typesize), at least 1
     * @param allocator where the result is allocated; it is asked for exactly the encoded size
     * @return a segment of exactly the encoded length
     * @throws IllegalArgumentException if {@code raw} is too large or {@code elementSize < 1}
     */
    MemorySegment encode(MemorySegment raw, int elementSize, SegmentAllocator allocator);

    /** {@link #encode(MemorySegment, int, SegmentAllocator)} into a GC-managed native segment. */
    default MemorySegment encode(MemorySegment raw, int elementSize) {
        return encode(raw, elementSize, Arena.ofAuto());
    }

    /**
     * Decodes {@code encoded} into {@code destination}, whose size is the exact decoded size the
     * caller expects (the chunk's byte size). Every header and size is checked before native code
     * runs, so corrupt, truncated or hostile bytes give a {@link CodecException}, never a crash; a
     * decode that would produce more or fewer bytes than {@code destination.byteSize()} fails too.
     * On failure the destination's contents are unspecified.
     *
     * @param encoded the stored chunk bytes
     * @param destination receives the decoded bytes; must not overlap {@code encoded}
     * @param keyForErrors the chunk key, named in the exception message
     * @throws CodecException if the bytes do not decode to exactly {@code destination.byteSize()} bytes
     */
    void decode(MemorySegment encoded, MemorySegment destination, String keyForErrors);

    /**
     * Decodes {@code encoded} into a new GC-managed native segment of {@code decodedSize} bytes.
     *
     * @see #decode(MemorySegment, MemorySegment, String)
     */
    default MemorySegment decode(MemorySegment encoded, long decodedSize, String keyForErrors) {
        Codecs.checkChunkSize(decodedSize);
        MemorySegment destination = Arena.ofAuto().allocate(Math.max(decodedSize, 1), 16).asSlice(0, decodedSize);
        decode(encoded, destination, keyForErrors);
        return destination;
    }
}
