package io.tessera.kvstore;

import java.lang.foreign.MemorySegment;

/**
 * The outcome of a read: the value (or none, for a missing key) and its generation.
 *
 * @param value the bytes, or {@code null} when the key is missing
 * @param generation the generation of what was read; {@link Generation#NO_VALUE} when missing
 */
public record ReadResult(MemorySegment value, Generation generation) {
    public static ReadResult missing() { return new ReadResult(null, Generation.NO_VALUE); }

    public boolean exists() { return value != null; }
}
