package io.tessera.zarr;

import io.tessera.kvstore.Generation;
import io.tessera.memory.BufferPool;
import io.tessera.memory.NDArray;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The context's cache pool: an LRU of decoded chunks with the generation each was read or
 * written at, bounded by {@code total_bytes_limit} bytes of chunk data. Cached chunks are never
 * modified; a writeback that starts from a cached chunk writes conditionally on its generation,
 * and a read revalidates it against the store (as {@code recheck_cached_data} asks), so a stale
 * entry costs a re-read, never a lost update or a wrong value.
 *
 * <p>The cache holds a handle on each chunk's pooled memory and releases it when the entry goes
 * (evicted, replaced or invalidated); a user of an entry takes a {@link Lease}, a handle of its
 * own, so that the memory returns to the pool once neither needs it, without waiting for the
 * collector.
 */
public final class ChunkCache {
    private record Entry(NDArray chunk, Generation generation, long bytes, long stampNanos, BufferPool.Buffer handle) {
        void release() {
            if (handle != null) handle.release();
        }
    }

    /**
     * A cached chunk for one user: its generation, when the value it equals was current
     * ({@link System#nanoTime}), and a handle on its memory that {@link #release} gives up.
     */
    public record Lease(NDArray chunk, Generation generation, long stampNanos, BufferPool.Buffer handle) {
        /** Gives up this lease; the chunk must not be used afterwards. */
        public void release() {
            if (handle != null) handle.release();
        }
    }

    private final long limitBytes;
    private long usedBytes;
    private final LinkedHashMap<Object, Entry> lru = new LinkedHashMap<>(16, 0.75f, true);

    public ChunkCache(long limitBytes) { this.limitBytes = limitBytes; }

    /** The chunk cached under {@code key}, with a handle of the caller's, or null. */
    Lease lease(Object key) {
        synchronized (this) {
            Entry e = lru.get(key);
            // The cache's own handle is unreleased while the entry is in the map, so share succeeds.
            return e == null ? null : new Lease(e.chunk, e.generation, e.stampNanos, e.handle == null ? null : e.handle.share());
        }
    }

    /**
     * Caches {@code chunk}, equal to the stored value of {@code generation} as of
     * {@code stampNanos}, unless an entry from a later moment is there. {@code handle} (may be
     * null: memory the collector frees) passes to the cache, which releases it when the entry goes
     * or is not taken.
     */
    void put(Object key, NDArray chunk, Generation generation, long bytes, long stampNanos, BufferPool.Buffer handle) {
        List<Entry> dropped = new ArrayList<>(1);
        Entry fresh = new Entry(chunk, generation, bytes, stampNanos, handle);
        synchronized (this) {
            Entry old = lru.get(key);
            if (bytes > limitBytes || generation.isUnknown() || (old != null && old.stampNanos - stampNanos > 0)) {
                // A later read or write is cached already (the two raced): keep it.
                dropped.add(fresh);
            } else {
                lru.put(key, fresh);
                usedBytes += bytes;
                if (old != null) {
                    usedBytes -= old.bytes;
                    dropped.add(old);
                }
                var it = lru.entrySet().iterator();
                while (usedBytes > limitBytes && it.hasNext()) {
                    Map.Entry<Object, Entry> eldest = it.next();
                    usedBytes -= eldest.getValue().bytes;
                    dropped.add(eldest.getValue());
                    it.remove();
                }
            }
        }
        dropped.forEach(Entry::release);
    }

    /**
     * Records that the entry of {@code key}, if still at {@code generation}, was found current at
     * {@code stampNanos} (a revalidation).
     */
    synchronized void revalidated(Object key, Generation generation, long stampNanos) {
        Entry e = lru.get(key);
        if (e != null && e.generation.equals(generation) && stampNanos - e.stampNanos > 0) {
            lru.put(key, new Entry(e.chunk, e.generation, e.bytes, stampNanos, e.handle));
        }
    }

    /** Drops the entry of {@code key}, if any. */
    void invalidate(Object key) {
        Entry old;
        synchronized (this) {
            old = lru.remove(key);
            if (old != null) usedBytes -= old.bytes;
        }
        if (old != null) old.release();
    }

    /** Bytes of chunk data held now. */
    public synchronized long usedBytes() { return usedBytes; }

    /** Entries held now. */
    public synchronized int size() { return lru.size(); }

    public long limitBytes() { return limitBytes; }
}
