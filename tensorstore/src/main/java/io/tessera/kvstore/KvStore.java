package io.tessera.kvstore;

import io.tessera.memory.BufferPool;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * An asynchronous key-value store with storage generations and conditional writes: the layer
 * under the zarr driver. Keys are '/'-separated paths relative to the store's root.
 *
 * <p>Values are byte segments that the store and its callers treat as immutable once handed
 * over. A write's future completes once the value is durable as the store defines it (the file
 * store: fsync'd and renamed into place, directory fsync'd).
 */
public interface KvStore extends AutoCloseable {

    /** Reads {@code key}; a missing key gives {@link ReadResult#missing}, not an error. */
    CompletableFuture<ReadResult> read(String key);

    /**
     * Reads {@code key} unless it is still at generation {@code ifNotEqual}: then completes with
     * {@link ReadResult#unchanged} and reads no value ({@link Generation#UNKNOWN}: reads in any
     * case). A store that can learn a key's generation without reading its value does so.
     */
    default CompletableFuture<ReadResult> readIfChanged(String key, Generation ifNotEqual) {
        return read(key).thenApply(r -> {
            if (ifNotEqual.isUnknown() || !r.generation().equals(ifNotEqual)) return r;
            r.releaseValue();
            return ReadResult.unchanged(r.generation());
        });
    }

    /**
     * Reads {@code key}, then continues with {@code then} (which may write to this store) on
     * {@code executor}; or where the store knows better: a store whose I/O thread is otherwise
     * idle may run {@code then} there, which makes a lone read-modify-write one chain of calls on
     * one thread instead of a thread switch per step.
     */
    default <T> CompletableFuture<T> readThen(String key, Function<ReadResult, CompletableFuture<T>> then, Executor executor) {
        return read(key).thenComposeAsync(then, executor);
    }

    /**
     * Writes {@code value} to {@code key} if the key's current generation matches
     * {@code ifEqual} ({@link Generation#UNKNOWN} matches anything, {@link Generation#NO_VALUE}
     * matches only a missing key).
     *
     * @return the new generation, or {@link WriteResult#conditionFailed()} when the condition
     *     did not hold (nothing was written)
     */
    CompletableFuture<WriteResult> write(String key, MemorySegment value, Generation ifEqual);

    /**
     * Announces that {@code writes} writes or deletes are about to be issued together (a
     * transaction's commit): a store that makes writes durable in groups may then let them wait
     * for one another and share one sync. A hint; writes complete either way. A negative count
     * withdraws announced writes that will not be issued after all.
     */
    default void expectWrites(int writes) {}

    /** Deletes {@code key} under the same condition as {@link #write}. Deleting a missing key succeeds. */
    CompletableFuture<WriteResult> delete(String key, Generation ifEqual);

    /** The keys that start with {@code prefix}, in no particular order. */
    CompletableFuture<List<String>> list(String prefix);

    /** Deletes every key that starts with {@code prefix}. */
    CompletableFuture<Void> deletePrefix(String prefix);

    /**
     * Applies all {@code mutations} atomically (all or none), each under its own condition.
     * Stores that cannot do so for more than one key fail with
     * {@link UnsupportedOperationException}, worded as TensorStore does.
     *
     * @return true when every condition held and everything was written, false when some
     *     condition failed and nothing was written
     */
    default CompletableFuture<Boolean> writeAtomically(List<Mutation> mutations) {
        if (mutations.isEmpty()) return CompletableFuture.completedFuture(true);
        if (mutations.size() == 1) return apply(mutations.getFirst()).thenApply(WriteResult::succeeded);
        return CompletableFuture.failedFuture(new UnsupportedOperationException(
                "Cannot commit an atomic transaction of " + mutations.size() + " keys on " + describe()
                        + ": only single-key atomic writes are supported by this key-value store"));
    }

    /** Applies one mutation: {@link #write} or, for a null value, {@link #delete}. */
    default CompletableFuture<WriteResult> apply(Mutation m) {
        return m.value() == null ? delete(m.key(), m.ifEqual()) : write(m.key(), m.value(), m.ifEqual());
    }

    /**
     * Whether the store keeps a reference to the segments handed to {@link #write} (the memory
     * store keeps them as its values). When false, a writer owns its segment again once the
     * write's future has completed, and may recycle it.
     */
    default boolean retainsWrittenValues() { return true; }

    /**
     * Whether the calling thread is one of the store's own I/O threads, where work started
     * through {@link #readThen} may run in place instead of being handed over: a caller there
     * should not start a store operation it does not want to wait for.
     */
    default boolean isOwnThread() { return false; }

    /** A human-readable description of {@code key} for error messages, e.g. its file path. */
    String describeKey(String key);

    /** {@code key} as TensorStore names it in its error messages: {@code "key"}, or {@code local file "path"} on the file store. */
    default String quotedKey(String key) { return "\"" + key + "\""; }

    /** A description of the store, e.g. {@code file:///data/a/}. */
    String describe();

    @Override
    void close();

    /**
     * One write ({@code value != null}) or delete ({@code value == null}).
     *
     * @param owner null, or a handle on the pooled buffer behind {@code value} that passes to the
     *     store with the mutation. A store that keeps its values (the memory store) releases it
     *     when it lets go of the value (replaced, deleted, the store closed) or at once when the
     *     write did not happen; a store that ignores it leaves the memory to the collector. The
     *     writer must not release this handle (it may hold others), unless {@link #apply} throws
     *     instead of returning a future: a store that throws has not taken it.
     */
    record Mutation(String key, MemorySegment value, Generation ifEqual, BufferPool.Buffer owner) {
        /** A mutation whose value the store does not own. */
        public Mutation(String key, MemorySegment value, Generation ifEqual) {
            this(key, value, ifEqual, null);
        }
    }
}
