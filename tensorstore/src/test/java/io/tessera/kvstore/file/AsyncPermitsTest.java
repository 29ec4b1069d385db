package io.tessera.kvstore.file;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The file store's limit on operations in flight: FIFO hand-over, and no waiter left behind by a close. */
class AsyncPermitsTest {

    @Test
    void waitersRunInOrderAsPermitsReturn() throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            AsyncPermits permits = new AsyncPermits(2, executor);
            List<CompletableFuture<Void>> gates = new ArrayList<>();
            List<Integer> started = java.util.Collections.synchronizedList(new ArrayList<>());
            List<CompletableFuture<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                CompletableFuture<Void> gate = new CompletableFuture<>();
                gates.add(gate);
                int n = i;
                results.add(permits.run(() -> {
                    started.add(n);
                    return gate.thenApply(v -> n);
                }));
            }
            assertEquals(List.of(0, 1), started, "two permits: two operations run, the rest wait");
            for (int i = 0; i < 6; i++) {
                gates.get(i).complete(null);
                assertEquals(i, results.get(i).get(60, TimeUnit.SECONDS));
            }
            assertEquals(List.of(0, 1, 2, 3, 4, 5), started);
        } finally {
            executor.shutdownNow();
        }
    }

    /**
     * A permit returned after the store's executor has shut down (the store closed while
     * operations waited for permits) still starts the next waiter, on the releasing thread:
     * handing it to the executor failed, and the waiter used to wait for good.
     */
    @Test
    void aPermitReturnedAfterCloseStillStartsTheNextWaiter() throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        AsyncPermits permits = new AsyncPermits(1, executor);
        CompletableFuture<Void> running = new CompletableFuture<>();
        CompletableFuture<String> first = permits.run(() -> running.thenApply(v -> "first"));
        AtomicInteger ranWaiters = new AtomicInteger();
        List<CompletableFuture<String>> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiters.add(permits.run(() -> {
                ranWaiters.incrementAndGet();
                return CompletableFuture.completedFuture("waiter");
            }));
        }
        assertEquals(0, ranWaiters.get());
        executor.shutdown();
        assertTrue(executor.awaitTermination(60, TimeUnit.SECONDS));
        running.complete(null);
        assertEquals("first", first.get(60, TimeUnit.SECONDS));
        for (CompletableFuture<String> w : waiters) assertEquals("waiter", w.get(60, TimeUnit.SECONDS));
        assertEquals(3, ranWaiters.get());
        assertFalse(first.isCompletedExceptionally());
    }
}
