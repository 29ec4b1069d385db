package io.tessera.zarr;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tessera.index.IndexTransform;
import io.tessera.kvstore.memory.MemoryKvStore;
import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
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

    private static ZarrArray array(MemoryKvStore store, Executor executor) throws Exception {
        ZarrMetadata m = ZarrMetadata.parse(new ObjectMapper().readTree("{\"zarr_format\":2,\"shape\":[" + N + "],\"chunks\":[" + N
                + "],\"dtype\":\"<u2\",\"compressor\":null,\"fill_value\":0,\"order\":\"C\",\"filters\":null}"));
        return new ZarrArray(store, "", m, executor, null);
    }

    /** An array whose memory is already gone: copying from it fails. */
    private static NDArray freed() {
        Arena arena = Arena.ofShared();
        NDArray a = NDArray.allocate(arena, DataType.UINT16, NDArray.Order.C, N);
        arena.close();
        return a;
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
            ZarrArray a = array(store, gated);
            IndexTransform all = IndexTransform.identity(new long[] {N});
            ZarrArray.Futures failed = a.write(all, freed());
            NDArray seven = NDArray.of(new int[] {7}, DataType.UINT16);
            IndexTransform first = all.apply(io.tessera.index.IndexExpression.parse("[0:1]"));
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
}
