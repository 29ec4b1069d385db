package io.tessera.nativeio;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongFunction;
import java.util.function.Supplier;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The io_uring driver, on raw system calls. One submission ring, one completion thread.
 *
 * <p>Callers queue operations; one submitter thread moves everything queued into the ring and
 * hands it over with one {@code io_uring_enter}, so operations from many threads share few
 * system calls. Only the driver's two long-lived threads submit because the kernel ties a
 * request to the task that submitted it and cancels it ({@code ECANCELED}) when that task exits:
 * a caller's short-lived thread must never be the submitter. The completion thread submits too:
 * the next step of a chain (write after open, rename after fsync) is queued by a callback it
 * runs, and submitting that itself spares waking the submitter for every step. Whichever holds
 * {@link #sqLock} owns the submission queue.
 *
 * <p>Every operation's buffers (caller's data, path strings, statx buffer) are referenced from
 * its {@link Op} while the kernel may touch them, and the op stays in {@link #inFlight} until its
 * completion arrives, whatever happens to the future.
 *
 * <p>Whole-file reads ({@link #readFile}) are the exception: they run as four blocking calls on a
 * small helper pool (as does {@code syncfs}, which has no opcode). A file in the page cache is
 * copied within the read call, so the ring buys nothing there, while four dependent ring round
 * trips cost eight thread hand-offs.
 */
final class IoUringFileIoDriver implements FileIoDriver {
    private static final long SYS_IO_URING_SETUP = 425;
    private static final long SYS_IO_URING_ENTER = 426;
    private static final long SYS_IO_URING_REGISTER = 427;

    private static final int IORING_SETUP_CLAMP = 1 << 4;
    /**
     * Completions that the kernel finishes as task work on the submitting thread (5.19+) wait for
     * that thread's next entry into the kernel instead of interrupting it with an inter-processor
     * interrupt; a thread that sleeps is still woken. Both threads that submit here enter the
     * kernel all the time (io_uring_enter, park), so nothing waits long. 200 durable writes in
     * flight ran 0-25% faster with it, about 9% on average (three sets of alternated cold runs of
     * the benchmark's workload 3, 16 pairs).
     * {@code -Dtessera.io_uring.coopTaskrun=false} leaves it out.
     */
    static final int IORING_SETUP_COOP_TASKRUN = 1 << 8;
    private static final int IORING_FEAT_SINGLE_MMAP = 1;
    private static final int IORING_ENTER_GETEVENTS = 1;
    private static final int IORING_REGISTER_PROBE = 8;
    private static final int IO_URING_OP_SUPPORTED = 1;
    private static final long IORING_OFF_SQ_RING = 0L;
    private static final long IORING_OFF_CQ_RING = 0x8000000L;
    private static final long IORING_OFF_SQES = 0x10000000L;
    private static final int IORING_FSYNC_DATASYNC = 1;

    static final byte OP_NOP = 0;
    static final byte OP_FSYNC = 3;
    static final byte OP_SYNC_FILE_RANGE = 8;
    static final byte OP_OPENAT = 18;
    static final byte OP_CLOSE = 19;
    static final byte OP_STATX = 21;
    static final byte OP_READ = 22;
    static final byte OP_WRITE = 23;
    static final byte OP_RENAMEAT = 35;
    static final byte OP_UNLINKAT = 36;
    static final byte OP_MKDIRAT = 37;
    private static final byte[] REQUIRED = {OP_NOP, OP_FSYNC, OP_SYNC_FILE_RANGE, OP_OPENAT, OP_CLOSE, OP_STATX, OP_READ, OP_WRITE,
            OP_RENAMEAT, OP_UNLINKAT, OP_MKDIRAT};

    private static final long SQE_SIZE = 64;
    private static final long CQE_SIZE = 16;
    /** user_data of the no-op that wakes the completion thread at close; real ops count from 1. */
    private static final long WAKE = 0;

    // Ring head/tail words are shared with the kernel: read the other side's with acquire, publish ours with release.
    private static final VarHandle INT_AT = JAVA_INT.varHandle();

    private static volatile String unavailable;
    private static volatile boolean probed;

    /**
     * Drivers not yet closed. At JVM exit HotSpot waits up to 300 ms for threads that sit in a
     * native call, which a completion thread blocked in io_uring_enter always does; a shutdown
     * hook closes the open drivers first, and their completion threads return.
     */
    private static final Set<IoUringFileIoDriver> OPEN = ConcurrentHashMap.newKeySet();
    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (IoUringFileIoDriver d : OPEN) d.closeNow();
        }, "tessera-io_uring-shutdown"));
    }

    /** One operation: its SQE fields, what must stay alive until completion, and how to complete. */
    private static final class Op {
        final byte opcode;
        final String name;
        final String path;
        int fd;
        long addr;
        int len;
        long off;
        int opFlags;
        /** Segments the kernel reads or writes; referenced here until the completion arrives. */
        MemorySegment keep1;
        MemorySegment keep2;
        MemorySegment keep3;
        final CompletableFuture<Object> future = new CompletableFuture<>();
        LongFunction<Object> onSuccess = r -> null;
        /** Completes with null, not an exception, when the path does not exist (ENOENT, ENOTDIR). */
        boolean missingOk;
        /** Recycled memory holding the op's path strings and statx result ({@link #opMemory}), if any. */
        MemorySegment memory;
        /** The same operation as a blocking call: what serves it once the ring is broken ({@link #failAll}). */
        Supplier<CompletableFuture<?>> fallback;

        Op(byte opcode, String name, String path) {
            this.opcode = opcode;
            this.name = name;
            this.path = path;
        }
    }

    private final int ringFd;
    private final MemorySegment sqRing;
    private final MemorySegment cqRing;
    private final MemorySegment sqes;
    private final boolean singleMmap;
    private final int sqEntries;
    /** The io_uring_setup flags the ring was made with. */
    private final int setupFlags;
    private final int sqMask;
    private final int cqMask;
    private final long sqHeadOff, sqTailOff, cqHeadOff, cqTailOff, cqesOff;
    private final int maxInFlight;

    private final ConcurrentLinkedQueue<Op> queue = new ConcurrentLinkedQueue<>();
    private final ConcurrentHashMap<Long, Op> inFlight;
    private final AtomicInteger inFlightCount = new AtomicInteger();
    private final AtomicLong nextId = new AtomicLong(1);
    /** Guarded by sqLock: our copy of the SQ tail, and SQEs placed but not yet accepted by the kernel. */
    private final ReentrantLock sqLock = new ReentrantLock();
    private int sqTail;
    private int unsubmitted;
    private volatile boolean closed;
    /** Set once {@code io_uring_enter} has failed for good ({@link #failAll}). */
    private volatile boolean broken;
    private volatile int injectedEnterErrno;
    /** Closed from a callback on the completion or submission thread, which cannot wait for itself. */
    private volatile boolean closedFromDriverThread;
    /** Open until the first close has finished; later closes wait for it. */
    private final java.util.concurrent.CountDownLatch closeDone = new java.util.concurrent.CountDownLatch(1);
    /**
     * Operations a broken ring may still hold (see {@link #failAll}): kept reachable for good, so
     * that memory the kernel may yet write (a statx buffer) is never freed and reused.
     */
    private static final java.util.Queue<Op> ABANDONED = new ConcurrentLinkedQueue<>();
    /** Owned by the completion thread: whether it has reaped the wake-up no-op of close. */
    private boolean wakeSeen;
    private final Thread submitter;
    private final Thread completer;
    /** Runs what io_uring does not serve well or at all: whole-file reads, syncfs, chains ({@link #runChain}). */
    private final ThreadPoolExecutor helpers;
    /** The driver whose helper pool runs the current thread, if any. */
    private static final ThreadLocal<IoUringFileIoDriver> HELPER_THREAD = new ThreadLocal<>();
    /** The same calls as blocking system calls on the calling thread. */
    private final BlockingFileIoDriver direct = BlockingFileIoDriver.direct();

    private IoUringFileIoDriver(int fd, MemorySegment params, int maxInFlight) throws NativeIOException {
        this.ringFd = fd;
        this.sqEntries = params.get(JAVA_INT, 0);
        this.setupFlags = params.get(JAVA_INT, 8);
        int cqEntries = params.get(JAVA_INT, 4);
        int features = params.get(JAVA_INT, 20);
        sqHeadOff = Integer.toUnsignedLong(params.get(JAVA_INT, 40));
        sqTailOff = Integer.toUnsignedLong(params.get(JAVA_INT, 44));
        long sqMaskOff = Integer.toUnsignedLong(params.get(JAVA_INT, 48));
        long sqArrayOff = Integer.toUnsignedLong(params.get(JAVA_INT, 64));
        cqHeadOff = Integer.toUnsignedLong(params.get(JAVA_INT, 80));
        cqTailOff = Integer.toUnsignedLong(params.get(JAVA_INT, 84));
        long cqMaskOff = Integer.toUnsignedLong(params.get(JAVA_INT, 88));
        cqesOff = Integer.toUnsignedLong(params.get(JAVA_INT, 100));

        long sqSize = sqArrayOff + 4L * sqEntries;
        long cqSize = cqesOff + CQE_SIZE * cqEntries;
        singleMmap = (features & IORING_FEAT_SINGLE_MMAP) != 0;
        int prot = LibC.PROT_READ | LibC.PROT_WRITE;
        int flags = LibC.MAP_SHARED | LibC.MAP_POPULATE;
        if (singleMmap) {
            long size = Math.max(sqSize, cqSize);
            sqRing = LibC.mmap(size, prot, flags, fd, IORING_OFF_SQ_RING, "io_uring SQ/CQ ring");
            cqRing = sqRing;
        } else {
            sqRing = LibC.mmap(sqSize, prot, flags, fd, IORING_OFF_SQ_RING, "io_uring SQ ring");
            cqRing = LibC.mmap(cqSize, prot, flags, fd, IORING_OFF_CQ_RING, "io_uring CQ ring");
        }
        sqes = LibC.mmap(SQE_SIZE * sqEntries, prot, flags, fd, IORING_OFF_SQES, "io_uring SQEs");
        sqMask = sqRing.get(JAVA_INT, sqMaskOff);
        cqMask = cqRing.get(JAVA_INT, cqMaskOff);
        // The indirection array maps ring slot i to SQE i, once and for all.
        for (int i = 0; i < sqEntries; i++) sqRing.set(JAVA_INT, sqArrayOff + 4L * i, i);
        sqTail = (int) INT_AT.getAcquire(sqRing, sqTailOff);
        // Never more in flight than the CQ holds, so completions cannot overflow; one entry stays
        // free for the wake-up no-op of close, which is not counted in flight.
        this.maxInFlight = Math.min(maxInFlight, cqEntries - 1);
        // Sized for a full ring: growing it under load put ConcurrentHashMap.transfer on the hot path.
        inFlight = new ConcurrentHashMap<>(this.maxInFlight);
        int helperThreads = Math.min(this.maxInFlight, FileIoDrivers.defaultThreads());
        helpers = new ThreadPoolExecutor(helperThreads, helperThreads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(() -> {
                HELPER_THREAD.set(this);
                r.run();
            }, "tessera-io_uring-helper");
            t.setDaemon(true);
            return t;
        });
        helpers.allowCoreThreadTimeOut(true);
        submitter = new Thread(this::submitLoop, "tessera-io_uring-submit");
        submitter.setDaemon(true);
        completer = new Thread(() -> {
            try {
                completionLoop();
            } finally {
                // A close made on a driver thread is done once this thread has drained and released the ring.
                if (closedFromDriverThread) closeDone.countDown();
            }
        }, "tessera-io_uring-completion");
        completer.setDaemon(true);
        submitter.start();
        completer.start();
        OPEN.add(this);
    }

    /** Why io_uring cannot be used here, or null when it can (probed once per JVM). */
    static String unavailableReason() {
        if (!probed) {
            synchronized (IoUringFileIoDriver.class) {
                if (!probed) {
                    unavailable = probe();
                    probed = true;
                }
            }
        }
        return unavailable;
    }

    private static String probe() {
        String arch = System.getProperty("os.arch", "");
        if (!System.getProperty("os.name", "").startsWith("Linux")) return "not Linux";
        if (!arch.equals("amd64") && !arch.equals("x86_64") && !arch.equals("aarch64")) return "unsupported architecture " + arch;
        try {
            Path knob = Path.of("/proc/sys/kernel/io_uring_disabled");
            if (Files.isReadable(knob) && Files.readString(knob).trim().equals("2")) {
                return "disabled by /proc/sys/kernel/io_uring_disabled=2";
            }
        } catch (Exception ignored) {
            // An unreadable knob says nothing; io_uring_setup answers for itself.
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment params = a.allocate(120, 8);
            long fd = LibC.syscall(SYS_IO_URING_SETUP, 4, params.address(), 0);
            if (fd < 0) {
                int e = (int) -fd;
                return "io_uring_setup failed: " + Errno.name(e) + " (" + Errno.message(e) + ")"
                        + (e == Errno.EPERM ? ", io_uring_disabled or seccomp" : "");
            }
            try {
                int nOps = 256;
                MemorySegment probe = a.allocate(16 + 8L * nOps, 8);
                long r = LibC.syscall(SYS_IO_URING_REGISTER, fd, IORING_REGISTER_PROBE, probe.address(), nOps);
                if (r < 0) return "IORING_REGISTER_PROBE failed: " + Errno.name((int) -r);
                int lastOp = Byte.toUnsignedInt(probe.get(JAVA_BYTE, 0));
                StringBuilder missing = new StringBuilder();
                for (byte op : REQUIRED) {
                    boolean ok = op <= lastOp
                            && (Short.toUnsignedInt(probe.get(JAVA_SHORT, 16 + 8L * op + 2)) & IO_URING_OP_SUPPORTED) != 0;
                    if (!ok) missing.append(missing.isEmpty() ? "" : ", ").append(op);
                }
                if (!missing.isEmpty()) return "kernel lacks io_uring opcodes " + missing;
            } finally {
                LibC.closeQuietly((int) fd);
            }
        }
        return null;
    }

    static IoUringFileIoDriver create(int concurrency) {
        return create(Integer.highestOneBit(Math.max(8, Math.min(concurrency, 4096)) * 2 - 1), concurrency);
    }

    /** A ring of {@code entries} SQEs (the CQ gets twice as many) with at most {@code concurrency} in flight. */
    static IoUringFileIoDriver create(int entries, int concurrency) {
        return create(entries, concurrency, Boolean.parseBoolean(System.getProperty("tessera.io_uring.coopTaskrun", "true")) ? IORING_SETUP_COOP_TASKRUN : 0);
    }

    /**
     * A ring set up with {@code optionalFlags} where the kernel takes them, and without them where
     * it refuses them as unknown (EINVAL: kernels before 5.19 for COOP_TASKRUN).
     */
    static IoUringFileIoDriver create(int entries, int concurrency, int optionalFlags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment params = a.allocate(120, 8);
            params.set(JAVA_INT, 8, IORING_SETUP_CLAMP | optionalFlags);
            long fd = LibC.syscall(SYS_IO_URING_SETUP, entries, params.address(), 0);
            if (fd == -Errno.EINVAL && optionalFlags != 0) {
                params.fill((byte) 0);
                params.set(JAVA_INT, 8, IORING_SETUP_CLAMP);
                fd = LibC.syscall(SYS_IO_URING_SETUP, entries, params.address(), 0);
            }
            if (fd < 0) throw new UnsupportedOperationException(new NativeIOException("io_uring_setup", "", (int) -fd).getMessage());
            try {
                return new IoUringFileIoDriver((int) fd, params, concurrency);
            } catch (NativeIOException e) {
                LibC.closeQuietly((int) fd);
                throw new UnsupportedOperationException(e.getMessage(), e);
            }
        }
    }

    @Override
    public String name() { return "io_uring"; }

    /** The number of SQ entries the kernel gave (tests use small rings). */
    int ringEntries() { return sqEntries; }

    /** The io_uring_setup flags the ring was made with. */
    int setupFlags() { return setupFlags; }

    /** Whether the ring broke and its operations now run as blocking calls ({@link #failAll}). */
    boolean isBroken() { return broken; }

    // ---- operations ----

    /**
     * Native memory for operations' path strings and statx results, returned at each one's
     * completion (the kernel is done with it then) and handed to the next. Why: an automatic
     * arena per string registered a cleaner per operation, half a dozen per durable write, for
     * the collector to find and the cleaner thread to run (together up to a tenth of the CPU of
     * 2,000 small writes in flight, these among other allocations). The pool keeps at most
     * {@link #OP_MEMORY_KEPT} blocks; a burst of more operations queued at once lets the rest go
     * to the collector.
     */
    private final ConcurrentLinkedQueue<MemorySegment> opMemory = new ConcurrentLinkedQueue<>();
    private final AtomicInteger opMemoryPooled = new AtomicInteger();
    private static final long OP_MEMORY = 2048, STRING_ROOM = 768, STATX_AT = 2 * STRING_ROOM;
    private static final int OP_MEMORY_KEPT = 1024;

    private MemorySegment memoryOf(Op op) {
        if (op.memory == null) {
            MemorySegment m = opMemory.poll();
            if (m != null) opMemoryPooled.decrementAndGet();
            op.memory = m != null ? m : Arena.ofAuto().allocate(OP_MEMORY, 8);
        }
        return op.memory;
    }

    private void recycle(MemorySegment memory) {
        if (opMemoryPooled.incrementAndGet() <= OP_MEMORY_KEPT) opMemory.offer(memory);
        else opMemoryPooled.decrementAndGet();
    }

    /** {@code s} as a NUL-terminated UTF-8 string in slot {@code which} (0 or 1) of the op's memory; long ones get their own. */
    private MemorySegment cString(Op op, String s, int which) {
        long bytes = LibC.cStringBytes(s);
        if (bytes > STRING_ROOM) return Arena.ofAuto().allocateFrom(s);
        MemorySegment slot = memoryOf(op).asSlice(which * STRING_ROOM, STRING_ROOM);
        LibC.putCString(slot, s, bytes);
        return slot;
    }

    @SuppressWarnings("unchecked")
    private <T> CompletableFuture<T> submit(Op op) {
        if (closed) return CompletableFuture.failedFuture(new DriverClosedException(name()));
        if (broken) return (CompletableFuture<T>) runFallback(op);
        queue.add(op);
        // The submitter may have swept the queue at close just before our add: take our op back and fail it.
        if (closed && queue.remove(op)) op.future.completeExceptionally(new DriverClosedException(name()));
        // Or the ring broke meanwhile and failAll swept it: if it is still ours, the fallback serves it.
        else if (broken && queue.remove(op)) runFallback(op);
        else LockSupport.unpark(submitter);
        return (CompletableFuture<T>) op.future;
    }

    /**
     * Serves {@code op}, which the kernel never saw, with its blocking twin on the helper pool,
     * and completes the op's future with the result.
     */
    private CompletableFuture<Object> runFallback(Op op) {
        if (op.memory != null) {
            recycle(op.memory);
            op.memory = null;
        }
        onHelper(() -> op.fallback.get()).thenCompose(f -> f).whenComplete((v, e) -> {
            if (e == null) op.future.complete(v);
            else op.future.completeExceptionally(e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e);
        });
        return op.future;
    }

    @Override
    public CompletableFuture<FileHandle> open(String path, int flags, int mode) {
        if (direct()) return direct.open(path, flags, mode);
        Op op = new Op(OP_OPENAT, "open", path);
        op.fd = LibC.AT_FDCWD;
        op.keep1 = cString(op, path, 0);
        op.addr = op.keep1.address();
        op.len = mode;
        op.opFlags = flags;
        op.onSuccess = r -> new FileHandle((int) r, path);
        op.fallback = () -> direct.open(path, flags, mode);
        return submit(op);
    }

    @Override
    public CompletableFuture<Long> read(FileHandle file, MemorySegment buf, long offset) {
        if (direct()) return direct.read(file, buf, offset);
        return rw(OP_READ, "read", file, buf, offset);
    }

    @Override
    public CompletableFuture<Long> write(FileHandle file, MemorySegment buf, long offset) {
        if (direct()) return direct.write(file, buf, offset);
        return rw(OP_WRITE, "write", file, buf, offset);
    }

    private CompletableFuture<Long> rw(byte opcode, String name, FileHandle file, MemorySegment buf, long offset) {
        LibC.requireNative(buf);
        Op op = new Op(opcode, name, file.path());
        op.fd = file.fd();
        op.keep1 = buf;
        op.addr = buf.address();
        // The kernel caps one read/write at 0x7ffff000 bytes anyway; callers loop on short counts.
        op.len = (int) Math.min(buf.byteSize(), 0x7ffff000L);
        op.off = offset;
        op.onSuccess = r -> r;
        op.fallback = () -> opcode == OP_READ ? direct.read(file, buf, offset) : direct.write(file, buf, offset);
        return submit(op);
    }

    @Override
    public CompletableFuture<Void> fsync(FileHandle file, boolean dataOnly) {
        if (direct()) return direct.fsync(file, dataOnly);
        Op op = new Op(OP_FSYNC, dataOnly ? "fdatasync" : "fsync", file.path());
        op.fd = file.fd();
        op.opFlags = dataOnly ? IORING_FSYNC_DATASYNC : 0;
        op.fallback = () -> direct.fsync(file, dataOnly);
        return submit(op);
    }

    @Override
    public CompletableFuture<Void> startWriteback(FileHandle file) {
        if (direct()) return direct.startWriteback(file);
        Op op = new Op(OP_SYNC_FILE_RANGE, "sync_file_range", file.path());
        op.fd = file.fd();
        op.opFlags = LibC.SYNC_FILE_RANGE_WRITE; // off 0, len 0: the whole file
        op.fallback = () -> direct.startWriteback(file);
        return submit(op);
    }

    @Override
    public CompletableFuture<Void> rename(String from, String to) {
        if (direct()) return direct.rename(from, to);
        Op op = new Op(OP_RENAMEAT, "rename", from + " -> " + to);
        op.fd = LibC.AT_FDCWD;
        op.keep1 = cString(op, from, 0);
        op.keep2 = cString(op, to, 1);
        op.addr = op.keep1.address();
        op.len = LibC.AT_FDCWD;
        op.off = op.keep2.address();
        op.fallback = () -> direct.rename(from, to);
        return submit(op);
    }

    @Override
    public CompletableFuture<Void> unlink(String path) {
        if (direct()) return direct.unlink(path);
        Op op = new Op(OP_UNLINKAT, "unlink", path);
        op.fd = LibC.AT_FDCWD;
        op.keep1 = cString(op, path, 0);
        op.addr = op.keep1.address();
        op.fallback = () -> direct.unlink(path);
        return submit(op);
    }

    @Override
    public CompletableFuture<Void> mkdir(String path, int mode) {
        if (direct()) return direct.mkdir(path, mode);
        Op op = new Op(OP_MKDIRAT, "mkdir", path);
        op.fd = LibC.AT_FDCWD;
        op.keep1 = cString(op, path, 0);
        op.addr = op.keep1.address();
        op.len = mode;
        op.fallback = () -> direct.mkdir(path, mode);
        return submit(op);
    }

    @Override
    public CompletableFuture<FileStat> stat(String path) {
        if (direct()) return direct.stat(path);
        return statx(LibC.AT_FDCWD, path, 0, path, false, () -> direct.stat(path));
    }

    @Override
    public CompletableFuture<FileStat> statIfExists(String path) {
        if (direct()) return direct.statIfExists(path);
        return statx(LibC.AT_FDCWD, path, 0, path, true, () -> direct.statIfExists(path));
    }

    @Override
    public CompletableFuture<FileStat> fstat(FileHandle file) {
        if (direct()) return direct.fstat(file);
        return statx(file.fd(), "", LibC.AT_EMPTY_PATH, file.path(), false, () -> direct.fstat(file));
    }

    private CompletableFuture<FileStat> statx(int dirfd, String path, int flags, String name, boolean missingOk,
                                          Supplier<CompletableFuture<?>> fallback) {
        Op op = new Op(OP_STATX, "statx", name);
        op.missingOk = missingOk;
        op.fd = dirfd;
        op.keep1 = cString(op, path, 0);
        MemorySegment buf = memoryOf(op).asSlice(STATX_AT, LibC.STATX_SIZE);
        op.keep2 = buf;
        op.addr = op.keep1.address();
        op.len = LibC.STATX_BASIC_STATS;
        op.opFlags = flags;
        op.off = buf.address();
        op.onSuccess = r -> LibC.decodeStatx(buf);
        op.fallback = fallback;
        return submit(op);
    }

    @Override
    public CompletableFuture<Void> close(FileHandle file) {
        if (direct()) return direct.close(file);
        Op op = new Op(OP_CLOSE, "close", file.path());
        op.fd = file.fd();
        op.fallback = () -> direct.close(file);
        return submit(op);
    }

    @Override
    public CompletableFuture<FileContents> readFile(String path, java.util.function.Function<FileStat, MemorySegment> allocate) {
        return onHelper(() -> FileIoDrivers.readFileNow(path, allocate));
    }

    /** io_uring has no syncfs opcode: a blocking call on the helper pool. */
    @Override
    public CompletableFuture<Void> syncFileSystem(FileHandle file) {
        return onHelper(() -> FileIoDrivers.syncFileSystem(file));
    }

    private <T> CompletableFuture<T> onHelper(FileIoDrivers.Call<T> call) {
        if (closed) return CompletableFuture.failedFuture(new DriverClosedException(name()));
        // Already on a helper: the call is as well made here as on another one.
        return FileIoDrivers.runOn(HELPER_THREAD.get() == this ? Runnable::run : helpers, call, name());
    }

    @Override
    public <T> CompletableFuture<T> runChain(Supplier<CompletableFuture<T>> chain) {
        return onHelper(chain::get).thenCompose(f -> f);
    }

    @Override
    public boolean mustNotBlock() {
        Thread t = Thread.currentThread();
        return t == completer || t == submitter;
    }

    @Override
    public boolean isOwnThread() {
        return HELPER_THREAD.get() == this || mustNotBlock();
    }

    /**
     * Whether an operation runs as a direct system call on this thread: on a helper (where
     * blocking is allowed) while the ring is idle. A ring round trip then only adds thread
     * switches, since no other operation could share its submission; when the ring is busy, the
     * operation joins it.
     */
    private boolean direct() {
        return HELPER_THREAD.get() == this && inFlightCount.get() == 0 && queue.isEmpty() && !closed;
    }

    // ---- ring ----

    private void prep(int slot, Op op, long userData) {
        MemorySegment sqe = sqes.asSlice(SQE_SIZE * slot, SQE_SIZE);
        sqe.fill((byte) 0);
        sqe.set(JAVA_BYTE, 0, op.opcode);
        sqe.set(JAVA_INT, 4, op.fd);
        sqe.set(JAVA_LONG, 8, op.off);
        sqe.set(JAVA_LONG, 16, op.addr);
        sqe.set(JAVA_INT, 24, op.len);
        sqe.set(JAVA_INT, 28, op.opFlags);
        sqe.set(JAVA_LONG, 32, userData);
    }

    /** Moves queued operations into the ring and hands them to the kernel; the count placed. Holds sqLock. */
    private int placeAndSubmit() {
        int head = (int) INT_AT.getAcquire(sqRing, sqHeadOff);
        int placed = 0;
        while (sqTail - head < sqEntries && inFlightCount.get() < maxInFlight) {
            Op op = queue.poll();
            if (op == null) break;
            long id = nextId.getAndIncrement();
            inFlight.put(id, op);
            inFlightCount.incrementAndGet();
            prep(sqTail & sqMask, op, id);
            sqTail++;
            placed++;
        }
        if (placed > 0) {
            INT_AT.setRelease(sqRing, sqTailOff, sqTail);
            unsubmitted += placed;
        }
        enterSubmit();
        return placed;
    }

    private void submitLoop() {
        while (!closed) {
            int placed;
            boolean waiting;
            sqLock.lock();
            try {
                placed = placeAndSubmit();
                waiting = unsubmitted > 0;
            } finally {
                sqLock.unlock();
            }
            // Nothing to do, or no room: sleep until a caller queues or the completion thread frees room.
            // Check `closed` again first: waiting for sqLock parks this thread too and may have
            // swallowed the wake-up of close; an unpark after this check is not lost. (A caller's
            // wake-up needs no such check: its operation was queued before the poll above.)
            if (placed == 0 && !closed) {
                if (waiting) LockSupport.parkNanos(this, 1_000_000);
                else LockSupport.park(this);
            }
        }
        for (Op op; (op = queue.poll()) != null; ) op.future.completeExceptionally(new DriverClosedException(name()));
        // Wake the completion thread with a no-op so it sees `closed` even when nothing else is in flight.
        for (int tries = 0; tries < 10_000 && !placeWakeUp(); tries++) LockSupport.parkNanos(1_000_000);
        // Then stay until the kernel has completed everything this thread submitted: when a task
        // exits, the kernel cancels its requests (ECANCELED), and most of this driver's opcodes
        // (fsync, rename, statx, writes queued behind others to one file) wait in the kernel's
        // worker queue. Submissions the kernel refused for a moment (EAGAIN, EBUSY) are retried
        // here too: after close nobody else would. Without a completion thread nothing completes.
        while (completer.isAlive()) {
            boolean pending;
            sqLock.lock();
            try {
                enterSubmit();
                pending = unsubmitted > 0 || inFlightCount.get() > 0;
            } finally {
                sqLock.unlock();
            }
            // A broken ring completes nothing more that this thread could wait for.
            if (!pending || broken) return;
            LockSupport.parkNanos(this, 1_000_000);
        }
    }

    /** Places and submits the completion thread's wake-up no-op; false when the ring has no room. */
    private boolean placeWakeUp() {
        sqLock.lock();
        try {
            boolean room = placeWakeUpSqe();
            if (room) unsubmitted++;
            enterSubmit();
            return room;
        } finally {
            sqLock.unlock();
        }
    }

    /** Places the wake-up no-op in the SQ without submitting it; false when the ring has no room. Holds sqLock. */
    private boolean placeWakeUpSqe() {
        if (sqTail - (int) INT_AT.getAcquire(sqRing, sqHeadOff) >= sqEntries) return false;
        prep(sqTail & sqMask, new Op(OP_NOP, "nop", ""), WAKE);
        sqTail++;
        INT_AT.setRelease(sqRing, sqTailOff, sqTail);
        return true;
    }

    private void enterSubmit() {
        while (unsubmitted > 0) {
            long r = enter(unsubmitted, 0, 0);
            if (r >= 0) {
                unsubmitted -= (int) r;
                if (r == 0) return;
            } else if (r == -Errno.EAGAIN || r == -Errno.EBUSY) {
                // The kernel is short of resources: the SQEs stay placed and are retried shortly.
                return;
            } else if (r != -Errno.EINTR) {
                // The ring itself is broken: no placed SQE will be taken again, so fail everything rather than hang.
                unsubmitted = 0;
                failAll(new NativeIOException("io_uring_enter", "submission ring", (int) -r));
                return;
            }
        }
    }

    private void completionLoop() {
        while (true) {
            long r = enter(0, 1, IORING_ENTER_GETEVENTS);
            if (r < 0 && r != -Errno.EINTR && r != -Errno.EAGAIN && r != -Errno.EBUSY) {
                failAll(new NativeIOException("io_uring_enter", "completion ring", (int) -r));
                return;
            }
            boolean woken = reap();
            // Submit what the callbacks just queued ourselves; the submitter only if we cannot.
            if (!closed && !queue.isEmpty() && sqLock.tryLock()) {
                try {
                    placeAndSubmit();
                } finally {
                    sqLock.unlock();
                }
            }
            if (!queue.isEmpty() || unsubmittedHint()) LockSupport.unpark(submitter);
            // Done once closed, nothing in flight, and the submitter has placed its last operation
            // (it sends the wake-up no-op after that). The no-op may have been reaped in an earlier
            // round, while other operations were still in flight: hence the sticky flag.
            wakeSeen |= woken;
            if (closed && inFlightCount.get() == 0 && (wakeSeen || !submitter.isAlive())) {
                if (closedFromDriverThread) {
                    try {
                        submitter.join(60_000);
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (!submitter.isAlive() && !broken) releaseRing();
                }
                return;
            }
        }
    }

    /** Whether SQEs wait for the kernel (read racily; a spurious wake-up is harmless). */
    private boolean unsubmittedHint() {
        return sqTail != (int) INT_AT.getAcquire(sqRing, sqHeadOff);
    }

    private boolean reap() {
        boolean woken = false;
        int head = (int) INT_AT.getAcquire(cqRing, cqHeadOff);
        int tail = (int) INT_AT.getAcquire(cqRing, cqTailOff);
        while (head != tail) {
            long at = cqesOff + CQE_SIZE * (head & cqMask);
            long userData = cqRing.get(JAVA_LONG, at);
            int res = cqRing.get(JAVA_INT, at + 8);
            head++;
            // Publish the freed CQ slot before completing, so callbacks that submit find room.
            INT_AT.setRelease(cqRing, cqHeadOff, head);
            if (userData == WAKE) {
                woken = true;
                continue;
            }
            Op op = inFlight.remove(userData);
            if (op == null) continue;
            inFlightCount.decrementAndGet();
            complete(op, res);
            if (head == tail) tail = (int) INT_AT.getAcquire(cqRing, cqTailOff);
        }
        return woken;
    }

    private void complete(Op op, int res) {
        try {
            if (res < 0 && op.missingOk && Errno.isMissingPath(-res)) op.future.complete(null);
            else if (res < 0) op.future.completeExceptionally(new NativeIOException(op.name, op.path, -res));
            else op.future.complete(op.onSuccess.apply(Integer.toUnsignedLong(res)));
        } catch (Throwable t) {
            op.future.completeExceptionally(t);
        } finally {
            if (op.memory != null) recycle(op.memory);
        }
    }

    /**
     * The ring is broken: {@code io_uring_enter} failed in a way no retry mends. Operations the
     * kernel may have taken fail, each naming itself with {@code t} as cause ({@link #failedWith}),
     * since nobody can tell whether they happened (the
     * kernel may still hold their buffers, so their Ops stay referenced, in ABANDONED); queued ones,
     * and every later one, are served by blocking calls on the helper pool instead, so that a
     * store keeps working, without io_uring.
     */
    private void failAll(Throwable t) {
        if (!broken) FileIoDrivers.LOG.log(System.Logger.Level.WARNING, name() + " ring broken (" + t.getMessage() + "): operations in flight fail; later ones use blocking system calls");
        broken = true;
        List<Op> neverTaken = new ArrayList<>();
        sqLock.lock();
        try {
            // SQEs placed after the kernel's head were never taken: their operations are queued
            // ones. The tail goes back to the head, so that no later io_uring_enter (of a ring
            // that works after all) submits them a second time, with their memory reused.
            int head = (int) INT_AT.getAcquire(sqRing, sqHeadOff);
            for (int slot = head; slot != sqTail; slot++) {
                Op op = inFlight.remove(sqes.get(JAVA_LONG, SQE_SIZE * (slot & sqMask) + 32));
                if (op != null) {
                    inFlightCount.decrementAndGet();
                    neverTaken.add(op);
                }
            }
            sqTail = head;
            unsubmitted = 0;
            INT_AT.setRelease(sqRing, sqTailOff, sqTail);
        } finally {
            sqLock.unlock();
        }
        for (Op op : neverTaken) runFallback(op);
        for (Op op; (op = queue.poll()) != null; ) runFallback(op);
        // Abandoned once: a later failAll (close's wake-up meets the broken ring too) finds none.
        for (var it = inFlight.values().iterator(); it.hasNext(); ) {
            Op op = it.next();
            it.remove();
            inFlightCount.decrementAndGet();
            ABANDONED.add(op);
            op.future.completeExceptionally(failedWith(op, t));
        }
    }

    /** The failure of {@code op} for a broken ring ({@code t}): its own operation and path, with the ring's errno and {@code t} as cause. */
    private static Throwable failedWith(Op op, Throwable t) {
        if (!(t instanceof NativeIOException ring)) return t;
        NativeIOException e = new NativeIOException(op.name, op.path, ring.errno());
        e.initCause(t);
        return e;
    }

    /**
     * Makes every later {@code io_uring_enter} fail with {@code errno}, as a broken ring would
     * (tests only; call it while the ring is idle). A no-op submitted past the injected failure
     * wakes the completion thread from its wait, so that its next call fails too.
     */
    void failRingForTest(int errno) {
        injectedEnterErrno = errno;
        sqLock.lock();
        try {
            if (placeWakeUpSqe()) LibC.syscall(SYS_IO_URING_ENTER, ringFd, 1, 0, 0, 0, 0);
        } finally {
            sqLock.unlock();
        }
    }

    private long enter(int toSubmit, int minComplete, int flags) {
        int injected = injectedEnterErrno;
        if (injected != 0) return -injected;
        // A broken ring is not entered again: with EBADF its descriptor may since name another file.
        if (broken) return -Errno.EBADF;
        return LibC.syscall(SYS_IO_URING_ENTER, ringFd, toSubmit, minComplete, flags, 0, 0);
    }

    /**
     * {@inheritDoc} A second close, made while the first is under way, waits for it; made from a
     * callback on the driver's own threads, it returns at once (they cannot wait for themselves).
     */
    @Override
    public void close() {
        if (!FileIoDrivers.isShared(this)) closeNow();
    }

    /** {@link #close}, on a shared driver too (at JVM exit). */
    private void closeNow() {
        boolean first;
        synchronized (this) {
            first = !closed;
            closed = true;
        }
        if (!first) {
            if (!mustNotBlock()) {
                try {
                    // Bounded as the first close's own waits are.
                    closeDone.await(120, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return;
        }
        boolean deferred = false;
        try {
            OPEN.remove(this);
            helpers.shutdown();
            LockSupport.unpark(submitter);
            if (mustNotBlock()) {
                // Closed from a callback on the completion or submission thread: the completion
                // thread unmaps the ring itself once drained.
                closedFromDriverThread = true;
                deferred = completer.isAlive();
                return;
            }
            try {
                submitter.join(60_000);
                // A broken ring's completion thread may be waiting in the kernel for good.
                if (!broken) completer.join(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            // If the kernel still holds operations, leave the ring mapped and open rather than free
            // memory it may write; a broken ring too (its descriptor may since name another file).
            if (!completer.isAlive() && !broken) releaseRing();
        } finally {
            if (!deferred) closeDone.countDown();
        }
    }

    private void releaseRing() {
        LibC.munmap(sqes);
        LibC.munmap(sqRing);
        if (!singleMmap) LibC.munmap(cqRing);
        LibC.closeQuietly(ringFd);
    }
}
