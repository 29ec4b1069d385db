package io.tessera.kvstore;

import io.tessera.memory.BufferPool;

import java.lang.foreign.MemorySegment;

/**
 * The outcome of a read: the value (or none, for a missing key) and its generation.
 *
 * @param value the bytes, or {@code null} when the key is missing
 * @param generation the generation of what was read; {@link Generation#NO_VALUE} when missing
 * @param buffer a handle on the pooled buffer behind {@code value} that belongs to the reader
 *     (the store keeps no reference to the value, or keeps its own handle), so that it may
 *     {@link #releaseValue() release} it once done; else null
 */
public record ReadResult(MemorySegment value, Generation generation, BufferPool.Buffer buffer) {
    /** A value the store may still hold (the reader must not release it). */
    public ReadResult(MemorySegment value, Generation generation) {
        this(value, generation, null);
    }

    /** A value in {@code buffer}, a handle which passes to the reader. */
    public static ReadResult owned(BufferPool.Buffer buffer, MemorySegment value, Generation generation) {
        return new ReadResult(value, generation, buffer);
    }

    public static ReadResult missing() { return new ReadResult(null, Generation.NO_VALUE); }

    public boolean exists() { return value != null; }

    /**
     * Gives up the reader's handle on the value's memory, if it has one; the value must not be
     * used afterwards. Optional: a value never released returns once it is unreachable.
     */
    public void releaseValue() {
        if (buffer != null) buffer.release();
    }
}
