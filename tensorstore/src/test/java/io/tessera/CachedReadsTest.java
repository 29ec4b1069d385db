package io.tessera;

import io.tessera.memory.BufferPool;
import io.tessera.memory.NDArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static io.tessera.OpenAndErrorsTest.assertFails;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reads through the context's cache pool, as {@code recheck_cached_data} asks. The expected values
 * are what TensorStore 0.1.85 read in the same scenario (the project's venv, 2026-11-24: a file
 * array, a handle with a cache pool reads it, another handle without one rewrites it, the first
 * reads again, then a handle opened with {@code "open"} in the first one's context reads):
 * {@code true} sees the rewrite, {@code false} and {@code "open"} still read the cached chunk, and
 * the later {@code "open"} handle sees the rewrite.
 */
class CachedReadsTest {
    @TempDir Path dir;

    private String spec(String recheck) {
        return "{\"driver\":\"zarr\",\"kvstore\":{\"driver\":\"file\",\"path\":\"" + dir + "/\"},"
                + "\"metadata\":{\"shape\":[4],\"chunks\":[4],\"dtype\":\"<i4\",\"compressor\":null}"
                + (recheck == null ? "" : ",\"recheck_cached_data\":" + recheck) + "}";
    }

    private static long[] values(NDArray a) {
        long[] v = new long[(int) a.shape()[0]];
        for (int i = 0; i < v.length; i++) v[i] = a.getLong(i);
        return v;
    }

    private void scenario(String recheck, long[] secondRead) {
        TensorStore writer = TensorStore.open(spec(null), OpenOptions.create().deleteExisting()).join();
        writer.write(new int[] {0, 1, 2, 3}).join();
        try (Context ctx = Context.fromJson("{\"cache_pool\":{\"total_bytes_limit\":1000000}}")) {
            TensorStore cached = TensorStore.open(spec(recheck), new OpenOptions().context(ctx)).join();
            assertEquals("[0, 1, 2, 3]", java.util.Arrays.toString(values(cached.read().join())));
            TensorStore other = TensorStore.open(spec(null), new OpenOptions()).join(); // no shared cache
            other.write(new int[] {100, 101, 102, 103}).join();
            assertEquals(java.util.Arrays.toString(secondRead), java.util.Arrays.toString(values(cached.read().join())), "recheck " + recheck);
            TensorStore later = TensorStore.open(spec("\"open\""), new OpenOptions().context(ctx)).join();
            assertEquals("[100, 101, 102, 103]", java.util.Arrays.toString(values(later.read().join())), "opened after the rewrite");
        }
    }

    @Test
    void byDefaultACachedChunkIsRevalidatedAndAnotherWritersChangeIsSeen() {
        scenario(null, new long[] {100, 101, 102, 103});
        scenario("true", new long[] {100, 101, 102, 103});
    }

    @Test
    void withFalseOrOpenTheChunkCachedSinceTheOpenIsReadAsItIs() {
        scenario("false", new long[] {0, 1, 2, 3});
        scenario("\"open\"", new long[] {0, 1, 2, 3});
    }

    @Test
    void aTimeBoundRevalidatesWhatWasCachedBeforeIt() {
        double future = System.currentTimeMillis() / 1000.0 + 3600; // everything cached is older
        scenario(Double.toString(future), new long[] {100, 101, 102, 103});
        double past = System.currentTimeMillis() / 1000.0 - 3600;
        scenario(Double.toString(past), new long[] {0, 1, 2, 3});
    }

    /** Revalidation asks the store for the generation only; an unchanged chunk is not read again. */
    @Test
    void anUnchangedChunkIsRevalidatedWithoutReadingItsValue() {
        Context ctx = Context.fromJson("{\"cache_pool\":{\"total_bytes_limit\":1000000}}");
        SlowCountingStore store = new SlowCountingStore(0).bindTo(ctx);
        TensorStore ds = TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"metadata\":{\"shape\":[8],\"chunks\":[4],\"dtype\":\"<i4\",\"compressor\":null}}",
                OpenOptions.create().context(ctx)).join();
        ds.write(new int[] {1, 2, 3, 4, 5, 6, 7, 8}).join(); // cached by the writes
        int readsBefore = store.reads.get();
        for (int i = 0; i < 3; i++) assertEquals(6, ds.get("5").read().join().getLong());
        assertEquals(readsBefore, store.reads.get(), "no value read");
        assertEquals(3, store.unchangedReads.get());
        assertEquals(2, ctx.cachePool().size());
    }

    @Test
    void theSpecKeepsANonDefaultRecheckAndABadOneIsRefusedAsTensorStoreDoes() {
        TensorStore.open(spec(null), OpenOptions.create().deleteExisting()).join();
        assertFalse(TensorStore.open(spec("true"), new OpenOptions()).join().spec().json().has("recheck_cached_data"));
        assertEquals("false", TensorStore.open(spec("false"), new OpenOptions()).join().spec().json().get("recheck_cached_data").toString());
        assertEquals("\"open\"", TensorStore.open(spec("\"open\""), new OpenOptions()).join().get("1:3").spec().json().get("recheck_cached_data").toString());
        // Messages as tensorstore 0.1.85 gives them (without its source locations).
        assertFails(TensorStoreException.Code.INVALID_ARGUMENT,
                "Error parsing object member \"recheck_cached_data\": Expected boolean, number, or \"open\", but received: \"x\"",
                () -> TensorStore.open(spec("\"x\""), new OpenOptions()));
        assertFails(TensorStoreException.Code.INVALID_ARGUMENT,
                "Error parsing object member \"recheck_cached_data\": Expected boolean, number, or \"open\", but received: [1]",
                () -> TensorStore.open(spec("[1]"), new OpenOptions()));
    }

    /**
     * The cache holds its chunks through handles on pooled memory and lets go of them as entries
     * leave: reading many more chunks than the pool holds leaves the pool's outstanding bytes
     * where they were, give or take what the cache holds now, without any collection.
     */
    @Test
    void evictedChunksGoBackToThePoolAtOnce() {
        long chunkBytes = 256 * 1024; // pooled (at least BufferPool.MIN_POOLED)
        Context ctx = Context.fromJson("{\"cache_pool\":{\"total_bytes_limit\":" + 4 * chunkBytes + "}}");
        TensorStore ds = TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":{\"driver\":\"file\",\"path\":\"" + dir + "/many/\"},"
                        + "\"metadata\":{\"shape\":[" + 64 * 65536 + "],\"chunks\":[65536],\"dtype\":\"<i4\",\"compressor\":{\"id\":\"zstd\",\"level\":1}}}",
                OpenOptions.create().context(ctx)).join();
        int[] values = new int[64 * 65536];
        for (int i = 0; i < values.length; i++) values[i] = i * 7;
        ds.write(values).join();
        BufferPool pool = BufferPool.shared();
        for (int round = 0; round < 5; round++) {
            NDArray all = ds.read().join();
            for (int i = 0; i < values.length; i += 4099) assertEquals(values[i], all.getLong(i));
            all.release();
        }
        assertTrue(ctx.cachePool().usedBytes() <= 4 * chunkBytes);
        long heldByCache = ctx.cachePool().usedBytes();
        long before = pool.outstandingBytes();
        for (int round = 0; round < 5; round++) ds.read().join().release();
        // Chunks read and evicted meanwhile all came back; other tests may hold a little.
        assertTrue(pool.outstandingBytes() - before <= 8 * chunkBytes,
                "outstanding grew by " + (pool.outstandingBytes() - before) + " bytes over " + heldByCache + " cached");
        ctx.close();
    }

    /**
     * Many threads read and write through a cache pool too small for the array (entries come and
     * go all the time). Each writer owns every fourth element and writes them all, again and again,
     * with increasing values; a read must show each element at least at the value its writer had
     * committed before the read began (a stale cached chunk would not), and at most at the value
     * its writer had issued by the time the read ended.
     */
    @Test
    void concurrentReadsAndWritesThroughASmallCacheSeeNoStaleOrForeignData() throws Exception {
        int writers = 4, readers = 4, n = 64 * 1024;
        Context ctx = Context.fromJson("{\"cache_pool\":{\"total_bytes_limit\":" + 3 * 16 * 1024 * 4 + "}}");
        TensorStore ds = TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":{\"driver\":\"file\",\"path\":\"" + dir + "/mixed/\"},"
                        + "\"metadata\":{\"shape\":[" + n + "],\"chunks\":[16384],\"dtype\":\"<i4\",\"compressor\":{\"id\":\"zstd\",\"level\":1}}}",
                OpenOptions.create().context(ctx)).join();
        java.util.concurrent.atomic.AtomicLongArray committed = new java.util.concurrent.atomic.AtomicLongArray(writers);
        java.util.concurrent.atomic.AtomicLongArray issued = new java.util.concurrent.atomic.AtomicLongArray(writers);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.ConcurrentLinkedQueue<String> errors = new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.List<Thread> threads = new java.util.ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int id = w;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int v = 1; v <= 30; v++) {
                    issued.set(id, v);
                    // The writer's elements are interleaved over every chunk: element i belongs to i % writers.
                    ds.get(id + "::" + writers).write(v).join();
                    committed.set(id, v);
                }
            }));
        }
        for (int r = 0; r < readers; r++) {
            threads.add(Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    long[] lo = new long[writers], hi = new long[writers];
                    for (int w = 0; w < writers; w++) lo[w] = committed.get(w);
                    NDArray a = ds.read().join();
                    for (int w = 0; w < writers; w++) hi[w] = issued.get(w);
                    for (int i = 0; i < n; i++) {
                        long v = a.getLong(i);
                        int w = i % writers;
                        if (v < lo[w] || v > hi[w]) errors.add("element " + i + " read " + v + ", its writer had committed " + lo[w] + " and issued " + hi[w]);
                    }
                    a.release();
                }
            }));
        }
        for (int w = 0; w < writers; w++) threads.get(w).join();
        stop.set(true);
        for (Thread t : threads) t.join();
        assertTrue(errors.isEmpty(), errors.size() + " errors, first: " + errors.peek());
        // Quiescent now: what every handle reads is what the store holds, cached or not.
        NDArray viaCache = ds.read().join();
        NDArray fresh = TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":{\"driver\":\"file\",\"path\":\"" + dir + "/mixed/\"}}", new OpenOptions()).join().read().join();
        for (int i = 0; i < n; i++) assertEquals(fresh.getLong(i), viaCache.getLong(i), "element " + i);
        ctx.close();
    }

    private static String memorySpec(String recheck) {
        return "{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"recheck_cached_data\":" + recheck
                + ",\"metadata\":{\"shape\":[8],\"chunks\":[4],\"dtype\":\"<i4\",\"compressor\":null,\"fill_value\":0}}";
    }

    /**
     * Even with {@code false}, a handle sees what was written through it or its context: a
     * transaction's commit (chunk by chunk or atomic) writes around the cache pool, and then the
     * chunks it wrote are forgotten; a write of fill values deletes the chunk, which the cache
     * records. TensorStore 0.1.85 reads the same in these cases ([7, 0, 0, 0, 5, 5, 5, 5],
     * then [7, 0, 0, 0, 9, 9, 9, 9], then [0, 0, 0, 0, 9, 9, 9, 9]).
     */
    @Test
    void withFalseWritesAroundTheCacheAreStillSeen() {
        for (boolean atomic : new boolean[] {false, true}) {
            Context ctx = Context.fromJson("{\"cache_pool\":{\"total_bytes_limit\":1000000}}");
            TensorStore ds = TensorStore.open(memorySpec("false"), OpenOptions.create().context(ctx)).join();
            ds.write(new int[] {1, 2, 3, 4, 5, 6, 7, 8}).join();
            assertEquals("[1, 2, 3, 4, 5, 6, 7, 8]", java.util.Arrays.toString(values(ds.read().join())));
            Transaction txn = new Transaction(atomic);
            ds.withTransaction(txn).get("0").write(7).join();
            ds.withTransaction(txn).get("1:4").write(new int[] {0, 0, 0}).join();
            ds.withTransaction(txn).get("4:8").write(new int[] {5, 5, 5, 5}).join();
            txn.commitSync();
            assertEquals("[7, 0, 0, 0, 5, 5, 5, 5]", java.util.Arrays.toString(values(ds.read().join())), "atomic " + atomic);
            ds.get("4:8").write(new int[] {9, 9, 9, 9}).join();
            assertEquals("[7, 0, 0, 0, 9, 9, 9, 9]", java.util.Arrays.toString(values(ds.read().join())));
            ds.get("0:4").write(new int[] {0, 0, 0, 0}).join(); // all fill: the chunk is deleted
            assertEquals("[0, 0, 0, 0, 9, 9, 9, 9]", java.util.Arrays.toString(values(ds.read().join())));
            ctx.close();
        }
    }

    /** A missing chunk is cached too: with {@code false} it is not asked for again. */
    @Test
    void aMissingChunkIsCachedAsMissing() {
        Context ctx = Context.fromJson("{\"cache_pool\":{\"total_bytes_limit\":1000000}}");
        SlowCountingStore store = new SlowCountingStore(0).bindTo(ctx);
        TensorStore ds = TensorStore.open(memorySpec("false"), OpenOptions.create().context(ctx)).join();
        assertEquals("[0, 0, 0, 0, 0, 0, 0, 0]", java.util.Arrays.toString(values(ds.read().join())));
        int reads = store.reads.get();
        assertEquals("[0, 0, 0, 0, 0, 0, 0, 0]", java.util.Arrays.toString(values(ds.read().join())));
        assertEquals(reads, store.reads.get(), "the chunks known missing were read again");
    }

    /**
     * {@code delete_existing} in the same context gives the same shared array, whose cached
     * chunks were all just deleted: the handle opened before reads the fill value, even with
     * {@code false}.
     */
    @Test
    void deleteExistingForgetsTheCachedChunks() {
        try (Context ctx = Context.fromJson("{\"cache_pool\":{\"total_bytes_limit\":1000000}}")) {
            TensorStore before = TensorStore.open(spec("false"), OpenOptions.create().deleteExisting().context(ctx)).join();
            before.write(new int[] {1, 2, 3, 4}).join();
            assertEquals("[1, 2, 3, 4]", java.util.Arrays.toString(values(before.read().join())));
            TensorStore.open(spec("false"), OpenOptions.create().deleteExisting().context(ctx)).join();
            assertEquals("[0, 0, 0, 0]", java.util.Arrays.toString(values(before.read().join())));
        }
    }

    /**
     * Two handles on one array in one context, with {@code recheck_cached_data} false, the second
     * opened with a resource of its own, read each other's writes from the cache pool; a handle
     * with a cache pool of its own does not. TensorStore 0.1.85, the same scenario (the venv,
     * 2026-11-25: A writes 1 everywhere, B reads, A writes 2 into chunk 0, B reads it, B writes 3
     * there, A reads it): B reads 2 and A reads 3 with the inline {@code data_copy_concurrency};
     * with an inline {@code cache_pool}, B reads 1 and A reads 2.
     */
    @Test
    void handlesOfOneArrayInOneContextShareCachedChunks() {
        assertEquals("[2, 3]", twoHandles("\"data_copy_concurrency\":{\"limit\":1}"));
        assertEquals("[1, 2]", twoHandles("\"cache_pool\":{\"total_bytes_limit\":100000000}"));
    }

    /**
     * Writers that go through two handles of one array in turn (one opened with a resource of
     * its own), sharing cached chunks under {@code false}, through a cache smaller than the
     * array: each writer owns every fourth element of every chunk, so every write merges over
     * chunks the others write too. No update is lost, and afterwards both handles read what a
     * handle without a cache reads.
     */
    @Test
    void writesThroughTwoHandlesSharingCachedChunksLoseNoUpdate() throws Exception {
        int writers = 4, n = 64 * 1024, last = 20;
        String spec = "{\"driver\":\"zarr\",\"kvstore\":{\"driver\":\"file\",\"path\":\"" + dir + "/shared/\"},\"recheck_cached_data\":false,"
                + "\"metadata\":{\"shape\":[" + n + "],\"chunks\":[16384],\"dtype\":\"<i4\",\"compressor\":{\"id\":\"zstd\",\"level\":1}}";
        try (Context ctx = Context.fromJson("{\"cache_pool\":{\"total_bytes_limit\":" + 3 * 16 * 1024 * 4 + "}}")) {
            TensorStore a = TensorStore.open(spec + "}", OpenOptions.create().deleteExisting().context(ctx)).join();
            TensorStore b = TensorStore.open(spec + ",\"context\":{\"data_copy_concurrency\":{\"limit\":1}}}", new OpenOptions().context(ctx)).join();
            java.util.List<Thread> threads = new java.util.ArrayList<>();
            java.util.concurrent.ConcurrentLinkedQueue<Throwable> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
            for (int w = 0; w < writers; w++) {
                int id = w;
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int v = 1; v <= last; v++) ((v + id) % 2 == 0 ? a : b).get(id + "::" + writers).write(v).join();
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            for (Thread t : threads) t.join();
            assertTrue(failures.isEmpty(), String.valueOf(failures.peek()));
            NDArray fresh = TensorStore.open(spec + "}", new OpenOptions()).join().read().join();
            NDArray viaA = a.read().join(), viaB = b.read().join();
            for (int i = 0; i < n; i++) {
                assertEquals(last, fresh.getLong(i), "element " + i + " lost an update");
                assertEquals(last, viaA.getLong(i), "element " + i + " through A");
                assertEquals(last, viaB.getLong(i), "element " + i + " through B");
            }
        }
    }

    /** B's read of chunk 0 after A's write, then A's after B's, as {@code [b, a]}. */
    private String twoHandles(String bResource) {
        String spec = "{\"driver\":\"zarr\",\"kvstore\":{\"driver\":\"file\",\"path\":\"" + dir + "/two/\"},"
                + "\"metadata\":{\"shape\":[8],\"chunks\":[4],\"dtype\":\"<i4\",\"compressor\":null},\"recheck_cached_data\":false";
        try (Context ctx = Context.fromJson("{\"cache_pool\":{\"total_bytes_limit\":100000000}}")) {
            TensorStore a = TensorStore.open(spec + "}", OpenOptions.create().deleteExisting().context(ctx)).join();
            a.write(new int[] {1, 1, 1, 1, 1, 1, 1, 1}).join();
            TensorStore b = TensorStore.open(spec + ",\"context\":{" + bResource + "}}", new OpenOptions().context(ctx)).join();
            assertEquals(1, b.get("0").read().join().getLong());
            a.get("0:1").write(new int[] {2}).join();
            long bRead = b.get("0").read().join().getLong();
            b.get("0:1").write(new int[] {3}).join();
            long aRead = a.get("0").read().join().getLong();
            return "[" + bRead + ", " + aRead + "]";
        }
    }
}
