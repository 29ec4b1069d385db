package io.tessera.nativeio;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;

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
     * @param concurrency the most operations in flight at once ({@code file_io_concurrency.limit})
     * @throws UnsupportedOperationException when {@code kind} is {@link Kind#IO_URING} and io_uring is unavailable
     */
    static FileIoDriver create(Kind kind, int concurrency) {
        return FileIoDrivers.create(kind, concurrency);
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

    /** {@code renameat(AT_FDCWD, from, AT_FDCWD, to)}. */
    CompletableFuture<Void> rename(String from, String to);

    /** {@code unlinkat(AT_FDCWD, path, 0)}. */
    CompletableFuture<Void> unlink(String path);

    /** {@code mkdirat(AT_FDCWD, path, mode)}. */
    CompletableFuture<Void> mkdir(String path, int mode);

    /** {@code statx} of a path, following symlinks. */
    CompletableFuture<FileStat> stat(String path);

    /** {@code statx} of an open file. */
    CompletableFuture<FileStat> fstat(FileHandle file);

    /** {@code close}. */
    CompletableFuture<Void> close(FileHandle file);

    /**
     * Stops accepting operations and waits for those in flight. No future is left pending: an
     * operation the kernel holds completes normally; one queued but not yet started either runs
     * or fails with {@link DriverClosedException}; later calls fail with it.
     */
    @Override
    void close();

    /** The driver was closed before an operation reached the kernel. */
    final class DriverClosedException extends IllegalStateException {
        public DriverClosedException(String driver) { super("The " + driver + " file I/O driver is closed"); }
    }
}
