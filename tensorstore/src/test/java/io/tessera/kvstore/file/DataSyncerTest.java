package io.tessera.kvstore.file;

import io.tessera.kvstore.Generation;
import io.tessera.nativeio.FileHandle;
import io.tessera.nativeio.FileIoDriver;
import io.tessera.nativeio.NativeIOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.*;

/** Group commit of written data: who is served by which sync, and what a failed syncfs fails. */
class DataSyncerTest {
    @TempDir Path dir;

    private record Call(String kind, FileHandle file, CompletableFuture<Void> gate) {}

    /** Stands for open times: later requests were opened later. */
    private static final java.util.concurrent.atomic.AtomicLong OPENED = new java.util.concurrent.atomic.AtomicLong();

    private static void awaitCalls(List<Call> calls, int n) throws InterruptedException {
        // A bounded wait for asynchronous hand-offs, not a timing assertion.
        for (int i = 0; i < 12_000 && calls.size() < n; i++) Thread.sleep(5);
        assertEquals(n, calls.size());
    }

    /** A request for the file {@code name} on {@code device}; later requests count as opened later. */
    private CompletableFuture<Void> sync(DataSyncer syncer, String name, long device) {
        return syncer.sync(new FileHandle(-1, dir.resolve(name).toString()), device, OPENED.getAndIncrement());
    }

    /** The same for the data of a write ({@link DataSyncer#syncData}), which counts as an expected write's arrival. */
    private CompletableFuture<Void> syncData(DataSyncer syncer, String name, long device) {
        return syncer.syncData(new FileHandle(-1, dir.resolve(name).toString()), device, OPENED.getAndIncrement());
    }

    /** A driver whose fsyncs and syncfs calls wait, recorded in {@code calls}, until the test completes them. */
    private static FaultyDriver gatedDriver(List<Call> calls) {
        FaultyDriver driver = new FaultyDriver(FileIoDriver.create(FileIoDriver.Kind.BLOCKING, 2));
        driver.fsyncHook = h -> gate(calls, "fsync", h);
        driver.syncfsHook = h -> gate(calls, "syncfs", h);
        return driver;
    }

    @Test
    void aLoneRequestFsyncsItsFileAndLaterOnesShareOneSyncfs() throws Exception {
        List<Call> calls = Collections.synchronizedList(new ArrayList<>());
        try (FaultyDriver driver = gatedDriver(calls)) {
            DataSyncer syncer = new DataSyncer(driver);
            CompletableFuture<Void> first = sync(syncer, "a", 1);
            awaitCalls(calls, 1);
            assertEquals("fsync", calls.get(0).kind());
            // These are written while the first sync runs, which may not cover them.
            List<CompletableFuture<Void>> later = new ArrayList<>();
            for (int i = 0; i < 5; i++) later.add(sync(syncer, "b" + i, 1));
            Thread.sleep(50);
            assertEquals(1, calls.size(), "no second sync while one runs");
            calls.get(0).gate().complete(null);
            first.get(60, TimeUnit.SECONDS);
            awaitCalls(calls, 2);
            assertEquals("syncfs", calls.get(1).kind(), "the waiting batch shares one syncfs");
            for (CompletableFuture<Void> f : later) assertFalse(f.isDone(), "completed before the sync that covers it");
            calls.get(1).gate().complete(null);
            for (CompletableFuture<Void> f : later) f.get(60, TimeUnit.SECONDS);
            assertEquals(1, syncer.fileSyncs());
            assertEquals(1, syncer.fileSystemSyncs());

            // A failed syncfs fails every request it served, with its cause.
            CompletableFuture<Void> x = sync(syncer, "x", 1);
            awaitCalls(calls, 3);
            CompletableFuture<Void> y = sync(syncer, "y", 1), z = sync(syncer, "z", 1);
            calls.get(2).gate().complete(null);
            x.get(60, TimeUnit.SECONDS);
            awaitCalls(calls, 4);
            calls.get(3).gate().completeExceptionally(new NativeIOException("syncfs", dir.toString(), 5));
            for (CompletableFuture<Void> f : List.of(y, z)) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(60, TimeUnit.SECONDS));
                assertEquals("syncfs", ((NativeIOException) e.getCause()).operation());
            }
        }
    }

    /**
     * Announced writes wait for one another: nothing is synced until the last has asked or given
     * up, then one syncfs serves them all; a request that is not one of them (a directory's) waits
     * with them. A write that never comes releases the others after a while without arrivals.
     */
    @Test
    void expectedWritesShareOneSync() throws Exception {
        List<Call> calls = Collections.synchronizedList(new ArrayList<>());
        try (FaultyDriver driver = gatedDriver(calls)) {
            DataSyncer syncer = new DataSyncer(driver);
            syncer.expect(4);
            List<CompletableFuture<Void>> fs = new ArrayList<>();
            fs.add(syncData(syncer, "a", 1));
            fs.add(sync(syncer, "dir", 1));
            fs.add(syncData(syncer, "b", 1));
            syncer.arrivedWithoutSync(); // the third write failed, or deleted
            Thread.sleep(20); // room for a wrong early sync to be asked for
            assertEquals(0, calls.size(), "held for the fourth write");
            fs.add(syncData(syncer, "c", 1));
            awaitCalls(calls, 1);
            assertEquals("syncfs", calls.get(0).kind());
            for (CompletableFuture<Void> f : fs) assertFalse(f.isDone());
            calls.get(0).gate().complete(null);
            for (CompletableFuture<Void> f : fs) f.get(60, TimeUnit.SECONDS);
            assertEquals(1, syncer.fileSystemSyncs());
            assertEquals(0, syncer.fileSyncs());

            // Two announced, one comes: the hold ends without the other.
            syncer.expect(2);
            CompletableFuture<Void> lone = syncData(syncer, "d", 1);
            awaitCalls(calls, 2);
            calls.get(1).gate().complete(null);
            lone.get(60, TimeUnit.SECONDS);
            // And nothing is left announced: the next request is served at once.
            CompletableFuture<Void> after = sync(syncer, "e", 1);
            awaitCalls(calls, 3);
            calls.get(2).gate().complete(null);
            after.get(60, TimeUnit.SECONDS);
        }
    }

    /** syncfs covers one file system: a batch over three devices gets one sync per device. */
    @Test
    void aBatchAcrossFileSystemsSyncsEachOne() throws Exception {
        List<Call> calls = Collections.synchronizedList(new ArrayList<>());
        try (FaultyDriver driver = gatedDriver(calls)) {
            DataSyncer syncer = new DataSyncer(driver);
            CompletableFuture<Void> first = sync(syncer, "a", 1);
            awaitCalls(calls, 1);
            List<CompletableFuture<Void>> later = List.of(
                    sync(syncer, "d1-x", 1), sync(syncer, "d2-x", 2),
                    sync(syncer, "d1-y", 1), sync(syncer, "d2-y", 2),
                    sync(syncer, "d3-x", 3));
            assertEquals(List.of("fsync d3-x", "syncfs d1-x", "syncfs d2-x"), releaseFirstAndName(calls, first, 3));
            for (Call c : calls.subList(1, 4)) c.gate().complete(null);
            for (CompletableFuture<Void> f : later) f.get(60, TimeUnit.SECONDS);
            assertEquals(2, syncer.fileSystemSyncs());
        }
    }

    /**
     * Where the driver will not rely on syncfs (a FUSE or network file system), a batch is served
     * by an fsync of each of its files, and so is every later one: none completes before its own.
     */
    @Test
    void whereSyncfsIsRefusedEachFileIsFsynced() throws Exception {
        List<Call> calls = Collections.synchronizedList(new ArrayList<>());
        try (FaultyDriver driver = gatedDriver(calls)) {
            driver.syncfsHook = h -> CompletableFuture.failedFuture(new UnsupportedOperationException("syncfs is not relied on here"));
            DataSyncer syncer = new DataSyncer(driver);
            CompletableFuture<Void> first = sync(syncer, "a", 1);
            awaitCalls(calls, 1);
            List<CompletableFuture<Void>> batch = List.of(sync(syncer, "b", 1), sync(syncer, "c", 1), sync(syncer, "d", 1));
            assertEquals(List.of("fsync b", "fsync c", "fsync d"), releaseFirstAndName(calls, first, 3));
            for (CompletableFuture<Void> f : batch) assertFalse(f.isDone(), "completed before its fsync");
            for (Call c : calls.subList(1, 4)) c.gate().complete(null);
            for (CompletableFuture<Void> f : batch) f.get(60, TimeUnit.SECONDS);
            assertEquals(4, syncer.fileSyncs());
            assertEquals(1, syncer.fileSystemSyncs(), "the refused attempt");

            // Later batches go straight to fsyncs.
            CompletableFuture<Void> e = sync(syncer, "e", 1);
            awaitCalls(calls, 5);
            List<CompletableFuture<Void>> next = List.of(sync(syncer, "f", 1), sync(syncer, "g", 1));
            calls.get(4).gate().complete(null);
            e.get(60, TimeUnit.SECONDS);
            awaitCalls(calls, 7);
            for (Call c : calls.subList(5, 7)) assertEquals("fsync", c.kind());
            for (Call c : calls.subList(5, 7)) c.gate().complete(null);
            for (CompletableFuture<Void> f : next) f.get(60, TimeUnit.SECONDS);
            assertEquals(7, syncer.fileSyncs());
            assertEquals(1, syncer.fileSystemSyncs());
        }
    }

    /**
     * Completes the lone first sync, waits for the {@code n} calls that serve the batch queued
     * behind it, and names them ("kind file"), sorted.
     */
    private List<String> releaseFirstAndName(List<Call> calls, CompletableFuture<Void> first, int n) throws Exception {
        calls.get(0).gate().complete(null);
        first.get(60, TimeUnit.SECONDS);
        awaitCalls(calls, 1 + n);
        List<String> served = new ArrayList<>();
        for (Call c : calls.subList(1, 1 + n)) served.add(c.kind() + " " + dir.relativize(Path.of(c.file().path())));
        Collections.sort(served);
        return served;
    }

    private static CompletableFuture<Void> gate(List<Call> calls, String kind, FileHandle h) {
        CompletableFuture<Void> g = new CompletableFuture<>();
        calls.add(new Call(kind, h, g));
        return g;
    }

    /** Many writers at once on a real store: all data lands, and syncfs batches served most of them. */
    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void concurrentWritesShareSyncs(FileIoDriver.Kind kind) throws Exception {
        Path root = dir.resolve("root-" + kind);
        try (FileKvStore s = FileKvStoreTest.open(root, kind, true)) {
            int n = 300;
            List<CompletableFuture<?>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) fs.add(s.write("k/" + i, MemorySegment.ofArray(value(i)), Generation.UNKNOWN));
            for (CompletableFuture<?> f : fs) f.get(120, TimeUnit.SECONDS);
            for (int i = 0; i < n; i++) assertArrayEquals(value(i), Files.readAllBytes(root.resolve("k/" + i)));
            long syncs = s.dataSyncs().fileSyncs() + s.dataSyncs().fileSystemSyncs();
            assertTrue(syncs < n / 2, "300 concurrent writes took " + syncs + " data syncs");
            assertTrue(s.dataSyncs().fileSystemSyncs() > 0);
            try (var files = Files.list(root.resolve("k"))) {
                assertEquals(0, files.filter(p -> p.toString().endsWith(FileKvStore.LOCK_SUFFIX)).count());
            }
        }
    }

    /**
     * A failed syncfs under a real store: each write it served fails. One that it served before
     * the rename keeps the old value; one whose rename it was making durable (the directory's
     * sync shares batches with data) has its new value in place, as after any failed directory
     * fsync, but is not reported durable. No lock file is left either way.
     */
    @Test
    void aFailedSyncfsLeavesTheOldValues() throws Exception {
        Path root = dir.resolve("root");
        FaultyDriver driver = new FaultyDriver(FileIoDriver.create(FileIoDriver.Kind.IO_URING, 8));
        try (FileKvStore s = FileKvStore.open(root, FileKvStore.Options.defaults().withDriver(FileIoDriver.Kind.IO_URING), driver)) {
            int n = 40;
            List<CompletableFuture<?>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) fs.add(s.write("k/" + i, MemorySegment.ofArray(value(i)), Generation.UNKNOWN));
            for (CompletableFuture<?> f : fs) f.get(120, TimeUnit.SECONDS);
            driver.fault = (op, path) -> op.equals("syncfs") ? 5 : 0;
            fs.clear();
            for (int i = 0; i < n; i++) fs.add(s.write("k/" + i, MemorySegment.ofArray(value(i + 1000)), Generation.UNKNOWN));
            int keptOld = 0;
            for (int i = 0; i < n; i++) {
                byte[] stored;
                try {
                    fs.get(i).get(120, TimeUnit.SECONDS);
                    assertArrayEquals(value(i + 1000), s.read("k/" + i).get(60, TimeUnit.SECONDS).value().toArray(JAVA_BYTE));
                    continue;
                } catch (ExecutionException e) {
                    assertTrue(e.getCause().getMessage().contains("syncfs"), e.getCause().getMessage());
                    stored = s.read("k/" + i).get(60, TimeUnit.SECONDS).value().toArray(JAVA_BYTE);
                }
                if (java.util.Arrays.equals(value(i), stored)) keptOld++;
                else assertArrayEquals(value(i + 1000), stored, "the old value or the new one, whole");
            }
            assertTrue(keptOld > 0, "writes were batched behind a failing syncfs before their renames");
            try (var files = Files.list(root.resolve("k"))) {
                assertEquals(0, files.filter(p -> p.toString().endsWith(FileKvStore.LOCK_SUFFIX)).count());
            }
        }
    }

    private static byte[] value(int i) {
        byte[] b = new byte[4096 + i];
        for (int j = 0; j < b.length; j++) b[j] = (byte) (i * 31 + j);
        return b;
    }

    /**
     * A driver may complete a sync on the calling thread, and a caller may ask for its next sync
     * from the completion (a chain of writes, each issued once the previous is durable). Batch
     * after batch then runs from within the previous one's completion: 20,000 of them must not
     * nest one stack frame deeper each (they overflowed the stack when the next batch ran as a
     * callback of the previous).
     */
    @Test
    void syncsThatCompleteInlineRunBatchAfterBatchWithoutNesting() throws Exception {
        try (FaultyDriver driver = new FaultyDriver(FileIoDriver.create(FileIoDriver.Kind.BLOCKING, 2))) {
            // The first sync waits for the test; every later one completes on the calling thread.
            CompletableFuture<Void> gate = new CompletableFuture<>();
            java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean(true);
            driver.fsyncHook = h -> first.getAndSet(false) ? gate : CompletableFuture.completedFuture(null);
            driver.syncfsHook = h -> CompletableFuture.completedFuture(null);
            DataSyncer syncer = new DataSyncer(driver);
            int n = 20_000;
            java.util.concurrent.atomic.AtomicInteger served = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger deepest = new java.util.concurrent.atomic.AtomicInteger();
            CompletableFuture<Void> done = new CompletableFuture<>();
            Runnable[] next = new Runnable[1];
            next[0] = () -> sync(syncer, "f", 1).whenComplete((v, e) -> {
                deepest.accumulateAndGet(Thread.currentThread().getStackTrace().length, Math::max);
                if (e != null) done.completeExceptionally(e);
                else if (served.incrementAndGet() == n) done.complete(null);
                else next[0].run(); // asked while the batch that served this one still runs
            });
            next[0].run();
            gate.complete(null);
            done.get(60, TimeUnit.SECONDS);
            assertEquals(n, served.get());
            assertTrue(deepest.get() < 500, "stack depth reached " + deepest.get());
        }
    }

    /**
     * A delete announced with writes (a transaction's commit) counts as arrived once it has
     * unlinked: its directory's sync goes through the same syncer, and held for the delete's own
     * arrival it waited out the hold's time limit, and the writes with it.
     */
    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void anAnnouncedDeleteDoesNotHoldTheBatchUntilTheTimeLimit(FileIoDriver.Kind kind) throws Exception {
        try (FileKvStore s = FileKvStore.open(dir.resolve("root-" + kind), FileKvStore.Options.defaults().withDriver(kind))) {
            for (int round = 0; round < 20; round++) {
                assertTrue(s.write("gone" + round, MemorySegment.ofArray(new byte[] {1}), Generation.UNKNOWN).get(60, TimeUnit.SECONDS).succeeded());
                s.expectWrites(3);
                List<CompletableFuture<?>> ops = List.of(
                        s.write("a" + round, MemorySegment.ofArray(new byte[] {2}), Generation.UNKNOWN),
                        s.delete("gone" + round, Generation.UNKNOWN),
                        s.write("b" + round, MemorySegment.ofArray(new byte[] {3}), Generation.UNKNOWN));
                for (CompletableFuture<?> f : ops) f.get(60, TimeUnit.SECONDS);
            }
            assertEquals(0, s.dataSyncs().holdsTimedOut(), "holds that waited out their time limit");
            assertFalse(Files.exists(dir.resolve("root-" + kind).resolve("gone0")));
        }
    }

    /**
     * A commit's announced writes of heap values, more of them than the store's permits: each
     * gives its permit back once its value is in the file, so the writes still waiting for one
     * arrive, and the held sync serves them all. Permits held through the sync left those writes
     * unable to arrive until the hold gave up waiting, one time limit per commit.
     */
    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void announcedHeapWritesBeyondThePermitsDoNotWaitOutTheHold(FileIoDriver.Kind kind) throws Exception {
        try (FileKvStore s = FileKvStore.open(dir.resolve("heap-" + kind), FileKvStore.Options.defaults().withDriver(kind))) {
            int n = 100; // the permits are at least 16 and 4 x file_io_concurrency
            for (int round = 0; round < 3; round++) {
                s.expectWrites(n);
                List<CompletableFuture<?>> ops = new java.util.ArrayList<>();
                for (int i = 0; i < n; i++) ops.add(s.write("k" + i, MemorySegment.ofArray(new byte[] {(byte) round, (byte) i}), Generation.UNKNOWN));
                for (CompletableFuture<?> f : ops) f.get(60, TimeUnit.SECONDS);
            }
            assertEquals(0, s.dataSyncs().holdsTimedOut(), "holds that waited out their time limit");
            for (int i = 0; i < n; i++) {
                assertArrayEquals(new byte[] {2, (byte) i}, s.read("k" + i).get(60, TimeUnit.SECONDS).value().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            }
        }
    }
}
