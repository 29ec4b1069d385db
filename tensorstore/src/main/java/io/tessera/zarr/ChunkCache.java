package io.tessera.zarr;

import io.tessera.kvstore.Generation;
import io.tessera.memory.NDArray;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The context's cache pool: an LRU of decoded chunks with the generation each was read or
 * written at, bounded by {@code total_bytes_limit} bytes of chunk data. Cached chunks are never
 * modified; a writeback that starts from a cached chunk writes conditionally on its generation,
 * so a stale entry costs a retry, never a lost update.
 */
public final class ChunkCache {
    /** A decoded chunk and the generation of the stored value it equals. */
    record Entry(NDArray chunk, Generation generation, long bytes) {}

    private final long limitBytes;
    private long usedBytes;
    private final LinkedHashMap<Object, Entry> lru = new LinkedHashMap<>(16, 0.75f, true);

    public ChunkCache(long limitBytes) { this.limitBytes = limitBytes; }

    synchronized Entry get(Object key) { return lru.get(key); }

    synchronized void put(Object key, NDArray chunk, Generation generation, long bytes) {
        if (bytes > limitBytes || generation.isUnknown()) {
            invalidate(key);
            return;
        }
        Entry old = lru.put(key, new Entry(chunk, generation, bytes));
        if (old != null) usedBytes -= old.bytes();
        usedBytes += bytes;
        var it = lru.entrySet().iterator();
        while (usedBytes > limitBytes && it.hasNext()) {
            Map.Entry<Object, Entry> eldest = it.next();
            usedBytes -= eldest.getValue().bytes();
            it.remove();
        }
    }

    synchronized void invalidate(Object key) {
        Entry old = lru.remove(key);
        if (old != null) usedBytes -= old.bytes();
    }

    /** Bytes of chunk data held now. */
    public synchronized long usedBytes() { return usedBytes; }

    public long limitBytes() { return limitBytes; }
}
