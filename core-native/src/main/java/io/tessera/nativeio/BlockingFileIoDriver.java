package io.tessera.nativeio;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The fallback driver: each operation is a blocking libc call on a pool of {@code concurrency}
 * threads. {@link #direct()} makes the same calls on the caller's thread.
 */
final class BlockingFileIoDriver implements FileIoDriver {
    private static final AtomicInteger IDS = new AtomicInteger();

    /** The driver whose pool runs the current thread, if any. */
    private static final ThreadLocal<BlockingFileIoDriver> POOL_THREAD = new ThreadLocal<>();

    /** Null for the direct driver. */
    private final ExecutorService pool;
    private volatile boolean closed;

    private BlockingFileIoDriver() {
        pool = null;
    }

    /** A driver whose every call runs on the calling thread and has completed when it returns. */
    static BlockingFileIoDriver direct() {
        return new BlockingFileIoDriver();
    }

    BlockingFileIoDriver(int concurrency) {
        int id = IDS.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        pool = new ThreadPoolExecutor(concurrency, concurrency, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(() -> {
                POOL_THREAD.set(this);
                r.run();
            }, "tessera-file-io-" + id + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        ((ThreadPoolExecutor) pool).allowCoreThreadTimeOut(true);
    }

    @Override
    public String name() { return "blocking"; }

    private <T> CompletableFuture<T> submit(FileIoDrivers.Call<T> call) {
        if (closed) return CompletableFuture.failedFuture(new DriverClosedException(name()));
        // The next step of a chain, asked for by a callback on one of our threads: run it here
        // rather than hand it to another thread of the same pool.
        if (pool == null || POOL_THREAD.get() == this) return FileIoDrivers.runOn(Runnable::run, call, name());
        return FileIoDrivers.runOn(pool, call, name());
    }

    /** The chain starts on a pool thread, where the calls it makes run one after the other, inline. */
    @Override
    public <T> CompletableFuture<T> runChain(Supplier<CompletableFuture<T>> chain) {
        return submit(chain::get).thenCompose(f -> f);
    }

    @Override
    public boolean mustNotBlock() { return false; }

    @Override
    public boolean isOwnThread() { return pool != null && POOL_THREAD.get() == this; }

    @Override
    public CompletableFuture<FileHandle> open(String path, int flags, int mode) {
        return submit(() -> new FileHandle(LibC.open(path, flags, mode), path));
    }

    @Override
    public CompletableFuture<Long> read(FileHandle file, MemorySegment buf, long offset) {
        LibC.requireNative(buf);
        return submit(() -> LibC.pread(file.fd(), buf, offset, file.path()));
    }

    @Override
    public CompletableFuture<Long> write(FileHandle file, MemorySegment buf, long offset) {
        LibC.requireNative(buf);
        return submit(() -> LibC.pwrite(file.fd(), buf, offset, file.path()));
    }

    @Override
    public CompletableFuture<Void> fsync(FileHandle file, boolean dataOnly) {
        return submit(() -> { LibC.fsync(file.fd(), dataOnly, file.path()); return null; });
    }

    @Override
    public CompletableFuture<Void> startWriteback(FileHandle file) {
        return submit(() -> { LibC.syncFileRange(file.fd(), 0, 0, LibC.SYNC_FILE_RANGE_WRITE, file.path()); return null; });
    }

    @Override
    public CompletableFuture<Void> syncFileSystem(FileHandle file) {
        return submit(() -> FileIoDrivers.syncFileSystem(file));
    }

    @Override
    public CompletableFuture<Void> rename(String from, String to) {
        return submit(() -> { LibC.rename(from, to); return null; });
    }

    @Override
    public CompletableFuture<Void> unlink(String path) {
        return submit(() -> { LibC.unlink(path); return null; });
    }

    @Override
    public CompletableFuture<Void> mkdir(String path, int mode) {
        return submit(() -> { LibC.mkdir(path, mode); return null; });
    }

    @Override
    public CompletableFuture<FileStat> stat(String path) {
        return submit(() -> LibC.stat(path));
    }

    @Override
    public CompletableFuture<FileStat> statIfExists(String path) {
        return submit(() -> LibC.statIfExists(path));
    }

    @Override
    public CompletableFuture<FileStat> fstat(FileHandle file) {
        return submit(() -> LibC.fstat(file.fd(), file.path()));
    }

    @Override
    public CompletableFuture<FileContents> readFile(String path, java.util.function.Function<FileStat, MemorySegment> allocate) {
        return submit(() -> NioFileReads.readFile(path, allocate));
    }

    @Override
    public CompletableFuture<Void> close(FileHandle file) {
        return submit(() -> { LibC.close(file.fd(), file.path()); return null; });
    }

    @Override
    public void close() {
        if (FileIoDrivers.isShared(this)) return;
        closed = true;
        if (pool == null) return;
        // Queued calls still run: the caller may own descriptors they close.
        pool.shutdown();
        if (Thread.currentThread().getName().startsWith("tessera-file-io-")) return;
        try {
            pool.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
