package io.tessera.nativeio;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Asynchronous file system calls. Each operation returns a future that fails with
 * {@link NativeIOException} when the call fails, or with {@link DriverClosedException} when the
 * driver was closed before the call was handed to the kernel.
 *
 * <p>Buffers must be native segments; the driver keeps a reference to each one until the kernel
 * has finished with it, whether or not the future is cancelled meanwhile. Futures may complete on
 * the driver's own thread, so dependent actions must not block; use the {@code *Async} variants
 * of {@link CompletableFuture} for anything that waits.
 *
 * <p>Paths are absolute or relative to the working directory.
 */
public interface FileIoDriver extends AutoCloseable {

    /** Which implementation {@link #create} builds. */
    enum Kind {
        /** io_uring when the kernel offers it and {@code -Dtessera.io_uring} is not {@code false}; else blocking. */
        AUTO,
        /** io_uring; {@link #create} fails when it is unavailable. */
        IO_URING,
        /** Blocking system calls on a bounded thread pool. */
        BLOCKING
    }

    /**
     * Builds a driver.
     *
     * @param kind which implementation
     * @param concurrency the most operations in flight at once ({@code file_io_concurrency.limit}),
     *     or 0 for the driver's default: {@code max(4, cores)} threads for the blocking driver, as
     *     TensorStore; {@value FileIoDrivers#DEFAULT_RING_IN_FLIGHT} operations in flight for
     *     io_uring, where an operation in flight costs no thread and concurrent fsyncs share the
     *     file system's journal commits
     * @throws UnsupportedOperationException when {@code kind} is {@link Kind#IO_URING} and io_uring is unavailable
     */
    static FileIoDriver create(Kind kind, int concurrency) {
        return FileIoDrivers.create(kind, concurrency);
    }

    /**
     * The process's shared driver of {@code kind} at the default concurrency, made at first use.
     * Every store whose context sets no {@code file_io_concurrency} limit uses it, as TensorStore's
     * contexts share one file I/O pool unless they set a limit of their own: a process that opens
     * many arrays, each in a context of its own, then keeps one ring and its two threads instead
     * of one per array. It lives until the JVM exits; {@link #close} does nothing on it.
     *
     * @throws UnsupportedOperationException when {@code kind} is {@link Kind#IO_URING} and io_uring is unavailable
     */
    static FileIoDriver shared(Kind kind) {
        return FileIoDrivers.shared(kind);
    }

    /** A short name: {@code io_uring} or {@code blocking}. */
    String name();

    /** {@code openat(AT_FDCWD, path, flags, mode)}. */
    CompletableFuture<FileHandle> open(String path, int flags, int mode);

    /** One {@code pread}: reads up to {@code buf.byteSize()} bytes at {@code offset}; the count, 0 at end of file. */
    CompletableFuture<Long> read(FileHandle file, MemorySegment buf, long offset);

    /** One {@code pwrite}: writes up to {@code buf.byteSize()} bytes at {@code offset}; the count written. */
    CompletableFuture<Long> write(FileHandle file, MemorySegment buf, long offset);

    /** {@code fsync}, or {@code fdatasync} when {@code dataOnly}. */
    CompletableFuture<Void> fsync(FileHandle file, boolean dataOnly);

    /**
     * Starts the writeback of everything written to {@code file} so far
     * ({@code sync_file_range(SYNC_FILE_RANGE_WRITE)}) and completes without waiting for the
     * device. It makes nothing durable; it lets the device work while the caller goes on (writing
     * other files), so that the {@link #fsync} or {@link #syncFileSystem} that follows finds the
     * pages already on their way instead of starting them all at once.
     */
    CompletableFuture<Void> startWriteback(FileHandle file);

    /**
     * {@code syncfs} of the file system holding {@code file}: one journal commit and device flush
     * that makes everything written to it so far durable, the way a batch of fsyncs would. It
     * fails with {@link UnsupportedOperationException} where syncfs cannot be relied on for that
     * (a FUSE or network file system), as this default always does; callers then fsync file by file.
     */
    default CompletableFuture<Void> syncFileSystem(FileHandle file) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException(name() + " driver has no syncfs"));
    }

    /** {@code renameat(AT_FDCWD, from, AT_FDCWD, to)}. */
    CompletableFuture<Void> rename(String from, String to);

    /** {@code unlinkat(AT_FDCWD, path, 0)}. */
    CompletableFuture<Void> unlink(String path);

    /** {@code mkdirat(AT_FDCWD, path, mode)}. */
    CompletableFuture<Void> mkdir(String path, int mode);

    /** {@code statx} of a path, following symlinks. */
    CompletableFuture<FileStat> stat(String path);

    /** {@code statx} of a path, following symlinks; null when it does not exist (ENOENT, ENOTDIR). */
    CompletableFuture<FileStat> statIfExists(String path);

    /** {@code statx} of an open file. */
    CompletableFuture<FileStat> fstat(FileHandle file);

    /** {@code close}. */
    CompletableFuture<Void> close(FileHandle file);

    /**
     * Runs {@code chain}, which starts operations of this driver one after the other, on one of the
     * driver's own threads. There, while nothing else is in flight, each operation runs as a
     * direct system call on that thread: a lone sequence of dependent operations (a durable
     * write's open, write, fsync, rename, close) then costs one thread switch instead of one or
     * two per operation. When other operations are in flight they are submitted as usual and
     * share the driver's batching.
     */
    <T> CompletableFuture<T> runChain(Supplier<CompletableFuture<T>> chain);

    /**
     * Whether the calling thread is one of the driver's event threads, which complete many
     * operations and so must not run a caller's callbacks that may block (the io_uring
     * completion thread). Its other threads, like any pool thread, may.
     */
    boolean mustNotBlock();

    /**
     * Whether the calling thread is one of the driver's own (its pool, helpers or event threads),
     * where a chain started with {@link #runChain} runs in place rather than being handed over.
     */
    boolean isOwnThread();

    /**
     * A whole file as {@link #readFile} read it: its status as of the read, and its bytes (null
     * when the allocator declined them).
     */
    record FileContents(FileStat stat, MemorySegment bytes) {}

    /**
     * Reads a whole regular file: open, fstat, read to the end, close. Completes with null when
     * {@code path} is missing ({@code ENOENT}, {@code ENOTDIR}) or names a directory. The bytes
     * are read through one open descriptor, so a concurrent rename over {@code path} gives either
     * the old file or the new one, whole, with its own status.
     *
     * <p>One round trip: the steps run as blocking calls on one thread of the driver, where a
     * file in the page cache is copied within the read call.
     *
     * @param allocate given the file's status, a native buffer of at least its size, or null
     *     when the bytes are not wanted (then nothing is read and the contents carry the status
     *     alone); called at most once. On failure the buffer is the caller's to recycle.
     */
    CompletableFuture<FileContents> readFile(String path, Function<FileStat, MemorySegment> allocate);

    /**
     * Stops accepting operations and waits for those in flight. No future is left pending: an
     * operation the kernel holds completes normally; one queued but not yet started either runs
     * or fails with {@link DriverClosedException}; later calls fail with it. Does nothing on a
     * {@link #shared} driver.
     */
    @Override
    void close();

    /** The driver was closed before an operation reached the kernel. */
    final class DriverClosedException extends IllegalStateException {
        public DriverClosedException(String driver) { super("The " + driver + " file I/O driver is closed"); }
    }
}
