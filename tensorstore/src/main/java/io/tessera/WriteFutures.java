package io.tessera;

import java.util.concurrent.CompletableFuture;

/**
 * The two steps of a write: {@link #copy()} completes once the source has been read (it may then
 * be reused or changed), {@link #commit()} once the data is committed: durable for a plain
 * write (on the file store: fsync'd), visible to later reads of the same transaction for a
 * transactional one. {@link #join()} waits for the commit.
 */
public record WriteFutures(CompletableFuture<Void> copy, CompletableFuture<Void> commit) {

    /** Waits for the commit; throws its failure as TensorStore does (unchecked). */
    public void join() {
        TensorStore.await(commit);
    }

    /** The same as {@link #join()}, named as TensorStore's Python {@code result()}. */
    public void result() { join(); }
}
