package io.tessera.nativeio;

import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

final class FileIoDrivers {
    static final String FLAG = "tessera.io_uring";
    static final System.Logger LOG = System.getLogger("io.tessera.nativeio");
    private static final AtomicBoolean LOGGED = new AtomicBoolean();

    private FileIoDrivers() {}

    /**
     * Types ({@code f_type}, {@code linux/magic.h}) of the file systems whose {@code syncfs} makes
     * their files as durable as an fsync of each would: local ones whose {@code sync_fs} commits
     * and flushes the device (ext2/3/4, XFS, Btrfs, F2FS, ZFS, bcachefs), overlayfs (it syncs its
     * upper file system), and tmpfs (nothing to flush).
     */
    private static final java.util.Set<Long> SYNCFS_FLUSHES = java.util.Set.of(
            0xEF53L, 0x58465342L, 0x9123683EL, 0xF2F52010L, 0x2FC12FC1L, 0xCA451A4EL, 0x794C7630L, 0x01021994L);

    /** Whether this kernel's syncfs reports writeback errors (Linux 5.8 and later): else it may succeed over lost data. */
    static final boolean SYNCFS_REPORTS_ERRORS = kernelAtLeast(System.getProperty("os.version", ""), 5, 8);

    /** Whether a Linux release string such as {@code "6.1.0-18-amd64"} is {@code major.minor} or later. */
    static boolean kernelAtLeast(String release, int major, int minor) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)").matcher(release);
        if (!m.find()) return false;
        int ma = Integer.parseInt(m.group(1)), mi = Integer.parseInt(m.group(2));
        return ma > major || (ma == major && mi >= minor);
    }

    /**
     * {@code syncfs} of the file system holding {@code file}, where it is as good as fsyncs.
     * Elsewhere {@code syncfs} may succeed without persisting anything: FUSE sends no sync to its
     * server unless both kernel and server know how, and SMB, 9p and others have no
     * {@code sync_fs} at all. There it fails with {@link UnsupportedOperationException}, and
     * callers fsync file by file.
     */
    static Void syncFileSystem(FileHandle file) throws NativeIOException {
        if (!SYNCFS_REPORTS_ERRORS) {
            throw new UnsupportedOperationException("syncfs reports no writeback errors before Linux 5.8 (this is "
                    + System.getProperty("os.version") + "); files are fsync'd one by one");
        }
        long type = LibC.fileSystemType(file.fd(), file.path());
        if (!SYNCFS_FLUSHES.contains(type)) {
            throw new UnsupportedOperationException("syncfs is not relied on for " + file.path() + " (file system type 0x"
                    + Long.toHexString(type) + "); its files are fsync'd one by one");
        }
        LibC.syncfs(file.fd(), file.path());
        return null;
    }

    /** A blocking system call, or a few. */
    @FunctionalInterface
    interface Call<T> { T run() throws NativeIOException; }

    /** Runs {@code call} on {@code executor}; the future fails with its exception, or with
     *  {@link FileIoDriver.DriverClosedException} when the executor no longer takes work. */
    static <T> CompletableFuture<T> runOn(Executor executor, Call<T> call, String driver) {
        CompletableFuture<T> f = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                try {
                    f.complete(call.run());
                } catch (Throwable t) {
                    f.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException e) {
            f.completeExceptionally(new FileIoDriver.DriverClosedException(driver));
        }
        return f;
    }

    /** Operations in flight on an io_uring when the context sets no limit. */
    static final int DEFAULT_RING_IN_FLIGHT = 64;

    /** Threads of the blocking driver when the context sets no limit: TensorStore's default. */
    static int defaultThreads() { return Math.max(4, Runtime.getRuntime().availableProcessors()); }

    private static final java.util.Map<FileIoDriver.Kind, FileIoDriver> SHARED = new java.util.EnumMap<>(FileIoDriver.Kind.class);
    /** Every driver ever handed out as shared: one replaced after its ring broke still serves its stores. */
    private static final java.util.Set<FileIoDriver> EVER_SHARED = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

    /**
     * {@link FileIoDriver#shared}. A shared ring that broke (its stores go on with blocking calls)
     * is not handed to later stores: they get a new ring, so one failure does not take io_uring
     * from the process for good.
     */
    static synchronized FileIoDriver shared(FileIoDriver.Kind kind) {
        FileIoDriver d = SHARED.get(kind);
        if (d == null || (d instanceof IoUringFileIoDriver ring && ring.isBroken())) {
            d = create(kind, 0);
            SHARED.put(kind, d);
            EVER_SHARED.add(d);
        }
        return d;
    }

    /** Whether {@code d} is a {@link FileIoDriver#shared} driver, which {@code close} leaves open. */
    static synchronized boolean isShared(FileIoDriver d) {
        return EVER_SHARED.contains(d);
    }

    static FileIoDriver create(FileIoDriver.Kind kind, int requested) {
        if (requested < 0) throw new IllegalArgumentException("file I/O concurrency must be >= 0, got " + requested);
        int threads = requested == 0 ? defaultThreads() : requested;
        int concurrency = requested == 0 ? DEFAULT_RING_IN_FLIGHT : requested;
        return switch (kind) {
            case BLOCKING -> new BlockingFileIoDriver(threads);
            case IO_URING -> {
                String why = IoUringFileIoDriver.unavailableReason();
                if (why != null) throw new UnsupportedOperationException("io_uring is unavailable: " + why);
                yield IoUringFileIoDriver.create(concurrency);
            }
            case AUTO -> {
                String why = Boolean.parseBoolean(System.getProperty(FLAG, "true"))
                        ? IoUringFileIoDriver.unavailableReason() : "disabled by -D" + FLAG + "=false";
                FileIoDriver d = null;
                if (why == null) {
                    try {
                        d = IoUringFileIoDriver.create(concurrency);
                    } catch (RuntimeException e) {
                        why = e.getMessage();
                    }
                }
                if (d == null) d = new BlockingFileIoDriver(threads);
                if (LOGGED.compareAndSet(false, true)) {
                    LOG.log(Level.INFO, why == null
                            ? "file I/O driver: io_uring (-D" + FLAG + "=false selects blocking system calls on a thread pool)"
                            : "file I/O driver: blocking system calls on a thread pool; io_uring not used: " + why
                                    + " (flag -D" + FLAG + ")");
                }
                yield d;
            }
        };
    }

    /**
     * {@link FileIoDriver#readFile} as blocking calls on the current thread: a file in the page
     * cache is read within the system calls, so four calls in a row beat four round trips.
     */
    static FileIoDriver.FileContents readFileNow(String path, Function<FileStat, MemorySegment> allocate) throws NativeIOException {
        int fd = LibC.openIfExists(path, LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
        if (fd < 0) return null;
        try {
            FileStat st = LibC.fstat(fd, path);
            if (st.isDirectory()) return null;
            MemorySegment into = allocate.apply(st);
            if (into == null) return new FileIoDriver.FileContents(st, null);
            MemorySegment buf = into.asSlice(0, st.size());
            long done = 0;
            while (done < buf.byteSize()) {
                long n = LibC.pread(fd, buf.asSlice(done), done, path);
                if (n == 0) break;
                done += n;
            }
            return new FileIoDriver.FileContents(st, buf.asSlice(0, done));
        } finally {
            LibC.closeQuietly(fd);
        }
    }
}
