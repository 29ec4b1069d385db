package io.tessera.zarr;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tessera.index.IndexTransform;
import io.tessera.kvstore.ForwardingKvStore;
import io.tessera.kvstore.Generation;
import io.tessera.kvstore.ReadResult;
import io.tessera.kvstore.WriteResult;
import io.tessera.kvstore.memory.MemoryKvStore;
import io.tessera.memory.BufferPool;
import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cache pool's chunks are leased by reads and writes; whatever goes wrong around the store,
 * each lease and buffer goes back to the pool at once: a store that throws instead of failing
 * its future, or a copy executor that refuses the step after a read. The pool's outstanding
 * bytes show it (a leaked lease holds one 256 KiB chunk until the collector finds it).
 */
class ZarrArrayStoreFailureTest {
    private static final int CHUNKS = 4, CHUNK = 65536; // int32: 256 KiB a chunk, pooled
    private static final long CHUNK_BYTES = 4L * CHUNK;
    private static final IndexTransform ALL = IndexTransform.identity(new long[] {CHUNKS * CHUNK});
    private static final Executor REFUSING = task -> { throw new RejectedExecutionException("refused (test)"); };

    /** A memory store that throws from {@code readIfChanged}, {@code read} or {@code apply} while told to. */
    private static final class ThrowingStore extends ForwardingKvStore {
        volatile boolean throwOnRead, throwOnWrite;

        ThrowingStore() { super(new MemoryKvStore()); }

        @Override
        public CompletableFuture<ReadResult> read(String key) {
            if (throwOnRead) throw new IllegalStateException("read broken (test)");
            return super.read(key);
        }

        @Override
        public CompletableFuture<ReadResult> readIfChanged(String key, Generation ifNotEqual) {
            if (throwOnRead) throw new IllegalStateException("read broken (test)");
            return super.readIfChanged(key, ifNotEqual);
        }

        /** The memory store's own {@code apply}, which takes the mutation's owner. */
        @Override
        public CompletableFuture<WriteResult> apply(Mutation m) {
            if (throwOnWrite) throw new IllegalStateException("write broken (test)");
            return inner.apply(m);
        }
    }

    private static ZarrArray array(ThrowingStore store, Executor executor) throws Exception {
        ZarrMetadata m = ZarrMetadata.parse(new ObjectMapper().readTree("{\"zarr_format\":2,\"shape\":[" + CHUNKS * CHUNK
                + "],\"chunks\":[" + CHUNK + "],\"dtype\":\"<i4\",\"compressor\":{\"id\":\"zstd\",\"level\":1},\"fill_value\":0,\"order\":\"C\",\"filters\":null}"));
        return new ZarrArray(store, "", m, executor, new ChunkCache(64 * CHUNK_BYTES));
    }

    private static NDArray values(int base) {
        NDArray a = NDArray.allocate(DataType.INT32, CHUNKS * CHUNK);
        for (int i = 0; i < CHUNKS * CHUNK; i++) a.setLong(base + 3L * i, i);
        return a;
    }

    private static void assertValues(int base, NDArray back) {
        for (int i = 0; i < CHUNKS * CHUNK; i += 511) assertEquals(base + 3L * i, back.getLong(i), "element " + i);
        back.release();
    }

    private static void assertNoGrowth(long before, String what) {
        long grown = BufferPool.shared().outstandingBytes() - before;
        assertTrue(grown < CHUNK_BYTES, what + ": the pool's outstanding bytes grew by " + grown);
    }

    /** Reads whose copy step the executor refuses copy on the thread that completed the store's read. */
    @Test
    void readsCopyWhereTheExecutorRefuses() throws Exception {
        ThrowingStore store = new ThrowingStore();
        ZarrArray a = array(store, REFUSING);
        a.write(ALL, values(5)).commit().get(30, TimeUnit.SECONDS);
        assertValues(5, a.read(ALL).get(30, TimeUnit.SECONDS)); // decoded and cached
        long before = BufferPool.shared().outstandingBytes();
        for (int round = 0; round < 10; round++) assertValues(5, a.read(ALL).get(30, TimeUnit.SECONDS)); // leased, revalidated
        assertNoGrowth(before, "10 reads of cached chunks");
    }

    /** A store that throws from a read fails the read's future, and the leases taken for it go back. */
    @Test
    void aReadFromAStoreThatThrowsFailsAndKeepsNoLease() throws Exception {
        ThrowingStore store = new ThrowingStore();
        ZarrArray a = array(store, Runnable::run);
        a.write(ALL, values(7)).commit().get(30, TimeUnit.SECONDS);
        assertValues(7, a.read(ALL).get(30, TimeUnit.SECONDS));
        long before = BufferPool.shared().outstandingBytes();
        store.throwOnRead = true;
        for (int round = 0; round < 10; round++) {
            CompletableFuture<NDArray> read = a.read(ALL);
            ExecutionException e = assertThrows(ExecutionException.class, () -> read.get(30, TimeUnit.SECONDS));
            assertTrue(String.valueOf(e.getCause()).contains("read broken (test)"), String.valueOf(e.getCause()));
        }
        assertNoGrowth(before, "10 failed reads of cached chunks");
        store.throwOnRead = false;
        assertValues(7, a.read(ALL).get(30, TimeUnit.SECONDS));
    }

    /**
     * A store that throws from a write fails the write's commit; the chunk's encoding and the
     * cache's handle on it go back, and later writes of the chunk proceed.
     */
    @Test
    void aWriteToAStoreThatThrowsFailsItsCommitAndKeepsNoBuffer() throws Exception {
        ThrowingStore store = new ThrowingStore();
        ZarrArray a = array(store, Runnable::run);
        a.write(ALL, values(1)).commit().get(30, TimeUnit.SECONDS);
        NDArray source = values(2);
        long before = BufferPool.shared().outstandingBytes();
        store.throwOnWrite = true;
        for (int round = 0; round < 10; round++) {
            CompletableFuture<Void> commit = a.write(ALL, source).commit();
            ExecutionException e = assertThrows(ExecutionException.class, () -> commit.get(30, TimeUnit.SECONDS));
            assertTrue(String.valueOf(e.getCause()).contains("write broken (test)"), String.valueOf(e.getCause()));
        }
        assertNoGrowth(before, "10 failed writes");
        store.throwOnWrite = false;
        a.write(ALL, values(3)).commit().get(30, TimeUnit.SECONDS);
        assertValues(3, a.read(ALL).get(30, TimeUnit.SECONDS));
    }
}
