package io.tessera;

import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Writeback caching through the context's cache pool: coalescing, durability order, bounded memory. */
class WritebackCacheTest {
    static TensorStore open(Context ctx) {
        return TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"metadata\":{\"chunks\":[100],\"compressor\":null}}",
                OpenOptions.create().dtype(DataType.INT32).shape(100).context(ctx)).join();
    }

    @Test
    void concurrentPartialWritesToOneChunkCoalesceAndCommitOnlyOnceDurable() {
        Context ctx = Context.fromJson("{\"cache_pool\": {\"total_bytes_limit\": 10000000}}");
        SlowCountingStore store = new SlowCountingStore(30).bindTo(ctx);
        TensorStore ds = open(ctx);
        ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        List<CompletableFuture<Void>> commits = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            int element = i;
            commits.add(ds.get(Integer.toString(i)).write(i + 1).commit().thenRun(() -> {
                // Committed means durable: the stored chunk already holds this write's value.
                var stored = store.inner().read("0").join();
                int v = stored.exists() ? stored.value().getAtIndex(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, element) : 0;
                if (v != element + 1) violations.add("write " + element + " committed before it was durable (stored " + v + ")");
            }));
        }
        CompletableFuture.allOf(commits.toArray(CompletableFuture[]::new)).join();
        assertTrue(violations.isEmpty(), violations.toString());
        NDArray all = ds.read().join();
        for (int i = 0; i < 100; i++) assertEquals(i + 1, all.getLong(i));
        assertTrue(store.writes.get() <= 10, "100 partial writes to one chunk took " + store.writes.get() + " store writes");
        // Read-modify-writes after the first start from the cached chunk: no store read per writeback.
        assertTrue(store.reads.get() <= 3, "store reads: " + store.reads.get());
    }

    @Test
    void withoutCachePoolEveryWritebackRereads() {
        Context ctx = new Context();
        SlowCountingStore store = new SlowCountingStore(5).bindTo(ctx);
        TensorStore ds = open(ctx);
        for (int i = 0; i < 5; i++) ds.get(Integer.toString(i)).write(i + 1).join();
        assertEquals(5, store.reads.get()); // one per writeback (create does not read .zarray)
        assertEquals(5, store.writes.get());
    }

    @Test
    void staleCacheEntryIsDetectedByItsGeneration() {
        Context ctx = Context.fromJson("{\"cache_pool\": {\"total_bytes_limit\": 10000000}}");
        SlowCountingStore store = new SlowCountingStore(1).bindTo(ctx);
        TensorStore ds = open(ctx);
        ds.get("0").write(1).join();
        // Another writer (a second context over the same store, sharing no cache) changes the chunk.
        Context other = new Context();
        other.resource("memory_key_value_store", k -> store);
        TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":\"memory://\"}", new OpenOptions().context(other)).join().get("1").write(2).join();
        ds.get("2").write(3).join();
        NDArray all = ds.read().join();
        assertEquals(1, all.getLong(0));
        assertEquals(2, all.getLong(1));
        assertEquals(3, all.getLong(2));
    }

    @Test
    void cachePoolStaysWithinItsByteLimit() {
        Context ctx = Context.fromJson("{\"cache_pool\": {\"total_bytes_limit\": 2000}}");
        TensorStore ds = TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"metadata\":{\"chunks\":[100],\"compressor\":null}}",
                OpenOptions.create().dtype(DataType.INT32).shape(10_000).context(ctx)).join();
        for (int c = 0; c < 100; c++) ds.get(Integer.toString(c * 100 + 1)).write(c).join();
        assertTrue(ctx.cachePool().usedBytes() <= 2000, "cache holds " + ctx.cachePool().usedBytes());
        assertTrue(ctx.cachePool().usedBytes() > 0);
    }
}
