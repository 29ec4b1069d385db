package io.tessera.kvstore.file;

import io.tessera.kvstore.Generation;
import io.tessera.kvstore.KvStore;
import io.tessera.kvstore.KvStoreException;
import io.tessera.kvstore.ReadResult;
import io.tessera.kvstore.WriteResult;
import io.tessera.memory.BufferPool;
import io.tessera.nativeio.Errno;
import io.tessera.nativeio.FileHandle;
import io.tessera.nativeio.FileIoDriver;
import io.tessera.nativeio.FileStat;
import io.tessera.nativeio.LibC;
import io.tessera.nativeio.NativeIOException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * TensorStore's {@code file} key-value store: one file per key under a root directory, laid out
 * on disk exactly as TensorStore lays it out, so either can read what the other wrote.
 *
 * <p>A value is never modified in place. A write goes to {@code <key>.__lock} while holding an
 * open-file-description lock on it (TensorStore's lock, {@code fcntl F_OFD_SETLKW}), which is
 * fsync'd, checked against the condition, renamed over {@code <key>}, and the directory fsync'd
 * (every directory the write created too). Readers take no lock. A key's generation is its
 * file's device, inode, modification time and size. A lock file left by a killed process
 * holds no lock (the kernel drops it with the process) and is simply reused.
 *
 * <p>Group commit: concurrent writes share data syncs ({@link DataSyncer}: one {@code syncfs} per
 * batch), renames into one directory share directory fsyncs, and with io_uring concurrent
 * operations share submissions; no write completes before its own data and rename are durable.
 */
public final class FileKvStore implements KvStore {
    /** TensorStore's suffix for the file a write is prepared in. */
    public static final String LOCK_SUFFIX = ".__lock";

    /**
     * Options of a file store.
     *
     * @param fileIoSync whether writes fsync data and directories ({@code file_io_sync}); false
     *     makes writes complete without durability
     * @param ioConcurrency the most file operations in flight at once ({@code file_io_concurrency.limit});
     *     0 lets the driver choose ({@link FileIoDriver#create}); such stores share the process's
     *     driver of their kind ({@link FileIoDriver#shared}), as TensorStore's contexts without a
     *     limit share one file I/O pool, and a store with a limit has a driver of its own
     * @param driver which file I/O driver to use
     */
    public record Options(boolean fileIoSync, int ioConcurrency, FileIoDriver.Kind driver) {
        public Options {
            if (ioConcurrency < 0) throw new IllegalArgumentException("ioConcurrency must be >= 0, got " + ioConcurrency);
            if (driver == null) throw new IllegalArgumentException("driver must not be null");
        }

        /** fsync on, concurrency chosen by the driver, driver chosen automatically. */
        public static Options defaults() {
            return new Options(true, 0, FileIoDriver.Kind.AUTO);
        }

        public Options withFileIoSync(boolean sync) { return new Options(sync, ioConcurrency, driver); }

        public Options withIoConcurrency(int limit) { return new Options(fileIoSync, limit, driver); }

        public Options withDriver(FileIoDriver.Kind kind) { return new Options(fileIoSync, ioConcurrency, kind); }
    }

    private static final int FILE_MODE = 0666; // as TensorStore; the umask narrows it
    private static final int DIR_MODE = 0755;
    /**
     * Values at least this large start their writeback as soon as they are written, before the
     * sync, when other mutations are in progress. The device then works while other chunks are
     * still being written, instead of every page of a batch waiting for the sync that follows:
     * about 2x the throughput of many concurrent chunk writes here. A lone write's own fsync
     * follows at once, and small values gain nothing from the extra call.
     */
    private static final long WRITEBACK_AHEAD_MIN = Long.getLong("tessera.file.writebackAhead", 64 << 10);
    private static final AtomicInteger THREAD_IDS = new AtomicInteger();
    /** Its own thread: stopping a driver waits for its threads to end. */
    private static final Cleaner STOPPER = Cleaner.create();
    /** Stores not yet stopped: open, or dropped and waiting for the collector ({@link #reclaimDroppedStores}). */
    private static final AtomicInteger UNSTOPPED = new AtomicInteger();
    /** How many unstopped stores make an open ask the collector for the dropped ones first. */
    private static final int RECLAIM_FROM = Integer.getInteger("tessera.file.reclaimStoresFrom", 256);
    private static volatile int reclaimAt = RECLAIM_FROM;
    private static final long PAGE = 4096;
    /** The fewest zero pages in a row that {@link #writeSparse} leaves as a hole. */
    private static final int HOLE_MIN_PAGES = 4;
    /** The most separate writes {@link #writeSparse} makes of one value. */
    private static final int MAX_DATA_RUNS = 8;
    private static final MemorySegment ZERO_PAGE = Arena.global().allocate(PAGE);
    /** {@code -Dtessera.file.sparse=false} writes every byte of a value, zero pages included. */
    private static final boolean SPARSE_WRITES = Boolean.parseBoolean(System.getProperty("tessera.file.sparse", "true"));

    private final String root;
    /**
     * The directories of this store that writes have gone into, each with what completes once
     * its entry in its parent is durable (the parent synced after the directory appeared): under
     * strict POSIX a file renamed into a new directory survives a crash only once the directory's
     * own entry does. A directory this store creates is registered from before its mkdir; one it
     * finds already there, which another process may have made and died before syncing its
     * parent, gets its parent synced by the first write into it. Completed entries stay (up to
     * {@link #MAX_KNOWN_DIRS}): each directory costs one parent sync per store.
     */
    private final java.util.concurrent.ConcurrentHashMap<String, CompletableFuture<Void>> dirEntries = new java.util.concurrent.ConcurrentHashMap<>();
    private final Options options;
    private final FileIoDriver driver;
    private final DirectorySyncer dirSyncer;
    private final DataSyncer dataSyncer;
    /** Native buffers for I/O of heap values; a budget of a few dozen chunks in flight. */
    private final StagingBuffers staging = new StagingBuffers(64L << 20);
    /** Reads and heap-value writes in progress at once (a heap-value write holds one staging buffer). */
    private final AsyncPermits permits;
    /** For what must block: waiting on a lock another process holds, and listing. */
    private final ExecutorService blocking;
    /** Completes the futures handed to callers (see {@link #handOff}). */
    private final ExecutorService callbacks;
    /** Tail of the chain of this process's mutations per key, so they never contend for the OS lock among themselves. */
    private final ConcurrentHashMap<String, CompletableFuture<Void>> keyTails = new ConcurrentHashMap<>(512); // as ZarrArray's entries
    /** Mutations in progress. */
    private final AtomicInteger mutations = new AtomicInteger();
    private volatile boolean closed;
    /** Stops the driver and the threads and frees the staging buffers: at {@link #close()}, or once the store is unreachable. */
    private final Cleaner.Cleanable stopping;

    private FileKvStore(Path root, Options options, FileIoDriver driver) {
        String r = root.toAbsolutePath().normalize().toString();
        this.root = r.endsWith("/") && r.length() > 1 ? r.substring(0, r.length() - 1) : r;
        this.options = options;
        this.driver = driver;
        this.dataSyncer = new DataSyncer(driver);
        this.dirSyncer = new DirectorySyncer(dataSyncer);
        this.blocking = Executors.newCachedThreadPool(task -> {
            Thread t = new Thread(task, "tessera-file-kvstore-" + THREAD_IDS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.callbacks = Executors.newCachedThreadPool(task -> {
            Thread t = new Thread(task, "tessera-file-kvstore-callback-" + THREAD_IDS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.permits = new AsyncPermits(Math.max(16, 4 * options.ioConcurrency()), callbacks);
        // TensorStore frees a context's stores when its last reference goes, and callers of the
        // Java API may never close theirs: without this, each such store's pooled staging
        // buffers (and the ring and threads of a store with a driver of its own) would live as
        // long as the process. An operation in flight keeps the store reachable
        // (the driver holds it until completion, and its continuations hold the store).
        UNSTOPPED.incrementAndGet();
        this.stopping = STOPPER.register(this, new Owned(driver, blocking, callbacks, staging));
    }

    /**
     * Asks the collector for dropped stores once many are unstopped, as the JDK does for direct
     * buffers: a store that is dropped without a close (a context nobody closes, TensorStore's
     * way) keeps its pooled staging buffers, and a store with a driver of its own its ring, its
     * threads and their mappings, until the collector finds it. A program that opened thousands
     * of arrays, each with a context of its own, on a large and quiet heap ran out of memory
     * mappings first (about 4,600 rings here, when every store had its own ring). The threshold then
     * moves to twice the stores still open, so stores in use do not make every open collect.
     */
    private static void reclaimDroppedStores() {
        if (UNSTOPPED.get() < reclaimAt) return;
        synchronized (UNSTOPPED) {
            if (UNSTOPPED.get() < reclaimAt) return;
            System.gc();
            // The cleaner stops them after the collection, on its own thread.
            for (long wait = 1; wait <= 128 && UNSTOPPED.get() >= reclaimAt; wait <<= 1) {
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            reclaimAt = Math.max(RECLAIM_FROM, 2 * UNSTOPPED.get());
        }
    }

    /** Stores not yet stopped (tests). */
    static int unstoppedStores() { return UNSTOPPED.get(); }

    /** What a store owns and stops with it; must not refer to the store, or it would never be unreachable. */
    private record Owned(FileIoDriver driver, ExecutorService blocking, ExecutorService callbacks, StagingBuffers staging) implements Runnable {
        @Override
        public void run() {
            UNSTOPPED.decrementAndGet();
            driver.close();
            blocking.shutdown();
            callbacks.shutdown();
            staging.close();
        }
    }

    /** Bytes of idle staging buffers the store holds (tests check that closing frees them). */
    long stagingPooledBytes() { return staging.pooledBytes(); }

    /**
     * Opens a store rooted at {@code root}; the directory need not exist (writes create it).
     *
     * @throws UnsupportedOperationException when {@code options.driver()} is
     *     {@link FileIoDriver.Kind#IO_URING} and io_uring is unavailable
     */
    public static FileKvStore open(Path root, Options options) {
        reclaimDroppedStores();
        return new FileKvStore(root, options, options.ioConcurrency() == 0
                ? FileIoDriver.shared(options.driver())
                : FileIoDriver.create(options.driver(), options.ioConcurrency()));
    }

    /** Opens a store rooted at {@code root} with {@link Options#defaults()}. */
    public static FileKvStore open(Path root) {
        return open(root, Options.defaults());
    }

    /**
     * Opens a store on a given driver, which the store closes when it is closed (tests inject
     * faults this way). A store on the shared driver ({@link FileIoDriver#shared}) leaves it open:
     * its operations in flight at the close then run to their end.
     */
    static FileKvStore open(Path root, Options options, FileIoDriver driver) {
        return new FileKvStore(root, options, driver);
    }

    /** The file I/O driver in use (tests). */
    FileIoDriver driver() { return driver; }

    /** The name of the file I/O driver in use: {@code io_uring} or {@code blocking}. */
    public String driverName() { return driver.name(); }

    /** Writes and deletes in progress (tests wait for one). */
    int mutationsInProgress() { return mutations.get(); }

    /** The group commit of written data (tests count its syncs). */
    DataSyncer dataSyncs() { return dataSyncer; }

    /** The options the store was opened with. */
    public Options options() { return options; }

    @Override
    public String describe() { return "file://" + root + "/"; }

    @Override
    public boolean retainsWrittenValues() { return false; }

    @Override
    public String describeKey(String key) { return path(key); }

    @Override
    public String quotedKey(String key) { return "local file \"" + path(key) + "\""; }

    private String path(String key) { return root + "/" + key; }

    // ---- keys and generations ----

    /**
     * Whether TensorStore's file store accepts {@code key}. Like TensorStore, a backslash counts as
     * a separator here too, so that what one writes the other can read on any platform.
     */
    static boolean isValidKey(String key) {
        if (key.isEmpty()) return false;
        // A scan rather than split("[/\\\\]"): this runs for every chunk operation, and split compiles that regex each time.
        int start = 0;
        for (int i = 0; i <= key.length(); i++) {
            char ch = i < key.length() ? key.charAt(i) : '/';
            if (ch == '\0') return false;
            if (ch == '/' || ch == '\\') {
                if (!isValidComponent(key, start, i)) return false;
                start = i + 1;
            }
        }
        return true;
    }

    private static boolean isValidComponent(String key, int start, int end) {
        int n = end - start;
        if (n == 0 || (n == 1 && key.charAt(start) == '.') || (n == 2 && key.startsWith("..", start))) return false;
        return !(n >= LOCK_SUFFIX.length() && key.startsWith(LOCK_SUFFIX, end - LOCK_SUFFIX.length()));
    }

    private static void validate(String key) {
        if (!isValidKey(key)) throw new KvStoreException("Invalid key: \"" + key.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
    }

    static Generation generation(FileStat st) {
        return new Generation(Long.toHexString(st.dev()) + "." + Long.toHexString(st.ino()) + "."
                + Long.toHexString(st.mtimeNanos()) + "." + Long.toHexString(st.size()));
    }

    /** The directory {@code path} is in: {@code "/"} for a top-level one. */
    static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash == 0 ? "/" : path.substring(0, slash);
    }

    private <T> CompletableFuture<T> guard(String key, Supplier<CompletableFuture<T>> op) {
        return guard(key, op, true);
    }

    /** {@code op} after the store's checks; handed off (see {@link #handOff}) unless {@code handOff} is false. */
    private <T> CompletableFuture<T> guard(String key, Supplier<CompletableFuture<T>> op, boolean handOff) {
        try {
            if (closed) throw new KvStoreException("The file key-value store " + describe() + " is closed");
            validate(key);
            return handOff ? handOff(op.get()) : unwrapped(op.get());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** {@code internal}, failing with the cause itself rather than a {@code CompletionException} around it. */
    private static <T> CompletableFuture<T> unwrapped(CompletableFuture<T> internal) {
        if (internal.isDone() && !internal.isCompletedExceptionally()) return internal;
        CompletableFuture<T> out = new CompletableFuture<>();
        internal.whenComplete((v, e) -> {
            if (e != null) out.completeExceptionally(Errors.unwrap(e));
            else out.complete(v);
        });
        return out;
    }

    /**
     * The future callers get: never completed on a driver's event thread (the io_uring completion
     * thread), so a caller's callback that blocks cannot stall the I/O every other operation waits
     * on; completed where it finished otherwise (a pool thread of blocking calls), which spares a
     * thread switch.
     */
    private <T> CompletableFuture<T> handOff(CompletableFuture<T> internal) {
        if (internal.isDone()) return internal;
        CompletableFuture<T> out = new CompletableFuture<>();
        internal.whenComplete((v, e) -> {
            Runnable finish = () -> {
                if (e != null) out.completeExceptionally(Errors.unwrap(e));
                else out.complete(v);
            };
            if (!driver.mustNotBlock()) {
                finish.run();
                return;
            }
            try {
                callbacks.execute(finish);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // Closed with this operation still in flight, which goes on to the end on the
                // shared driver: its callers still must not run on the driver's thread.
                java.util.concurrent.ForkJoinPool.commonPool().execute(finish);
            }
        });
        return out;
    }

    // ---- read ----

    /**
     * Reads {@code key}. Unlike writes, a read completes on the thread that made the whole-file
     * read: a pool of blocking calls, never the ring's threads, so a slow callback holds up one
     * read thread at worst; and readers continue on their own executor anyway, where a hand-off
     * would cost one more thread switch per chunk.
     */
    @Override
    public CompletableFuture<ReadResult> read(String key) {
        return readIfChanged(key, Generation.UNKNOWN);
    }

    /**
     * The largest value read, checked against the file's size before any memory is taken: as
     * large as any chunk's encoding can be (no codec takes more than 2 GiB), while a corrupt or
     * foreign file of any size would otherwise be read whole first, or fail with the JVM's
     * "Cannot reserve direct buffer memory".
     */
    static final long MAX_VALUE_BYTES = Integer.MAX_VALUE;

    /** The file's status decides, before any byte is read: an unchanged value costs an open and an fstat. */
    @Override
    public CompletableFuture<ReadResult> readIfChanged(String key, Generation ifNotEqual) {
        return guard(key, () -> permits.run(() -> {
            String p = path(key);
            // The file is read into a pooled native buffer that passes to the reader: the kernel
            // copies straight into memory the decoder reads, with no staging copy in between.
            BufferPool.Buffer[] taken = new BufferPool.Buffer[1];
            return driver.readFile(p, st -> {
                        if (!ifNotEqual.isUnknown() && ifNotEqual.equals(generation(st))) return null;
                        if (st.size() > MAX_VALUE_BYTES) {
                            throw new IllegalStateException("the file has " + st.size() + " bytes, more than the largest value the file store reads ("
                                    + MAX_VALUE_BYTES + " bytes)");
                        }
                        return (taken[0] = BufferPool.shared().take(st.size())).segment();
                    })
                    .handle((c, e) -> {
                        if (e != null) {
                            if (taken[0] != null) taken[0].release();
                            throw new java.util.concurrent.CompletionException(Errors.kv("Error reading " + p, e));
                        }
                        if (c == null) return ReadResult.missing();
                        if (c.bytes() == null) return ReadResult.unchanged(ifNotEqual);
                        return ReadResult.owned(taken[0], c.bytes(), generation(c.stat()));
                    });
        }), false);
    }

    @Override
    public boolean isOwnThread() { return driver.isOwnThread(); }

    /** With {@code file_io_sync}, the writes' data syncs wait for one another ({@link DataSyncer#expect}). */
    @Override
    public void expectWrites(int writes) {
        if (!options.fileIoSync()) return;
        if (writes > 1) dataSyncer.expect(writes);
        for (int i = writes; i < 0; i++) dataSyncer.arrivedWithoutSync();
    }

    /**
     * While no mutation is in progress, the read, {@code then} and the write it makes run as one
     * chain on a driver thread ({@link FileIoDriver#runChain}), their system calls back to back:
     * a lone read-modify-write's latency is mostly thread switches otherwise. With mutations in
     * progress, {@code then} runs on {@code executor}, as it would on any store.
     */
    @Override
    public <T> CompletableFuture<T> readThen(String key, Function<ReadResult, CompletableFuture<T>> then, Executor executor) {
        if (mutations.get() > 0) return KvStore.super.readThen(key, then, executor);
        return driver.runChain(() -> read(key).thenCompose(then));
    }

    /**
     * Writes {@code value} into the empty file {@code h}, leaving its long runs of zero pages as
     * holes: the file reads back the same bytes, and a chunk that is mostly zero (one element
     * written into a zero-filled chunk) costs the page cache, the writeback and the disk a page
     * instead of the whole chunk. Zero runs shorter than {@value #HOLE_MIN_PAGES} pages between
     * data are written (leading ones cost no write and stay holes), and a value that would need
     * more than {@value #MAX_DATA_RUNS} writes is written whole: each write is a system call,
     * which costs more than the pages it spares. The writes run concurrently; the file is then
     * extended to its full size if it ends in a hole.
     */
    private CompletableFuture<Void> writeSparse(FileHandle h, MemorySegment value, String path) {
        long size = value.byteSize();
        if (!SPARSE_WRITES || size < HOLE_MIN_PAGES * PAGE) return writeFully(h, value, 0, size);
        List<long[]> runs = dataRuns(value);
        if (runs == null) return writeFully(h, value, 0, size);
        CompletableFuture<?>[] writes = new CompletableFuture<?>[runs.size()];
        for (int i = 0; i < writes.length; i++) writes[i] = writeFully(h, value, runs.get(i)[0], runs.get(i)[1]);
        CompletableFuture<Void> all = CompletableFuture.allOf(writes);
        if (!runs.isEmpty() && runs.getLast()[1] == size) return all;
        return all.thenRun(() -> {
            try {
                LibC.ftruncate(h.fd(), size, path);
            } catch (NativeIOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
    }

    /**
     * The byte ranges {@code [from, to)} of {@code value} to write, in order, separated by zero
     * runs of at least {@value #HOLE_MIN_PAGES} pages; null when there would be more than
     * {@value #MAX_DATA_RUNS} of them.
     */
    private static List<long[]> dataRuns(MemorySegment value) {
        long size = value.byteSize();
        List<long[]> runs = new ArrayList<>();
        long runStart = -1, zeroStart = -1; // the open data run, and the zero pages after it
        for (long page = 0; page < size; page += PAGE) {
            if (isZeroPage(value, page)) {
                if (zeroStart < 0) zeroStart = page;
                continue;
            }
            if (runStart < 0) {
                runStart = page;
            } else if (zeroStart >= 0 && page - zeroStart >= HOLE_MIN_PAGES * PAGE) {
                runs.add(new long[] {runStart, zeroStart});
                if (runs.size() == MAX_DATA_RUNS) return null;
                runStart = page;
            }
            zeroStart = -1;
        }
        if (runStart >= 0) runs.add(new long[] {runStart, zeroStart >= 0 && size - zeroStart >= HOLE_MIN_PAGES * PAGE ? zeroStart : size});
        return runs.size() > MAX_DATA_RUNS ? null : runs;
    }

    private static boolean isZeroPage(MemorySegment value, long offset) {
        long n = Math.min(PAGE, value.byteSize() - offset);
        return MemorySegment.mismatch(value, offset, offset + n, ZERO_PAGE, 0, n) < 0;
    }

    /** Writes bytes {@code [done, end)} of {@code value} at the same offsets of the file. */
    private CompletableFuture<Void> writeFully(FileHandle h, MemorySegment value, long done, long end) {
        if (done == end) return CompletableFuture.completedFuture(null);
        return driver.write(h, value.asSlice(done, end - done), done).thenCompose(n -> writeFully(h, value, done + n, end));
    }

    // ---- write and delete ----

    @Override
    public CompletableFuture<WriteResult> write(String key, MemorySegment value, Generation ifEqual) {
        return guard(key, () -> {
            if (value.isNative()) return serialized(key, release -> mutateSoon(key, value, ifEqual, release, null));
            // The kernel needs a stable address; heap arrays move. The write takes its place among
            // the key's mutations first and waits for a permit there: waiting for the permit first,
            // a later write (or delete) of the key that needs none would overtake it and be
            // overwritten by it. The permit and the staging buffer go back once the value is in
            // the file (no I/O reads the buffer after that), not once it is durable: held through
            // the sync, the permits of a commit's announced writes ran out, and the writes still
            // waiting for one could not arrive until the held sync gave up waiting for them.
            return serialized(key, release -> {
                CompletableFuture<WriteResult> result = new CompletableFuture<>();
                permits.run(() -> {
                    StagingBuffers.Buffer b = staging.borrow(value.byteSize());
                    MemorySegment data = b.segment().asSlice(0, value.byteSize()).copyFrom(value);
                    CompletableFuture<Void> valueWritten = new CompletableFuture<>();
                    CompletableFuture<WriteResult> w;
                    try {
                        w = mutateSoon(key, data, ifEqual, release, valueWritten);
                    } catch (RuntimeException | Error e) {
                        staging.release(b);
                        throw e;
                    }
                    w.whenComplete((r, e) -> {
                        valueWritten.complete(null); // (if the mutation ended before writing)
                        if (e != null) result.completeExceptionally(e);
                        else result.complete(r);
                    });
                    return valueWritten.whenComplete((v, e) -> staging.release(b));
                }).whenComplete((v, e) -> {
                    if (e != null) result.completeExceptionally(e);
                });
                return result;
            });
        });
    }

    @Override
    public CompletableFuture<WriteResult> delete(String key, Generation ifEqual) {
        return guard(key, () -> serialized(key, release -> mutateSoon(key, null, ifEqual, release, null)));
    }

    /**
     * {@link #mutate}, as one chain on a driver thread when no other mutation is in progress: its
     * dozen dependent calls then run back to back on that thread ({@link FileIoDriver#runChain}),
     * which is what a lone durable write's latency is made of.
     */
    private CompletableFuture<WriteResult> mutateSoon(String key, MemorySegment value, Generation ifEqual, CompletableFuture<Void> release,
                                                     CompletableFuture<Void> valueWritten) {
        boolean alone = mutations.getAndIncrement() == 0;
        CompletableFuture<WriteResult> f = alone
                ? driver.runChain(() -> mutate(key, value, ifEqual, release, valueWritten))
                : mutate(key, value, ifEqual, release, valueWritten);
        f.whenComplete((r, e) -> mutations.decrementAndGet());
        return f;
    }

    /**
     * Runs {@code op} after this process's earlier mutations of {@code key} released it. The op
     * completes {@code release} once it no longer holds the key's lock file (before its directory
     * fsync), so the next mutation may start while this one is still becoming durable.
     */
    private <T> CompletableFuture<T> serialized(String key, java.util.function.Function<CompletableFuture<Void>, CompletableFuture<T>> op) {
        CompletableFuture<Void> release = new CompletableFuture<>();
        CompletableFuture<Void> previous = keyTails.put(key, release);
        release.whenComplete((v, e) -> keyTails.remove(key, release));
        CompletableFuture<Void> start = previous == null ? CompletableFuture.completedFuture(null) : previous;
        CompletableFuture<T> result = start.handle((v, e) -> null).thenCompose(v -> op.apply(release));
        // Whatever happens, the next mutation of this key must be able to start.
        result.whenComplete((v, e) -> release.complete(null));
        return result;
    }

    /** A lock file we hold, with its stat as of locking and when its descriptor was ready ({@link System#nanoTime}). */
    private record Lock(FileHandle handle, FileStat stat, long openedNanos) {}

    /** {@code valueWritten}, when given, completes once no I/O reads {@code value} any more. */
    private CompletableFuture<WriteResult> mutate(String key, MemorySegment value, Generation ifEqual, CompletableFuture<Void> release,
                                                  CompletableFuture<Void> valueWritten) {
        String p = path(key);
        String lockPath = p + LOCK_SUFFIX;
        String dir = parent(p);
        boolean sync = options.fileIoSync();
        String what = (value != null ? "Error writing " : "Error deleting ") + p;
        List<CompletableFuture<Void>> createdDirSyncs = new ArrayList<>();
        // Whether the data sync was asked for: an expected write that never asks must say so.
        AtomicBoolean askedForSync = new AtomicBoolean();
        // A writeback started ahead of the sync; the descriptor stays open until it has completed.
        AtomicReference<CompletableFuture<Void>> writeback = new AtomicReference<>(CompletableFuture.completedFuture(null));

        CompletableFuture<Lock> locked = acquire(lockPath, value != null, createdDirSyncs);
        return locked.thenCompose(lock -> {
            if (lock == null) {
                // Delete, and the directory does not exist: the key is missing.
                return CompletableFuture.completedFuture(ifEqual.matches(Generation.NO_VALUE)
                        ? WriteResult.written(Generation.NO_VALUE) : WriteResult.conditionFailed());
            }
            FileHandle h = lock.handle();
            CompletableFuture<Boolean> condition = ifEqual.isUnknown()
                    ? CompletableFuture.completedFuture(true)
                    : currentGeneration(p).thenApply(ifEqual::matches);
            CompletableFuture<Generation> committed = condition.thenCompose(ok -> {
                if (!ok) return CompletableFuture.completedFuture((Generation) null);
                if (value == null) {
                    return driver.unlink(p)
                            .exceptionallyCompose(e -> Errors.errno(e) == Errno.ENOENT
                                    ? CompletableFuture.completedFuture(null) : CompletableFuture.failedFuture(e))
                            .thenApply(v -> Generation.NO_VALUE);
                }
                CompletableFuture<Void> written;
                try {
                    // A lock file left by a killed writer may hold stale bytes.
                    if (lock.stat().size() > 0) LibC.ftruncate(h.fd(), 0, lockPath);
                    written = writeSparse(h, value, lockPath);
                } catch (NativeIOException e) {
                    written = CompletableFuture.failedFuture(e);
                }
                if (valueWritten != null) written.whenComplete((v, e) -> valueWritten.complete(null));
                // fsync changes neither mtime nor size, so the generation is read before it. The cheap
                // calls (fstat, close) run inline: a ring round trip costs more than the call.
                CompletableFuture<FileStat> durable = written.thenCompose(v -> {
                    if (sync && value.byteSize() >= WRITEBACK_AHEAD_MIN && mutations.get() > 1) {
                        // Errors are the sync's to report, which waits for the same pages.
                        writeback.set(driver.startWriteback(h).handle((x, e) -> null));
                    }
                    FileStat st = fstatNow(h, lockPath);
                    if (!sync) return CompletableFuture.completedFuture(st);
                    askedForSync.set(true);
                    return dataSyncer.syncData(h, st.dev(), lock.openedNanos()).thenApply(x -> st);
                });
                return durable.thenCompose(st -> driver.rename(lockPath, p).thenApply(v -> generation(st)));
            });
            // On success the lock file became the value (write) or must go (delete, failed condition);
            // on failure it goes too, so the stored value is the previous one and no temp file remains.
            return committed.handle((gen, err) -> new Object[] {gen, err})
                    .thenCompose(r -> {
                        Generation gen = (Generation) r[0];
                        Throwable err = (Throwable) r[1];
                        boolean renamed = err == null && gen != null && value != null;
                        CompletableFuture<Void> cleanup = renamed ? CompletableFuture.completedFuture(null)
                                : driver.unlink(lockPath).handle((v, e) -> null);
                        return cleanup
                                .thenCompose(v -> writeback.get())
                                .thenApply(v -> {
                                    LibC.closeQuietly(h.fd());
                                    return (Void) null;
                                })
                                .thenCompose(v -> {
                                    release.complete(null);
                                    if (err != null) return CompletableFuture.failedFuture(err);
                                    if (gen == null) return CompletableFuture.completedFuture(WriteResult.conditionFailed());
                                    // A delete has arrived once it is unlinked: its directory sync goes
                                    // through the data syncer, which holds syncs while writes are expected.
                                    if (sync && askedForSync.compareAndSet(false, true)) dataSyncer.arrivedWithoutSync();
                                    CompletableFuture<Void> durable = sync ? dirSyncer.sync(dir).thenCombine(dirEntriesDurable(dir), (a, b) -> null)
                                            : CompletableFuture.completedFuture(null);
                                    for (CompletableFuture<Void> c : createdDirSyncs) durable = durable.thenCombine(c, (a, b) -> null);
                                    return durable.thenApply(x -> WriteResult.written(gen));
                                });
                    });
        }).exceptionallyCompose(e -> CompletableFuture.failedFuture(Errors.kv(what, e)))
                .whenComplete((r, e) -> {
                    // Without sync nothing is ever expected (see expectWrites).
                    if (sync && askedForSync.compareAndSet(false, true)) dataSyncer.arrivedWithoutSync();
                });
    }

    private static FileStat fstatNow(FileHandle h, String path) {
        try {
            return LibC.fstat(h.fd(), path);
        } catch (NativeIOException e) {
            throw new java.util.concurrent.CompletionException(e);
        }
    }

    /** The generation stored at {@code p}; a missing value (the usual case: a new chunk) costs no exception. */
    private CompletableFuture<Generation> currentGeneration(String p) {
        return driver.statIfExists(p).thenApply(st -> st == null ? Generation.NO_VALUE : generation(st));
    }

    /**
     * Opens and locks {@code lockPath}, as TensorStore does: lock, then check that the path still
     * names the file locked (a previous holder may have renamed it over the key meanwhile), else
     * retry. Completes with null when {@code create} is false and the directory is missing.
     */
    private CompletableFuture<Lock> acquire(String lockPath, boolean create, List<CompletableFuture<Void>> createdDirSyncs) {
        int flags = LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC;
        return driver.open(lockPath, flags, FILE_MODE)
                .exceptionallyCompose(e -> {
                    if (Errors.errno(e) != Errno.ENOENT) return CompletableFuture.failedFuture(e);
                    if (!create) return CompletableFuture.completedFuture(null);
                    return mkdirs(parent(lockPath), createdDirSyncs)
                            .thenCompose(v -> driver.open(lockPath, flags, FILE_MODE));
                })
                .thenCompose(h -> h == null ? CompletableFuture.completedFuture(null) : lockAndVerify(h, lockPath, create, createdDirSyncs));
    }

    private CompletableFuture<Lock> lockAndVerify(FileHandle h, String lockPath, boolean create, List<CompletableFuture<Void>> createdDirSyncs) {
        long opened = System.nanoTime();
        CompletableFuture<Void> lockTaken;
        try {
            lockTaken = LibC.lockExclusive(h.fd(), false, lockPath)
                    ? CompletableFuture.completedFuture(null)
                    // Another process holds it: wait on a thread of our own, never on the driver's.
                    : CompletableFuture.runAsync(() -> {
                        try {
                            LibC.lockExclusive(h.fd(), true, lockPath);
                        } catch (NativeIOException e) {
                            throw new java.util.concurrent.CompletionException(e);
                        }
                    }, blocking);
        } catch (NativeIOException | java.util.concurrent.RejectedExecutionException e) {
            // Rejected: the store is closing. Failed here, the descriptor is closed below like any other.
            lockTaken = CompletableFuture.failedFuture(e);
        }
        return lockTaken
                .thenApply(v -> {
                    FileStat mine = fstatNow(h, lockPath);
                    FileStat atPath;
                    try {
                        atPath = LibC.stat(lockPath);
                    } catch (NativeIOException e) {
                        atPath = null;
                    }
                    return atPath != null && atPath.sameFile(mine) ? new Lock(h, mine, opened) : null;
                })
                .handle((lock, err) -> new Object[] {lock, err})
                .thenCompose(r -> {
                    if (r[0] != null) return CompletableFuture.completedFuture((Lock) r[0]);
                    // Lost the race or failed: drop this descriptor (and its lock) first.
                    LibC.closeQuietly(h.fd());
                    return r[1] != null
                            ? CompletableFuture.failedFuture((Throwable) r[1])
                            : acquire(lockPath, create, createdDirSyncs);
                });
    }

    /**
     * mkdir -p; each directory created gets its entry made durable through its parent's fsync.
     * The directory is in {@link #dirEntries} from before the mkdir: a concurrent writer that
     * finds it already there (and so creates nothing) waits for the same sync before reporting
     * its own write durable. An entry already known durable is replaced: the directory had gone
     * (removed by hand or by another process), and this is a new one.
     */
    private CompletableFuture<Void> mkdirs(String dir, List<CompletableFuture<Void>> createdDirSyncs) {
        CompletableFuture<Void> entryDurable = new CompletableFuture<>();
        CompletableFuture<Void> known = dirEntries.get(dir);
        boolean registered = options.fileIoSync() && (known == null ? dirEntries.putIfAbsent(dir, entryDurable) == null
                : known.isDone() && dirEntries.replace(dir, known, entryDurable));
        return driver.mkdir(dir, DIR_MODE)
                .exceptionallyCompose(e -> {
                    int n = Errors.errno(e);
                    if (n == Errno.EEXIST) return CompletableFuture.completedFuture(null);
                    if (n != Errno.ENOENT || dir.lastIndexOf('/') <= 0) return CompletableFuture.failedFuture(e);
                    return mkdirs(parent(dir), createdDirSyncs).thenCompose(v -> driver.mkdir(dir, DIR_MODE)
                            .exceptionallyCompose(e2 -> Errors.errno(e2) == Errno.EEXIST
                                    ? CompletableFuture.completedFuture(null) : CompletableFuture.failedFuture(e2)));
                })
                .whenComplete((v, e) -> {
                    if (!options.fileIoSync()) return;
                    if (e != null) {
                        // Nothing was made, so the directory is not known: a later write into it
                        // (made by someone else meanwhile) syncs its parent. A writer that found
                        // it already, waiting on this entry, gets that sync too.
                        if (registered) {
                            dirEntries.remove(dir, entryDurable);
                            dirSyncer.sync(parent(dir)).whenComplete((x, err) -> settle(dir, entryDurable, err));
                        }
                        return;
                    }
                    CompletableFuture<Void> parentSynced = dirSyncer.sync(parent(dir));
                    synchronized (createdDirSyncs) {
                        createdDirSyncs.add(parentSynced);
                    }
                    if (registered) parentSynced.whenComplete((x, err) -> settle(dir, entryDurable, err));
                });
    }

    /**
     * What the entries of {@code dir} and its ancestors in this store wait for to be durable
     * ({@link #dirEntries}). A directory below the root that this store has not written into
     * before gets its parent synced now. The root's own entry is waited for only when this
     * store made the root: a root that was there is the user's, as in TensorStore.
     */
    private CompletableFuture<Void> dirEntriesDurable(String dir) {
        CompletableFuture<Void> all = null;
        for (String d = dir; d.length() >= root.length() && d.length() > 1; d = parent(d)) {
            CompletableFuture<Void> f = dirEntries.get(d);
            if (f == null && d.length() > root.length()) f = syncEntryOf(d);
            if (f != null && !(f.isDone() && !f.isCompletedExceptionally())) all = all == null ? f : all.thenCombine(f, (a, b) -> null);
        }
        return all == null ? CompletableFuture.completedFuture(null) : all;
    }

    /** Syncs {@code d}'s parent, unless another write already does or did: a directory this store did not make. */
    private CompletableFuture<Void> syncEntryOf(String d) {
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> known = dirEntries.putIfAbsent(d, mine);
        if (known != null) return known;
        dirSyncer.sync(parent(d)).whenComplete((v, err) -> settle(d, mine, err));
        return mine;
    }

    /**
     * The most directories whose entries are remembered as durable. Past it they are forgotten
     * together (a key space of millions of directories would otherwise hold hundreds of MB):
     * forgetting costs the next write into each one a sync of its parent, nothing more.
     */
    private static final int MAX_KNOWN_DIRS = 1 << 16;

    /** Completes a directory's entry; a failed sync leaves it unknown, for a later write to try again. */
    private void settle(String dir, CompletableFuture<Void> entry, Throwable err) {
        if (err == null) {
            entry.complete(null);
            if (dirEntries.size() > MAX_KNOWN_DIRS) dirEntries.values().removeIf(f -> f.isDone() && !f.isCompletedExceptionally());
            return;
        }
        dirEntries.remove(dir, entry);
        entry.completeExceptionally(err);
    }

    // ---- listing ----

    @Override
    public CompletableFuture<List<String>> list(String prefix) {
        if (closed) return CompletableFuture.failedFuture(new KvStoreException("The file key-value store " + describe() + " is closed"));
        return handOff(CompletableFuture.supplyAsync(() -> {
            // Walk only below the deepest directory the prefix names.
            int slash = prefix.lastIndexOf('/');
            Path start = Path.of(root, slash < 0 ? "" : prefix.substring(0, slash));
            Path rootPath = Path.of(root);
            List<String> keys = new ArrayList<>();
            try (Stream<Path> s = Files.walk(start)) {
                s.forEach(f -> {
                    if (!Files.isRegularFile(f)) return;
                    String k = rootPath.relativize(f).toString();
                    if (k.startsWith(prefix) && !k.endsWith(LOCK_SUFFIX)) keys.add(k);
                });
            } catch (NoSuchFileException e) {
                return keys;
            } catch (IOException | UncheckedIOException e) {
                Throwable c = e instanceof UncheckedIOException u ? u.getCause() : e;
                if (c instanceof NoSuchFileException) return keys;
                throw new KvStoreException("Error listing " + start + ": " + c.getMessage(), c);
            }
            return keys;
        }, blocking));
    }

    @Override
    public CompletableFuture<Void> deletePrefix(String prefix) {
        return list(prefix).thenCompose(keys -> CompletableFuture.allOf(
                keys.stream().map(k -> delete(k, Generation.UNKNOWN)).toArray(CompletableFuture[]::new)));
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        stopping.clean();
    }

    @Override
    public String toString() { return "FileKvStore[" + describe() + ", driver=" + driver.name() + ", sync=" + options.fileIoSync() + "]"; }
}
