package io.tessera.nativeio;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.*;

class FileIoDriverTest {
    @TempDir Path dir;
    private final List<FileIoDriver> drivers = new ArrayList<>();

    private FileIoDriver driver(FileIoDriver.Kind kind, int concurrency) {
        FileIoDriver d = FileIoDriver.create(kind, concurrency);
        // The io_uring variant must really be io_uring: failing, not skipping, when it is not selected.
        assertEquals(kind == FileIoDriver.Kind.IO_URING ? "io_uring" : "blocking", d.name());
        drivers.add(d);
        return d;
    }

    @AfterEach
    void closeDrivers() { drivers.forEach(FileIoDriver::close); }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(60, TimeUnit.SECONDS);
    }

    /** What one of {@link #fromThreads}' threads submits; it may throw. */
    private interface ThreadWork {
        List<? extends CompletableFuture<?>> submit(int thread) throws Exception;
    }

    /**
     * Runs {@code work} on {@code threads} platform threads at once, each waiting for the futures
     * it submitted, and fails with every error any of them saw.
     */
    private static void fromThreads(int threads, ThreadWork work) throws InterruptedException {
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int tt = t;
            ts.add(Thread.ofPlatform().start(() -> {
                try {
                    for (CompletableFuture<?> f : work.submit(tt)) f.get(120, TimeUnit.SECONDS);
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        for (Thread t : ts) t.join();
        assertEquals(List.of(), errors);
    }

    private static MemorySegment bytes(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        MemorySegment m = Arena.ofAuto().allocate(b.length);
        m.copyFrom(MemorySegment.ofArray(b));
        return m;
    }

    private static final FileIoDriver.Kind[] KINDS = {FileIoDriver.Kind.BLOCKING, FileIoDriver.Kind.IO_URING};

    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void everyOperation(FileIoDriver.Kind kind) throws Exception {
        FileIoDriver d = driver(kind, 4);
        String sub = dir.resolve("sub").toString();
        await(d.mkdir(sub, 0755));
        assertTrue(await(d.stat(sub)).isDirectory());
        String a = sub + "/a";
        FileHandle h = await(d.open(a, LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC, 0644));
        assertEquals(5L, await(d.write(h, bytes("hello"), 0)));
        assertEquals(6L, await(d.write(h, bytes(" world"), 5)));
        await(d.startWriteback(h));
        await(d.fsync(h, false));
        await(d.fsync(h, true));
        FileStat st = await(d.fstat(h));
        assertEquals(11, st.size());
        assertTrue(st.isRegularFile());
        MemorySegment buf = Arena.ofAuto().allocate(32);
        long n = await(d.read(h, buf, 6));
        assertEquals("world", new String(buf.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8));
        assertEquals(0L, await(d.read(h, buf, 11)));
        await(d.close(h));
        FileStat byPath = await(d.stat(a));
        assertTrue(byPath.sameFile(st));
        assertEquals(st, LibC.stat(a));
        assertEquals(st.mtimeNanos(), Files.getLastModifiedTime(Path.of(a)).toInstant().getEpochSecond() * 1_000_000_000L
                + Files.getLastModifiedTime(Path.of(a)).toInstant().getNano());
        await(d.rename(a, sub + "/b"));
        assertEquals("hello world", Files.readString(Path.of(sub, "b")));
        await(d.unlink(sub + "/b"));
        assertFalse(Files.exists(Path.of(sub, "b")));
    }

    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void failuresNameOperationPathAndErrno(FileIoDriver.Kind kind) {
        FileIoDriver d = driver(kind, 2);
        String missing = dir.resolve("nope/x").toString();
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> d.open(missing, LibC.O_RDONLY, 0).get(60, TimeUnit.SECONDS));
        NativeIOException n = assertInstanceOf(NativeIOException.class, e.getCause());
        assertEquals(Errno.ENOENT, n.errno());
        assertEquals("open " + missing + ": ENOENT (No such file or directory)", n.getMessage());
        e = assertThrows(ExecutionException.class, () -> d.mkdir(dir.toString(), 0755).get(60, TimeUnit.SECONDS));
        assertEquals("EEXIST", ((NativeIOException) e.getCause()).errnoName());
        e = assertThrows(ExecutionException.class, () -> d.unlink(missing).get(60, TimeUnit.SECONDS));
        assertEquals("unlink", ((NativeIOException) e.getCause()).operation());
        e = assertThrows(ExecutionException.class,
                () -> d.fsync(new FileHandle(1 << 20, "/bad/fd"), false).get(60, TimeUnit.SECONDS));
        assertEquals("fsync /bad/fd: EBADF (Bad file descriptor)", e.getCause().getMessage());
        e = assertThrows(ExecutionException.class,
                () -> d.startWriteback(new FileHandle(1 << 20, "/bad/fd")).get(60, TimeUnit.SECONDS));
        assertEquals("sync_file_range /bad/fd: EBADF (Bad file descriptor)", e.getCause().getMessage());
    }

    /** The same sequence of operations gives the same results and the same errors on both drivers. */
    @Test
    void ioUringMatchesBlocking() throws Exception {
        List<String> results = new ArrayList<>();
        for (FileIoDriver.Kind kind : KINDS) {
            FileIoDriver d = driver(kind, 3);
            Path base = Files.createDirectory(dir.resolve(kind.name()));
            StringBuilder log = new StringBuilder();
            String f = base + "/f";
            String[] steps = {"open-missing", "create", "write", "read", "stat", "rename-missing", "unlink-dir", "mkdir-twice"};
            for (String step : steps) {
                try {
                    Object r = switch (step) {
                        case "open-missing" -> await(d.open(f, LibC.O_RDONLY, 0));
                        case "create" -> { FileHandle h = await(d.open(f, LibC.O_WRONLY | LibC.O_CREAT | LibC.O_EXCL, 0600));
                            await(d.close(h)); yield "ok"; }
                        case "write" -> { FileHandle h = await(d.open(f, LibC.O_WRONLY, 0));
                            long n = await(d.write(h, bytes("abcdefg"), 3)); await(d.close(h)); yield n; }
                        case "read" -> { FileHandle h = await(d.open(f, LibC.O_RDONLY, 0));
                            MemorySegment b = Arena.ofAuto().allocate(16); long n = await(d.read(h, b, 0)); await(d.close(h)); yield n; }
                        case "stat" -> await(d.stat(f)).size();
                        case "rename-missing" -> await(d.rename(f + ".x", f + ".y"));
                        case "unlink-dir" -> await(d.unlink(base.toString()));
                        case "mkdir-twice" -> { await(d.mkdir(base + "/d", 0700)); yield await(d.mkdir(base + "/d", 0700)); }
                        default -> throw new AssertionError(step);
                    };
                    log.append(step).append('=').append(r).append('\n');
                } catch (ExecutionException e) {
                    NativeIOException n = (NativeIOException) e.getCause();
                    log.append(step).append(": ").append(n.operation()).append(' ').append(n.errnoName()).append('\n');
                }
            }
            results.add(log.toString());
        }
        assertEquals(results.get(0), results.get(1));
    }

    /** Many threads, a ring of 8 entries, far more operations than entries: all complete, each with its own data. */
    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void manyThreadsSmallRing(FileIoDriver.Kind kind) throws Exception {
        FileIoDriver d = driver(kind, 4);
        if (d instanceof IoUringFileIoDriver u) assertTrue(u.ringEntries() <= 8, "ring " + u.ringEntries());
        int threads = 8, perThread = 150;
        fromThreads(threads, tt -> {
            List<CompletableFuture<Void>> fs = new ArrayList<>();
            for (int i = 0; i < perThread; i++) {
                String p = dir + "/t" + tt + "-" + i;
                MemorySegment v = bytes("value " + tt + " " + i);
                // Completions arrive in any order; each chain checks its own result.
                fs.add(d.open(p, LibC.O_RDWR | LibC.O_CREAT, 0644)
                        .thenCompose(h -> d.write(h, v, 0)
                                .thenCompose(n -> {
                                    assertEquals(v.byteSize(), n);
                                    return d.fstat(h);
                                })
                                .thenCompose(st -> {
                                    assertEquals(v.byteSize(), st.size());
                                    return d.close(h);
                                })));
            }
            return fs;
        });
        for (int t = 0; t < threads; t++)
            for (int i = 0; i < perThread; i++)
                assertEquals("value " + t + " " + i, Files.readString(dir.resolve("t" + t + "-" + i)));
    }

    /**
     * Path strings and stat results live in memory each operation hands on at its completion:
     * many threads renaming and stating files whose paths fit the room an operation has (767
     * bytes) and paths that do not, concurrently, must each see exactly their own files.
     */
    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void recycledPathMemoryNeverMixesOperations(FileIoDriver.Kind kind) throws Exception {
        FileIoDriver d = driver(kind, 16);
        int threads = 6, perThread = 120;
        fromThreads(threads, tt -> {
            List<CompletableFuture<Void>> fs = new ArrayList<>();
            for (int i = 0; i < perThread; i++) {
                // Nested directories make paths of 40 to 1,200 characters; a few non-ASCII.
                int depth = (i * 7 + tt) % 6;
                String sub = dir + ("/" + "d".repeat(200)).repeat(depth);
                Files.createDirectories(Path.of(sub));
                String from = sub + "/from-" + tt + "-" + i + (i % 5 == 0 ? "-é中" : "");
                String to = sub + "/to-" + tt + "-" + i;
                fs.add(d.open(from, LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC, 0644)
                        .thenCompose(h -> d.fstat(h).thenCompose(st -> d.close(h).thenApply(v -> st)))
                        .thenCompose(st -> d.rename(from, to).thenCompose(v -> d.stat(to)).thenAccept(moved -> {
                            assertEquals(st.ino(), moved.ino(), to);
                        }))
                        .thenCompose(v -> d.statIfExists(from))
                        .thenAccept(gone -> assertNull(gone, from)));
            }
            return fs;
        });
        try (var files = Files.walk(dir)) {
            assertEquals(threads * perThread, files.filter(f -> f.getFileName().toString().startsWith("to-")).count());
        }
    }

    /**
     * A ring whose {@code io_uring_enter} fails for good from some moment on (injected: EBADF):
     * operations the kernel may have taken fail naming {@code io_uring_enter}, and all others,
     * then and later, are served by blocking calls, so a writer goes on: files are created,
     * written, synced, renamed, stat'ed, read back and deleted as before.
     */
    @Test
    void aBrokenRingFailsOverToBlockingCalls() throws Exception {
        IoUringFileIoDriver d = IoUringFileIoDriver.create(64);
        drivers.add(d);
        FileHandle h = await(d.open(dir + "/before", LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC, 0644));
        assertEquals(5L, await(d.write(h, bytes("hello"), 0)));
        d.failRingForTest(Errno.EBADF);
        List<CompletableFuture<Long>> around = new ArrayList<>();
        for (int i = 0; i < 50; i++) around.add(d.write(h, bytes("x"), 5 + i));
        int served = 0;
        for (CompletableFuture<Long> f : around) {
            try {
                assertEquals(1L, await(f));
                served++;
            } catch (ExecutionException e) {
                // Its own operation and path, the ring's errno, and the ring's failure as cause.
                NativeIOException cause = assertInstanceOf(NativeIOException.class, e.getCause());
                assertEquals("write", cause.operation());
                assertEquals(dir + "/before", cause.path());
                assertEquals("EBADF", cause.errnoName());
                assertTrue(cause.getCause().getMessage().contains("io_uring_enter"), cause.getCause().getMessage());
            }
        }
        assertTrue(served > 0, "operations the kernel never took are served by the fallback");
        await(d.fsync(h, true));
        await(d.close(h));
        String sub = dir.resolve("sub").toString();
        await(d.mkdir(sub, 0755));
        String a = sub + "/a.__lock";
        FileHandle g = await(d.open(a, LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC, 0644));
        assertEquals(11L, await(d.write(g, bytes("after break"), 0)));
        await(d.startWriteback(g));
        await(d.fsync(g, false));
        assertEquals(11, await(d.fstat(g)).size());
        MemorySegment buf = Arena.ofAuto().allocate(16);
        assertEquals(5L, await(d.read(g, buf, 6)));
        assertEquals("break", new String(buf.asSlice(0, 5).toArray(JAVA_BYTE), StandardCharsets.UTF_8));
        await(d.close(g));
        await(d.rename(a, sub + "/a"));
        assertEquals("after break", Files.readString(Path.of(sub, "a")));
        assertTrue(await(d.stat(sub + "/a")).isRegularFile());
        assertNull(await(d.statIfExists(sub + "/missing")));
        await(d.syncFileSystem(await(d.open(sub + "/a", LibC.O_RDONLY | LibC.O_CLOEXEC, 0))));
        await(d.unlink(sub + "/a"));
        assertFalse(Files.exists(Path.of(sub, "a")));
        // Every write that reported success is on disk.
        byte[] before = Files.readAllBytes(dir.resolve("before"));
        assertEquals("hello", new String(before, 0, 5, StandardCharsets.UTF_8));
        for (int i = 0; i < around.size(); i++) {
            if (!around.get(i).isCompletedExceptionally()) assertEquals('x', before[5 + i], "write " + i);
        }
    }

    /**
     * A callback on the completion thread closes the driver while another thread is closing it.
     * The first close used to hold the driver's monitor while it waited for the completion
     * thread, which waited for the monitor: both stalled for the full minute of the joins, and
     * the ring was never released. Now the second close returns at once on the driver's thread,
     * and waits for the first anywhere else.
     */
    @Test
    void closingFromACallbackWhileAnotherThreadClosesDoesNotStall() throws Exception {
        IoUringFileIoDriver d = IoUringFileIoDriver.create(64);
        drivers.add(d);
        FileHandle h = await(d.open(dir + "/closing", LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC, 0644));
        java.util.concurrent.CountDownLatch inCallback = new java.util.concurrent.CountDownLatch(1), closing = new java.util.concurrent.CountDownLatch(1);
        CompletableFuture<String> callbackClosed = new CompletableFuture<>();
        // A write whose callback runs on the completion thread (retried in the rare case that it
        // completed before the callback was attached, which then runs here).
        Runnable[] attach = new Runnable[1];
        attach[0] = () -> d.write(h, bytes("x"), 0).whenComplete((v, e) -> {
            if (!d.mustNotBlock()) {
                attach[0].run();
                return;
            }
            inCallback.countDown();
            try {
                closing.await();
                Thread.sleep(100); // the other close is (most likely) under way
                d.close();
                callbackClosed.complete(Thread.currentThread().getName());
            } catch (Throwable t) {
                callbackClosed.completeExceptionally(t);
            }
        });
        attach[0].run();
        assertTrue(inCallback.await(60, TimeUnit.SECONDS));
        Thread closer = Thread.ofPlatform().start(() -> {
            closing.countDown();
            d.close();
        });
        closer.join(30_000);
        assertFalse(closer.isAlive(), "the other thread's close is still waiting");
        assertTrue(callbackClosed.get(30, TimeUnit.SECONDS).contains("completion"), "closed from the completion thread");
        d.close(); // a third close, after both: returns
        assertThrows(ExecutionException.class, () -> await(d.write(h, bytes("y"), 1)), "closed");
    }

    /** A 4-entry submission ring, 6 threads with 300 writes each: submissions wait for ring space, none is lost. */
    @Test
    void submissionRingFull() throws Exception {
        IoUringFileIoDriver d = IoUringFileIoDriver.create(4, 64);
        drivers.add(d);
        assertEquals(4, d.ringEntries());
        List<CompletableFuture<Long>> fs = new ArrayList<>();
        FileHandle h = await(d.open(dir + "/ring", LibC.O_RDWR | LibC.O_CREAT, 0644));
        List<Thread> ts = new ArrayList<>();
        List<List<CompletableFuture<Long>>> perThread = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            List<CompletableFuture<Long>> mine = new ArrayList<>();
            perThread.add(mine);
            int tt = t;
            ts.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 300; i++) {
                    MemorySegment b = Arena.ofAuto().allocate(8);
                    b.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, tt * 1000L + i);
                    mine.add(d.write(h, b, 8L * (tt * 300 + i)));
                }
            }));
        }
        for (Thread t : ts) t.join();
        for (List<CompletableFuture<Long>> l : perThread) fs.addAll(l);
        for (CompletableFuture<Long> f : fs) assertEquals(8L, await(f));
        await(d.close(h));
        java.nio.ByteBuffer all = java.nio.ByteBuffer.wrap(Files.readAllBytes(dir.resolve("ring"))).order(java.nio.ByteOrder.nativeOrder());
        for (int t = 0; t < 6; t++)
            for (int i = 0; i < 300; i++) assertEquals(t * 1000L + i, all.getLong(8 * (t * 300 + i)));
    }

    /** The shared driver of a kind is one instance, and its close does nothing: it goes on serving. */
    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void theSharedDriverIsOneAndOutlivesClose(FileIoDriver.Kind kind) throws Exception {
        FileIoDriver d = FileIoDriver.shared(kind);
        assertSame(d, FileIoDriver.shared(kind));
        assertEquals(kind == FileIoDriver.Kind.IO_URING ? "io_uring" : "blocking", d.name());
        d.close();
        FileHandle h = await(d.open(dir + "/shared", LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC, 0644));
        assertEquals(5L, await(d.write(h, bytes("after"), 0)));
        await(d.close(h));
        assertEquals("after", Files.readString(dir.resolve("shared")));
    }

    /**
     * A shared ring that broke keeps serving what it has with blocking calls, but later callers get
     * a new ring: one failure does not take io_uring from the whole process.
     */
    @Test
    void aBrokenSharedRingIsReplacedForLaterStores() throws Exception {
        IoUringFileIoDriver broken = (IoUringFileIoDriver) FileIoDriver.shared(FileIoDriver.Kind.IO_URING);
        broken.failRingForTest(Errno.EBADF);
        FileHandle h = await(broken.open(dir + "/old", LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC, 0644));
        assertTrue(broken.isBroken());
        assertEquals(3L, await(broken.write(h, bytes("old"), 0)), "the broken ring's callers go on with blocking calls");
        await(broken.close(h));

        IoUringFileIoDriver fresh = (IoUringFileIoDriver) FileIoDriver.shared(FileIoDriver.Kind.IO_URING);
        assertNotSame(broken, fresh);
        assertFalse(fresh.isBroken());
        assertSame(fresh, FileIoDriver.shared(FileIoDriver.Kind.IO_URING));
        broken.close();
        FileHandle h2 = await(fresh.open(dir + "/new", LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC, 0644));
        assertEquals(3L, await(fresh.write(h2, bytes("new"), 0)));
        await(fresh.close(h2));
        assertEquals("old", Files.readString(dir.resolve("old")));
        assertEquals("new", Files.readString(dir.resolve("new")));
    }

    /**
     * Rings ask for COOP_TASKRUN where the kernel has it (5.19+), and a kernel that refuses an
     * optional setup flag (here one no kernel knows, which every kernel refuses with EINVAL)
     * still gives a ring, without it, that does the whole durable write sequence.
     */
    @Test
    void optionalSetupFlagsFallBackWhereTheKernelRefusesThem() throws Exception {
        IoUringFileIoDriver usual = IoUringFileIoDriver.create(64);
        drivers.add(usual);
        String[] release = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim().split("[.-]");
        boolean coopKernel = Integer.parseInt(release[0]) > 5 || (Integer.parseInt(release[0]) == 5 && Integer.parseInt(release[1]) >= 19);
        assertEquals(coopKernel, (usual.setupFlags() & IoUringFileIoDriver.IORING_SETUP_COOP_TASKRUN) != 0, "COOP_TASKRUN on kernel " + String.join(".", release));

        int unknownFlag = 1 << 30;
        IoUringFileIoDriver d = IoUringFileIoDriver.create(16, 16, unknownFlag);
        drivers.add(d);
        assertEquals(0, d.setupFlags() & unknownFlag);
        FileHandle h = await(d.open(dir + "/tmp", LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC, 0644));
        assertEquals(5L, await(d.write(h, bytes("hello"), 0)));
        await(d.fsync(h, true));
        await(d.close(h));
        await(d.rename(dir + "/tmp", dir + "/final"));
        assertEquals("hello", Files.readString(dir.resolve("final")));
    }

    /**
     * A missing path (or one under a regular file) stats as null rather than failing, on the ring,
     * on a driver thread (a chain) and as a blocking call; any other error still fails, and an
     * existing path stats as {@code stat} does.
     */
    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void statIfExistsGivesNullForMissingPaths(FileIoDriver.Kind kind) throws Exception {
        FileIoDriver d = driver(kind, 4);
        Path file = Files.writeString(dir.resolve("f"), "abc");
        String missing = dir.resolve("missing").toString(), underFile = file + "/x";
        for (int round = 0; round < 2; round++) {
            boolean chained = round == 1;
            java.util.function.Function<String, FileStat> st = p -> {
                try {
                    return await(chained ? d.runChain(() -> d.statIfExists(p)) : d.statIfExists(p));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            };
            assertNull(st.apply(missing));
            assertNull(st.apply(underFile));
            FileStat a = st.apply(file.toString()), b = await(d.stat(file.toString()));
            assertTrue(a.sameFile(b));
            assertEquals(3, a.size());
            assertEquals(b.mtimeNanos(), a.mtimeNanos());
        }
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(d.statIfExists("x".repeat(5000))));
        assertEquals(Errno.ENAMETOOLONG, ((NativeIOException) e.getCause()).errno());
        assertNull(LibC.statIfExists(missing));
        assertEquals(-1, LibC.openIfExists(underFile, LibC.O_RDONLY | LibC.O_CLOEXEC, 0));
        assertEquals(-1, LibC.openIfExists(missing, LibC.O_RDONLY | LibC.O_CLOEXEC, 0));
        NativeIOException tooLong = assertThrows(NativeIOException.class,
                () -> LibC.openIfExists("x".repeat(5000), LibC.O_RDONLY | LibC.O_CLOEXEC, 0));
        assertEquals(Errno.ENAMETOOLONG, tooLong.errno());
    }

    /**
     * Opening a FIFO for reading blocks in the kernel until a writer comes: operations submitted
     * after it complete first, and it completes once the writer opens.
     */
    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void completionsArriveOutOfOrder(FileIoDriver.Kind kind) throws Exception {
        FileIoDriver d = driver(kind, 4);
        Path fifo = dir.resolve("fifo");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, mk.waitFor());
        // O_CREAT: io_uring's inline open attempt adds O_NONBLOCK (which opens a FIFO without waiting
        // for a writer); an O_CREAT open always goes to a kernel worker and blocks as open(2) does.
        CompletableFuture<FileHandle> first = d.open(fifo.toString(), LibC.O_RDONLY | LibC.O_CREAT | LibC.O_CLOEXEC, 0644);
        for (int i = 0; i < 50; i++) assertTrue(await(d.stat(dir.toString())).isDirectory());
        assertFalse(first.isDone(), () -> "no writer yet, so the FIFO open cannot have completed: " + first);
        try (java.io.FileOutputStream w = new java.io.FileOutputStream(fifo.toFile())) {
            FileHandle h = await(first);
            assertFalse(await(d.fstat(h)).isRegularFile());
            await(d.close(h));
        }
    }

    /** Closing with hundreds of operations queued and in flight: every future completes, cleanly. */
    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void closeWithOperationsInFlight(FileIoDriver.Kind kind) throws Exception {
        FileIoDriver d = FileIoDriver.create(kind, 4);
        String p = dir + "/f";
        FileHandle h = d.open(p, LibC.O_RDWR | LibC.O_CREAT, 0644).get(60, TimeUnit.SECONDS);
        List<CompletableFuture<?>> fs = new ArrayList<>();
        MemorySegment block = Arena.ofAuto().allocate(4096);
        for (int i = 0; i < 500; i++) {
            fs.add(d.write(h, block, 4096L * i));
            if (i % 50 == 0) fs.add(d.fsync(h, false));
        }
        d.close();
        int ok = 0, closedErrors = 0;
        for (CompletableFuture<?> f : fs) {
            try {
                f.get(60, TimeUnit.SECONDS);
                ok++;
            } catch (ExecutionException e) {
                assertInstanceOf(FileIoDriver.DriverClosedException.class, e.getCause());
                closedErrors++;
            }
        }
        assertEquals(fs.size(), ok + closedErrors);
        CompletionException after = assertThrows(CompletionException.class, () -> d.stat(p).join());
        assertInstanceOf(FileIoDriver.DriverClosedException.class, after.getCause());
        LibC.close(h.fd(), p);
        d.close();
    }

    /** The file system type as {@code stat -f} reports it (an independent reader of statfs). */
    private static long statfsType(Path p) throws Exception {
        Process proc = new ProcessBuilder("stat", "-f", "-c", "%t", p.toString()).start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        assertEquals(0, proc.waitFor());
        return Long.parseLong(out, 16);
    }

    /**
     * syncfs serves a batch only where it is as good as an fsync of each file: on this machine's
     * temporary directory (a local file system) it runs; on a file system it is not known to flush
     * (procfs stands in for FUSE and network ones here) the driver refuses it, so that the store
     * fsyncs file by file.
     */
    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void syncfsRunsOnlyWhereItFlushesLikeFsync(FileIoDriver.Kind kind) throws Exception {
        FileIoDriver d = driver(kind, 4);
        String local = dir + "/synced";
        FileHandle h = await(d.open(local, LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC, 0644));
        assertEquals(statfsType(dir), LibC.fileSystemType(h.fd(), local));
        assertTrue(statfsType(dir) == 0xEF53L || statfsType(dir) == 0x58465342L || statfsType(dir) == 0x9123683EL
                || statfsType(dir) == 0x01021994L, "this test expects its temporary directory on ext4, XFS, Btrfs or tmpfs");
        await(d.syncFileSystem(h));
        await(d.close(h));

        String proc = "/proc/self/status";
        FileHandle p = await(d.open(proc, LibC.O_RDONLY | LibC.O_CLOEXEC, 0));
        assertEquals(statfsType(Path.of(proc)), LibC.fileSystemType(p.fd(), proc));
        ExecutionException refused = assertThrows(ExecutionException.class, () -> d.syncFileSystem(p).get(60, TimeUnit.SECONDS));
        assertInstanceOf(UnsupportedOperationException.class, refused.getCause());
        assertTrue(refused.getCause().getMessage().contains("0x9fa0"), refused.getCause().getMessage());
        await(d.close(p));
    }

    /**
     * An operation the kernel is still working on when the driver closes completes as usual: the
     * kernel cancels what a thread submitted when that thread exits, so the io_uring driver's
     * submitter stays until the ring is empty. A read of an empty FIFO waits in the kernel until
     * a byte comes; close is called in between.
     */
    @Test
    void closeWaitsForAnOperationBlockedInTheKernel() throws Exception {
        FileIoDriver d = FileIoDriver.create(FileIoDriver.Kind.IO_URING, 4);
        Path fifo = dir.resolve("blocked-read");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        FileHandle pipe = await(d.open(fifo.toString(), LibC.O_RDWR | LibC.O_CLOEXEC, 0));
        CompletableFuture<Long> read = d.read(pipe, Arena.ofAuto().allocate(16), 0);
        // Operations reach the ring in the order they were queued: once a later one has
        // completed, the read is in the kernel.
        await(d.stat(dir.toString()));
        assertFalse(read.isDone(), "nothing written yet");
        Thread closer = new Thread(d::close);
        closer.start();
        // Long enough for a submitter that does not wait to have exited (and the kernel to have
        // cancelled the read); not a bound the test relies on otherwise.
        closer.join(1_000);
        Files.writeString(fifo, "z");
        assertEquals(1L, read.get(60, TimeUnit.SECONDS));
        closer.join(60_000);
        assertFalse(closer.isAlive(), "close returned once the read completed");
        LibC.close(pipe.fd(), fifo.toString());
    }

    /**
     * Close right after chains of operations, many times: it must return. It once hung for good
     * when the submitter, waiting for the submission lock, lost the wake-up that close sends.
     */
    /**
     * A chain on an idle driver runs its calls directly on one driver thread, completed as they
     * return; while the io_uring has an operation in flight (a read of an empty pipe), they go
     * through the ring instead.
     */
    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void chainsRunDirectlyWhileTheDriverIsIdle(FileIoDriver.Kind kind) throws Exception {
        FileIoDriver d = driver(kind, 4);
        String a = dir.resolve("chained").toString();
        String caller = Thread.currentThread().getName();
        List<String> seen = new java.util.ArrayList<>();
        FileStat st = await(d.runChain(() -> {
            seen.add(Thread.currentThread().getName());
            CompletableFuture<FileHandle> open = d.open(a, LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC, 0644);
            seen.add(open.isDone() ? "done" : "pending");
            return open.thenCompose(h -> d.write(h, bytes("chain"), 0)
                    .thenCompose(n -> d.fsync(h, false))
                    .thenCompose(v -> d.fstat(h))
                    .thenCompose(s -> d.close(h).thenApply(v -> s)));
        }));
        assertEquals(5, st.size());
        assertEquals("chain", Files.readString(Path.of(a)));
        assertNotEquals(caller, seen.get(0), "runs on a driver thread");
        assertEquals("done", seen.get(1), "a call on the chain's thread ran directly");
        if (kind != FileIoDriver.Kind.IO_URING) return;

        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        FileHandle pipe = await(d.open(fifo.toString(), LibC.O_RDWR | LibC.O_CLOEXEC, 0));
        CompletableFuture<Long> blockedRead = d.read(pipe, Arena.ofAuto().allocate(16), 0);
        // Another read of the empty pipe, from a chain: through the ring it waits for data; as a
        // direct call (wrong here) it would fail at once, since pread cannot read a pipe.
        List<String> busy = new java.util.ArrayList<>();
        CompletableFuture<Long> viaRing = d.runChain(() -> {
            CompletableFuture<Long> r = d.read(pipe, Arena.ofAuto().allocate(16), 0);
            busy.add(r.isDone() ? "done" : "pending");
            return r;
        });
        for (int i = 0; i < 12_000 && busy.isEmpty(); i++) Thread.sleep(5);
        assertEquals(List.of("pending"), busy, "with the ring busy, a call joins it");
        // Opening for writing does not block: the pipe has a reader. One byte for each read.
        Files.writeString(fifo, "x");
        for (int i = 0; i < 12_000 && !blockedRead.isDone() && !viaRing.isDone(); i++) Thread.sleep(5);
        Files.writeString(fifo, "y");
        assertEquals(1L, await(blockedRead));
        assertEquals(1L, await(viaRing));
        await(d.close(pipe));
    }

    @Test
    void closeAfterChainedOperationsAlwaysReturns() throws Exception {
        String p = dir + "/g";
        java.nio.file.Files.writeString(Path.of(p), "x");
        for (int round = 0; round < 400; round++) {
            FileIoDriver d = FileIoDriver.create(FileIoDriver.Kind.IO_URING, 8);
            List<CompletableFuture<?>> fs = new ArrayList<>();
            // Chains: each completion queues the next step from the completion thread, which then
            // submits while the submitter contends for the same lock.
            for (int i = 0; i < 16; i++) fs.add(d.stat(p).thenCompose(st -> d.stat(p)).thenCompose(st -> d.stat(p)));
            for (CompletableFuture<?> f : fs) f.get(60, TimeUnit.SECONDS);
            Thread closer = new Thread(d::close);
            closer.start();
            // A bound that only a hang reaches, not a timing.
            closer.join(30_000);
            assertFalse(closer.isAlive(), "close hung in round " + round);
        }
    }

    /** With a limit of 2 and two operations blocked in the kernel, a third waits its turn. */
    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void concurrencyLimitBoundsOperationsInFlight(FileIoDriver.Kind kind) throws Exception {
        FileIoDriver d = driver(kind, 2);
        List<Path> fifos = new ArrayList<>();
        List<CompletableFuture<FileHandle>> opens = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Path fifo = dir.resolve("fifo" + i);
            assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
            fifos.add(fifo);
            // Blocks in the kernel until a writer opens the FIFO (O_CREAT: see completionsArriveOutOfOrder).
            opens.add(d.open(fifo.toString(), LibC.O_RDONLY | LibC.O_CREAT | LibC.O_CLOEXEC, 0644));
        }
        CompletableFuture<FileStat> third = d.stat(dir.toString());
        // Bounded waits only to let a wrongly started operation finish; `third` must still be pending.
        for (int i = 0; i < 20 && !third.isDone(); i++) Thread.sleep(10);
        assertFalse(third.isDone(), "a third operation ran while the limit of 2 was in use");
        try (java.io.FileOutputStream w = new java.io.FileOutputStream(fifos.get(0).toFile())) {
            await(d.close(await(opens.get(0))));
            assertTrue(await(third).isDirectory());
        }
        try (java.io.FileOutputStream w = new java.io.FileOutputStream(fifos.get(1).toFile())) {
            await(d.close(await(opens.get(1))));
        }
    }

    @Test
    void libcLocksExcludeAcrossDescriptors() throws Exception {
        String p = dir + "/l";
        int a = LibC.open(p, LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC, 0644);
        int b = LibC.open(p, LibC.O_RDWR | LibC.O_CLOEXEC, 0644);
        try {
            assertTrue(LibC.lockExclusive(a, false, p));
            assertFalse(LibC.lockExclusive(b, false, p));
            LibC.unlock(a, p);
            assertTrue(LibC.lockExclusive(b, false, p));
            LibC.close(b, p);
            b = -1;
            assertTrue(LibC.lockExclusive(a, false, p), "closing the holder's descriptor releases the lock");
        } finally {
            LibC.close(a, p);
            if (b >= 0) LibC.close(b, p);
        }
        NativeIOException e = assertThrows(NativeIOException.class, () -> LibC.fsync(999_999, false, "/d/a/0.0.__lock"));
        assertEquals("fsync /d/a/0.0.__lock: EBADF (Bad file descriptor)", e.getMessage());
        assertEquals("ENOSPC", Errno.name(28));
        assertEquals("Read-only file system", Errno.message(Errno.EROFS));
    }

    @Test
    void autoHonoursTheFlag() {
        String old = System.getProperty("tessera.io_uring");
        System.setProperty("tessera.io_uring", "false");
        try (FileIoDriver d = FileIoDriver.create(FileIoDriver.Kind.AUTO, 2)) {
            assertEquals("blocking", d.name());
        } finally {
            if (old == null) System.clearProperty("tessera.io_uring");
            else System.setProperty("tessera.io_uring", old);
        }
        try (FileIoDriver d = FileIoDriver.create(FileIoDriver.Kind.AUTO, 2)) {
            assertEquals(IoUringFileIoDriver.unavailableReason() == null ? "io_uring" : "blocking", d.name());
        }
    }
}
