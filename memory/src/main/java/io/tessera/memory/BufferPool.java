package io.tessera.memory;

import io.tessera.nativeio.LibC;
import io.tessera.nativeio.NativeIOException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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
 * simply dropped is safe. Holders that know when they are done return it sooner: each holds a
 * {@link Buffer} handle (the first from {@link #take}, more from {@link Buffer#share()}), and
 * the memory goes back to the pool once every handle has been {@link Buffer#release() released},
 * which spares the wait for a collection. A handle that is never released only delays the
 * return until the collection; releasing a handle whose memory is still used through it lets
 * the pool hand the memory to someone else, so a holder releases only once it is done.
 *
 * <p>Sizes below {@value #MIN_POOLED} bytes are not pooled (malloc serves them well). Pooled sizes
 * are rounded up to one of eight steps per power of two, so at most 1/8 is wasted. The pool keeps
 * at most {@code -Dtessera.buffers.retain} bytes of idle buffers (default: a quarter of the maximum
 * heap); more are given back to the system.
 *
 * <p>Dropped buffers come back only after a collection finds them, and a heap that holds little
 * but segment objects is rarely collected. So when the pool has no idle buffer of a size and the
 * bytes handed out and not yet returned have grown by {@code -Dtessera.buffers.collect} (default:
 * a sixteenth of the maximum heap, at least 256 MiB) over their lowest since it last asked, it
 * asks for a collection ({@link System#gc()}), as the JDK does for direct buffers, and waits up to
 * 20 ms for the buffers it frees. Buffers count only while they are out: a burst that takes more
 * buffers than are idle (200 small writes set off at once) and holds less than that at once
 * does not pause for a collection that could bring nothing back. A collection of such a
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

    private static final Cleaner CLEANER = Cleaner.create();

    private static final BufferPool SHARED = new BufferPool(
            Long.getLong("tessera.buffers.retain", Runtime.getRuntime().maxMemory() / 4),
            Long.getLong("tessera.buffers.collect", Math.max(256L << 20, Runtime.getRuntime().maxMemory() / 16)));

    private final long retainLimit;
    private final long collectAfter;
    /**
     * The fewest bytes outstanding since the pool last asked for a collection. What the count has
     * grown by since bounds what a collection might bring back: buffers released as they should
     * be add to it only while they are out, however many are taken in all.
     */
    private final AtomicLong outstandingLow = new AtomicLong();
    private final AtomicLong collectionRequests = new AtomicLong();
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
        if (bytes < MIN_POOLED) return unpooled(bytes);
        Slot slot = slot(bytes);
        // The slot (not the segment) is captured, so the cleanup cannot keep the segment reachable.
        MemorySegment segment = slot.base.reinterpret(slot.size, Arena.ofAuto(), ignored -> slot.giveBack()).asSlice(0, bytes);
        return new Buffer(segment, slot, null);
    }

    /**
     * Like {@link #take}, for memory handed to code the library does not control (the array a
     * read returns): releasing the buffer also closes its segment, so that a later access
     * through any view of it fails with {@link IllegalStateException} instead of reaching memory
     * the pool has handed to someone else. Such a buffer has one handle ({@link Buffer#share()}
     * fails), and its release costs a handshake with every thread: meant for large buffers.
     */
    public Buffer takeGuarded(long bytes) {
        if (bytes < MIN_POOLED) return unpooled(bytes);
        Slot slot = slot(bytes);
        Arena arena = Arena.ofShared();
        MemorySegment segment = slot.base.reinterpret(slot.size, arena, ignored -> slot.giveBack()).asSlice(0, bytes);
        // Never released: the memory returns once no segment of the arena is reachable. The action
        // holds only the slot; the arena stays with the Buffer, which views do not keep alive.
        CLEANER.register(segment.scope(), slot::giveBack);
        return new Buffer(segment, slot, arena);
    }

    private static Buffer unpooled(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative buffer size " + bytes);
        return new Buffer(Arena.ofAuto().allocate(Math.max(1, bytes), 64).asSlice(0, bytes), null, null);
    }

    /** Memory of {@code bytes}' bucket, recycled when there is some, and the slot that returns it. */
    private Slot slot(long bytes) {
        long size = bucket(bytes);
        ConcurrentLinkedDeque<MemorySegment> list = free.computeIfAbsent(size, s -> new ConcurrentLinkedDeque<>());
        // Most recently returned first: its pages are the likeliest to be in cache.
        MemorySegment base = list.pollFirst();
        if (base == null && collectAfter > 0 && grownSinceRequest() >= collectAfter) base = collectAndRetry(list);
        if (base != null) {
            idleBytes.addAndGet(-size);
        } else {
            base = fresh(size);
            freshBytes.addAndGet(size);
        }
        outstandingBytes.addAndGet(size);
        return new Slot(this, base, size);
    }

    private static MemorySegment fresh(long size) {
        return fresh(size, Arena.ofAuto(), PAGE);
    }

    /**
     * New zeroed memory owned by {@code arena}: huge-page backed from {@value #HUGE_MIN} bytes on
     * (see {@link LibC#mapAnonymous}: faulting it in costs a third, and strided copies through it
     * miss the TLB less, about 10% faster here), else from the arena itself.
     */
    static MemorySegment fresh(long size, Arena arena, long alignment) {
        if (size >= HUGE_MIN) {
            try {
                return LibC.mapAnonymous(size, arena);
            } catch (NativeIOException e) {
                // Out of address space or mappings: the arena reports it in its own terms.
            }
        }
        return arena.allocate(size, alignment);
    }

    /** Same as {@code take(bytes).segment()}, for callers that never release early. */
    public MemorySegment allocate(long bytes) {
        return take(bytes).segment();
    }

    /** Bytes of pooled buffers handed out and not yet returned. */
    public long outstandingBytes() { return outstandingBytes.get(); }

    /** Bytes of idle buffers the pool holds. */
    public long idleBytes() { return idleBytes.get(); }

    /** How many times the pool has asked for a collection. */
    long collectionRequests() { return collectionRequests.get(); }

    private long grownSinceRequest() { return outstandingBytes.get() - outstandingLow.get(); }

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
        long low = outstandingLow.get();
        if (outstandingBytes.get() - low < collectAfter || !outstandingLow.compareAndSet(low, outstandingBytes.get())) return list.pollFirst();
        collectionRequests.incrementAndGet();
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
        outstandingLow.accumulateAndGet(outstandingBytes.addAndGet(-size), Math::min);
        if (idleBytes.addAndGet(size) > retainLimit) {
            idleBytes.addAndGet(-size); // dropped: its automatic arena frees it
            return;
        }
        free.get(size).addFirst(base);
    }

    /**
     * What returns one pooled buffer's memory, once: when the last handle is released, or when
     * the collector finds the memory unreachable, whichever comes first.
     */
    private static final class Slot {
        final BufferPool pool;
        final MemorySegment base;
        final long size;
        final AtomicInteger handles = new AtomicInteger(1);
        final AtomicBoolean returned = new AtomicBoolean();

        Slot(BufferPool pool, MemorySegment base, long size) {
            this.pool = pool;
            this.base = base;
            this.size = size;
        }

        /** One more handle; false once the count has reached zero (the memory may be someone else's). */
        boolean retain() {
            for (int n = handles.get(); n > 0; n = handles.get()) {
                if (handles.compareAndSet(n, n + 1)) return true;
            }
            return false;
        }

        void releaseHandle() {
            if (handles.decrementAndGet() == 0) giveBack();
        }

        void giveBack() {
            if (returned.compareAndSet(false, true)) pool.giveBack(base, size);
        }
    }

    /** One handle on a buffer handed out by the pool. */
    public static final class Buffer {
        private static final VarHandle RELEASED;

        static {
            try {
                RELEASED = MethodHandles.lookup().findVarHandle(Buffer.class, "released", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final MemorySegment segment;
        private final Slot slot;
        private final Arena guard;
        @SuppressWarnings("unused") // through RELEASED
        private volatile boolean released;

        private Buffer(MemorySegment segment, Slot slot, Arena guard) {
            this.segment = segment;
            this.slot = slot;
            this.guard = guard;
        }

        /** The buffer's memory, exactly the size asked for. */
        public MemorySegment segment() { return segment; }

        /**
         * Another handle on the same memory, for a second holder: the memory returns to the pool
         * only once this handle and the new one (and any other) are released.
         *
         * @throws IllegalStateException when this handle has been released
         */
        public Buffer share() {
            // A live handle keeps the count above zero, so retain cannot fail unless the caller
            // broke the contract and shares through a released handle.
            if (guard != null) throw new IllegalStateException("a guarded buffer has one handle");
            if (released || (slot != null && !slot.retain())) throw new IllegalStateException("buffer already released");
            return new Buffer(segment, slot, null);
        }

        /**
         * Gives up this handle: once every handle on the memory is released, the memory returns
         * to the pool. Only once this holder no longer uses any view of {@link #segment()};
         * calling it again does nothing.
         */
        public void release() {
            if (slot == null || !RELEASED.compareAndSet(this, false, true)) return;
            // Closing runs the arena's cleanup, which returns the memory.
            if (guard != null) guard.close(); else slot.releaseHandle();
        }
    }
}
