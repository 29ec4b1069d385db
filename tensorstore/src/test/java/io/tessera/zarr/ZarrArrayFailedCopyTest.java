package io.tessera.zarr;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tessera.index.IndexExpression;
import io.tessera.index.IndexTransform;
import io.tessera.kvstore.Generation;
import io.tessera.kvstore.ForwardingKvStore;
import io.tessera.kvstore.KvStore;
import io.tessera.kvstore.WriteResult;
import io.tessera.kvstore.memory.MemoryKvStore;
import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A write whose copy fails part of the way: its futures fail, and the chunk goes on serving later writes. */
class ZarrArrayFailedCopyTest {
    private static final int N = 8192; // above what is copied on the caller's thread: the copy runs on the executor

    private static ZarrArray array(KvStore store, Executor executor, int chunks) throws Exception {
        ZarrMetadata m = ZarrMetadata.parse(new ObjectMapper().readTree("{\"zarr_format\":2,\"shape\":[" + chunks * N + "],\"chunks\":[" + N
                + "],\"dtype\":\"<u2\",\"compressor\":null,\"fill_value\":0,\"order\":\"C\",\"filters\":null}"));
        return new ZarrArray(store, "", m, executor, null);
    }

    /** An array whose memory is already gone: copying from it fails. */
    private static NDArray freed(long size) {
        Arena arena = Arena.ofShared();
        NDArray a = NDArray.allocate(arena, DataType.UINT16, NDArray.Order.C, size);
        arena.close();
        return a;
    }

    private static final NDArray SEVEN = NDArray.of(new int[] {7}, DataType.UINT16);

    private static IndexTransform element(IndexTransform all, long i) {
        return all.apply(IndexExpression.parse("[" + i + ":" + (i + 1) + "]"));
    }

    /**
     * The failed write's commit callbacks run once the chunk has moved on: a callback that writes
     * to the same chunk and waits for that copy completes. They used to run inside the chunk's
     * monitor, ahead of the failed write's turn passing, so the second write's copy task waited
     * for the monitor the callback held, and the callback for it.
     */
    @Test
    void aFailedWritesCallbackMayWriteToTheSameChunkAndWait() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch gate = new CountDownLatch(1);
            Executor gated = task -> pool.execute(() -> {
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                task.run();
            });
            MemoryKvStore store = new MemoryKvStore();
            ZarrArray a = array(store, gated, 1);
            IndexTransform all = IndexTransform.identity(new long[] {N});
            ZarrArray.Futures failed = a.write(all, freed(N));
            NDArray seven = SEVEN;
            IndexTransform first = element(all, 0);
            // The callback is in place before the copy runs (the gate holds it back).
            CompletableFuture<String> callback = failed.commit().handle((v, e) -> {
                ZarrArray.Futures again = a.write(first, seven);
                try {
                    again.copy().get(30, TimeUnit.SECONDS);
                    again.commit().get(30, TimeUnit.SECONDS);
                    return "wrote after the failure";
                } catch (Exception x) {
                    return "second write: " + x;
                }
            });
            gate.countDown();
            assertEquals("wrote after the failure", callback.get(120, TimeUnit.SECONDS));
            ExecutionException copyFailure = assertThrows(ExecutionException.class, () -> failed.copy().get(60, TimeUnit.SECONDS));
            assertInstanceOf(IllegalStateException.class, copyFailure.getCause(), "the freed source's error");
            NDArray back = a.read(all).get(60, TimeUnit.SECONDS);
            assertEquals(7, back.getLong(0));
            for (int i = 1; i < N; i++) assertEquals(0, back.getLong(i), "element " + i + " keeps the fill value");
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A write that covers two neighbouring chunks, which its copy task stages as a pair, fails at
     * the first chunk, where writes are pending behind a writeback: its turn at the second chunk
     * passes as well, and the second chunk serves later writes. It used to stay taken for good.
     */
    @Test
    void aPairedWriteThatFailsAtTheFirstChunkGivesUpItsTurnAtTheSecond() throws Exception {
        // One thread: the write's first copy task takes both parts (as a pair) before its second can take one.
        ExecutorService pool = Executors.newSingleThreadExecutor();
        CompletableFuture<Void> gate = new CompletableFuture<>();
        try {
            GatedStore store = new GatedStore(gate);
            ZarrArray a = array(store, pool, 2);
            IndexTransform all = IndexTransform.identity(new long[] {2L * N});
            // The first write's writeback waits at the gate; the second is then pending behind it.
            ZarrArray.Futures held = a.write(element(all, 0), SEVEN);
            held.copy().get(30, TimeUnit.SECONDS);
            ZarrArray.Futures pending = a.write(element(all, 1), SEVEN);
            pending.copy().get(30, TimeUnit.SECONDS);
            ZarrArray.Futures failed = a.write(all, freed(2L * N));
            ExecutionException copyFailure = assertThrows(ExecutionException.class, () -> failed.copy().get(30, TimeUnit.SECONDS));
            assertInstanceOf(IllegalStateException.class, copyFailure.getCause(), "the freed source's error");
            ZarrArray.Futures later = a.write(element(all, N), SEVEN);
            later.copy().get(30, TimeUnit.SECONDS);
            gate.complete(null);
            later.commit().get(30, TimeUnit.SECONDS);
            held.commit().get(30, TimeUnit.SECONDS);
            pending.commit().get(30, TimeUnit.SECONDS);
            assertThrows(ExecutionException.class, () -> failed.commit().get(30, TimeUnit.SECONDS));
            NDArray back = a.read(all).get(60, TimeUnit.SECONDS);
            for (int i = 0; i < 2 * N; i++) {
                assertEquals(i == 0 || i == 1 || i == N ? 7 : 0, back.getLong(i), "element " + i);
            }
        } finally {
            gate.complete(null);
            pool.shutdownNow();
        }
    }

    /** A memory store whose writes take effect once {@code gate} completes. */
    private static final class GatedStore extends ForwardingKvStore {
        private final CompletableFuture<Void> gate;

        GatedStore(CompletableFuture<Void> gate) {
            super(new MemoryKvStore());
            this.gate = gate;
        }

        @Override
        public CompletableFuture<WriteResult> write(String key, MemorySegment value, Generation ifEqual) {
            return gate.thenCompose(v -> inner.write(key, value, ifEqual));
        }

        @Override
        public CompletableFuture<WriteResult> delete(String key, Generation ifEqual) {
            return gate.thenCompose(v -> inner.delete(key, ifEqual));
        }

        @Override
        public String describe() { return "gated+" + inner.describe(); }
    }
}
