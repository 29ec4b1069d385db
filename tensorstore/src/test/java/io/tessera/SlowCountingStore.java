package io.tessera;

import io.tessera.kvstore.Generation;
import io.tessera.kvstore.ForwardingKvStore;
import io.tessera.kvstore.ReadResult;
import io.tessera.kvstore.WriteResult;
import io.tessera.kvstore.memory.MemoryKvStore;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A memory store whose writes take {@code delayMillis} to become durable, counting operations. */
final class SlowCountingStore extends ForwardingKvStore {
    /** Reads that returned a value or its absence (conditional ones too). */
    final AtomicInteger reads = new AtomicInteger();
    /** Conditional reads that found the value unchanged, and read none. */
    final AtomicInteger unchangedReads = new AtomicInteger();
    final AtomicInteger writes = new AtomicInteger();
    private final Executor delayed;

    SlowCountingStore(long delayMillis) {
        super(new MemoryKvStore());
        delayed = CompletableFuture.delayedExecutor(delayMillis, TimeUnit.MILLISECONDS);
    }

    /** Binds this store as {@code memory://} of {@code ctx}. */
    SlowCountingStore bindTo(Context ctx) {
        ctx.resource("memory_key_value_store", k -> this);
        return this;
    }

    @Override
    public CompletableFuture<ReadResult> read(String key) {
        reads.incrementAndGet();
        return inner.read(key);
    }

    @Override
    public CompletableFuture<ReadResult> readIfChanged(String key, Generation ifNotEqual) {
        return inner.readIfChanged(key, ifNotEqual).thenApply(r -> {
            (r.unchanged() ? unchangedReads : reads).incrementAndGet();
            return r;
        });
    }

    @Override
    public CompletableFuture<WriteResult> write(String key, MemorySegment value, Generation ifEqual) {
        if (!key.endsWith(".zarray")) writes.incrementAndGet();
        // The value becomes visible, and the future completes, only after the delay.
        return CompletableFuture.supplyAsync(() -> inner.write(key, value, ifEqual).join(), delayed);
    }

    @Override
    public CompletableFuture<WriteResult> delete(String key, Generation ifEqual) {
        writes.incrementAndGet();
        return CompletableFuture.supplyAsync(() -> inner.delete(key, ifEqual).join(), delayed);
    }

    @Override
    public CompletableFuture<Boolean> writeAtomically(List<Mutation> mutations) {
        writes.addAndGet(mutations.size());
        return CompletableFuture.supplyAsync(() -> inner.writeAtomically(mutations).join(), delayed);
    }

    @Override
    public String describe() { return "slow+" + inner.describe(); }
}
