package io.tessera.codecs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Shared codec instances used from many threads at once: every encoding must be byte-identical to
 * the single-threaded reference (so no pooled context leaks a level or state into another call) and
 * every decode exact. Runs on platform threads and on virtual threads.
 */
class ConcurrencyTest {
    private static final int[] SIZES = {0, 17, 4099, 65_536 + 5, 300_007};

    private record Job(Codec codec, byte[] raw, int elementSize, byte[] reference) {}

    private static List<Job> jobs() {
        List<Job> jobs = new ArrayList<>();
        int seed = 0;
        for (Codec codec : TestData.allCodecs()) {
            for (int size : SIZES) {
                if (codec instanceof Bz2Codec && size > 70_000) {
                    continue;
                }
                int elementSize = new int[] {1, 2, 4, 8}[seed % 4];
                byte[] raw = seed % 3 == 0 ? TestData.random(size, seed) : TestData.smooth(size, elementSize, seed);
                seed++;
                byte[] reference = codec.encode(MemorySegment.ofArray(raw), elementSize).toArray(ValueLayout.JAVA_BYTE);
                jobs.add(new Job(codec, raw, elementSize, reference));
            }
        }
        return jobs;
    }

    @Test
    void platformThreads() throws Exception {
        hammer(Executors.newFixedThreadPool(16), 16, 60);
    }

    @Test
    void virtualThreads() throws Exception {
        hammer(Executors.newVirtualThreadPerTaskExecutor(), 64, 15);
    }

    private static void hammer(ExecutorService executor, int threads, int iterations) throws Exception {
        List<Job> jobs = jobs();
        CountDownLatch start = new CountDownLatch(1);
        AtomicLong done = new AtomicLong();
        try (executor) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long seed = t;
                futures.add(executor.submit(() -> {
                    Random r = new Random(seed);
                    start.await();
                    try (Arena arena = Arena.ofConfined()) {
                        for (int i = 0; i < iterations; i++) {
                            Job job = jobs.get(r.nextInt(jobs.size()));
                            MemorySegment raw = arena.allocate(Math.max(1, job.raw.length)).asSlice(0, job.raw.length);
                            MemorySegment.copy(job.raw, 0, raw, ValueLayout.JAVA_BYTE, 0, job.raw.length);
                            MemorySegment enc = job.codec.encode(raw, job.elementSize, arena);
                            assertArrayEquals(job.reference, enc.toArray(ValueLayout.JAVA_BYTE), job.codec + " encode");
                            MemorySegment out = arena.allocate(Math.max(1, job.raw.length)).asSlice(0, job.raw.length);
                            job.codec.decode(enc, out, "t" + seed);
                            assertArrayEquals(job.raw, out.toArray(ValueLayout.JAVA_BYTE), job.codec + " decode");
                            done.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get();
            }
        }
        assertEquals((long) threads * iterations, done.get());
    }
}
