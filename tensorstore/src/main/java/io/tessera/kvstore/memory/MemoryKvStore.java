package io.tessera.kvstore.memory;

import io.tessera.kvstore.Generation;
import io.tessera.kvstore.KvStore;
import io.tessera.kvstore.KvStoreException;
import io.tessera.kvstore.ReadResult;
import io.tessera.kvstore.WriteResult;
import io.tessera.memory.BufferPool;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The in-memory key-value store: generations, conditional writes and atomic multi-key updates.
 * One instance is shared by every spec that names the same context resource. Values are kept as
 * the (immutable) segments handed to {@link #write}; operations complete before they return.
 *
 * <p>Memory: a value written through a {@link Mutation} with an {@link Mutation#owner() owner}
 * is held through that handle, and each read hands the reader a handle of its own; the store
 * releases its handle when the value is replaced or deleted or the store is {@link #close()
 * closed}, so the buffer returns to the pool as soon as the last reader is done with it, without
 * waiting for a collection. Values written without an owner are left to the collector.
 */
public final class MemoryKvStore implements KvStore {
    private record Entry(MemorySegment value, Generation generation, BufferPool.Buffer owner) {
        void release() {
            if (owner != null) owner.release();
        }
    }

    private final Map<String, Entry> entries = new HashMap<>();
    private boolean closed;
    private final AtomicLong nextGeneration = new AtomicLong(1);
    private final LongAdder writes = new LongAdder();
    private final LongAdder reads = new LongAdder();

    @Override
    public CompletableFuture<ReadResult> read(String key) {
        reads.increment();
        synchronized (entries) {
            if (closed) return closedFailure();
            Entry e = entries.get(key);
            if (e == null) return CompletableFuture.completedFuture(ReadResult.missing());
            // Shared under the lock, while the store's own handle is certainly unreleased.
            return CompletableFuture.completedFuture(e.owner == null ? new ReadResult(e.value, e.generation)
                    : ReadResult.owned(e.owner.share(), e.value, e.generation));
        }
    }

    @Override
    public CompletableFuture<WriteResult> write(String key, MemorySegment value, Generation ifEqual) {
        return mutate(key, value, ifEqual, null);
    }

    @Override
    public CompletableFuture<WriteResult> delete(String key, Generation ifEqual) {
        return mutate(key, null, ifEqual, null);
    }

    @Override
    public CompletableFuture<WriteResult> apply(Mutation m) {
        return mutate(m.key(), m.value(), m.ifEqual(), m.owner());
    }

    private CompletableFuture<WriteResult> mutate(String key, MemorySegment value, Generation ifEqual, BufferPool.Buffer owner) {
        writes.increment();
        synchronized (entries) {
            if (closed || !ifEqual.matches(currentGeneration(key))) {
                if (owner != null) owner.release();
                return closed ? closedFailure() : CompletableFuture.completedFuture(WriteResult.conditionFailed());
            }
            return CompletableFuture.completedFuture(WriteResult.written(put(key, value, owner)));
        }
    }

    private Generation currentGeneration(String key) {
        Entry e = entries.get(key);
        return e == null ? Generation.NO_VALUE : e.generation;
    }

    private Generation put(String key, MemorySegment value, BufferPool.Buffer owner) {
        Entry old;
        Generation g;
        if (value == null) {
            if (owner != null) owner.release();
            old = entries.remove(key);
            g = Generation.NO_VALUE;
        } else {
            g = new Generation(Long.toString(nextGeneration.getAndIncrement()));
            old = entries.put(key, new Entry(value, g, owner));
        }
        if (old != null) old.release();
        return g;
    }

    @Override
    public CompletableFuture<Boolean> writeAtomically(List<Mutation> mutations) {
        writes.add(mutations.size());
        synchronized (entries) {
            boolean ok = !closed;
            for (Mutation m : mutations) ok = ok && m.ifEqual().matches(currentGeneration(m.key()));
            if (!ok) {
                for (Mutation m : mutations) if (m.owner() != null) m.owner().release();
                return closed ? closedFailure() : CompletableFuture.completedFuture(false);
            }
            for (Mutation m : mutations) put(m.key(), m.value(), m.owner());
        }
        return CompletableFuture.completedFuture(true);
    }

    @Override
    public CompletableFuture<List<String>> list(String prefix) {
        synchronized (entries) {
            if (closed) return closedFailure();
            List<String> keys = new ArrayList<>();
            for (String k : entries.keySet()) if (k.startsWith(prefix)) keys.add(k);
            return CompletableFuture.completedFuture(keys);
        }
    }

    @Override
    public CompletableFuture<Void> deletePrefix(String prefix) {
        synchronized (entries) {
            if (closed) return closedFailure();
            for (Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<String, Entry> e = it.next();
                if (e.getKey().startsWith(prefix)) {
                    e.getValue().release();
                    it.remove();
                }
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    /** Writes and deletes performed so far (each mutation of an atomic batch counts once). */
    public long writeCount() { return writes.sum(); }

    /** Reads performed so far. */
    public long readCount() { return reads.sum(); }

    @Override
    public String describeKey(String key) { return "memory://" + key; }

    @Override
    public String describe() { return "memory://"; }

    /**
     * Drops every value (their buffers return to the pool once their readers are done); later
     * operations fail. Closing twice does nothing.
     */
    @Override
    public void close() {
        synchronized (entries) {
            if (closed) return;
            closed = true;
            entries.values().forEach(Entry::release);
            entries.clear();
        }
    }

    private static <T> CompletableFuture<T> closedFailure() {
        return CompletableFuture.failedFuture(new KvStoreException("memory://: the key-value store is closed"));
    }
}
