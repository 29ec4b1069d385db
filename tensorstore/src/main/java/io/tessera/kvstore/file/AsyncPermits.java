package io.tessera.kvstore.file;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * A non-blocking semaphore: at most {@code limit} operations run at once, the rest wait in FIFO
 * order. It bounds how many staging buffers a burst of reads or writes holds at once, so the
 * buffer pool can serve a burst of any size from a fixed budget.
 */
final class AsyncPermits {
    private final int limit;
    private final Executor executor;
    private final ArrayDeque<CompletableFuture<Void>> waiting = new ArrayDeque<>();
    private int used;

    AsyncPermits(int limit, Executor executor) {
        this.limit = limit;
        this.executor = executor;
    }

    /** Runs {@code op} once a permit is free; the permit returns when the op's future completes. */
    <T> CompletableFuture<T> run(Supplier<CompletableFuture<T>> op) {
        CompletableFuture<Void> permit;
        synchronized (this) {
            if (used < limit) {
                used++;
                permit = CompletableFuture.completedFuture(null);
            } else {
                permit = new CompletableFuture<>();
                waiting.add(permit);
            }
        }
        CompletableFuture<T> result = permit.thenCompose(v -> {
            try {
                return op.get();
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        });
        result.whenComplete((r, e) -> release());
        return result;
    }

    private void release() {
        CompletableFuture<Void> next;
        synchronized (this) {
            next = waiting.poll();
            if (next == null) used--;
        }
        if (next == null) return;
        // Handed on through the executor: the releasing thread may be an I/O completion thread.
        // Once the store has closed, the executor refuses: the waiter then goes on here, to
        // fail like every operation after close, rather than wait for good.
        try {
            executor.execute(() -> next.complete(null));
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            next.complete(null);
        }
    }
}
