package io.tessera;

import io.tessera.kvstore.KvStore;
import io.tessera.memory.NDArray;
import io.tessera.zarr.StagedWrites;
import io.tessera.zarr.ZarrArray;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A transaction, as TensorStore's: writes through {@code ds.withTransaction(txn)} are staged,
 * visible to reads in the same transaction and invisible to everyone else until
 * {@link #commitAsync()}. An atomic transaction ({@code new Transaction(true)}) commits every
 * chunk or none; an isolated one commits chunk by chunk. Chunks changed outside the
 * transaction meanwhile are rebased (re-read and merged), not failed.
 */
public final class Transaction {
    private enum State { OPEN, COMMITTING, COMMITTED, ABORTED }

    private final boolean atomic;
    /**
     * Staged writes by the chunks they go to: a store and a key prefix. Two handles on the same
     * array may be distinct ZarrArrays (opened with resources of their own); their writes meet
     * here, in staging order, as they would in the store.
     */
    private final Map<StageKey, StagedWrites> staged = new HashMap<>();

    /** The stored chunks of an array: its store (by identity) and key prefix. */
    private record StageKey(KvStore store, String prefix) {
        static StageKey of(ZarrArray a) { return new StageKey(a.store(), a.keyPrefix()); }
    }
    private State state = State.OPEN;
    private CompletableFuture<Void> commitFuture;
    // Staging of this transaction's writes runs in issue order, one after another.
    private CompletableFuture<Void> lastStaged = CompletableFuture.completedFuture(null);

    /** An isolated (non-atomic) transaction. */
    public Transaction() { this(false); }

    /** An atomic transaction when {@code atomic}: all of its chunks commit, or none. */
    public Transaction(boolean atomic) { this.atomic = atomic; }

    public boolean atomic() { return atomic; }

    public synchronized boolean isOpen() { return state == State.OPEN; }

    /**
     * Runs {@code block} in a new transaction and commits it when the block returns; aborts it
     * when the block throws.
     */
    public static <T> T run(boolean atomic, Function<Transaction, T> block) {
        Transaction txn = new Transaction(atomic);
        T result;
        try {
            result = block.apply(txn);
        } catch (RuntimeException | Error e) {
            txn.abort();
            throw e;
        }
        txn.commitSync();
        return result;
    }

    /** Commits; the future fails with {@code Transaction aborted} if it was aborted. */
    public CompletableFuture<Void> commitAsync() {
        CompletableFuture<Void> stagedAll;
        synchronized (this) {
            // A commit that was made (and maybe failed) answers again with its own outcome.
            if (commitFuture != null) return commitFuture;
            if (state == State.ABORTED) return CompletableFuture.failedFuture(aborted());
            state = State.COMMITTING;
            commitFuture = new CompletableFuture<>();
            stagedAll = lastStaged;
        }
        stagedAll.handle((v, e) -> null).thenCompose(v -> commitStaged()).whenComplete((v, e) -> {
            synchronized (this) {
                state = e == null ? State.COMMITTED : State.ABORTED;
            }
            if (e == null) commitFuture.complete(null); else commitFuture.completeExceptionally(TensorStore.translate(e));
        });
        return commitFuture;
    }

    /** Commits and waits. */
    public void commitSync() {
        TensorStore.await(commitAsync());
    }

    /** Drops every staged write; later use fails with {@code Transaction not open}. */
    public void abort() {
        synchronized (this) {
            if (state == State.COMMITTED || state == State.COMMITTING) return;
            state = State.ABORTED;
            staged.values().forEach(StagedWrites::release);
            staged.clear();
        }
    }

    private CompletableFuture<Void> commitStaged() {
        List<StagedWrites> all;
        synchronized (this) {
            all = new ArrayList<>(staged.values());
        }
        CompletableFuture<Void> done = !atomic
                ? CompletableFuture.allOf(all.stream().map(StagedWrites::commitEachChunk).toArray(CompletableFuture[]::new))
                : commitAtomically(all);
        // Every mutation has been applied or has failed: the staged memory is nobody's any more.
        return done.whenComplete((v, e) -> all.forEach(StagedWrites::release));
    }

    private CompletableFuture<Void> commitAtomically(List<StagedWrites> all) {
        KvStore store = null;
        for (StagedWrites s : all) {
            if (store != null && store != s.array().store()) {
                return CompletableFuture.failedFuture(new TensorStoreException(TensorStoreException.Code.INVALID_ARGUMENT,
                        "Cannot commit an atomic transaction that spans more than one key-value store"));
            }
            store = s.array().store();
        }
        if (store == null) return CompletableFuture.completedFuture(null);
        KvStore target = store;
        List<CompletableFuture<List<KvStore.Mutation>>> prepared = all.stream().map(StagedWrites::prepare).toList();
        return CompletableFuture.allOf(prepared.toArray(CompletableFuture[]::new)).thenCompose(v -> {
            List<KvStore.Mutation> mutations = new ArrayList<>();
            prepared.forEach(p -> mutations.addAll(p.join()));
            return target.writeAtomically(mutations).whenComplete((ok, e) -> all.forEach(StagedWrites::forgetCached));
        }).thenCompose(ok -> ok ? CompletableFuture.<Void>completedFuture(null) : commitAtomically(all));
    }

    /**
     * Stages a write; its future completes when later reads in this transaction see it. Writes
     * are staged in the order of these calls; {@code onCaller}: the write is cheap enough to copy
     * on the caller's thread ({@link ZarrArray#copiesOnCaller}).
     */
    CompletableFuture<Void> stage(ZarrArray array, boolean onCaller, java.util.function.Consumer<StagedWrites> write) {
        synchronized (this) {
            checkOpen();
            StagedWrites s = stagedWritesOf(array);
            CompletableFuture<Void> f;
            if (onCaller && lastStaged.isDone()) {
                // Later stage calls wait for this monitor, so the order of writes holds.
                try {
                    write.accept(s);
                    f = CompletableFuture.completedFuture(null);
                } catch (RuntimeException e) {
                    f = CompletableFuture.failedFuture(e);
                }
            } else {
                f = lastStaged.handle((v, e) -> null).thenRunAsync(() -> write.accept(s), array.executor());
            }
            lastStaged = f;
            return f;
        }
    }

    /**
     * Stages a write whose data is still being read ({@code source}): it takes its place in the
     * order of writes now, and is staged once the read and every earlier write are done.
     */
    CompletableFuture<Void> stageWhenRead(ZarrArray array, CompletableFuture<NDArray> source,
                                          java.util.function.BiConsumer<StagedWrites, NDArray> write) {
        synchronized (this) {
            checkOpen();
            StagedWrites s = stagedWritesOf(array);
            CompletableFuture<Void> f = lastStaged.handle((v, e) -> null).thenCompose(v -> source)
                    .thenAcceptAsync(a -> write.accept(s, a), array.executor());
            lastStaged = f;
            return f;
        }
    }

    /** Waits until every write staged so far is visible, then gives the array's staged state (or null). */
    CompletableFuture<StagedWrites> stagedFor(ZarrArray array) {
        synchronized (this) {
            checkOpen();
            StagedWrites s = staged.get(StageKey.of(array));
            return lastStaged.handle((v, e) -> s);
        }
    }

    /** The staged writes of {@code array}'s chunks, made on first use. Holds the monitor. */
    private StagedWrites stagedWritesOf(ZarrArray array) {
        StagedWrites s = staged.computeIfAbsent(StageKey.of(array), k -> new StagedWrites(array));
        if (s.array() != array && !s.array().metadata().equals(array.metadata())) {
            throw new TensorStoreException(TensorStoreException.Code.FAILED_PRECONDITION, "Cannot stage writes to "
                    + array.store().describeKey(array.keyPrefix()) + " through arrays of different metadata in one transaction");
        }
        return s;
    }

    private void checkOpen() {
        if (state != State.OPEN) throw new TensorStoreException(TensorStoreException.Code.FAILED_PRECONDITION, "Transaction not open");
    }

    private static TensorStoreException aborted() {
        return new TensorStoreException(TensorStoreException.Code.CANCELLED, "Transaction aborted");
    }
}
