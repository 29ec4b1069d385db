package io.tessera.memory;

import io.tessera.nativeio.LibC;
import io.tessera.nativeio.NativeIOException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Native buffers for chunk-sized data that are recycled instead of freed.
 *
 * <p>Why a pool: on this kind of machine a freshly mapped page costs microseconds to fault in,
 * a chunk buffer on the Java heap is copied by every young collection that finds it alive (a
 * memory store holds hundreds of MiB of them), and both {@code new byte[]} and
 * {@link Arena#allocate} zero memory that is about to be overwritten anyway. A pooled buffer is
 * none of these: its pages were touched once, the collector only sees a small segment object,
 * and it is handed out uninitialized.
 *
 * <p>Ownership: a buffer's memory returns to the pool when its segment (and every view of it)
 * becomes unreachable, through a cleaner of the segment's automatic arena; so a buffer that is
 * simply dropped is safe. An owner that knows no other reference exists may {@link
 * Buffer#release() release} it at once, which spares the wait for a collection; releasing a
 * buffer that is still read or written elsewhere lets the pool hand the same memory to someone
 * else, so only the sole owner may do it.
 *
 * <p>Sizes below {@value #MIN_POOLED} bytes are not pooled (malloc serves them well). Pooled sizes
 * are rounded up to one of eight steps per power of two, so at most 1/8 is wasted. The pool keeps
 * at most {@code -Dtessera.buffers.retain} bytes of idle buffers (default: a quarter of the maximum
 * heap); more are given back to the system.
 *
 * <p>Dropped buffers come back only after a collection finds them, and a heap that holds little
 * but segment objects is rarely collected. So when the pool has no idle buffer of a size and has
 * handed out {@code -Dtessera.buffers.collect} bytes (default: a sixteenth of the maximum heap, at
 * least 256 MiB) since it last asked, it asks for a collection ({@link System#gc()}), as the JDK
 * does for direct buffers, and waits up to 20 ms for the buffers it frees. A collection of such a
 * heap costs a few tens of milliseconds; faulting in that much fresh memory costs several times more.
 * A service whose heap is large and full, where a full collection would pause for long, runs with
 * {@code -XX:+ExplicitGCInvokesConcurrent} (the request then starts a concurrent cycle) or turns
 * the requests off with {@code -Dtessera.buffers.collect=0}.
 */
public final class BufferPool {
    /** The smallest buffer that is pooled. */
    public static final long MIN_POOLED = 64 << 10;
    private static final long PAGE = 4096;
    /**
     * The smallest buffer mapped on huge pages: smaller ones would waste most of a 2 MiB page.
     * {@code -Dtessera.buffers.hugePages=false} turns huge pages off.
     */
    private static final long HUGE_MIN = Boolean.parseBoolean(System.getProperty("tessera.buffers.hugePages", "true"))
            ? LibC.HUGE_PAGE : Long.MAX_VALUE;

    private static final BufferPool SHARED = new BufferPool(
            Long.getLong("tessera.buffers.retain", Runtime.getRuntime().maxMemory() / 4),
            Long.getLong("tessera.buffers.collect", Math.max(256L << 20, Runtime.getRuntime().maxMemory() / 16)));

    private final long retainLimit;
    private final long collectAfter;
    /** Bytes handed out since the pool last asked for a collection: what a collection might bring back. */
    private final AtomicLong takenSinceRequest = new AtomicLong();
    private final ConcurrentHashMap<Long, ConcurrentLinkedDeque<MemorySegment>> free = new ConcurrentHashMap<>();
    private final AtomicLong idleBytes = new AtomicLong();
    private final AtomicLong outstandingBytes = new AtomicLong();
    private final AtomicLong freshBytes = new AtomicLong();

    BufferPool(long retainLimit, long collectAfter) {
        this.retainLimit = retainLimit;
        this.collectAfter = collectAfter;
    }

    /** The process-wide pool. */
    public static BufferPool shared() { return SHARED; }

    /** A buffer of exactly {@code bytes} bytes (at least 1), 64-byte aligned, contents unspecified. */
    public Buffer take(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative buffer size " + bytes);
        if (bytes < MIN_POOLED) return new Buffer(Arena.ofAuto().allocate(Math.max(1, bytes), 64).asSlice(0, bytes), null);
        long size = bucket(bytes);
        ConcurrentLinkedDeque<MemorySegment> list = free.computeIfAbsent(size, s -> new ConcurrentLinkedDeque<>());
        // Most recently returned first: its pages are the likeliest to be in cache.
        MemorySegment base = list.pollFirst();
        if (base == null && collectAfter > 0 && takenSinceRequest.get() >= collectAfter) base = collectAndRetry(list);
        if (base != null) {
            idleBytes.addAndGet(-size);
        } else {
            base = fresh(size);
            freshBytes.addAndGet(size);
        }
        takenSinceRequest.addAndGet(size);
        outstandingBytes.addAndGet(size);
        Slot slot = new Slot(this, base, size);
        // The slot (not the segment) is captured, so the cleanup cannot keep the segment reachable.
        MemorySegment segment = base.reinterpret(size, Arena.ofAuto(), ignored -> slot.giveBack()).asSlice(0, bytes);
        return new Buffer(segment, slot);
    }

    /**
     * New memory: huge-page backed from {@value #HUGE_MIN} bytes on (see {@link LibC#mapAnonymous};
     * faulting it in costs a third), else from an automatic arena.
     */
    private static MemorySegment fresh(long size) {
        if (size >= HUGE_MIN) {
            try {
                return LibC.mapAnonymous(size, Arena.ofAuto());
            } catch (NativeIOException e) {
                // Out of address space or mappings: the arena reports it in its own terms.
            }
        }
        return Arena.ofAuto().allocate(size, PAGE);
    }

    /** Same as {@code take(bytes).segment()}, for callers that never release early. */
    public MemorySegment allocate(long bytes) {
        return take(bytes).segment();
    }

    /** Bytes of pooled buffers handed out and not yet returned. */
    public long outstandingBytes() { return outstandingBytes.get(); }

    /** Bytes of idle buffers the pool holds. */
    public long idleBytes() { return idleBytes.get(); }

    /** Bytes the pool has obtained from the system so far. */
    public long freshBytes() { return freshBytes.get(); }

    /** {@code bytes} rounded up to the pool's size step: an eighth of its power of two, at least a page. */
    static long bucket(long bytes) {
        int log = 63 - Long.numberOfLeadingZeros(bytes - 1);
        long step = Math.max(PAGE, 1L << Math.max(0, log - 3));
        return Math.ceilDiv(bytes, step) * step;
    }

    /**
     * Asks for a collection and waits briefly for the cleaners it triggers to bring a buffer of
     * this size back: recycled memory is worth the wait, as fresh memory costs more to fault in
     * than a collection of a heap that holds little but segment objects costs.
     */
    private MemorySegment collectAndRetry(ConcurrentLinkedDeque<MemorySegment> list) {
        long taken = takenSinceRequest.get();
        if (taken < collectAfter || !takenSinceRequest.compareAndSet(taken, 0)) return list.pollFirst();
        System.gc();
        for (int i = 0; i < 20; i++) {
            MemorySegment base = list.pollFirst();
            if (base != null) return base;
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    private void giveBack(MemorySegment base, long size) {
        outstandingBytes.addAndGet(-size);
        if (idleBytes.addAndGet(size) > retainLimit) {
            idleBytes.addAndGet(-size); // dropped: its automatic arena frees it
            return;
        }
        free.get(size).addFirst(base);
    }

    /** What returns one pooled buffer's memory, once. */
    private static final class Slot {
        final BufferPool pool;
        final MemorySegment base;
        final long size;
        final AtomicBoolean returned = new AtomicBoolean();

        Slot(BufferPool pool, MemorySegment base, long size) {
            this.pool = pool;
            this.base = base;
            this.size = size;
        }

        void giveBack() {
            if (returned.compareAndSet(false, true)) pool.giveBack(base, size);
        }
    }

    /** One buffer handed out by the pool. */
    public static final class Buffer {
        private final MemorySegment segment;
        private final Slot slot;

        private Buffer(MemorySegment segment, Slot slot) {
            this.segment = segment;
            this.slot = slot;
        }

        /** The buffer's memory, exactly the size asked for. */
        public MemorySegment segment() { return segment; }

        /**
         * Returns the memory to the pool now. Only the buffer's sole owner may call this, once no
         * view of {@link #segment()} is used any more; calling it again does nothing.
         */
        public void release() {
            if (slot != null) slot.giveBack();
        }
    }
}
