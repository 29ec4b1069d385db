package io.tessera;

import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Contexts used as TensorStore users use them: opened, written through, and dropped without
 * {@code close()}. Their file stores' rings and threads must go once nothing refers to them,
 * and not before: a write whose handles were all dropped still commits.
 */
class UnclosedContextTest {
    @TempDir Path dir;

    private static final String[] STORE_THREADS = {"tessera-io_uring-", "tessera-file-io-", "tessera-file-kvstore-"};

    private static long storeThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> java.util.Arrays.stream(STORE_THREADS).anyMatch(p -> t.getName().startsWith(p)))
                .count();
    }

    private TensorStore open(Context ctx, String name) {
        return TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":{\"driver\":\"file\",\"path\":\"" + dir.resolve(name) + "/\"},"
                + "\"metadata\":{\"chunks\":[16,16]}}", OpenOptions.create().dtype(DataType.UINT16).shape(128, 128).context(ctx)).join();
    }

    @Test
    void droppedContextsStopTheirFileStores() throws Exception {
        long before = storeThreads();
        List<TensorStore> held = new ArrayList<>(); // reachable until the threads are counted
        for (int i = 0; i < 20; i++) {
            TensorStore ds = open(Context.fromJson("{\"file_io_sync\":false}"), "a" + i);
            ds.write(7).join();
            held.add(ds);
        }
        long opened = storeThreads();
        assertTrue(opened - before >= 20, "each store runs threads of its own: " + before + " -> " + opened);
        held.clear();
        long deadline = System.nanoTime() + 30_000_000_000L;
        long now = opened;
        while (now - before > 4 && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(100);
            now = storeThreads();
        }
        assertTrue(now - before <= 4, "store threads still running after the contexts were dropped: " + before + " -> " + now);
    }

    /**
     * Opens in a loop, each with a context of its own that nobody closes, and no collection
     * asked for by the caller: the dropped stores are stopped along the way (an open asks the
     * collector for them once many are unstopped). A differential fuzzer's 38,000 such opens
     * used to end the JVM with 4,664 rings alive and no memory mappings left.
     */
    @Test
    void opensWithoutAContextDoNotPileUpStores() {
        open(null, "many").write(3).join();
        for (int i = 0; i < 1500; i++) {
            TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":{\"driver\":\"file\",\"path\":\"" + dir.resolve("many") + "/\"}}",
                    OpenOptions.open()).join();
        }
        long submitThreads = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("tessera-io_uring-submit")).count();
        assertTrue(submitThreads < 1000, submitThreads + " io_uring submission threads alive after 1,500 opens");
    }

    /** Open descriptors of this process (rings, directories, files). */
    private static long openDescriptors() throws java.io.IOException {
        try (var fds = java.nio.file.Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    /**
     * Many contexts, each opening a file store, writing, reading and then closed or dropped:
     * afterwards the process holds as many descriptors and store threads as before.
     */
    @Test
    void manyContextsLeaveNoDescriptorsOrThreads() throws Exception {
        long fdsBefore = openDescriptors(), threadsBefore = storeThreads();
        for (int i = 0; i < 60; i++) {
            Context ctx = Context.fromJson("{\"file_io_sync\":false}");
            TensorStore ds = open(ctx, "c" + i);
            ds.get("0:40, 0:40").write(i).join();
            assertEquals(i, ds.read().join().getLong(39, 39));
            if (i % 2 == 0) ctx.close(); // the others are dropped
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        long fds = openDescriptors(), threads = storeThreads();
        while ((fds - fdsBefore > 8 || threads - threadsBefore > 4) && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(100);
            fds = openDescriptors();
            threads = storeThreads();
        }
        assertTrue(fds - fdsBefore <= 8, "descriptors " + fdsBefore + " -> " + fds);
        assertTrue(threads - threadsBefore <= 4, "store threads " + threadsBefore + " -> " + threads);
    }

    @Test
    void aWriteWhoseHandlesWereDroppedStillCommits() throws Exception {
        List<WriteFutures> writes = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            NDArray values = NDArray.allocate(DataType.UINT16, 128, 128);
            for (int x = 0; x < 128; x++) for (int y = 0; y < 128; y++) values.setLong(x * 128 + y + i, x, y);
            writes.add(open(Context.fromJson("{\"file_io_sync\":true}"), "b" + i).write(values)); // 64 chunk files, fsync'd
        }
        // Only the futures remain: collections while the writes are in flight must not stop their stores.
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(20);
        }
        for (WriteFutures w : writes) w.commit().get(60, java.util.concurrent.TimeUnit.SECONDS);
        for (int i = 0; i < 4; i++) {
            try (Context ctx = new Context()) {
                NDArray got = TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":{\"driver\":\"file\",\"path\":\"" + dir.resolve("b" + i) + "/\"}}",
                        OpenOptions.open().context(ctx)).join().read().join();
                for (int x = 0; x < 128; x += 7) for (int y = 0; y < 128; y += 5) assertEquals((x * 128 + y + i) & 0xFFFF, got.getLong(x, y));
            }
        }
    }
}
