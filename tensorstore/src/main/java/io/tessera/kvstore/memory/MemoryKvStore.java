package io.tessera.kvstore.memory;

import io.tessera.kvstore.Generation;
import io.tessera.kvstore.KvStore;
import io.tessera.kvstore.ReadResult;
import io.tessera.kvstore.WriteResult;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The in-memory key-value store: generations, conditional writes and atomic multi-key updates.
 * One instance is shared by every spec that names the same context resource. Values are kept as
 * the (immutable) segments handed to {@link #write}; operations complete before they return.
 */
public final class MemoryKvStore implements KvStore {
    private record Entry(MemorySegment value, Generation generation) {}

    private final Map<String, Entry> entries = new HashMap<>();
    private final AtomicLong nextGeneration = new AtomicLong(1);
    private final LongAdder writes = new LongAdder();
    private final LongAdder reads = new LongAdder();

    @Override
    public CompletableFuture<ReadResult> read(String key) {
        reads.increment();
        Entry e;
        synchronized (entries) {
            e = entries.get(key);
        }
        return CompletableFuture.completedFuture(e == null ? ReadResult.missing() : new ReadResult(e.value, e.generation));
    }

    @Override
    public CompletableFuture<WriteResult> write(String key, MemorySegment value, Generation ifEqual) {
        return CompletableFuture.completedFuture(mutate(key, value, ifEqual));
    }

    @Override
    public CompletableFuture<WriteResult> delete(String key, Generation ifEqual) {
        return CompletableFuture.completedFuture(mutate(key, null, ifEqual));
    }

    private WriteResult mutate(String key, MemorySegment value, Generation ifEqual) {
        writes.increment();
        synchronized (entries) {
            if (!ifEqual.matches(currentGeneration(key))) return WriteResult.conditionFailed();
            return WriteResult.written(apply(key, value));
        }
    }

    private Generation currentGeneration(String key) {
        Entry e = entries.get(key);
        return e == null ? Generation.NO_VALUE : e.generation;
    }

    private Generation apply(String key, MemorySegment value) {
        if (value == null) {
            entries.remove(key);
            return Generation.NO_VALUE;
        }
        Generation g = new Generation(Long.toString(nextGeneration.getAndIncrement()));
        entries.put(key, new Entry(value, g));
        return g;
    }

    @Override
    public CompletableFuture<Boolean> writeAtomically(List<Mutation> mutations) {
        writes.add(mutations.size());
        synchronized (entries) {
            for (Mutation m : mutations) {
                if (!m.ifEqual().matches(currentGeneration(m.key()))) return CompletableFuture.completedFuture(false);
            }
            for (Mutation m : mutations) apply(m.key(), m.value());
        }
        return CompletableFuture.completedFuture(true);
    }

    @Override
    public CompletableFuture<List<String>> list(String prefix) {
        synchronized (entries) {
            List<String> keys = new ArrayList<>();
            for (String k : entries.keySet()) if (k.startsWith(prefix)) keys.add(k);
            return CompletableFuture.completedFuture(keys);
        }
    }

    @Override
    public CompletableFuture<Void> deletePrefix(String prefix) {
        synchronized (entries) {
            entries.keySet().removeIf(k -> k.startsWith(prefix));
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

    @Override
    public void close() {}
}
