package io.tessera.zarr;

import io.tessera.index.IndexTransform;
import io.tessera.kvstore.Generation;
import io.tessera.kvstore.KvStore;
import io.tessera.kvstore.ReadResult;
import io.tessera.kvstore.WriteResult;
import io.tessera.memory.ArrayOps;
import io.tessera.memory.BufferPool;
import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;

import java.lang.foreign.MemorySegment;
import java.lang.ref.WeakReference;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * One open zarr v2 array: its metadata, its key-value store, and the per-chunk state that turns
 * writes into chunk writebacks.
 *
 * <p>A write is copied into per-chunk pending buffers on the copy executor; each chunk has at
 * most one writeback in flight, and writes that arrive meanwhile coalesce into the next one.
 * Writes reach a chunk in the order they were issued.
 */
public final class ZarrArray {
    private final KvStore store;
    private final String prefix;
    private final ZarrMetadata meta;
    private final Executor executor;
    private final io.tessera.codecs.Codec compressor;
    private final NDArray fill;
    private final boolean elideFillChunks;
    private final boolean swapBytes;
    private final long[] chunkStrides;
    private final ChunkCache cache;
    private final CacheScope cacheScope;
    /**
     * Chunks with writes in progress. Sized for a large write's worth of chunks at once: grown from
     * the default in every large write, resizing was among the hottest code of a write.
     */
    private final ConcurrentHashMap<String, ChunkEntry> entries = new ConcurrentHashMap<>(512);
    // Guards sequence assignment and enqueueing, so that every chunk sees writes in one global order.
    private final Object issueLock = new Object();
    private long nextSequence;

    /** The futures of one write: source consumed, and data committed. */
    public record Futures(CompletableFuture<Void> copy, CompletableFuture<Void> commit) {}

    /** An array whose read-modify-writes may start from chunks held in {@code cache} (may be null). */
    public ZarrArray(KvStore store, String prefix, ZarrMetadata meta, Executor executor, ChunkCache cache) {
        if (meta.chunkBytes() > io.tessera.codecs.Codecs.MAX_CHUNK_BYTES) {
            throw new IllegalArgumentException("Chunk of " + meta.chunkBytes() + " bytes exceeds the limit of "
                    + io.tessera.codecs.Codecs.MAX_CHUNK_BYTES + " bytes; choose smaller \"chunks\"");
        }
        this.cache = cache;
        this.cacheScope = cache == null ? null : CacheScope.of(store, meta);
        this.store = store;
        this.prefix = prefix;
        this.meta = meta;
        this.executor = executor;
        this.compressor = Compressors.forJson(meta.compressor());
        DataType dtype = meta.dataType();
        NDArray f = ZarrMetadata.parseFillValue(meta.fillValue(), dtype);
        this.fill = f != null ? f : NDArray.allocate(dtype);
        this.elideFillChunks = f != null;
        this.swapBytes = dtype.componentSize() > 1 && meta.byteOrder() != ByteOrder.nativeOrder();
        this.chunkStrides = NDArray.contiguousStrides(dtype, meta.chunks(), meta.order());
    }

    public ZarrMetadata metadata() { return meta; }

    /** The prefix of this array's keys in its store ({@code ""} or ending in {@code /}). */
    public String keyPrefix() { return prefix; }

    public KvStore store() { return store; }

    /** The rank-0 fill value (zero when the metadata has none). */
    public NDArray fillValue() { return fill; }

    /** The key of the chunk at grid position {@code index}. */
    public String chunkKey(long[] index) {
        if (index.length == 0) return prefix + "0";
        StringBuilder sb = new StringBuilder(prefix);
        for (int i = 0; i < index.length; i++) {
            if (i > 0) sb.append(meta.dimensionSeparator());
            sb.append(index[i]);
        }
        return sb.toString();
    }

    // ---- read ------------------------------------------------------------------------------

    /** Reads the region {@code t} selects; missing chunks read as the fill value. */
    public CompletableFuture<NDArray> read(IndexTransform t) {
        return read(t, Recheck.ALWAYS);
    }

    /**
     * {@link #read(IndexTransform)}, using chunks of the cache pool as {@code recheck} allows
     * without asking the store whether they are still current.
     */
    public CompletableFuture<NDArray> read(IndexTransform t, Recheck recheck) {
        return read(t, (key, chunk) -> new Decoded(chunk, null), recheck);
    }

    /**
     * TensorStore's {@code recheck_cached_data}: which chunks of the cache pool a read may use as
     * they are. Any other is revalidated: the store is asked for the chunk unless it is still at
     * the cached generation, which the file store answers from the file's status, unread.
     *
     * @param afterNanos with {@link Mode#AFTER}, the moment ({@link System#nanoTime}) from which
     *     cached data is fresh
     * @param json the spec's value, for the spec of the array it opened (null: the default)
     */
    public record Recheck(Mode mode, long afterNanos, com.fasterxml.jackson.databind.JsonNode json) {
        public enum Mode { ALWAYS, NEVER, AFTER }

        /** Every cached chunk is revalidated ({@code true}, TensorStore's default). */
        public static final Recheck ALWAYS = new Recheck(Mode.ALWAYS, 0, null);
        /** Cached chunks are used as they are ({@code false}). */
        public static final Recheck NEVER = new Recheck(Mode.NEVER, 0, com.fasterxml.jackson.databind.node.BooleanNode.FALSE);

        /**
         * Chunks cached from {@code nanos} ({@link System#nanoTime}) on are used as they are
         * ({@code "open"}, or a time: the spec's {@code json}).
         */
        public static Recheck after(long nanos, com.fasterxml.jackson.databind.JsonNode json) { return new Recheck(Mode.AFTER, nanos, json); }

        boolean fresh(long stampNanos) {
            return mode == Mode.NEVER || (mode == Mode.AFTER && stampNanos - afterNanos >= 0);
        }
    }

    /**
     * How a transaction sees a chunk: given the stored chunk ({@code null} if missing), the chunk
     * to read ({@code null} chunk: missing) and the handle on any memory made for it, which the
     * read releases once it has copied from it.
     */
    interface ChunkOverlay {
        Decoded apply(String key, NDArray stored);
    }

    CompletableFuture<NDArray> read(IndexTransform t, ChunkOverlay overlay) {
        return read(t, overlay, Recheck.ALWAYS);
    }

    private CompletableFuture<NDArray> read(IndexTransform t, ChunkOverlay overlay, Recheck recheck) {
        // Every element is written below, by a chunk's copy or its fill.
        NDArray out = NDArray.allocateUninitialized(meta.dataType(), NDArray.Order.C, t.inputShape());
        List<ChunkPart> parts = ChunkPart.split(t, meta.chunks());
        CompletableFuture<?>[] fs = new CompletableFuture<?>[parts.size()];
        for (int i = 0; i < fs.length; i++) {
            ChunkPart part = parts.get(i);
            String key = chunkKey(part.chunkIndex);
            CacheKey cacheKey = cache == null ? null : cacheKey(key);
            ChunkCache.Lease lease = cache == null ? null : cache.lease(cacheKey);
            long stamp = System.nanoTime();
            // Null: the lease is fresh enough to use without asking the store.
            CompletableFuture<ReadResult> r = lease == null ? storeCall(() -> store.read(key))
                    : recheck.fresh(lease.stampNanos()) ? CompletableFuture.completedFuture(null)
                    : storeCall(() -> store.readIfChanged(key, lease.generation()));
            CompletableFuture<Void> chunkDone = new CompletableFuture<>();
            r.whenComplete((res, e) -> {
                if (e != null) {
                    if (lease != null) lease.release();
                    chunkDone.completeExceptionally(e);
                    return;
                }
                // Through dispatch, not thenAcceptAsync: a refused hand-off then copies here
                // instead of dropping the lease and the value read, which only this task releases.
                dispatch(() -> {
                    try {
                        copyChunk(part, t, out, overlay, key, cachedOrDecoded(key, cacheKey, res, lease, stamp));
                        chunkDone.complete(null);
                    } catch (Throwable x) {
                        chunkDone.completeExceptionally(x);
                    }
                });
            });
            fs[i] = chunkDone;
        }
        // allOf completes once every chunk's task has: after a failure, none writes to out any more.
        return CompletableFuture.allOf(fs).whenComplete((v, e) -> {
            if (e != null) out.release();
        }).thenApply(v -> out);
    }

    /**
     * {@code store.apply(m)}, or a failed future if it throws. A store that throws has not taken
     * the mutation's owner, so it is released here.
     */
    static CompletableFuture<WriteResult> apply(KvStore store, KvStore.Mutation m) {
        try {
            return store.apply(m);
        } catch (RuntimeException | Error e) {
            if (m.owner() != null) m.owner().release();
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Copies chunk {@code d} ({@code null}: missing), as the overlay shows it, to {@code part} of {@code out}, and releases it. */
    private void copyChunk(ChunkPart part, IndexTransform t, NDArray out, ChunkOverlay overlay, String key, Decoded d) {
        try {
            Decoded seen = overlay.apply(key, d == null ? null : d.chunk());
            try {
                if (seen.chunk() == null) ArrayOps.fill(part.userView(out), fill);
                else ArrayOps.copy(part.chunkView(seen.chunk(), t), part.userView(out));
            } finally {
                seen.release();
            }
        } finally {
            if (d != null) d.release();
        }
    }

    /**
     * {@code call}'s future, or a failed one if it throws: a key-value store that throws instead
     * of failing its future must not skip the releases chained on the future.
     */
    static <T> CompletableFuture<T> storeCall(Supplier<CompletableFuture<T>> call) {
        try {
            return call.get();
        } catch (RuntimeException | Error e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * The chunk a read of {@code key} (cached as {@code cacheKey}, null without a cache pool)
     * that started at {@code stamp} gives, decoded from
     * {@code r} (which passes to this method) and cached; or the leased chunk, when there was no
     * need to read ({@code r} null) or the store found it unchanged. The lease passes to this
     * method too: into the result, or released. Null for a missing chunk.
     */
    private Decoded cachedOrDecoded(String key, CacheKey cacheKey, ReadResult r, ChunkCache.Lease lease, long stamp) {
        if (lease != null) {
            if (r != null && r.unchanged()) cache.revalidated(cacheKey, lease.generation(), stamp);
            if (r == null || r.unchanged()) return lease.chunk() == null ? null : new Decoded(lease.chunk(), lease.handle());
            lease.release();
        }
        Decoded d;
        try {
            d = decodeOwned(r, key);
        } catch (RuntimeException e) {
            // What was cached is not what is stored now, and what is stored does not decode.
            if (cache != null) cache.invalidate(cacheKey, stamp);
            throw e;
        }
        if (cache != null) {
            if (d == null) cache.putMissing(cacheKey, stamp);
            else cache.put(cacheKey, d.chunk(), r.generation(), meta.chunkBytes(), stamp, d.buffer() == null ? null : d.buffer().share());
        }
        return d;
    }

    /**
     * A decoded chunk and the reader's handle on the pooled memory behind it (a decompressed or
     * byte-swapped copy, or the value read, when the store handed a handle over), else null.
     */
    record Decoded(NDArray chunk, BufferPool.Buffer buffer) {
        /** Gives up the handle; the chunk must not be used afterwards. */
        void release() {
            if (buffer != null) buffer.release();
        }
    }

    /**
     * Decodes {@code r}, which passes to this method: once a decoded copy exists, the read value
     * is released. The caller may release the result once it is done with the chunk.
     */
    Decoded decodeOwned(ReadResult r, String key) {
        if (!r.exists()) return null;
        try {
            return decode(r, key);
        } catch (RuntimeException e) {
            r.releaseValue(); // a chunk that cannot be decoded is dropped
            throw e;
        }
    }

    private Decoded decode(ReadResult r, String key) {
        long expected = meta.chunkBytes();
        if (compressor == null && r.value().byteSize() != expected) {
            throw new ChunkDecodeException("Error decoding chunk " + store.describeKey(key) + ": expected " + expected
                    + " bytes but received " + r.value().byteSize());
        }
        if (compressor == null && !swapBytes) return new Decoded(chunkView(r.value()), r.buffer());
        BufferPool.Buffer b = takeChunkBuffer();
        try {
            NDArray chunk = chunkView(b.segment());
            if (compressor == null) {
                ArrayOps.byteSwap(chunkView(r.value()), chunk);
            } else if (!swapBytes) {
                Compressors.decode(compressor, r.value(), b.segment(), store.describeKey(key));
            } else {
                BufferPool.Buffer raw = takeChunkBuffer();
                try {
                    Compressors.decode(compressor, r.value(), raw.segment(), store.describeKey(key));
                    ArrayOps.byteSwap(chunkView(raw.segment()), chunk);
                } finally {
                    raw.release();
                }
            }
            r.releaseValue();
            return new Decoded(chunk, b);
        } catch (RuntimeException e) {
            b.release();
            throw e;
        }
    }

    /** The stored form of {@code chunk}; a new pooled buffer (in {@code encoded}, if given) when it is not the chunk itself. */
    MemorySegment encode(NDArray chunk, List<BufferPool.Buffer> encoded) {
        MemorySegment bytes = chunk.segment().asSlice(chunk.offset(), meta.chunkBytes());
        if (swapBytes) {
            BufferPool.Buffer b = takeChunkBuffer();
            if (encoded != null) encoded.add(b);
            NDArray swapped = chunkView(b.segment());
            ArrayOps.byteSwap(chunk, swapped);
            bytes = swapped.segment();
        }
        if (compressor == null) return bytes;
        return compressor.encode(bytes, meta.dataType().byteSize(), (size, align) -> {
            BufferPool.Buffer b = BufferPool.shared().take(size);
            if (encoded != null) encoded.add(b);
            return b.segment();
        });
    }

    /**
     * The mutation that stores {@code chunk} (a delete when it is all fill value), whose memory
     * {@code chunkBuffer} (may be null) is a handle on. A store that keeps its values gets a
     * handle of its own on the memory it keeps (the chunk's, or the encoded buffer's), so that it
     * can give the memory back once it drops the value; the caller's handles stay the caller's,
     * and buffers the encoding took go to {@code encoded}, to be released once the store has
     * applied the mutation.
     */
    KvStore.Mutation mutation(String key, NDArray chunk, BufferPool.Buffer chunkBuffer, Generation ifEqual, List<BufferPool.Buffer> encoded) {
        if (elideFillChunks && ArrayOps.allEqual(chunk, fill)) return new KvStore.Mutation(key, null, ifEqual);
        MemorySegment value = encode(chunk, encoded);
        BufferPool.Buffer kept = encoded == null || encoded.isEmpty() ? chunkBuffer : encoded.getLast();
        BufferPool.Buffer owner = kept != null && store.retainsWrittenValues() ? kept.share() : null;
        return new KvStore.Mutation(key, value, ifEqual, owner);
    }

    /** The copy executor: staging, encoding and decoding run on it. */
    public Executor executor() { return executor; }

    /**
     * Pooled memory for one chunk, contents unspecified. Chunk buffers live off the heap: a
     * memory store keeps hundreds of MiB of them, which a young collection would otherwise copy.
     */
    BufferPool.Buffer takeChunkBuffer() {
        return BufferPool.shared().take(meta.chunkBytes());
    }

    /** {@code segment} (a chunk's bytes, in native byte order) as an array in the chunk's layout. */
    NDArray chunkView(MemorySegment segment) {
        return NDArray.view(segment, 0, meta.dataType(), new long[meta.rank()], meta.chunks(), chunkStrides);
    }

    // ---- write -----------------------------------------------------------------------------

    /** The most elements a write copied on the caller's thread may have ({@link #copiesOnCaller}). */
    static final long INLINE_COPY_ELEMENTS = 4096;

    /**
     * Whether a write's copy task stages two neighbouring chunks it covers in one pass over the
     * source ({@link #stagePair}); {@code -Dtessera.write.pairChunks=false} stages them one at a time.
     */
    private static final boolean PAIR_CHUNKS = Boolean.parseBoolean(System.getProperty("tessera.write.pairChunks", "true"));

    /**
     * The most chunk memory a write copied on the caller's thread may touch: a chunk it is the
     * first to write since the last writeback starts as a fill of the whole chunk.
     */
    static final long INLINE_COPY_CHUNK_BYTES = 1 << 20;

    /**
     * Whether a write of {@code elements} elements to the region {@code t} selects is cheap
     * enough to copy on the caller's thread (a few microseconds, where the hand-off to the copy
     * executor costs more than the copy): few elements, little chunk memory, and a caller that
     * is not one of the store's I/O threads, where the write's store operations would run in
     * place.
     */
    public boolean copiesOnCaller(IndexTransform t, long elements) {
        if (elements > INLINE_COPY_ELEMENTS || store.isOwnThread()) return false;
        long chunks = ChunkPart.chunksTouched(t, meta.chunks());
        return chunks <= INLINE_COPY_CHUNK_BYTES / Math.max(1, meta.chunkBytes());
    }

    /**
     * Writes {@code source} (already shaped like {@code t}'s input domain; any dtype, converted
     * on copy) to the region {@code t} selects.
     */
    public Futures write(IndexTransform t, NDArray source) {
        List<ChunkPart> parts = ChunkPart.split(t, meta.chunks());
        CompletableFuture<Void> copy = new CompletableFuture<>();
        if (parts.isEmpty()) {
            copy.complete(null);
            return new Futures(copy, CompletableFuture.completedFuture(null));
        }
        ChunkEntry[] targets = new ChunkEntry[parts.size()];
        @SuppressWarnings("unchecked")
        CompletableFuture<Void>[] commits = new CompletableFuture[parts.size()];
        long seq;
        boolean onCaller = copiesOnCaller(t, source.size());
        Runnable runHere;
        Runnable copyTask;
        synchronized (issueLock) {
            seq = nextSequence++;
            for (int i = 0; i < targets.length; i++) {
                targets[i] = enqueue(chunkKey(parts.get(i).chunkIndex), seq);
                commits[i] = new CompletableFuture<>();
                if (onCaller) onCaller = targets[i].isNext(seq);
            }
            // Each task takes the next part not yet taken, so that a task slowed down (a core
            // shared with other work) takes fewer parts instead of finishing last.
            int tasks = onCaller ? 1 : Math.min(parts.size(), Math.max(1, Runtime.getRuntime().availableProcessors()));
            PartClaims claims = new PartClaims(parts.size(), tasks, copy);
            boolean inline = onCaller;
            copyTask = () -> claims.runTask(() -> stageParts(seq, parts, claims, targets, t, source, commits, inline));
            // Submitted under the lock: FIFO execution then guarantees every earlier write's copy
            // task has started before ours, so waiting for our turn at a chunk cannot deadlock.
            runHere = onCaller ? copyTask : submitCopyTasks(copyTask, tasks, claims);
        }
        // No earlier write waits at any of these chunks, and later ones queue behind this one:
        // the copy cannot wait, and it is cheaper here than a hand-off to the executor.
        if (runHere != null) runHere.run();
        return new Futures(copy, CompletableFuture.allOf(commits));
    }

    /**
     * The parts of one write, which its copy tasks take one at a time; the first failure among
     * them; and the write's copy future, which the last task to end completes.
     */
    private static final class PartClaims {
        private final int parts;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final AtomicInteger running;
        private final CompletableFuture<Void> copy;

        PartClaims(int parts, int tasks, CompletableFuture<Void> copy) {
            this.parts = parts;
            this.running = new AtomicInteger(tasks);
            this.copy = copy;
        }

        /** The index of a part no task has taken yet, or -1. */
        int take() {
            int i = next.getAndIncrement();
            return i < parts ? i : -1;
        }

        /** Takes part {@code i} too if it is the next one and no task has taken it yet. */
        boolean takeIf(int i) {
            return i < parts && next.compareAndSet(i, i + 1);
        }

        /** Runs one copy task; whatever it throws fails the write rather than leave the copy future waiting. */
        void runTask(Runnable stage) {
            try {
                stage.run();
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            } finally {
                // Only once every task is done does nothing read the source any more.
                if (running.decrementAndGet() == 0) {
                    Throwable e = failure.get();
                    if (e != null) copy.completeExceptionally(e); else copy.complete(null);
                }
            }
        }
    }

    /**
     * Runs {@code task} on the executor, or here if the executor throws instead of taking it: a
     * writeback that never ran would leave its chunk's later writes waiting for good. An executor
     * may throw and still keep the task (a {@code LimitedExecutor} that could not start a thread
     * keeps it queued), so the task runs at most once, wherever it starts first.
     */
    private void dispatch(Runnable task) {
        Once once = new Once(task);
        try {
            executor.execute(once);
        } catch (Throwable refused) {
            once.run();
        }
    }

    /** A task that runs at most once, wherever it is started first. */
    private static final class Once implements Runnable {
        private final Runnable task;
        private final AtomicBoolean started = new AtomicBoolean();

        Once(Runnable task) { this.task = task; }

        /** Takes the task's one run away from everyone else; true if it had not started. */
        boolean claim() { return started.compareAndSet(false, true); }

        @Override
        public void run() {
            if (claim()) task.run();
        }
    }

    /**
     * Hands a write's {@code tasks} copy tasks to the executor; returns the one the caller is to
     * run itself when the executor took none, else null. A write's turns at its chunks are
     * already promised, and only its copy tasks give them back, so a task the executor throws
     * on must not leave them taken: the tasks taken share the parts between them, and one not
     * taken counts as done. Each task runs at most once ({@link Once}): an executor may throw
     * and keep the task anyway, and the write's copy completes only when every task has counted
     * itself done, exactly once. The caller's own run may wait for earlier writes' turns; their
     * tasks were taken, or ran on their callers.
     */
    private Runnable submitCopyTasks(Runnable copyTask, int tasks, PartClaims claims) {
        for (int g = 0; g < tasks; g++) {
            Once task = new Once(copyTask);
            try {
                executor.execute(task);
            } catch (Throwable refused) {
                for (int k = g + 1; k < tasks; k++) claims.runTask(() -> {});
                if (g == 0) return task;
                // Counted done here unless the executor kept it and it has already started.
                if (task.claim()) claims.runTask(() -> {});
                return null;
            }
        }
        return null;
    }

    /**
     * Stages the parts of one write that this task takes from {@code claims}; once any part has
     * failed, the parts taken afterwards give up their turns.
     */
    private void stageParts(long seq, List<ChunkPart> parts, PartClaims claims, ChunkEntry[] targets,
                            IndexTransform t, NDArray source, CompletableFuture<Void>[] commits, boolean onCaller) {
        for (int i; (i = claims.take()) >= 0; ) {
            Throwable failure = claims.failure.get();
            if (failure != null) {
                targets[i].skip(seq, commits[i], failure);
                continue;
            }
            try {
                int j = i + 1;
                if (PAIR_CHUNKS && !onCaller && j < parts.size() && pairable(parts.get(i), parts.get(j), t) && claims.takeIf(j)) {
                    stagePair(seq, parts.get(i), parts.get(j), targets[i], targets[j], t, source, commits[i], commits[j]);
                } else {
                    targets[i].stage(seq, parts.get(i), t, source, commits[i], onCaller);
                }
            } catch (Throwable e) {
                claims.failure.compareAndSet(null, e);
            }
        }
    }

    /**
     * Whether two parts cover chunks that are neighbours along the last dimension: in a C-order
     * source their rows alternate, half a row of one chunk, then half a row of the other.
     */
    private boolean pairable(ChunkPart a, ChunkPart b, IndexTransform t) {
        int last = a.chunkIndex.length - 1;
        if (last < 0 || b.chunkIndex[last] != a.chunkIndex[last] + 1) return false;
        for (int d = 0; d < last; d++) if (a.chunkIndex[d] != b.chunkIndex[d]) return false;
        return a.coversChunk(meta.chunks(), t) && b.coversChunk(meta.chunks(), t);
    }

    /**
     * Stages two parts that each cover their chunk (see {@link #pairable}) in one pass over the
     * source, row by row into both chunks' buffers: read in address order, the source moves at
     * about the speed of a plain copy, where one chunk at a time reads half of every span of
     * memory and skips the other (about 20% slower here). Both turns are held during the copy,
     * outside the chunks' monitors. A chunk where writes are already pending stages its part
     * as usual, after the other.
     */
    private void stagePair(long seq, ChunkPart a, ChunkPart b, ChunkEntry ea, ChunkEntry eb, IndexTransform t, NDArray source,
                           CompletableFuture<Void> ca, CompletableFuture<Void> cb) {
        Pending pa;
        try {
            pa = ea.beginFill(seq);
        } catch (Throwable e) {
            // Nothing was taken (beginFill changes nothing when it throws): both turns pass.
            ea.skip(seq, ca, e);
            eb.skip(seq, cb, e);
            throw e;
        }
        if (pa == null) {
            try {
                ea.stage(seq, a, t, source, ca, false);
            } catch (Throwable e) {
                eb.skip(seq, cb, e);
                throw e;
            }
            eb.stage(seq, b, t, source, cb, false);
            return;
        }
        // Waiting for the turn at b while holding the one at a cannot close a cycle: a write only
        // ever waits for earlier writes, and those need nothing this one holds.
        Pending pb;
        try {
            pb = eb.beginFill(seq);
        } catch (Throwable e) {
            ea.endFill(pa, ca, e);
            eb.skip(seq, cb, e);
            throw e;
        }
        Throwable failed = null;
        try {
            if (pb == null) ArrayOps.copy(a.userView(source), a.chunkView(pa.buffer, t));
            else ArrayOps.copyPair(a.userView(source), a.chunkView(pa.buffer, t), b.userView(source), b.chunkView(pb.buffer, t));
        } catch (RuntimeException | Error e) {
            failed = e;
        }
        boolean startA = ea.endFill(pa, ca, failed);
        boolean startB = pb != null && eb.endFill(pb, cb, failed);
        // Both turns pass before either writeback runs here (encoding a chunk takes a while); b's
        // part, where writes were already pending, is staged first for the same reason.
        try {
            if (pb == null) {
                if (failed != null) eb.skip(seq, cb, failed);
                else eb.stage(seq, b, t, source, cb, false);
            }
        } finally {
            try {
                if (startA) ea.writeback();
            } finally {
                if (startB) eb.writeback();
            }
        }
        if (failed instanceof Error err) throw err;
        if (failed != null) throw (RuntimeException) failed;
    }

    private ChunkEntry enqueue(String key, long seq) {
        while (true) {
            ChunkEntry e = entries.computeIfAbsent(key, ChunkEntry::new);
            synchronized (e) {
                if (!e.retired) {
                    e.queue.addLast(seq);
                    return e;
                }
            }
        }
    }

    /** Writes staged for one chunk but not yet handed to a writeback, and who waits for them. */
    private final class Pending extends StagedChunk {
        final List<CompletableFuture<Void>> waiters = new ArrayList<>();

        Pending(boolean firstWriteCovers) { super(ZarrArray.this, firstWriteCovers); }
    }

    /** The write state of one chunk. */
    private final class ChunkEntry {
        final String key;
        final java.util.ArrayDeque<Long> queue = new java.util.ArrayDeque<>();
        Pending pending;
        /** A write holds its turn and copies into {@link #pending} outside the monitor ({@link #beginFill}). */
        boolean filling;
        boolean writebackRunning;
        boolean retired;

        ChunkEntry(String key) { this.key = key; }

        /**
         * Copies one write's part into the pending buffer once every earlier write to this chunk
         * has. The turn is consumed even when the copy fails, and {@code committed} then fails.
         */
        void stage(long seq, ChunkPart part, IndexTransform t, NDArray source, CompletableFuture<Void> committed, boolean onCaller) {
            boolean start = false;
            boolean handOff = false;
            Throwable failed = null;
            synchronized (this) {
                awaitTurn(seq);
                Pending fresh = null;
                try {
                    boolean covers = part.coversChunk(meta.chunks(), t);
                    if (pending == null) pending = fresh = new Pending(covers);
                    pending.add(part, t, source, covers);
                    pending.waiters.add(committed);
                    if (!writebackRunning) {
                        writebackRunning = true;
                        start = true;
                        // Encoding a whole chunk, or merging over a cached one, is work for the
                        // executor; otherwise the writeback's first step only dispatches a read.
                        handOff = onCaller && (pending.full() || cache != null);
                    }
                } catch (RuntimeException | Error e) {
                    // A staging buffer made for this write alone holds nothing anyone waits for.
                    if (fresh != null && pending == fresh) {
                        pending = null;
                        fresh.releaseBuffers();
                    }
                    failed = e;
                } finally {
                    queue.removeFirst();
                    notifyAll();
                    if (!start) retireIfIdle();
                }
            }
            // Failed outside the chunk's monitor and after the turn has passed: the commit's
            // callbacks run here, and one may write to this chunk and wait for that write's copy.
            if (failed != null) {
                committed.completeExceptionally(failed);
                // Only unchecked ones are caught above.
                if (failed instanceof Error err) throw err;
                throw (RuntimeException) failed;
            }
            // Started here, on the copy thread: queued, the writeback would wait until the write's
            // copy tasks, which occupy every thread of the executor, had all finished. From the
            // caller's thread, work beyond dispatching a read goes to the executor.
            if (start && handOff) dispatch(this::writeback);
            else if (start) writeback();
        }

        /**
         * Takes write {@code seq}'s turn, for a write that covers the chunk and copies into the
         * returned staging state itself, outside the monitor: the turn stays taken, and no
         * writeback takes the state, until {@link #endFill}. Null, with nothing changed, when
         * writes are already pending here (then the write stages as usual).
         */
        synchronized Pending beginFill(long seq) {
            awaitTurn(seq);
            if (pending != null) return null;
            pending = new Pending(true);
            filling = true;
            return pending;
        }

        /**
         * Ends {@link #beginFill}: records the covering write, or, when its copy failed, drops
         * the state (it held nothing else) and fails {@code committed}; passes the turn. True when
         * the caller is to run the writeback ({@link #writeback}), which no one else runs now.
         */
        boolean endFill(Pending p, CompletableFuture<Void> committed, Throwable failed) {
            boolean start = false;
            synchronized (this) {
                filling = false;
                if (failed == null) {
                    p.markCovered();
                    p.waiters.add(committed);
                } else {
                    pending = null;
                    p.releaseBuffers();
                }
                queue.removeFirst();
                notifyAll();
                if (pending != null && !writebackRunning) {
                    writebackRunning = true;
                    start = true;
                } else {
                    retireIfIdle();
                }
            }
            if (failed != null) committed.completeExceptionally(failed);
            return start;
        }

        /** Whether {@code seq} heads this chunk's queue of writes, so that its copy need not wait. */
        synchronized boolean isNext(long seq) {
            Long head = queue.peekFirst();
            return head != null && head == seq;
        }

        /** Gives up this write's turn at the chunk (an earlier part of the write failed). */
        void skip(long seq, CompletableFuture<Void> committed, Throwable cause) {
            synchronized (this) {
                awaitTurn(seq);
                queue.removeFirst();
                notifyAll();
                retireIfIdle();
            }
            committed.completeExceptionally(cause);
        }

        /** Waits, uninterruptibly, until {@code seq} heads this chunk's queue of writes. */
        private void awaitTurn(long seq) {
            boolean interrupted = false;
            while (true) {
                Long head = queue.peekFirst();
                if (head == null) throw new IllegalStateException("write " + seq + " is not queued at chunk " + key);
                if (head == seq) break;
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
        }

        private void writeback() {
            Pending p;
            synchronized (this) {
                p = pending;
                pending = null;
            }
            CompletableFuture<Void> done;
            try {
                done = p.full() ? writeWhole(p.buffer, p.bufferHandle(), Generation.UNKNOWN, p).thenApply(r -> null) : modifyCachedOrStored(p);
            } catch (Throwable e) {
                done = CompletableFuture.failedFuture(e);
            }
            done.whenComplete((v, e) -> {
                // A store or a cache that keeps a chunk holds its own handle on it.
                p.releaseBuffers();
                for (CompletableFuture<Void> w : p.waiters) {
                    if (e == null) w.complete(null); else w.completeExceptionally(e);
                }
                boolean again;
                synchronized (this) {
                    // A state being filled is not ready: its filler starts the writeback when done.
                    again = pending != null && !filling;
                    if (!again) {
                        writebackRunning = false;
                        retireIfIdle();
                    }
                }
                if (again) dispatch(this::writeback);
            });
        }

        private void retireIfIdle() {
            if (!writebackRunning && pending == null && queue.isEmpty()) {
                retired = true;
                entries.remove(key, this);
            }
        }

        /** Merges over the cached chunk when there is one; a stale one costs a re-read. */
        private CompletableFuture<Void> modifyCachedOrStored(Pending p) {
            ChunkCache.Lease cached = cache == null ? null : cache.lease(cacheKey());
            if (cached == null) return readModifyWrite(p);
            CompletableFuture<Boolean> written;
            try {
                written = mergeAndWrite(p, cached.chunk(), cached.generation()); // (the merge copies the cached chunk)
            } finally {
                cached.release();
            }
            return written.thenCompose(ok -> {
                if (ok) return CompletableFuture.<Void>completedFuture(null);
                cache.invalidate(cacheKey(), System.nanoTime());
                return readModifyWrite(p);
            });
        }

        private CompletableFuture<Void> readModifyWrite(Pending p) {
            return storeCall(() -> store.readThen(key, r -> {
                        // The merge copies the stored chunk, so its memory is free once the write has begun.
                        Decoded d = decodeOwned(r, key);
                        try {
                            return mergeAndWrite(p, d == null ? null : d.chunk(), r.generation());
                        } finally {
                            if (d != null) d.release();
                        }
                    }, executor))
                    .thenCompose(ok -> ok ? CompletableFuture.<Void>completedFuture(null) : readModifyWrite(p));
        }

        /** Writes {@code stored} (null: missing) with the staged regions over it, if it is still at {@code generation}. */
        private CompletableFuture<Boolean> mergeAndWrite(Pending p, NDArray stored, Generation generation) {
            StagedChunk.Merged merged = p.merge(stored);
            return writeWhole(merged.chunk(), merged.buffer(), generation, null).thenApply(WriteResult::succeeded);
        }

        /**
         * Stores {@code chunk}. {@code unconditional}, when given, is the staging state of an
         * unconditional write, which no retry merges again: its buffers are released as soon as the
         * chunk is encoded into memory of its own.
         */
        private CompletableFuture<WriteResult> writeWhole(NDArray chunk, BufferPool.Buffer chunkBuffer, Generation ifEqual, StagedChunk unconditional) {
            List<BufferPool.Buffer> encoded = new ArrayList<>(1);
            // The cache's handle, taken before the staging state's handles may go below.
            BufferPool.Buffer cached = cache != null && chunkBuffer != null ? chunkBuffer.share() : null;
            KvStore.Mutation m;
            try {
                m = mutation(key, chunk, chunkBuffer, ifEqual, encoded);
            } catch (RuntimeException | Error e) {
                if (cached != null) cached.release();
                throw e;
            }
            // Why now and not after the store's write: the buffer is still in this core's cache, and
            // the pool hands the most recently returned buffer out first, so the next chunk this
            // thread stages reuses it. Held until the write is durable, every chunk of a large
            // compressed write was staged into memory that had to come from DRAM. A cache keeps the
            // chunk through a handle of its own.
            if (unconditional != null && (m.value() == null || !encoded.isEmpty())) unconditional.releaseBuffers();
            CompletableFuture<WriteResult> f = apply(store, m);
            if (!encoded.isEmpty()) f = f.whenComplete((w, e) -> encoded.forEach(BufferPool.Buffer::release));
            if (cache == null) return f;
            return f.whenComplete((w, e) -> {
                // Stamped when the write is known done: a read that began before may have read the old value.
                long now = System.nanoTime();
                if (e == null && w.succeeded() && m.value() != null) {
                    cache.put(cacheKey(), chunk, w.generation(), meta.chunkBytes(), now, cached);
                    return;
                }
                if (cached != null) cached.release();
                if (e == null && w.succeeded()) cache.putMissing(cacheKey(), now); // a chunk of fill values, deleted
                else cache.invalidate(cacheKey(), now);
            });
        }

        private CacheKey cacheKey() { return ZarrArray.this.cacheKey(key); }
    }

    private record CacheKey(CacheScope scope, String key) {}

    /** The cache pool's key of the chunk {@code key} of this array (and of every array sharing its scope). */
    private CacheKey cacheKey(String key) { return new CacheKey(cacheScope, key); }

    /**
     * What a cached chunk belongs to: one store and one metadata. Arrays opened on the same
     * chunks with equal metadata share one scope, and so see each other's writes in the cache
     * pool, as TensorStore's handles in one context do (two handles of one array may be distinct
     * arrays here: one opened with a resource of its own, such as an inline
     * {@code data_copy_concurrency}). Scopes are interned, so a cache lookup compares them by
     * identity and never compares metadata.
     */
    private static final class CacheScope {
        private static final Map<CacheScope, WeakReference<CacheScope>> INTERNED = new WeakHashMap<>();
        final KvStore store;
        private final ZarrMetadata meta;
        private final int hash;

        private CacheScope(KvStore store, ZarrMetadata meta) {
            this.store = store;
            this.meta = meta;
            this.hash = 31 * System.identityHashCode(store) + meta.hashCode();
        }

        static CacheScope of(KvStore store, ZarrMetadata meta) {
            CacheScope s = new CacheScope(store, meta);
            synchronized (INTERNED) {
                WeakReference<CacheScope> known = INTERNED.get(s);
                CacheScope k = known == null ? null : known.get();
                if (k != null) return k;
                INTERNED.put(s, new WeakReference<>(s));
                return s;
            }
        }

        @Override
        public boolean equals(Object o) {
            return o == this || (o instanceof CacheScope c && c.store == store && c.hash == hash && c.meta.equals(meta));
        }

        @Override
        public int hashCode() { return hash; }
    }

    /**
     * Forgets what the cache pool holds of the chunk {@code key}: it was written around the
     * cache (a transaction's commit), or may have been.
     */
    public void forgetCached(String key) {
        if (cache != null) cache.invalidate(cacheKey(key), System.nanoTime());
    }

    /**
     * {@link #forgetCached} for every chunk stored under this array's prefix of its store, by any
     * array of the cache pool (the chunks were deleted; an earlier array there may have had other
     * metadata).
     */
    public void forgetCachedChunks() {
        if (cache != null) {
            cache.invalidateIf(k -> k instanceof CacheKey c && c.scope().store == store && c.key().startsWith(prefix), System.nanoTime());
        }
    }

    /** A stored chunk could not be decoded; the message names its key. */
    public static final class ChunkDecodeException extends RuntimeException {
        public ChunkDecodeException(String message) { super(message); }
    }
}
