package io.tessera.kvstore;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A key-value store that passes its operations to {@code inner}: tests override the
 * operations they slow down, count or break. {@link #apply}, {@link #readThen} and
 * {@link #writeAtomically} keep their defaults, so they go through this store's own
 * {@link #write}, {@link #delete} and {@link #read} (and a mutation's owner is left to the collector).
 */
public abstract class ForwardingKvStore implements KvStore {
    protected final KvStore inner;

    protected ForwardingKvStore(KvStore inner) { this.inner = inner; }

    /** The store operations are passed to. */
    public KvStore inner() { return inner; }

    @Override
    public CompletableFuture<ReadResult> read(String key) { return inner.read(key); }

    @Override
    public CompletableFuture<ReadResult> readIfChanged(String key, Generation ifNotEqual) { return inner.readIfChanged(key, ifNotEqual); }

    @Override
    public CompletableFuture<WriteResult> write(String key, MemorySegment value, Generation ifEqual) { return inner.write(key, value, ifEqual); }

    @Override
    public CompletableFuture<WriteResult> delete(String key, Generation ifEqual) { return inner.delete(key, ifEqual); }

    @Override
    public CompletableFuture<List<String>> list(String prefix) { return inner.list(prefix); }

    @Override
    public CompletableFuture<Void> deletePrefix(String prefix) { return inner.deletePrefix(prefix); }

    @Override
    public boolean retainsWrittenValues() { return inner.retainsWrittenValues(); }

    @Override
    public String quotedKey(String key) { return inner.quotedKey(key); }

    @Override
    public String describeKey(String key) { return inner.describeKey(key); }

    @Override
    public String describe() { return inner.describe(); }

    @Override
    public void close() { inner.close(); }
}
