package io.tessera.kvstore.file;

import io.tessera.kvstore.Generation;
import io.tessera.kvstore.KvStoreException;
import io.tessera.kvstore.ReadResult;
import io.tessera.kvstore.WriteResult;
import io.tessera.nativeio.FileIoDriver;
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
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.*;

/** The file store's semantics and concurrency, on both drivers. */
class FileKvStoreTest {
    @TempDir Path dir;
    private final List<FileKvStore> stores = new ArrayList<>();

    static FileKvStore open(Path root, FileIoDriver.Kind kind, boolean sync) {
        FileKvStore s = FileKvStore.open(root, FileKvStore.Options.defaults().withDriver(kind).withFileIoSync(sync));
        // A test that claims io_uring must really run on it.
        assertEquals(kind == FileIoDriver.Kind.IO_URING ? "io_uring" : "blocking", s.driverName());
        return s;
    }

    private FileKvStore store(FileIoDriver.Kind kind) {
        FileKvStore s = open(dir.resolve("root"), kind, true);
        stores.add(s);
        return s;
    }

    @AfterEach
    void close() { stores.forEach(FileKvStore::close); }

    /**
     * Stores dropped without a close (a context nobody closes) are stopped before they pile up:
     * with many unstopped, an open asks the collector for the dropped ones. Before, 38,000 opens
     * on a large, quiet heap left 4,664 rings with their threads alive and the JVM ran out of
     * memory mappings.
     */
    @Test
    void droppedStoresAreStoppedBeforeTheyPileUp() {
        for (int i = 0; i < 1500; i++) FileKvStore.open(dir.resolve("dropped"));
        assertTrue(FileKvStore.unstoppedStores() < 1000, FileKvStore.unstoppedStores() + " stores not stopped");
        long submitThreads = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("tessera-io_uring-submit")).count();
        assertTrue(submitThreads < 1000, submitThreads + " io_uring submission threads alive");
    }

    /**
     * Stores whose context sets no {@code file_io_concurrency} limit share the process's driver of
     * their kind, as TensorStore's contexts share one file I/O pool: 300 stores open at once, each
     * in a directory of its own and each written to, add at most one ring (its submission thread)
     * or one pool's threads instead of 300. Closing one leaves the others' driver working; a store with a limit has a
     * driver of its own, which its close closes.
     */
    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void storesWithoutALimitShareOneDriver(FileIoDriver.Kind kind) throws Exception {
        // A ring has one submission thread; the blocking driver's pool up to max(4, cores) threads.
        String threadName = kind == FileIoDriver.Kind.IO_URING ? "tessera-io_uring-submit" : "tessera-file-io-";
        long allowed = kind == FileIoDriver.Kind.IO_URING ? 1 : Math.max(4, Runtime.getRuntime().availableProcessors());
        long before = liveThreads(threadName);
        List<FileKvStore> open = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            FileKvStore s = open(dir.resolve("many").resolve("s" + i), kind, true);
            stores.add(s);
            open.add(s);
            await(s.write("k", seg("v" + i), Generation.UNKNOWN));
        }
        long more = liveThreads(threadName) - before;
        assertTrue(more <= allowed, more + " more " + threadName + " threads for 300 stores");
        for (FileKvStore s : open) assertSame(open.get(0).driver(), s.driver());

        open.get(0).close();
        FileKvStore other = open.get(1);
        await(other.write("after", seg("still"), Generation.UNKNOWN));
        assertEquals("still", str(await(other.read("after"))));
        assertEquals("v1", str(await(other.read("k"))));

        FileKvStore limited = FileKvStore.open(dir.resolve("limited"), FileKvStore.Options.defaults().withDriver(kind).withIoConcurrency(8));
        stores.add(limited);
        assertNotSame(other.driver(), limited.driver());
        await(limited.write("k", seg("own"), Generation.UNKNOWN));
        limited.close();
        assertThrows(ExecutionException.class, () -> limited.driver().stat("/").get(30, TimeUnit.SECONDS), "its own driver is closed");
        await(other.write("later", seg("yes"), Generation.UNKNOWN));
    }

    /**
     * A store on the shared ring closed with 200 writes in flight: they run to their end (the
     * ring is not closed with the store), every one is on disk, and no caller's callback runs on
     * the ring's completion thread, which every other store's I/O waits on. Before, once the
     * store's callback pool had shut down, a dozen of them ran there.
     */
    @Test
    void writesInFlightAtCloseFinishWithoutCallbacksOnTheRingsThread() throws Exception {
        FileKvStore s = open(dir.resolve("closing"), FileIoDriver.Kind.IO_URING, true);
        java.util.Set<String> callbackThreads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<CompletableFuture<WriteResult>> fs = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            CompletableFuture<WriteResult> f = s.write("k" + i, MemorySegment.ofArray(new byte[8192]), Generation.UNKNOWN);
            f.whenComplete((r, e) -> callbackThreads.add(Thread.currentThread().getName()));
            fs.add(f);
        }
        s.close();
        for (CompletableFuture<WriteResult> f : fs) assertTrue(f.get(60, TimeUnit.SECONDS).succeeded());
        assertFalse(callbackThreads.contains("tessera-io_uring-completion"), "callbacks ran on " + callbackThreads);
        for (int i = 0; i < 200; i++) assertEquals(8192, Files.size(dir.resolve("closing").resolve("k" + i)));
    }

    private static long liveThreads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix)).count();
    }

    /**
     * A file larger than any value (a corrupt or foreign file, here sparse) is refused from its
     * size before memory is taken for it, with a message naming the file and its size, and left
     * as it is; before, 1 TiB failed with the JVM's "Cannot reserve ... direct buffer memory",
     * and 2 GiB was read whole first.
     */
    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void aFileLargerThanAnyValueIsRefusedBeforeItIsRead(FileIoDriver.Kind kind) throws Exception {
        FileKvStore s = store(kind);
        for (long size : new long[] {1L << 40, FileKvStore.MAX_VALUE_BYTES + 1}) {
            Path big = dir.resolve("root").resolve("big");
            Files.createDirectories(big.getParent());
            try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
                f.setLength(size);
            }
            long outstanding = io.tessera.memory.BufferPool.shared().outstandingBytes();
            ExecutionException e = assertThrows(ExecutionException.class, () -> s.read("big").get(30, TimeUnit.SECONDS));
            String message = String.valueOf(e.getCause().getMessage());
            assertTrue(message.contains(big.toString()) && message.contains("the file has " + size + " bytes, more than the largest value"), message);
            assertEquals(outstanding, io.tessera.memory.BufferPool.shared().outstandingBytes());
            assertEquals(size, Files.size(big));
        }
        assertTrue(await(s.write("small", seg("x"), Generation.UNKNOWN)).succeeded());
        assertEquals("x", str(await(s.read("small"))));
    }

    /**
     * A read-modify-write on an idle store runs its continuation on a driver thread (one chain of
     * calls); while another mutation is in progress (held in its fsync), on the caller's executor.
     */
    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void readThenRunsOnTheDriverOnlyWhileIdle(FileIoDriver.Kind kind) throws Exception {
        FileIoDriver real = FileIoDriver.create(kind, 4);
        FaultyDriver driver = new FaultyDriver(real);
        java.util.concurrent.ExecutorService executor = java.util.concurrent.Executors.newSingleThreadExecutor(r -> new Thread(r, "test-executor"));
        try (FileKvStore s = FileKvStore.open(dir.resolve("root"), FileKvStore.Options.defaults().withDriver(kind), driver)) {
            List<String> where = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Boolean> own = java.util.Collections.synchronizedList(new ArrayList<>());
            java.util.function.Function<ReadResult, CompletableFuture<WriteResult>> appendB = r -> {
                own.add(s.isOwnThread());
                where.add(Thread.currentThread().getName());
                String old = r.value() == null ? "" : str(r);
                return s.write("k", seg(old + "b"), r.generation());
            };
            assertTrue(await(s.readThen("k", appendB, executor)).succeeded());
            assertNotEquals("test-executor", where.get(0), "idle: on a driver thread");
            assertTrue(own.get(0), "the store knows its driver's thread");
            assertFalse(s.isOwnThread(), "nor the test's");

            CompletableFuture<Void> gate = new CompletableFuture<>();
            CompletableFuture<Void> syncing = new CompletableFuture<>();
            driver.fsyncHook = h -> {
                syncing.complete(null);
                return gate.thenCompose(v -> real.fsync(h, false));
            };
            CompletableFuture<WriteResult> held = s.write("other", seg("x"), Generation.UNKNOWN);
            await(syncing);
            driver.fsyncHook = null;
            assertEquals(1, s.mutationsInProgress());
            CompletableFuture<WriteResult> second = s.readThen("k", appendB, executor);
            for (int i = 0; i < 12_000 && where.size() < 2; i++) Thread.sleep(5);
            assertEquals("test-executor", where.get(1), "busy: on the executor");
            assertFalse(own.get(1), "the executor's thread is not the store's");
            assertFalse(held.isDone());
            gate.complete(null);
            assertTrue(await(held).succeeded());
            assertTrue(await(second).succeeded());
            assertEquals("bb", str(await(s.read("k"))));
        } finally {
            executor.shutdown();
        }
    }

    static <T> T await(CompletableFuture<T> f) throws Exception { return f.get(120, TimeUnit.SECONDS); }

    static MemorySegment seg(String s) { return MemorySegment.ofArray(s.getBytes(StandardCharsets.UTF_8)); }

    static String str(ReadResult r) { return new String(r.value().toArray(JAVA_BYTE), StandardCharsets.UTF_8); }

    /**
     * A conditional read names the generation the reader holds: while the file is still at it,
     * the read says so and reads nothing; a file replaced by another writer (here, renamed over by
     * plain java.nio, as another process would) or rewritten in place is read again, whole.
     */
    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void aConditionalReadSaysUnchangedOnlyWhileTheFileIsAtTheGenerationNamed(FileIoDriver.Kind kind) throws Exception {
        FileKvStore s = store(kind);
        assertFalse(await(s.readIfChanged("a", Generation.NO_VALUE)).exists(), "missing stays missing");
        Generation g1 = await(s.write("a", seg("hello"), Generation.UNKNOWN)).generation();

        ReadResult same = await(s.readIfChanged("a", g1));
        assertTrue(same.unchanged());
        assertNull(same.value());
        assertEquals(g1, same.generation());
        assertEquals("hello", str(await(s.readIfChanged("a", Generation.UNKNOWN))), "UNKNOWN reads in any case");

        Path tmp = dir.resolve("elsewhere");
        Files.writeString(tmp, "other");
        Files.move(tmp, dir.resolve("root/a"), java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        ReadResult replaced = await(s.readIfChanged("a", g1));
        assertFalse(replaced.unchanged());
        assertEquals("other", str(replaced));
        assertNotEquals(g1, replaced.generation());
        assertEquals(replaced.generation(), await(s.read("a")).generation());

        Files.writeString(dir.resolve("root/a"), "in place, longer");
        ReadResult rewritten = await(s.readIfChanged("a", replaced.generation()));
        assertFalse(rewritten.unchanged());
        assertEquals("in place, longer", str(rewritten));

        Files.delete(dir.resolve("root/a"));
        ReadResult gone = await(s.readIfChanged("a", rewritten.generation()));
        assertFalse(gone.unchanged());
        assertFalse(gone.exists());
    }

    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void readWriteDelete(FileIoDriver.Kind kind) throws Exception {
        FileKvStore s = store(kind);
        ReadResult missing = await(s.read("a"));
        assertFalse(missing.exists());
        assertEquals(Generation.NO_VALUE, missing.generation());

        WriteResult w = await(s.write("a", seg("hello"), Generation.UNKNOWN));
        assertTrue(w.succeeded());
        ReadResult r = await(s.read("a"));
        assertEquals("hello", str(r));
        assertEquals(w.generation(), r.generation());
        assertEquals("hello", Files.readString(dir.resolve("root/a")));

        WriteResult w2 = await(s.write("a", seg("world!"), Generation.UNKNOWN));
        assertNotEquals(w.generation(), w2.generation());
        assertEquals("world!", str(await(s.read("a"))));

        WriteResult del = await(s.delete("a", Generation.UNKNOWN));
        assertTrue(del.succeeded());
        assertFalse(await(s.read("a")).exists());
        assertFalse(Files.exists(dir.resolve("root/a")));
        assertTrue(await(s.delete("a", Generation.UNKNOWN)).succeeded(), "deleting a missing key succeeds");
        assertTrue(await(s.delete("no/such/dir/x", Generation.UNKNOWN)).succeeded());
        assertFalse(Files.exists(dir.resolve("root/no")), "a delete creates no directories");
        assertLockFilesGone();
    }

    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void conditionalWritesAndDeletes(FileIoDriver.Kind kind) throws Exception {
        FileKvStore s = store(kind);
        assertTrue(await(s.write("k", seg("1"), Generation.NO_VALUE)).succeeded());
        assertFalse(await(s.write("k", seg("2"), Generation.NO_VALUE)).succeeded(), "NO_VALUE fails on an existing key");
        Generation g1 = await(s.read("k")).generation();
        WriteResult ok = await(s.write("k", seg("22"), g1));
        assertTrue(ok.succeeded());
        WriteResult stale = await(s.write("k", seg("333"), g1));
        assertFalse(stale.succeeded());
        assertEquals(Generation.UNKNOWN, stale.generation());
        assertEquals("22", str(await(s.read("k"))));
        assertFalse(await(s.delete("k", g1)).succeeded());
        assertFalse(await(s.delete("k", Generation.NO_VALUE)).succeeded());
        assertEquals("22", str(await(s.read("k"))));
        assertTrue(await(s.delete("k", ok.generation())).succeeded());
        assertFalse(await(s.read("k")).exists());
        assertTrue(await(s.delete("k", Generation.NO_VALUE)).succeeded());
        assertFalse(await(s.write("k", seg("x"), ok.generation())).succeeded(), "a generation of a deleted value fails");
        assertFalse(await(s.delete("never/there", new Generation("1.2.3.4"))).succeeded());
        assertLockFilesGone();
    }

    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void nestedKeysValuesOfEverySizeAndListing(FileIoDriver.Kind kind) throws Exception {
        FileKvStore s = store(kind);
        Random rnd = new Random(7);
        byte[] big = new byte[3 * 1024 * 1024 + 17];
        rnd.nextBytes(big);
        MemorySegment offHeap = Arena.ofAuto().allocate(big.length).copyFrom(MemorySegment.ofArray(big));
        await(s.write("x/y/z/big", offHeap, Generation.UNKNOWN));
        await(s.write("x/y/empty", MemorySegment.ofArray(new byte[0]), Generation.UNKNOWN));
        await(s.write("x/q", seg("q"), Generation.UNKNOWN));
        await(s.write("top", seg("t"), Generation.UNKNOWN));
        assertArrayEquals(big, Files.readAllBytes(dir.resolve("root/x/y/z/big")));
        assertArrayEquals(big, await(s.read("x/y/z/big")).value().toArray(JAVA_BYTE));
        ReadResult empty = await(s.read("x/y/empty"));
        assertTrue(empty.exists());
        assertEquals(0, empty.value().byteSize());
        assertFalse(await(s.read("x/y")).exists(), "a directory is not a key");

        // A lock file left behind by a killed writer is not a key.
        Files.writeString(dir.resolve("root/x/q.__lock"), "stale");
        assertEquals(List.of("top", "x/q", "x/y/empty", "x/y/z/big"), sorted(await(s.list(""))));
        assertEquals(List.of("x/q", "x/y/empty", "x/y/z/big"), sorted(await(s.list("x/"))));
        assertEquals(List.of("x/y/empty", "x/y/z/big"), sorted(await(s.list("x/y"))));
        assertEquals(List.of(), await(s.list("nothing/here")));
        // ...and it does not block the next writer.
        assertTrue(await(s.write("x/q", seg("q2"), Generation.UNKNOWN)).succeeded());
        assertEquals("q2", str(await(s.read("x/q"))));

        await(s.deletePrefix("x/y"));
        assertEquals(List.of("top", "x/q"), sorted(await(s.list(""))));
        assertEquals(dir.resolve("root/x/y/z/big").toString(), s.describeKey("x/y/z/big"));
        assertEquals("file://" + dir.resolve("root") + "/", s.describe());
        assertLockFilesGone();
    }

    /**
     * Zero pages are left as holes: every shape of value (zero at the start, in the middle, at
     * the end, throughout, none; a partial last page) reads back byte for byte, also over a stale
     * lock file full of other bytes, and a mostly-zero value takes the disk space of its pages
     * with data only.
     */
    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void zeroPagesBecomeHolesAndReadBackAsZeros(FileIoDriver.Kind kind) throws Exception {
        FileKvStore s = store(kind);
        int page = 4096, pages = 32;
        Random rnd = new Random(11);
        String[] shapes = {"one byte in page 7", "zero head", "zero tail", "alternating", "every fifth page", "every sixth page", "eight runs", "nine runs", "thirteen runs", "all zero", "dense",
                "partial zero last page", "partial dense last page", "below four pages"};
        for (String shape : shapes) {
            int size = switch (shape) {
                case "partial zero last page", "partial dense last page" -> pages * page + 123;
                case "below four pages" -> 3 * page + 500;
                case "eight runs" -> 40 * page;
                case "nine runs" -> 45 * page;
                case "thirteen runs" -> 2 * pages * page;
                default -> pages * page;
            };
            byte[] v = new byte[size];
            for (int p = 0; p * page < size; p++) {
                boolean data = switch (shape) {
                    case "one byte in page 7" -> false;
                    case "zero head" -> p >= pages / 2;
                    case "zero tail", "partial zero last page" -> p < pages / 2;
                    case "alternating" -> p % 2 == 0; // one-page gaps: written whole
                    case "every fifth page", "eight runs", "nine runs", "thirteen runs" -> p % 5 == 0; // 4-page holes between
                    case "every sixth page" -> p % 6 == 0; // 6 runs
                    case "all zero" -> false;
                    default -> true;
                };
                if (data) for (int i = p * page; i < Math.min(size, (p + 1) * page); i++) v[i] = (byte) (1 + rnd.nextInt(255));
            }
            if (shape.equals("one byte in page 7")) v[7 * page + 99] = 42;
            if (shape.equals("partial dense last page")) v[size - 1] = 9;
            String key = "sparse/" + shape.replace(' ', '_');
            Files.createDirectories(dir.resolve("root/sparse"));
            byte[] stale = new byte[size + 3 * page];
            java.util.Arrays.fill(stale, (byte) 0x5A);
            Files.write(dir.resolve("root/" + key + ".__lock"), stale); // left by a killed writer
            MemorySegment value = Arena.ofAuto().allocate(size).copyFrom(MemorySegment.ofArray(v));
            assertTrue(await(s.write(key, value, Generation.UNKNOWN)).succeeded(), shape);
            assertArrayEquals(v, Files.readAllBytes(dir.resolve("root/" + key)), shape);
            assertArrayEquals(v, await(s.read(key)).value().toArray(JAVA_BYTE), shape);
        }
        if (!fileSystemKeepsHoles(dir)) return; // the bytes are right; where they take no space is the file system's choice
        long allocated = allocatedBytes(dir.resolve("root/sparse/one_byte_in_page_7"));
        assertTrue(allocated <= 4 * page, "128 KiB with one non-zero byte takes " + allocated + " bytes on disk");
        allocated = allocatedBytes(dir.resolve("root/sparse/every_fifth_page"));
        assertTrue(allocated <= 10 * page, "7 of 32 pages with data take " + allocated + " bytes on disk");
        // Thirteen separate writes would cost more than the holes spare: written whole.
        allocated = allocatedBytes(dir.resolve("root/sparse/thirteen_runs"));
        assertTrue(allocated >= 2L * pages * page, "a value of many short runs takes " + allocated + " bytes on disk");
        // At the limit of 8 writes a value still gets its holes; at 9 it is written whole.
        assertTrue(allocatedBytes(dir.resolve("root/sparse/eight_runs")) <= 12 * page, "eight runs are written with holes");
        assertTrue(allocatedBytes(dir.resolve("root/sparse/nine_runs")) >= 45L * page, "nine runs are written whole");
        assertLockFilesGone();
    }

    /** Whether a file written past a 1 MiB gap takes less than 1 MiB here (ext4, xfs, tmpfs do). */
    private static boolean fileSystemKeepsHoles(Path dir) throws Exception {
        Path probe = dir.resolve("hole-probe");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(probe.toFile(), "rw")) {
            f.seek(1 << 20);
            f.write(1);
        }
        try {
            return allocatedBytes(probe) < (1 << 20);
        } finally {
            Files.delete(probe);
        }
    }

    /** Bytes the file system allocated to {@code file} ({@code stat}'s blocks). */
    private static long allocatedBytes(Path file) throws Exception {
        Process p = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.waitFor(), out);
        String[] f = out.split(" ");
        return Long.parseLong(f[0]) * Long.parseLong(f[1]);
    }

    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void invalidKeys(FileIoDriver.Kind kind) {
        FileKvStore s = store(kind);
        for (String key : new String[] {"", "/a", "a/", "a//b", ".", "..", "a/./b", "a/../b", "../a", "a.__lock",
                "d/b.__lock", "a.__lock/b", "nul\0"}) {
            for (CompletableFuture<?> f : List.of(s.read(key), s.write(key, seg("v"), Generation.UNKNOWN),
                    s.delete(key, Generation.UNKNOWN))) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(60, TimeUnit.SECONDS), key);
                assertInstanceOf(KvStoreException.class, e.getCause());
                assertTrue(e.getCause().getMessage().startsWith("Invalid key: \""), e.getCause().getMessage());
            }
        }
        assertTrue(FileKvStore.isValidKey("a.b/c..d/.e/__lock"));
        // A backslash separates components for TensorStore too (its file store, checked in the venv,
        // refuses these and accepts b\c), so what one writes the other reads.
        for (String key : new String[] {"..\\x", "a\\..", ".\\x", "\\a", "a\\", "a\\\\b", "x.__lock\\y", "a/\\b"}) {
            assertFalse(FileKvStore.isValidKey(key), key);
        }
        assertTrue(FileKvStore.isValidKey("b\\c"));
        assertFalse(Files.exists(dir.resolve("root")), "nothing was written");
    }

    /**
     * The key check against its definition written the plain way (split on either separator, check
     * each component), over random keys made of the characters that matter.
     */
    @Test
    void keyCheckMatchesComponentDefinition() {
        java.util.Random rnd = new java.util.Random(7);
        String alphabet = "a./\\_lock\0";
        for (int i = 0; i < 200_000; i++) {
            StringBuilder key = new StringBuilder();
            int len = rnd.nextInt(12);
            for (int j = 0; j < len; j++) {
                key.append(rnd.nextInt(8) == 0 ? FileKvStore.LOCK_SUFFIX : String.valueOf(alphabet.charAt(rnd.nextInt(alphabet.length()))));
            }
            String k = key.toString();
            boolean expected = !k.isEmpty() && k.indexOf('\0') < 0
                    && java.util.Arrays.stream(k.split("[/\\\\]", -1)).noneMatch(c ->
                            c.isEmpty() || c.equals(".") || c.equals("..") || c.endsWith(FileKvStore.LOCK_SUFFIX));
            assertEquals(expected, FileKvStore.isValidKey(k), k);
        }
    }

    /** Conditional read-modify-write increments from many threads: every increment survives. */
    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void noLostUpdates(FileIoDriver.Kind kind) throws Exception {
        FileKvStore s = store(kind);
        int threads = 8, increments = 40;
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            ts.add(Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < increments; i++) {
                        while (true) {
                            ReadResult r = await(s.read("counters/c"));
                            int n = r.exists() ? Integer.parseInt(str(r)) : 0;
                            if (await(s.write("counters/c", seg(Integer.toString(n + 1)), r.generation())).succeeded()) break;
                        }
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        for (Thread t : ts) t.join();
        assertEquals(List.of(), errors);
        assertEquals(Integer.toString(threads * increments), str(await(s.read("counters/c"))));
        assertLockFilesGone();
    }

    /** Two stores (as two processes would) on one directory, each writing every key concurrently. */
    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void twoStoresManyKeys(FileIoDriver.Kind kind) throws Exception {
        FileKvStore a = store(kind);
        FileKvStore b = store(kind);
        List<CompletableFuture<WriteResult>> fs = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            int k = i % 50;
            String key = "d" + (k % 7) + "/k" + k;
            fs.add(a.write(key, seg("a" + i), Generation.UNKNOWN));
            fs.add(b.write(key, seg("b" + i), Generation.UNKNOWN));
        }
        for (CompletableFuture<WriteResult> f : fs) assertTrue(await(f).succeeded());
        for (int k = 0; k < 50; k++) {
            String v = str(await(a.read("d" + (k % 7) + "/k" + k)));
            assertTrue(v.matches("[ab]\\d+"), v);
        }
        assertEquals(50, await(b.list("")).size());
        assertLockFilesGone();
    }

    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void withoutSyncAndAfterClose(FileIoDriver.Kind kind) throws Exception {
        FileKvStore s = open(dir.resolve("nosync"), kind, false);
        await(s.write("a/b", seg("v"), Generation.UNKNOWN));
        assertEquals("v", str(await(s.read("a/b"))));
        s.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> s.read("a/b").get(60, TimeUnit.SECONDS));
        assertInstanceOf(KvStoreException.class, e.getCause());
        s.close();
    }

    private static List<String> sorted(List<String> l) {
        List<String> c = new ArrayList<>(l);
        Collections.sort(c);
        return c;
    }

    private void assertLockFilesGone() throws Exception {
        if (!Files.exists(dir.resolve("root"))) return;
        try (Stream<Path> s = Files.walk(dir.resolve("root"))) {
            List<Path> locks = s.filter(p -> p.toString().endsWith(".__lock") && !p.toString().endsWith("q.__lock")).toList();
            assertEquals(List.of(), locks);
        }
    }
}
