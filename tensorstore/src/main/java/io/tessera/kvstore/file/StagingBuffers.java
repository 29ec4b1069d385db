package io.tessera.kvstore.file;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reusable native buffers that file I/O reads into and writes from (the kernel needs addresses
 * that do not move, so Java heap values are staged here). Reuse is the point: a fresh native
 * allocation per chunk pays page faults on every byte and is freed only when the collector gets
 * to it. A buffer goes back to the pool only once the operation that used it has completed.
 *
 * <p>Each buffer has a shared arena of its own, which nothing but {@link #close()} or a release
 * beyond the budget frees: the store closes its pool when it is closed or unreachable.
 */
final class StagingBuffers {
    /** A pooled buffer; {@link #segment()} may be larger than asked for. */
    record Buffer(Arena arena, MemorySegment segment) {}

    private static final long MIN_CLASS = 4096;

    private final long maxPooledBytes;
    private final AtomicLong pooledBytes = new AtomicLong();
    private final ConcurrentHashMap<Long, ConcurrentLinkedDeque<Buffer>> free = new ConcurrentHashMap<>();
    private volatile boolean closed;

    StagingBuffers(long maxPooledBytes) { this.maxPooledBytes = maxPooledBytes; }

    /** A buffer of at least {@code size} bytes, its contents undefined. */
    Buffer borrow(long size) {
        long cls = sizeClass(size);
        ConcurrentLinkedDeque<Buffer> q = free.get(cls);
        Buffer b = q == null ? null : q.pollFirst();
        if (b != null) {
            pooledBytes.addAndGet(-cls);
            return b;
        }
        Arena arena = Arena.ofShared();
        return new Buffer(arena, arena.allocate(cls, 4096));
    }

    /** Returns a buffer whose I/O has completed; beyond the pool's budget, or once closed, it is freed at once. */
    void release(Buffer b) {
        long cls = b.segment().byteSize();
        if (!closed) {
            if (pooledBytes.addAndGet(cls) <= maxPooledBytes) {
                free.computeIfAbsent(cls, k -> new ConcurrentLinkedDeque<>()).addFirst(b);
                if (closed) freeAll(); // closed meanwhile: close() may have missed it
                return;
            }
            pooledBytes.addAndGet(-cls);
        }
        b.arena().close();
    }

    /** Frees the pooled buffers, and from now on every buffer released. */
    void close() {
        closed = true;
        freeAll();
    }

    /** Bytes of idle buffers held for reuse. */
    long pooledBytes() { return pooledBytes.get(); }

    private void freeAll() {
        for (ConcurrentLinkedDeque<Buffer> q : free.values()) {
            for (Buffer b; (b = q.pollFirst()) != null; ) {
                pooledBytes.addAndGet(-b.segment().byteSize());
                b.arena().close();
            }
        }
    }

    static long sizeClass(long size) {
        return size <= MIN_CLASS ? MIN_CLASS : Long.highestOneBit(size - 1) << 1;
    }
}
