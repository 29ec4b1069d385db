package io.tessera.zarr;

import io.tessera.kvstore.Generation;
import io.tessera.memory.BufferPool;
import io.tessera.memory.NDArray;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The context's cache pool: an LRU of decoded chunks with the generation each was read or
 * written at, bounded by {@code total_bytes_limit} bytes of chunk data. Cached chunks are never
 * modified; a writeback that starts from a cached chunk writes conditionally on its generation,
 * and a read revalidates it against the store (as {@code recheck_cached_data} asks), so a stale
 * entry costs a re-read, never a lost update or a wrong value.
 *
 * <p>Every entry carries the moment ({@link System#nanoTime}) its content was known current: a
 * read's start, a write's completion. An entry is replaced only by one from a later moment, so a
 * slow read cannot put back what a later write or delete replaced. Besides chunks, entries record
 * that a chunk is missing, and that nothing is known of it after some moment (its writes went
 * around the cache, or failed): then no older content may come back. An entry evicted takes its
 * moment with it, so content for a key with no entry must be later than every entry evicted (a
 * floor): a read that began before a write whose entry has since been evicted is not cached.
 *
 * <p>The cache holds a handle on each chunk's pooled memory and releases it when the entry goes
 * (evicted, replaced or invalidated); a user of an entry takes a {@link Lease}, a handle of its
 * own, so that the memory returns to the pool once neither needs it, without waiting for the
 * collector.
 */
public final class ChunkCache {
    /** What a missing chunk or an invalidation counts for against the byte limit: they are few bytes, but not none. */
    private static final long MARKER_BYTES = 64;

    /**
     * A chunk ({@code chunk} non-null), a missing one (null chunk, {@link Generation#NO_VALUE}), or
     * nothing known from {@code stampNanos} on (null chunk, {@link Generation#UNKNOWN}).
     */
    private record Entry(NDArray chunk, Generation generation, long bytes, long stampNanos, BufferPool.Buffer handle) {
        void release() {
            if (handle != null) handle.release();
        }

        boolean known() { return chunk != null || generation.isNoValue(); }
    }

    /**
     * A cached chunk for one user (a null {@code chunk}: the chunk is missing), its generation,
     * when it was known current ({@link System#nanoTime}), and a handle on its memory that
     * {@link #release} gives up.
     */
    public record Lease(NDArray chunk, Generation generation, long stampNanos, BufferPool.Buffer handle) {
        /** Gives up this lease; the chunk must not be used afterwards. */
        public void release() {
            if (handle != null) handle.release();
        }
    }

    private final long limitBytes;
    private long usedBytes;
    /** The latest moment of any entry evicted or invalidated wholesale: content for a key with no entry must be later. */
    private long floorNanos = System.nanoTime();
    private final LinkedHashMap<Object, Entry> lru = new LinkedHashMap<>(16, 0.75f, true);

    public ChunkCache(long limitBytes) { this.limitBytes = limitBytes; }

    /** What is cached under {@code key}, with a handle of the caller's; null when nothing is known. */
    Lease lease(Object key) {
        synchronized (this) {
            Entry e = lru.get(key);
            if (e == null || !e.known()) return null;
            // The cache's own handle is unreleased while the entry is in the map, so share succeeds.
            return new Lease(e.chunk, e.generation, e.stampNanos, e.handle == null ? null : e.handle.share());
        }
    }

    /**
     * Caches {@code chunk}, equal to the stored value of {@code generation} as of
     * {@code stampNanos}, unless an entry from a later moment is there. {@code handle} (may be
     * null: memory the collector frees) passes to the cache, which releases it when the entry goes
     * or is not taken. An unknown generation records only that nothing is known.
     */
    void put(Object key, NDArray chunk, Generation generation, long bytes, long stampNanos, BufferPool.Buffer handle) {
        if (generation.isUnknown() || bytes > limitBytes) {
            if (handle != null) handle.release();
            invalidate(key, stampNanos);
            return;
        }
        store(key, new Entry(chunk, generation, bytes, stampNanos, handle));
    }

    /** Records that the chunk of {@code key} was missing at {@code stampNanos}. */
    void putMissing(Object key, long stampNanos) {
        store(key, new Entry(null, Generation.NO_VALUE, MARKER_BYTES, stampNanos, null));
    }

    /** Records that nothing is known of {@code key} from {@code stampNanos} on (a write went around the cache, or failed). */
    void invalidate(Object key, long stampNanos) {
        store(key, new Entry(null, Generation.UNKNOWN, MARKER_BYTES, stampNanos, null));
    }

    /**
     * {@link #invalidate} for every key cached that {@code which} accepts; and no content from
     * before {@code stampNanos} is cached for keys not cached now either (reads under way of
     * chunks deleted wholesale).
     */
    void invalidateIf(Predicate<Object> which, long stampNanos) {
        List<Object> keys;
        synchronized (this) {
            keys = new ArrayList<>();
            for (Object k : lru.keySet()) if (which.test(k)) keys.add(k);
            raiseFloor(stampNanos);
        }
        for (Object k : keys) invalidate(k, stampNanos);
    }

    /** Holds the lock. */
    private void raiseFloor(long stampNanos) {
        if (stampNanos - floorNanos > 0) floorNanos = stampNanos;
    }

    private void store(Object key, Entry fresh) {
        List<Entry> dropped = new ArrayList<>(1);
        synchronized (this) {
            Entry old = lru.get(key);
            if (old != null ? old.stampNanos - fresh.stampNanos > 0 : floorNanos - fresh.stampNanos >= 0) {
                // A later read or write is cached already (the two raced), or was and has been
                // evicted: keep out what may be older.
                dropped.add(fresh);
            } else {
                lru.put(key, fresh);
                usedBytes += fresh.bytes;
                if (old != null) {
                    usedBytes -= old.bytes;
                    dropped.add(old);
                }
                var it = lru.entrySet().iterator();
                while (usedBytes > limitBytes && it.hasNext()) {
                    Map.Entry<Object, Entry> eldest = it.next();
                    usedBytes -= eldest.getValue().bytes;
                    raiseFloor(eldest.getValue().stampNanos);
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
        if (e != null && e.known() && e.generation.equals(generation) && stampNanos - e.stampNanos > 0) {
            lru.put(key, new Entry(e.chunk, e.generation, e.bytes, stampNanos, e.handle));
        }
    }

    /** Bytes of chunk data held now (and a few for each missing chunk or invalidation recorded). */
    public synchronized long usedBytes() { return usedBytes; }

    /** Entries held now. */
    public synchronized int size() { return lru.size(); }

    public long limitBytes() { return limitBytes; }
}
