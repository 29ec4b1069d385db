package io.tessera.kvstore;

import io.tessera.memory.BufferPool;

import java.lang.foreign.MemorySegment;

/**
 * The outcome of a read: the value (or none, for a missing key) and its generation; or, for a
 * {@linkplain KvStore#readIfChanged conditional read}, that the value is unchanged.
 *
 * @param value the bytes, or {@code null} when the key is missing
 * @param generation the generation of what was read; {@link Generation#NO_VALUE} when missing
 * @param buffer a handle on the pooled buffer behind {@code value} that belongs to the reader
 *     (the store keeps no reference to the value, or keeps its own handle), so that it may
 *     {@link #releaseValue() release} it once done; else null
 * @param unchanged whether a conditional read found the key still at the generation it named
 *     (then {@code value} is null and {@code generation} is that generation)
 */
public record ReadResult(MemorySegment value, Generation generation, BufferPool.Buffer buffer, boolean unchanged) {
    /** A value the store may still hold (the reader must not release it). */
    public ReadResult(MemorySegment value, Generation generation) {
        this(value, generation, null, false);
    }

    /** A value, or none, with the reader's handle on its memory (may be null). */
    public ReadResult(MemorySegment value, Generation generation, BufferPool.Buffer buffer) {
        this(value, generation, buffer, false);
    }

    /** What a conditional read gives when the key is still at {@code generation}: no value. */
    public static ReadResult unchanged(Generation generation) {
        return new ReadResult(null, generation, null, true);
    }

    /** A value in {@code buffer}, a handle which passes to the reader. */
    public static ReadResult owned(BufferPool.Buffer buffer, MemorySegment value, Generation generation) {
        return new ReadResult(value, generation, buffer);
    }

    public static ReadResult missing() { return new ReadResult(null, Generation.NO_VALUE); }

    /** Whether the key has a value that this result carries (false when missing, or unchanged). */
    public boolean exists() { return value != null; }

    /**
     * Gives up the reader's handle on the value's memory, if it has one; the value must not be
     * used afterwards. Optional: a value never released returns once it is unreachable.
     */
    public void releaseValue() {
        if (buffer != null) buffer.release();
    }
}
