package io.tessera.zarr;

import io.tessera.kvstore.Generation;
import io.tessera.memory.BufferPool;
import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The cache pool's entries: which content wins when reads and writes race, and who holds the memory. */
class ChunkCacheTest {
    private static final Generation G1 = new Generation("g1"), G2 = new Generation("g2");

    private static NDArray chunk() { return NDArray.allocate(DataType.INT32, 4); }

    /** Stamps in these tests are offsets from this moment, taken once the cache exists (its floor is its creation). */
    private final ChunkCache c = new ChunkCache(1 << 20);
    private final long t = System.nanoTime();

    /** Caches a chunk of 16 bytes under {@code k} as of {@code t + at}. */
    private void put(Generation g, long at) { c.put("k", chunk(), g, 16, t + at, null); }

    @Test
    void onlyContentFromALaterMomentReplacesAnEntry() {
        NDArray newer = chunk(), older = chunk();
        c.put("k", newer, G2, 16, t + 200, null);
        c.put("k", older, G1, 16, t + 100, null); // a read that began before the write that cached G2
        assertSame(newer, c.lease("k").chunk());
        assertEquals(G2, c.lease("k").generation());
    }

    /** A delete (or a read that found the chunk missing) is recorded, so an older read cannot put the chunk back. */
    @Test
    void aMissingChunkIsRecordedAndOutlivesOlderReads() {
        put(G1, 100);
        c.putMissing("k", t + 200);
        put(G1, 150); // began before the delete, ended after
        ChunkCache.Lease l = c.lease("k");
        assertNull(l.chunk());
        assertEquals(Generation.NO_VALUE, l.generation());
    }

    /** A write around the cache, a failed one, or a result of unknown generation leave nothing known, and nothing older may return. */
    @Test
    void anInvalidationHidesTheEntryAndKeepsOlderContentOut() {
        put(G1, 100);
        c.invalidate("k", t + 200);
        assertNull(c.lease("k"));
        put(G1, 150);
        assertNull(c.lease("k"), "older than the invalidation");
        put(G2, 300);
        assertEquals(G2, c.lease("k").generation(), "newer: taken");
        put(Generation.UNKNOWN, 400);
        assertNull(c.lease("k"), "an unknown generation is no content");
    }

    /**
     * The cache's handle goes when its entry does; a lease keeps the memory until it is
     * released. (The pool hands the buffer returned last out first: memory given back too early
     * would come straight back from it.)
     */
    @Test
    void handlesGoWithTheirEntriesAndLeasesOutliveThem() {
        BufferPool pool = BufferPool.shared();
        long bytes = 256 * 1024;
        ChunkCache c = new ChunkCache(2 * bytes);
        long t = System.nanoTime(); // (this test's own cache and clock)
        BufferPool.Buffer b = pool.take(bytes);
        NDArray view = NDArray.wrap(b.segment(), DataType.INT32, bytes / 4);
        view.setLong(42, 7);
        c.put("a", view, G1, bytes, t + 1, b.share());
        ChunkCache.Lease lease = c.lease("a");
        b.release(); // the writer's own handle
        c.invalidate("a", t + 2); // the cache's
        BufferPool.Buffer other = pool.take(bytes);
        org.junit.jupiter.api.Assertions.assertNotEquals(b.segment().address(), other.segment().address(), "memory a lease holds was handed out");
        assertEquals(42, lease.chunk().getLong(7));
        lease.release();
        BufferPool.Buffer again = pool.take(bytes);
        assertEquals(b.segment().address(), again.segment().address(), "the last handle gone, the memory is back in the pool");
        other.release();
        again.release();
    }

    /**
     * An entry evicted takes its moment with it: content older than any entry evicted is kept
     * out of keys with no entry, so a read that began before a write whose entry is gone cannot
     * bring back what that write replaced.
     */
    @Test
    void contentOlderThanAnEvictedEntryIsNotCached() {
        ChunkCache c = new ChunkCache(32);
        long t = System.nanoTime(); // (a cache of two entries)
        c.put("k", chunk(), G2, 16, t + 200, null); // a write's
        c.put("x", chunk(), G1, 16, t + 300, null);
        c.put("y", chunk(), G1, 16, t + 400, null); // evicts k
        assertNull(c.lease("k"));
        c.put("k", chunk(), G1, 16, t + 100, null); // a read that began before the write
        assertNull(c.lease("k"), "older than what was evicted");
        c.put("k", chunk(), G2, 16, t + 500, null);
        assertEquals(G2, c.lease("k").generation());
    }
}
