package io.tessera.codecs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A reusable native buffer, borrowed from a lock-free pool for the length of one encode or decode.
 * Pooling (rather than thread-locals) keeps the number of buffers bounded by the real concurrency,
 * also under virtual threads.
 */
final class Scratch implements AutoCloseable {
    private static final int MAX_POOLED = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    /** Buffers larger than this are not kept: one odd huge chunk must not pin memory forever. */
    private static final long MAX_POOLED_BYTES = 64L << 20;
    private static final ConcurrentLinkedQueue<Scratch> POOL = new ConcurrentLinkedQueue<>();
    private static final AtomicInteger POOLED = new AtomicInteger();

    private MemorySegment segment = MemorySegment.NULL;

    private Scratch() {}

    static Scratch borrow() {
        Scratch s = POOL.poll();
        if (s == null) {
            return new Scratch();
        }
        POOLED.decrementAndGet();
        return s;
    }

    /** A native segment of exactly {@code size} bytes; its contents are garbage. */
    MemorySegment get(long size) {
        if (segment.byteSize() < size) {
            // Grow by at least 1/4 so that slowly increasing sizes do not reallocate every call.
            long capacity = Math.max(size, segment.byteSize() + (segment.byteSize() >>> 2));
            segment = Arena.ofAuto().allocate(Math.max(capacity, 64), 64);
        }
        return segment.asSlice(0, size);
    }

    @Override
    public void close() {
        if (segment.byteSize() > MAX_POOLED_BYTES) {
            return;
        }
        if (POOLED.incrementAndGet() <= MAX_POOLED) {
            POOL.offer(this);
        } else {
            POOLED.decrementAndGet();
        }
    }
}
