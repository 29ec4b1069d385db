package io.tessera.kvstore.file;

import io.tessera.kvstore.Generation;
import io.tessera.kvstore.KvStoreException;
import io.tessera.kvstore.WriteResult;
import io.tessera.nativeio.Errno;
import io.tessera.nativeio.FileIoDriver;
import io.tessera.nativeio.NativeIOException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Failures: a full disk and a read-only file system (real ones, on a small tmpfs, when the tests
 * run as root), and injected errors at every step of a write. Each must fail the future with a
 * KvStoreException caused by the NativeIOException, and leave the stored value and no temp file.
 */
class FileKvStoreFaultTest {
    @TempDir Path dir;

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static NativeIOException failsWith(CompletableFuture<?> f, int errno) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(120, TimeUnit.SECONDS));
        KvStoreException k = assertInstanceOf(KvStoreException.class, e.getCause());
        NativeIOException n = assertInstanceOf(NativeIOException.class, k.getCause(), k.toString());
        assertEquals(Errno.name(errno), n.errnoName(), n.getMessage());
        assertTrue(k.getMessage().contains(n.getMessage()), k.getMessage());
        return n;
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        if (p.exitValue() != 0) throw new IllegalStateException(String.join(" ", cmd) + ": " + out);
    }

    /** Mounts a 1 MiB tmpfs at {@code mnt}; skips when this process may not mount (not root). */
    private static void mountTmpfs(Path mnt) throws Exception {
        Files.createDirectories(mnt);
        boolean mounted;
        try {
            run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt.toString());
            mounted = true;
        } catch (Exception e) {
            mounted = false;
        }
        assumeTrue(mounted, "cannot mount a tmpfs here; the injected-fault tests cover these paths");
    }

    private static void assertNoLockFiles(Path root) throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            assertEquals(List.of(), s.filter(p -> p.toString().endsWith(".__lock")).toList());
        }
    }

    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void fullDisk(FileIoDriver.Kind kind) throws Exception {
        Path mnt = dir.resolve("mnt");
        mountTmpfs(mnt);
        try (FileKvStore s = FileKvStoreTest.open(mnt, kind, true)) {
            byte[] small = bytes(100_000, 1);
            assertTrue(s.write("a", MemorySegment.ofArray(small), Generation.UNKNOWN).get(120, TimeUnit.SECONDS).succeeded());
            NativeIOException n = failsWith(s.write("b", MemorySegment.ofArray(bytes(2 << 20, 2)), Generation.UNKNOWN), Errno.ENOSPC);
            assertEquals(mnt.resolve("b.__lock").toString(), n.path());
            assertFalse(Files.exists(mnt.resolve("b")));
            failsWith(s.write("a", MemorySegment.ofArray(bytes(2 << 20, 3)), Generation.UNKNOWN), Errno.ENOSPC);
            assertArrayEquals(small, s.read("a").get(120, TimeUnit.SECONDS).value().toArray(JAVA_BYTE));
            assertArrayEquals(small, Files.readAllBytes(mnt.resolve("a")));
            assertNoLockFiles(mnt);
            // The failed writes freed their space: a write that fits goes through.
            assertTrue(s.write("c", MemorySegment.ofArray(bytes(500_000, 4)), Generation.UNKNOWN).get(120, TimeUnit.SECONDS).succeeded());
        } finally {
            run("umount", "-l", mnt.toString());
        }
    }

    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void readOnlyFileSystem(FileIoDriver.Kind kind) throws Exception {
        Path mnt = dir.resolve("mnt");
        mountTmpfs(mnt);
        try {
            byte[] v = bytes(5000, 5);
            try (FileKvStore s = FileKvStoreTest.open(mnt, kind, true)) {
                assertTrue(s.write("d/a", MemorySegment.ofArray(v), Generation.UNKNOWN).get(120, TimeUnit.SECONDS).succeeded());
            }
            run("mount", "-o", "remount,ro", mnt.toString());
            try (FileKvStore s = FileKvStoreTest.open(mnt, kind, true)) {
                NativeIOException n = failsWith(s.write("d/a", MemorySegment.ofArray(bytes(10, 6)), Generation.UNKNOWN), Errno.EROFS);
                assertEquals("open", n.operation());
                failsWith(s.write("new/dir/x", MemorySegment.ofArray(v), Generation.UNKNOWN), Errno.EROFS);
                failsWith(s.delete("d/a", Generation.UNKNOWN), Errno.EROFS);
                assertArrayEquals(v, s.read("d/a").get(120, TimeUnit.SECONDS).value().toArray(JAVA_BYTE));
                assertEquals(List.of("d/a"), s.list("").get(120, TimeUnit.SECONDS));
            }
        } finally {
            run("umount", "-l", mnt.toString());
        }
    }

    /**
     * A directory the store finds already there (another process made it, and may have died
     * before syncing its parent) gets its entry made durable by the first write into it: that
     * write syncs the parents of the directories below the root it goes through, and later
     * writes do not. The root that was there is the user's, and its parent is not synced.
     * (syncfs is refused here, so every sync is an fsync of the directory it serves.)
     */
    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void theFirstWriteIntoADirectoryMadeElsewhereSyncsItsParent(FileIoDriver.Kind kind) throws Exception {
        Path root = dir.resolve("shared");
        Files.createDirectories(root.resolve("made/elsewhere"));
        FileIoDriver real = FileIoDriver.create(kind, 4);
        FaultyDriver driver = new FaultyDriver(real);
        driver.syncfsHook = h -> CompletableFuture.failedFuture(new UnsupportedOperationException("no syncfs (test)"));
        // The root's fsync (the entry of made) is held: the first write must wait for it.
        CompletableFuture<Void> rootSync = new CompletableFuture<>();
        driver.fsyncHook = h -> h.path().equals(root.toString()) ? rootSync.thenCompose(v -> real.fsync(h, false)) : real.fsync(h, false);
        List<String> fsynced = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        driver.fault = (op, path) -> {
            if (op.equals("fsync")) fsynced.add(path);
            return 0;
        };
        try (FileKvStore s = FileKvStore.open(root, FileKvStore.Options.defaults().withDriver(kind), driver)) {
            CompletableFuture<WriteResult> first = s.write("made/elsewhere/a", MemorySegment.ofArray(bytes(100, 1)), Generation.UNKNOWN);
            assertThrows(java.util.concurrent.TimeoutException.class, () -> first.get(300, TimeUnit.MILLISECONDS), "reported durable before its parents' entries");
            rootSync.complete(null);
            assertTrue(first.get(120, TimeUnit.SECONDS).succeeded());
            assertTrue(fsynced.contains(root.resolve("made").toString()), "the entry of made/elsewhere: " + fsynced);
            assertTrue(fsynced.contains(root.toString()), "the entry of made: " + fsynced);
            assertFalse(fsynced.contains(root.getParent().toString()), "the root's parent: " + fsynced);
            fsynced.clear();
            assertTrue(s.write("made/elsewhere/b", MemorySegment.ofArray(bytes(100, 2)), Generation.UNKNOWN).get(120, TimeUnit.SECONDS).succeeded());
            assertTrue(s.write("made/c", MemorySegment.ofArray(bytes(100, 3)), Generation.UNKNOWN).get(120, TimeUnit.SECONDS).succeeded());
            assertEquals(List.of(), fsynced.stream().filter(p -> p.equals(root.toString())).toList(), "synced once: " + fsynced);
            assertEquals(1, fsynced.stream().filter(p -> p.equals(root.resolve("made").toString())).count(),
                    "made is synced for c's rename only: " + fsynced);
        }
    }

    /**
     * A mkdir that fails makes nothing, so the directory stays unknown: when another process
     * makes it afterwards, the first write into it syncs its parent. (It used to be remembered
     * as durable, and the write synced only its own directory.)
     */
    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void aDirectoryWhoseMkdirFailedIsSyncedWhenFoundLater(FileIoDriver.Kind kind) throws Exception {
        Path root = dir.resolve("failing");
        Files.createDirectories(root);
        FaultyDriver driver = new FaultyDriver(FileIoDriver.create(kind, 4));
        driver.syncfsHook = h -> CompletableFuture.failedFuture(new UnsupportedOperationException("no syncfs (test)"));
        List<String> fsynced = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        try (FileKvStore s = FileKvStore.open(root, FileKvStore.Options.defaults().withDriver(kind), driver)) {
            driver.fault = (op, path) -> op.equals("mkdir") && path.equals(root.resolve("a").toString()) ? Errno.ENOSPC : 0;
            failsWith(s.write("a/b/x", MemorySegment.ofArray(bytes(100, 1)), Generation.UNKNOWN), Errno.ENOSPC);
            driver.fault = (op, path) -> {
                if (op.equals("fsync")) fsynced.add(path);
                return 0;
            };
            Files.createDirectories(root.resolve("a/b")); // another process
            assertTrue(s.write("a/b/y", MemorySegment.ofArray(bytes(100, 2)), Generation.UNKNOWN).get(120, TimeUnit.SECONDS).succeeded());
            assertTrue(fsynced.contains(root.resolve("a").toString()) && fsynced.contains(root.toString()), "the entries of a/b and a: " + fsynced);
        }
    }

    /** An injected error at each step of a write: the old value stays, the lock file goes. */
    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void injectedFaultsAtEveryStep(FileIoDriver.Kind kind) throws Exception {
        Path root = dir.resolve("root");
        FaultyDriver driver = new FaultyDriver(FileIoDriver.create(kind, 4));
        try (FileKvStore s = FileKvStore.open(root, FileKvStore.Options.defaults().withDriver(kind), driver)) {
            byte[] old = bytes(3000, 7);
            assertTrue(s.write("x/k", MemorySegment.ofArray(old), Generation.UNKNOWN).get(120, TimeUnit.SECONDS).succeeded());
            String lock = root.resolve("x/k.__lock").toString();
            record Fault(String op, String path, int errno) {}
            for (Fault f : List.of(new Fault("write", lock, Errno.ENOSPC), new Fault("fsync", lock, Errno.EIO),
                    new Fault("rename", lock, Errno.EACCES), new Fault("open", lock, Errno.EACCES),
                    new Fault("statx", root.resolve("x/k").toString(), Errno.EIO))) {
                driver.fault = (op, path) -> op.equals(f.op()) && path.equals(f.path()) ? f.errno() : 0;
                Generation cond = f.op().equals("statx") ? new Generation("1.2.3.4") : Generation.UNKNOWN;
                NativeIOException n = failsWith(s.write("x/k", MemorySegment.ofArray(bytes(9000, 8)), cond), f.errno());
                assertEquals(f.op(), n.operation());
                driver.fault = (op, path) -> 0;
                assertArrayEquals(old, s.read("x/k").get(120, TimeUnit.SECONDS).value().toArray(JAVA_BYTE), f.toString());
                assertNoLockFiles(root);
            }
            // A failed directory fsync fails the write: it was not made durable.
            driver.fault = (op, path) -> op.equals("fsync") && path.equals(root.resolve("x").toString()) ? Errno.EIO : 0;
            failsWith(s.write("x/k", MemorySegment.ofArray(bytes(10, 9)), Generation.UNKNOWN), Errno.EIO);
            // A parent that cannot be created.
            driver.fault = (op, path) -> op.equals("mkdir") ? Errno.EACCES : 0;
            failsWith(s.write("y/z/k", MemorySegment.ofArray(old), Generation.UNKNOWN), Errno.EACCES);
            driver.fault = (op, path) -> 0;
            assertTrue(s.write("y/z/k", MemorySegment.ofArray(old), Generation.UNKNOWN).get(120, TimeUnit.SECONDS).succeeded());
        }
    }

    /**
     * A write that finds a directory another write has just made (and so makes nothing itself)
     * reports itself durable only once that directory's own entry is, which the maker secures
     * by syncing the directory's parent. The maker's mkdir is held here just after the directory
     * appears, before the maker can ask for that sync: the other write, renamed into place and
     * synced meanwhile, waits. It used to report success at once.
     */
    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void aWriteIntoADirectoryAnotherJustMadeWaitsForItsEntry(FileIoDriver.Kind kind) throws Exception {
        assertAWriteIntoAJustMadeDirectoryWaits(kind, dir.resolve("nd"), "new/");
    }

    /** The same for the store's root, which the first write makes when it is missing. */
    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void aWriteIntoTheRootAnotherJustMadeWaitsForItsEntry(FileIoDriver.Kind kind) throws Exception {
        assertAWriteIntoAJustMadeDirectoryWaits(kind, dir.resolve("missing-root"), "");
    }

    /** Two writes under {@code root} into the directory {@code sub} ("": the root itself, which does not exist yet). */
    private void assertAWriteIntoAJustMadeDirectoryWaits(FileIoDriver.Kind kind, Path root, String sub) throws Exception {
        FaultyDriver driver = new FaultyDriver(FileIoDriver.create(kind, 4));
        try (FileKvStore s = FileKvStore.open(root, FileKvStore.Options.defaults().withDriver(kind), driver)) {
            Path made = sub.isEmpty() ? root : root.resolve(sub);
            if (!sub.isEmpty()) assertTrue(s.write("first", MemorySegment.ofArray(bytes(10, 1)), Generation.UNKNOWN).get(120, TimeUnit.SECONDS).succeeded());
            CompletableFuture<Void> gate = new CompletableFuture<>();
            driver.mkdirHook = path -> path.equals(made.toString()) ? gate : CompletableFuture.completedFuture(null);
            CompletableFuture<WriteResult> maker = s.write(sub + "a", MemorySegment.ofArray(bytes(10, 2)), Generation.UNKNOWN);
            awaitPath(made);
            CompletableFuture<WriteResult> finder = s.write(sub + "b", MemorySegment.ofArray(bytes(10, 3)), Generation.UNKNOWN);
            awaitPath(made.resolve("b"));
            // Its own syncs (its data, the directory it is in) take milliseconds.
            Thread.sleep(500);
            assertFalse(finder.isDone(), "reported durable before the entry of " + made);
            gate.complete(null);
            assertTrue(maker.get(120, TimeUnit.SECONDS).succeeded());
            assertTrue(finder.get(120, TimeUnit.SECONDS).succeeded());
        }
    }

    /**
     * The directory a top-level directory is in is "/", not "": a store whose root's top-level
     * ancestor was missing synced "" after making it, which fails, and so failed its first write
     * though the value was in place.
     */
    @org.junit.jupiter.api.Test
    void theParentOfATopLevelDirectoryIsTheRootDirectory() {
        assertEquals("/", FileKvStore.parent("/output"));
        assertEquals("/output", FileKvStore.parent("/output/arr"));
        assertEquals("/a/b", FileKvStore.parent("/a/b/c.__lock"));
    }

    /**
     * Mutations of one key land in the order they were issued, whatever each needs: a write of a
     * heap value waits for one of the store's permits (its staging copy), and while every permit
     * is taken a later write of the same key from native memory, which needs none, used to go
     * first, and the earlier value then replaced it.
     */
    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void writesOfOneKeyLandInIssueOrderWhileThePermitsAreTaken(FileIoDriver.Kind kind) throws Exception {
        FaultyDriver driver = new FaultyDriver(FileIoDriver.create(kind, 4));
        try (FileKvStore s = FileKvStore.open(dir.resolve("order"), FileKvStore.Options.defaults().withDriver(kind), driver)) {
            assertTrue(s.write("held", MemorySegment.ofArray(new byte[] {0}), Generation.UNKNOWN).get(120, TimeUnit.SECONDS).succeeded());
            CompletableFuture<Void> gate = new CompletableFuture<>();
            driver.readFileHook = path -> gate;
            List<CompletableFuture<?>> reads = new java.util.ArrayList<>();
            for (int i = 0; i < 256; i++) reads.add(s.read("held")); // more than there are permits
            CompletableFuture<WriteResult> first = s.write("k", MemorySegment.ofArray(new byte[] {1}), Generation.UNKNOWN);
            MemorySegment second = java.lang.foreign.Arena.ofAuto().allocate(1);
            second.set(JAVA_BYTE, 0, (byte) 2);
            CompletableFuture<WriteResult> last = s.write("k", second, Generation.UNKNOWN);
            driver.readFileHook = null;
            gate.complete(null);
            assertTrue(first.get(120, TimeUnit.SECONDS).succeeded());
            assertTrue(last.get(120, TimeUnit.SECONDS).succeeded());
            for (CompletableFuture<?> r : reads) r.get(120, TimeUnit.SECONDS);
            assertEquals(2, s.read("k").get(120, TimeUnit.SECONDS).value().get(JAVA_BYTE, 0), "the value written last");
        }
    }

    private static void awaitPath(Path p) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!Files.exists(p)) {
            assertTrue(System.nanoTime() < deadline, p + " never appeared");
            Thread.sleep(5);
        }
    }

    /** A key whose parent is a regular file cannot be created: ENOTDIR, nothing changes. */
    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void parentIsAFile(FileIoDriver.Kind kind) throws Exception {
        try (FileKvStore s = FileKvStoreTest.open(dir.resolve("r"), kind, true)) {
            assertTrue(s.write("f", MemorySegment.ofArray(new byte[] {1}), Generation.UNKNOWN).get(120, TimeUnit.SECONDS).succeeded());
            failsWith(s.write("f/g", MemorySegment.ofArray(new byte[] {2}), Generation.UNKNOWN), Errno.ENOTDIR);
            assertFalse(s.read("f/g").get(120, TimeUnit.SECONDS).exists());
            assertEquals(1, s.read("f").get(120, TimeUnit.SECONDS).value().byteSize());
        }
    }
}
