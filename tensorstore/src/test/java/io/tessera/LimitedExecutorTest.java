package io.tessera;

import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code data_copy_concurrency} on shared worker threads: the limit, the order, and no thread per context. */
class LimitedExecutorTest {
    @Test
    void neverRunsMoreThanTheLimitAtOnceAndRunsEveryTask() throws Exception {
        for (int limit : new int[] {1, 2, 3, 8}) {
            LimitedExecutor ex = new LimitedExecutor(limit);
            AtomicInteger running = new AtomicInteger(), peak = new AtomicInteger(), done = new AtomicInteger();
            int tasks = 2_000;
            CountDownLatch all = new CountDownLatch(tasks);
            Random rnd = new Random(limit);
            // Submitted from several threads at once, each task parking for a random moment.
            List<Thread> submitters = new ArrayList<>();
            for (int s = 0; s < 4; s++) {
                long seed = rnd.nextLong();
                submitters.add(Thread.ofPlatform().start(() -> {
                    Random r = new Random(seed);
                    for (int i = 0; i < tasks / 4; i++) {
                        long park = r.nextInt(4) == 0 ? r.nextInt(50_000) : 0;
                        ex.execute(() -> {
                            int now = running.incrementAndGet();
                            peak.accumulateAndGet(now, Math::max);
                            if (park > 0) LockSupport.parkNanos(park);
                            running.decrementAndGet();
                            done.incrementAndGet();
                            all.countDown();
                        });
                        if (r.nextInt(16) == 0) Thread.yield();
                    }
                }));
            }
            for (Thread t : submitters) t.join();
            assertTrue(all.await(60, TimeUnit.SECONDS), "limit " + limit + ": " + done.get() + " of " + tasks + " ran");
            assertTrue(peak.get() <= limit, "limit " + limit + " but " + peak.get() + " ran at once");
            assertTrue(limit == 1 || peak.get() > 1, "limit " + limit + " yet tasks never overlapped");
        }
    }

    @Test
    void withLimitOneTasksRunInSubmissionOrder() throws Exception {
        LimitedExecutor ex = new LimitedExecutor(1);
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch all = new CountDownLatch(1_000);
        for (int i = 0; i < 1_000; i++) {
            int n = i;
            ex.execute(() -> {
                order.add(n);
                all.countDown();
            });
        }
        assertTrue(all.await(30, TimeUnit.SECONDS));
        for (int i = 0; i < 1_000; i++) assertEquals(i, order.get(i));
    }

    /** What a write's copy does: wait until every earlier task has had its turn. Taken in order, that never deadlocks. */
    @Test
    void tasksWaitingForEarlierOnesFinish() throws Exception {
        LimitedExecutor ex = new LimitedExecutor(2);
        int tasks = 500;
        AtomicInteger turn = new AtomicInteger();
        CountDownLatch all = new CountDownLatch(tasks);
        for (int i = 0; i < tasks; i++) {
            int n = i;
            ex.execute(() -> {
                while (turn.get() != n) Thread.onSpinWait();
                turn.incrementAndGet();
                all.countDown();
            });
        }
        assertTrue(all.await(30, TimeUnit.SECONDS), "stuck at turn " + turn.get());
    }

    @Test
    void aFailingTaskDoesNotStopTheOthers() throws Exception {
        LimitedExecutor ex = new LimitedExecutor(1);
        CountDownLatch submitted = new CountDownLatch(1), after = new CountDownLatch(1);
        AtomicInteger reported = new AtomicInteger();
        // The three run on one drainer: the first holds it until the others are queued behind it.
        ex.execute(() -> {
            Thread.currentThread().setUncaughtExceptionHandler((t, e) -> reported.incrementAndGet());
            try {
                submitted.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        ex.execute(() -> { throw new IllegalStateException("task failure (expected by the test)"); });
        ex.execute(() -> {
            Thread.currentThread().setUncaughtExceptionHandler(null); // the shared worker's own again
            after.countDown();
        });
        submitted.countDown();
        assertTrue(after.await(30, TimeUnit.SECONDS));
        assertEquals(1, reported.get(), "the failure goes to the thread's uncaught-exception handler");
    }

    /** Before the shared workers, every context kept its own copy threads for the life of the process. */
    @Test
    void contextsDoNotEachKeepThreads() {
        long before = copyThreads();
        for (int i = 0; i < 200; i++) {
            try (Context ctx = new Context()) {
                TensorStore ds = TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"metadata\":{\"chunks\":[64,64]}}",
                        OpenOptions.create().dtype(DataType.UINT16).shape(256, 256).context(ctx)).join();
                ds.write(NDArray.allocate(DataType.UINT16, 256, 256)).join(); // 16 chunks: copied on the executor
            }
        }
        // Each context's write runs up to one task per core at once; the old pools left all of them behind.
        long added = copyThreads() - before;
        assertTrue(added <= 4 * Runtime.getRuntime().availableProcessors() + 4, added + " more copy threads after 200 contexts");
    }

    private static long copyThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("tessera-copy")).count();
    }
}
