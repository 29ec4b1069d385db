package io.tessera.zarr;

import io.tessera.index.IndexTransform;
import io.tessera.kvstore.Generation;
import io.tessera.kvstore.KvStore;
import io.tessera.kvstore.ReadResult;
import io.tessera.memory.BufferPool;
import io.tessera.memory.NDArray;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The writes one transaction staged in one array: per chunk, a buffer in the chunk's layout and
 * the regions written into it. Reads in the transaction see them over what is stored; commit
 * merges them onto the then-current chunks (rebasing on outside changes) and writes each chunk
 * once. Callers serialize access per transaction.
 */
public final class StagedWrites {
    private final ZarrArray array;
    private final Map<String, StagedChunk> chunks = new HashMap<>();

    /** Buffers the encodings of prepared mutations took; released with the staged chunks ({@link #release}). */
    private final List<BufferPool.Buffer> encoded = new ArrayList<>();
    private boolean released;

    public StagedWrites(ZarrArray array) { this.array = array; }

    public ZarrArray array() { return array; }

    /** Stages {@code source} (shaped like {@code t}'s input domain) into the region {@code t} selects. */
    public synchronized void write(IndexTransform t, NDArray source) {
        // A write queued before an abort may run after it: its chunks' memory is given back.
        if (released) throw new IllegalStateException("Transaction aborted");
        long[] chunkShape = array.metadata().chunks();
        for (ChunkPart part : ChunkPart.split(t, chunkShape)) {
            boolean covers = part.coversChunk(chunkShape, t);
            chunks.computeIfAbsent(array.chunkKey(part.chunkIndex), k -> new StagedChunk(array, covers)).add(part, t, source, covers);
        }
    }

    /**
     * Gives back the memory of every staged chunk, of the chunks merged from them and of their
     * encodings: once the commit is done with them (every mutation applied or failed; a store
     * that keeps a value holds a handle of its own), or on abort. A read that comes later fails.
     */
    public synchronized void release() {
        if (released) return;
        released = true;
        for (StagedChunk s : chunks.values()) s.releaseBuffers();
        encoded.forEach(BufferPool.Buffer::release);
        encoded.clear();
    }

    /** Reads the region {@code t} selects as this transaction sees it. */
    public CompletableFuture<NDArray> read(IndexTransform t) {
        return array.read(t, this::overlay);
    }

    /**
     * The chunk {@code key} as the transaction sees it, given what the store holds ({@code null}:
     * missing): a copy taken under this monitor, so that writes staged later do not show in it.
     */
    private synchronized ZarrArray.Decoded overlay(String key, NDArray stored) {
        if (released) throw new IllegalStateException("Transaction not open");
        StagedChunk s = chunks.get(key);
        return s == null ? new ZarrArray.Decoded(stored, null) : s.snapshotOver(stored);
    }

    /**
     * The store mutations that commit the staged chunks onto what the store holds now, each
     * conditioned on the generation it was merged with.
     */
    public CompletableFuture<List<KvStore.Mutation>> prepare() {
        List<CompletableFuture<KvStore.Mutation>> fs = prepareEach();
        return CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new))
                .thenApply(v -> fs.stream().map(CompletableFuture::join).toList());
    }

    /** One mutation per staged chunk, each ready as soon as its chunk is read and merged. */
    private List<CompletableFuture<KvStore.Mutation>> prepareEach() {
        List<Map.Entry<String, StagedChunk>> list;
        synchronized (this) {
            list = new ArrayList<>(chunks.entrySet());
        }
        List<CompletableFuture<KvStore.Mutation>> fs = new ArrayList<>();
        for (Map.Entry<String, StagedChunk> e : list) fs.add(prepareOne(e.getKey(), e.getValue()));
        return fs;
    }

    /**
     * The mutation for one staged chunk: merged over the chunk as stored now (read unless the
     * staged writes cover it) and conditioned on the generation read.
     */
    private CompletableFuture<KvStore.Mutation> prepareOne(String key, StagedChunk s) {
        CompletableFuture<ReadResult> r = s.full() ? CompletableFuture.completedFuture(null) : ZarrArray.storeCall(() -> array.store().read(key));
        return r.thenApplyAsync(rr -> {
            StagedChunk.Merged merged = mergeOverStored(s, rr, key);
            Generation g = rr == null ? Generation.UNKNOWN : rr.generation();
            List<BufferPool.Buffer> taken = new ArrayList<>(1);
            try {
                return array.mutation(key, merged.chunk(), merged.buffer(), g, taken);
            } finally {
                synchronized (this) {
                    encoded.addAll(taken);
                }
            }
        }, array.executor());
    }

    /** {@code s} merged over the chunk {@code rr} read ({@code null}: not read); the read value is released after. */
    private StagedChunk.Merged mergeOverStored(StagedChunk s, ReadResult rr, String key) {
        ZarrArray.Decoded d = rr == null ? null : array.decodeOwned(rr, key);
        try {
            // The merge copies the stored chunk (or ignores it), so nothing refers to it afterwards.
            return s.merge(d == null ? null : d.chunk());
        } finally {
            if (d != null) d.release();
        }
    }

    /**
     * Commits chunk by chunk (each chunk atomic on its own), retrying a chunk whose generation
     * changed. A chunk is written as soon as it is merged, while others are still being read.
     */
    public CompletableFuture<Void> commitEachChunk() {
        KvStore store = array.store();
        List<CompletableFuture<KvStore.Mutation>> prepared = prepareEach();
        store.expectWrites(prepared.size());
        return CompletableFuture.allOf(prepared.stream()
                .map(f -> f.whenComplete((m, e) -> {
                            // This one will never be written (a lone write was never announced).
                            if (e != null && prepared.size() > 1) store.expectWrites(-1);
                        })
                        .thenCompose(this::commitOne))
                .toArray(CompletableFuture[]::new));
    }

    private CompletableFuture<Void> commitOne(KvStore.Mutation m) {
        KvStore store = array.store();
        // Written around the cache pool: what it holds of the chunk is stale once this is done.
        return ZarrArray.apply(store, m).whenComplete((w, e) -> array.forgetCached(m.key())).thenCompose(w -> {
            if (w.succeeded()) return CompletableFuture.<Void>completedFuture(null);
            StagedChunk s;
            synchronized (this) {
                s = chunks.get(m.key());
            }
            return prepareOne(m.key(), s).thenCompose(this::commitOne);
        });
    }

    /** Forgets what the cache pool holds of this transaction's chunks, once an atomic commit of them is done. */
    public void forgetCached() {
        List<String> keys;
        synchronized (this) {
            keys = new ArrayList<>(chunks.keySet());
        }
        keys.forEach(array::forgetCached);
    }
}
