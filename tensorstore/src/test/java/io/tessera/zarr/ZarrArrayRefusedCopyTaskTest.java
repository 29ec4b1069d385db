package io.tessera.zarr;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tessera.index.IndexExpression;
import io.tessera.index.IndexTransform;
import io.tessera.kvstore.memory.MemoryKvStore;
import io.tessera.memory.ArrayOps;
import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A copy executor that refuses tasks. A write whose copy tasks are all refused copies on its
 * caller's thread, one whose later tasks are refused shares its parts among those taken, and a
 * refused writeback runs where it was handed off: no chunk is left waiting for a task that never
 * runs. (Steps chained on the executor, such as decoding a stored chunk to merge over it, fail
 * with the refusal instead.)
 */
class ZarrArrayRefusedCopyTaskTest {
    private static final int SIZE = 128, CHUNK = 32;

    private static ZarrArray array(MemoryKvStore store, Executor executor) throws Exception {
        ZarrMetadata m = ZarrMetadata.parse(new ObjectMapper().readTree("{\"zarr_format\":2,\"shape\":[" + SIZE + "," + SIZE
                + "],\"chunks\":[" + CHUNK + "," + CHUNK + "],\"dtype\":\"<u2\",\"compressor\":null,\"fill_value\":0,\"order\":\"C\",\"filters\":null}"));
        return new ZarrArray(store, "", m, executor, null);
    }

    private static final IndexTransform ALL = IndexTransform.identity(new long[] {SIZE, SIZE});

    private static IndexTransform box(int r0, int r1, int c0, int c1) {
        return ALL.apply(IndexExpression.parse("[" + r0 + ":" + r1 + "," + c0 + ":" + c1 + "]"));
    }

    private static NDArray random(Random rnd, int rows, int cols) {
        NDArray a = NDArray.allocate(DataType.UINT16, rows, cols);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) a.setLong(rnd.nextInt(65536), i, j);
        }
        return a;
    }

    /** Whole-chunk boxes (nothing stored is read back to merge), every task refused: all are written, in order. */
    @Test
    void wholeChunkWritesCompleteWhenEveryTaskIsRefused() throws Exception {
        writeWholeChunksInOrder(task -> {
            throw new RejectedExecutionException("refused");
        });
    }

    /**
     * Every task kept, but the executor throws as it takes it (as a {@code LimitedExecutor} does
     * when it cannot start a thread): each task still runs once, and the writes are all written,
     * in order. Run twice as well (by the executor and by the write's caller), a copy task's
     * count could complete the write's copy while its other run still read the source.
     */
    @Test
    void wholeChunkWritesCompleteWhenTheExecutorKeepsTasksButThrows() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            AtomicInteger runs = new AtomicInteger();
            writeWholeChunksInOrder(task -> {
                pool.execute(() -> {
                    runs.incrementAndGet();
                    task.run();
                });
                throw new OutOfMemoryError("unable to create native thread (test)");
            });
            assertTrue(runs.get() > 0, "the executor ran the tasks it kept");
        } finally {
            pool.shutdownNow();
        }
    }

    private static void writeWholeChunksInOrder(Executor executor) throws Exception {
        MemoryKvStore store = new MemoryKvStore();
        ZarrArray a = array(store, executor);
        NDArray expected = NDArray.allocate(DataType.UINT16, SIZE, SIZE);
        Random rnd = new Random(1);
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (int w = 0; w < 100; w++) {
            int r0 = CHUNK * rnd.nextInt(SIZE / CHUNK), c0 = CHUNK * rnd.nextInt(SIZE / CHUNK);
            int r1 = r0 + CHUNK * (1 + rnd.nextInt((SIZE - r0) / CHUNK)), c1 = c0 + CHUNK * (1 + rnd.nextInt((SIZE - c0) / CHUNK));
            NDArray source = random(rnd, r1 - r0, c1 - c0);
            ArrayOps.copy(source, expected.slice(0, r0, r1, 1).slice(1, c0, c1, 1));
            ZarrArray.Futures f = a.write(box(r0, r1, c0, c1), source);
            futures.add(f.copy().thenRun(() -> {
                // The copy is done: the source may be reused, and nothing reads it any more.
                for (int i = 0; i < source.shape(0); i++) {
                    for (int j = 0; j < source.shape(1); j++) source.setLong(0xDEAD, i, j);
                }
            }));
            futures.add(f.commit());
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        assertReads(store, expected);
    }

    /**
     * Random boxes, small ones copied on the caller and large ones by copy tasks, a third of the
     * tasks refused: every write's futures complete, and the chunks serve later writes.
     */
    @Test
    void writesEndAndChunksServeOnWhenSomeTasksAreRefused() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            AtomicInteger refused = new AtomicInteger();
            Random coin = new Random(7);
            MemoryKvStore store = new MemoryKvStore();
            ZarrArray a = array(store, task -> {
                boolean refuse;
                synchronized (coin) {
                    refuse = coin.nextInt(3) == 0;
                }
                if (refuse) {
                    refused.incrementAndGet();
                    throw new RejectedExecutionException("refused");
                }
                pool.execute(task);
            });
            Random rnd = new Random(2);
            List<CompletableFuture<Void>> futures = new ArrayList<>();
            for (int w = 0; w < 200; w++) {
                int r0 = rnd.nextInt(SIZE), c0 = rnd.nextInt(SIZE);
                int big = rnd.nextInt(2) == 0 ? SIZE : 8;
                int r1 = r0 + 1 + rnd.nextInt(Math.min(big, SIZE - r0)), c1 = c0 + 1 + rnd.nextInt(Math.min(big, SIZE - c0));
                ZarrArray.Futures f = a.write(box(r0, r1, c0, c1), random(rnd, r1 - r0, c1 - c0));
                futures.add(f.copy().exceptionally(e -> null));
                futures.add(f.commit().exceptionally(e -> null));
            }
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            assertTrue(refused.get() > 10, "tasks were refused: " + refused.get());
            // Every chunk's queue has drained: a last write over everything, through the same array, lands whole.
            NDArray last = random(rnd, SIZE, SIZE);
            ZarrArray.Futures f = a.write(ALL, last);
            f.copy().get(60, TimeUnit.SECONDS);
            f.commit().get(60, TimeUnit.SECONDS);
            assertReads(store, last);
        } finally {
            pool.shutdownNow();
        }
    }

    /** The stored array, read through an array whose executor takes every task. */
    private static void assertReads(MemoryKvStore store, NDArray expected) throws Exception {
        ZarrArray reader = array(store, Runnable::run);
        NDArray back = reader.read(ALL).get(60, TimeUnit.SECONDS);
        assertTrue(back.contentEquals(expected), "the stored array holds the writes, in order");
    }
}
