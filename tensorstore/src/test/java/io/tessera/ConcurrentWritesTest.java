package io.tessera;

import io.tessera.kvstore.memory.MemoryKvStore;
import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many threads write random partial regions into shared chunks without waiting; afterwards the
 * array equals a sequential model: no update is lost, and each thread's writes land in issue order.
 */
class ConcurrentWritesTest {
    static final int THREADS = 8;
    static final int WRITES_PER_THREAD = 10_000;

    @Test
    void randomPartialWritesIntoSharedChunksLoseNothing() throws Exception {
        Context ctx = new Context();
        // Rows are interleaved between threads (row % 8 == thread), and every 16x16 chunk holds
        // rows of all eight threads, so each chunk is written by all of them at once.
        long rows = 64, cols = 48;
        TensorStore ds = TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"metadata\":{\"chunks\":[16,16],\"compressor\":null}}",
                OpenOptions.create().dtype(DataType.INT32).shape(rows, cols).context(ctx)).join();
        int[][] model = new int[(int) rows][(int) cols];
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<List<CompletableFuture<Void>>>> results = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            results.add(pool.submit(() -> {
                Random r = new Random(1000 + thread);
                List<CompletableFuture<Void>> commits = new ArrayList<>();
                for (int i = 0; i < WRITES_PER_THREAD; i++) {
                    int row = thread + THREADS * r.nextInt((int) rows / THREADS);
                    int a = r.nextInt((int) cols), b = a + 1 + r.nextInt((int) cols - a);
                    int value = thread * 1_000_000 + i;
                    commits.add(ds.get(row + ", " + a + ":" + b).write(value).commit());
                    synchronized (model) {
                        for (int c = a; c < b; c++) model[row][c] = value;
                    }
                }
                return commits;
            }));
        }
        for (Future<List<CompletableFuture<Void>>> f : results) {
            CompletableFuture.allOf(f.get().toArray(CompletableFuture[]::new)).join();
        }
        pool.shutdown();
        NDArray got = ds.read().join();
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) assertEquals(model[i][j], got.getLong(i, j), "element " + i + "," + j);
        }
        // Pending writes to a chunk coalesce: far fewer store writes than writes issued.
        MemoryKvStore store = ctx.memoryKvStore();
        long chunkWrites = store.writeCount() - 1; // minus .zarray
        assertTrue(chunkWrites < THREADS * WRITES_PER_THREAD, "store writes " + chunkWrites);
    }

    /**
     * Whole-chunk writes whose stored form is a copy (compressed, or byte-swapped for a
     * big-endian dtype) give their staging buffer back to the pool as soon as it is encoded, and
     * other threads' writes reuse it at once. Chunks of 64 KiB (pooled), random data, four
     * threads each writing whole chunks of rows it alone owns: the array read back equals the
     * model, so no buffer was reused while still being read.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {
            "\"<u2\", \"compressor\": {\"id\": \"zstd\", \"level\": 1}",
            "\">u2\", \"compressor\": {\"id\": \"blosc\", \"cname\": \"lz4\", \"clevel\": 5, \"shuffle\": 1}",
            "\">u2\", \"compressor\": null"})
    void wholeChunkWritesReleasingStagingBuffersEarlyLoseNothing(String dtypeAndCompressor) throws Exception {
        int threads = 4, chunkRows = 8, chunkCols = 4, ch0 = 128, ch1 = 256, writes = 150;
        try (Context ctx = new Context()) {
            TensorStore ds = TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"metadata\":{\"chunks\":[" + ch0 + "," + ch1
                    + "],\"dtype\":" + dtypeAndCompressor + "}}", OpenOptions.create().shape((long) chunkRows * ch0, (long) chunkCols * ch1).context(ctx)).join();
            short[][] model = new short[chunkRows * ch0][chunkCols * ch1];
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<List<CompletableFuture<Void>>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    Random r = new Random(77 + thread);
                    List<CompletableFuture<Void>> commits = new ArrayList<>();
                    for (int i = 0; i < writes; i++) {
                        int row = thread + threads * r.nextInt(chunkRows / threads);
                        int c0 = r.nextInt(chunkCols), c1 = c0 + 1 + r.nextInt(chunkCols - c0);
                        NDArray data = NDArray.allocate(DataType.UINT16, ch0, (long) (c1 - c0) * ch1);
                        for (int y = 0; y < ch0; y++) {
                            for (int x = 0; x < (c1 - c0) * ch1; x++) {
                                short v = (short) r.nextInt(65536);
                                data.setLong(v & 0xffff, y, x);
                                model[row * ch0 + y][c0 * ch1 + x] = v;
                            }
                        }
                        commits.add(ds.get(row * ch0 + ":" + (row + 1) * ch0 + ", " + c0 * ch1 + ":" + c1 * ch1).write(data).commit());
                    }
                    return commits;
                }));
            }
            for (Future<List<CompletableFuture<Void>>> f : results) {
                CompletableFuture.allOf(f.get().toArray(CompletableFuture[]::new)).join();
            }
            pool.shutdown();
            NDArray got = ds.read().join();
            for (int i = 0; i < model.length; i++) {
                for (int j = 0; j < model[i].length; j++) {
                    if ((model[i][j] & 0xffff) != got.getLong(i, j)) assertEquals(model[i][j] & 0xffff, got.getLong(i, j), "element " + i + "," + j);
                }
            }
        }
    }

    /**
     * Small writes are copied on the caller's thread when nothing waits at their chunks, large
     * ones on the executor: at 30x20 every write is small, at 100x100 the whole-array writes are
     * large and the small ones go either way. Either way they land in issue order.
     */
    @Test
    void writesFromOneThreadLandInIssueOrderWithoutWaiting() {
        for (long[] shape : new long[][] {{30, 20}, {100, 100}}) {
            TensorStore ds = TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"metadata\":{\"chunks\":[7,5]}}",
                    OpenOptions.create().dtype(DataType.UINT16).shape(shape)).join();
            List<WriteFutures> futures = new ArrayList<>();
            for (int i = 1; i <= 500; i++) futures.add(i % 2 == 0 ? ds.get("3:29, 2:19").write(i) : ds.write(i));
            futures.forEach(WriteFutures::join);
            NDArray got = ds.read().join();
            assertEquals(500, got.getLong(10, 10));
            assertEquals(499, got.getLong(0, 0));
            assertEquals(499, got.getLong(29, 19));
        }
    }

    /**
     * A write whose source fails to copy (its memory is gone) fails its futures and gives up its
     * turn at every chunk, whichever copy task took which part: writes issued after it, which
     * wait for those turns, complete, and the array holds their data. The failed write is large
     * enough (16,384 elements over 256 chunks) to be copied by the executor's tasks, not on the
     * caller's thread, so the later writes are issued while its tasks still run.
     */
    @Test
    @org.junit.jupiter.api.Timeout(60)
    void aFailedCopyGivesUpItsTurnsAndLaterWritesProceed() {
        TensorStore ds = TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"metadata\":{\"chunks\":[8,8]}}",
                OpenOptions.create().dtype(DataType.INT32).shape(128, 128)).join();
        for (int round = 0; round < 20; round++) {
            java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared();
            NDArray gone = NDArray.allocate(arena, DataType.INT32, NDArray.Order.C, 128, 128);
            arena.close();
            WriteFutures failed = ds.write(gone);
            List<WriteFutures> later = new ArrayList<>();
            for (int i = 0; i < 8; i++) later.add(ds.get((i * 16) + ":" + (i * 16 + 16) + ", :").write(round * 10 + i));
            Throwable cause = assertThrows(java.util.concurrent.CompletionException.class, () -> failed.copy().join()).getCause();
            assertTrue(cause instanceof IllegalStateException, cause.toString());
            assertThrows(java.util.concurrent.CompletionException.class, () -> failed.commit().join());
            later.forEach(WriteFutures::join);
            NDArray got = ds.read().join();
            for (int i = 0; i < 128; i++) assertEquals(round * 10 + i / 16, got.getLong(i, 127 - i), "row " + i);
        }
    }
}
