package io.tessera.memory;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BufferPoolTest {
    private static final long MIB = 1 << 20;

    @Test
    void bucketsRoundUpByAtMostAnEighth() {
        Random r = new Random(1);
        for (int i = 0; i < 100_000; i++) {
            long n = BufferPool.MIN_POOLED + (long) (r.nextDouble() * (1L << (17 + r.nextInt(14))));
            long b = BufferPool.bucket(n);
            assertTrue(b >= n && b - n <= n / 8 + 4096, n + " -> " + b);
            assertEquals(0, b % 4096, "page multiple: " + b);
            assertEquals(b, BufferPool.bucket(b), "a bucket size is its own bucket");
        }
        assertEquals(512 << 10, BufferPool.bucket(512 << 10));
    }

    @Test
    void segmentsHaveTheSizeAskedForAndAreAligned() {
        BufferPool pool = new BufferPool(64 * MIB, 1L << 40);
        for (long n : new long[] {0, 1, 1000, BufferPool.MIN_POOLED - 1, BufferPool.MIN_POOLED, 100_001, 3 * MIB + 5}) {
            MemorySegment s = pool.take(n).segment();
            assertEquals(n, s.byteSize());
            assertTrue(s.isNative());
            assertEquals(0, s.address() % 64, "aligned");
        }
    }

    @Test
    void releasedBuffersAreReusedAndReleaseIsIdempotent() {
        BufferPool pool = new BufferPool(64 * MIB, 1L << 40);
        BufferPool.Buffer a = pool.take(MIB);
        long address = a.segment().address();
        a.release();
        a.release();
        assertEquals(MIB, pool.idleBytes());
        assertEquals(0, pool.outstandingBytes());
        BufferPool.Buffer b = pool.take(MIB - 100);
        assertEquals(address, b.segment().address(), "the idle buffer of that bucket is handed out again");
        // The first owner's late second release must not hand b's memory to a third owner.
        a.release();
        BufferPool.Buffer c = pool.take(MIB);
        assertFalse(c.segment().address() == address, "memory still owned by b was handed out twice");
        assertEquals(2 * MIB, pool.freshBytes(), "a's memory and then c's: b reused a's");
    }

    @Test
    void sharedBufferReturnsOnlyOnceEveryHandleIsReleased() {
        BufferPool pool = new BufferPool(64 * MIB, 1L << 40);
        BufferPool.Buffer a = pool.take(MIB);
        BufferPool.Buffer b = a.share();
        BufferPool.Buffer c = b.share();
        assertEquals(a.segment().address(), c.segment().address());
        a.release();
        a.release(); // a second release of one handle must not count for another handle
        b.release();
        assertEquals(0, pool.idleBytes(), "c still holds the memory");
        assertEquals(MIB, pool.outstandingBytes());
        c.release();
        assertEquals(MIB, pool.idleBytes());
        assertEquals(0, pool.outstandingBytes());
        assertThrows(IllegalStateException.class, c::share, "sharing through a released handle");
    }

    @Test
    void handlesOfUnpooledBuffersShareAndReleaseHarmlessly() {
        BufferPool pool = new BufferPool(64 * MIB, 1L << 40);
        BufferPool.Buffer a = pool.take(100);
        BufferPool.Buffer b = a.share();
        a.release();
        b.release();
        assertEquals(100, b.segment().byteSize());
        assertEquals(0, pool.outstandingBytes());
    }

    @Test
    void aReleasedGuardedBufferCannotBeReachedAnyMore() {
        BufferPool pool = new BufferPool(64 * MIB, 1L << 40);
        BufferPool.Buffer a = pool.takeGuarded(MIB);
        MemorySegment view = a.segment().asSlice(100, 1000);
        view.set(ValueLayout.JAVA_BYTE, 0, (byte) 7);
        assertThrows(IllegalStateException.class, a::share);
        a.release();
        a.release();
        assertEquals(MIB, pool.idleBytes());
        assertEquals(0, pool.outstandingBytes());
        assertThrows(IllegalStateException.class, () -> view.get(ValueLayout.JAVA_BYTE, 0), "a view of released memory");
        BufferPool.Buffer b = pool.take(MIB);
        assertEquals(a.segment().address(), b.segment().address(), "the memory is handed out again");
    }

    /** Collects until every buffer handed out is back (bounded), then checks the pool holds {@code idle} bytes. */
    private static void assertAllComeBack(BufferPool pool, long idle) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (pool.outstandingBytes() > 0 && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(0, pool.outstandingBytes(), "unreachable buffers returned by their cleaners");
        assertEquals(idle, pool.idleBytes());
    }

    @Test
    void droppedGuardedBuffersComeBackAfterACollection() throws Exception {
        BufferPool pool = new BufferPool(256 * MIB, 1L << 40);
        for (int i = 0; i < 16; i++) pool.takeGuarded(MIB).segment().asSlice(10).set(ValueLayout.JAVA_BYTE, 0, (byte) i);
        assertAllComeBack(pool, 16 * MIB);
    }

    @Test
    void idleMemoryIsBoundedByTheRetainLimit() {
        BufferPool pool = new BufferPool(2 * MIB, 1L << 40);
        List<BufferPool.Buffer> bs = new ArrayList<>();
        for (int i = 0; i < 5; i++) bs.add(pool.take(MIB));
        bs.forEach(BufferPool.Buffer::release);
        assertEquals(2 * MIB, pool.idleBytes());
        assertEquals(0, pool.outstandingBytes());
    }

    @Test
    void droppedBuffersComeBackAfterACollection() throws Exception {
        BufferPool pool = new BufferPool(256 * MIB, 1L << 40);
        for (int i = 0; i < 16; i++) pool.take(MIB).segment().set(ValueLayout.JAVA_BYTE, 0, (byte) i);
        assertAllComeBack(pool, 16 * MIB);
    }

    @Test
    void manyThreadsNeverShareABuffer() throws Exception {
        BufferPool pool = new BufferPool(64 * MIB, 1L << 40);
        ExecutorService ex = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                byte mark = (byte) (t + 1);
                fs.add(ex.submit(() -> {
                    Random r = new Random(mark);
                    for (int i = 0; i < 2000; i++) {
                        BufferPool.Buffer b = pool.take(BufferPool.MIN_POOLED + r.nextInt(300_000));
                        MemorySegment s = b.segment();
                        s.fill(mark);
                        Thread.yield();
                        for (long o = 0; o < s.byteSize(); o += 4093) {
                            if (s.get(ValueLayout.JAVA_BYTE, o) != mark) throw new AssertionError("buffer shared between owners");
                        }
                        b.release();
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get();
        } finally {
            ex.shutdown();
        }
        assertEquals(0, pool.outstandingBytes());
        assertTrue(pool.idleBytes() <= 64 * MIB, "retain limit holds under contention");
    }

    /**
     * Bursts of up to 14.25 MiB, each taking more buffers than are idle, all released: 406 MiB
     * pass through a pool that asks for a collection after 16 MiB, and it never asks, since none
     * could bring a buffer back. It used to ask whenever a burst found no idle buffer after 16 MiB
     * had been taken in all.
     */
    @Test
    void burstsBelowTheThresholdReleasedNeverSetOffACollection() {
        BufferPool pool = new BufferPool(256 * MIB, 16 * MIB);
        for (int round = 0; round < 50; round++) {
            java.util.List<BufferPool.Buffer> burst = new java.util.ArrayList<>();
            for (int i = 0; i < 8 + round; i++) burst.add(pool.take(256 << 10));
            burst.forEach(BufferPool.Buffer::release);
        }
        assertEquals(0, pool.collectionRequests(), "collections asked for");
        assertEquals(0, pool.outstandingBytes());
    }

    /** Buffers dropped without a release: once as many bytes as {@code collect} are out, the pool asks for a collection and gets them back. */
    @Test
    void droppedBuffersSetOffACollectionThatBringsThemBack() {
        BufferPool pool = new BufferPool(256 * MIB, 4 * MIB);
        long taken = 0;
        // Until a take is served by a buffer a collection brought back (the cleaner thread may lag).
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (pool.freshBytes() == taken && System.nanoTime() < deadline) {
            pool.take(256 << 10).segment().set(ValueLayout.JAVA_BYTE, 0, (byte) taken);
            taken += 256 << 10;
        }
        assertTrue(pool.collectionRequests() >= 1, "a collection was asked for");
        assertTrue(pool.freshBytes() < taken, "some takes were served by buffers the collection brought back: " + pool.freshBytes());
    }
}
