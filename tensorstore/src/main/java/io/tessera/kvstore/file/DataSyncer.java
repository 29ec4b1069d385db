package io.tessera.kvstore.file;

import io.tessera.nativeio.FileHandle;
import io.tessera.nativeio.FileIoDriver;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Group commit of written files and of directories ({@link DirectorySyncer} asks here). On a
 * journaling file system every fsync of a new file waits for
 * a journal commit and a device flush, so durable writes one by one are bound by flushes per
 * second. Here at most one sync runs at a time: a request that finds none running is served by
 * its own fsync; requests that arrive while one runs wait, and the next sync serves them all with
 * a single {@code syncfs} of the file system (one commit, one flush), which makes durable
 * everything written before it started. A request is thus always served by a sync that began
 * after its data was written, and completes only once that sync succeeded.
 *
 * <p>{@code syncfs} covers one file system, and a store's tree may cross mount points, so a batch
 * gets one {@code syncfs} per device its files are on.
 *
 * <p>A failing {@code syncfs} fails every request it served: the kernel reports a writeback error
 * per file system, not per file, so none of them can be known durable. Where the driver has no
 * {@code syncfs} or will not rely on it (a file system whose {@code syncfs} need not persist
 * anything, such as FUSE or a network one: see {@link FileIoDriver#syncFileSystem}), or with
 * {@code -Dtessera.file.syncfs=false}, batches fall back to one fsync per file, run concurrently.
 */
final class DataSyncer {
    private record Request(FileHandle file, long device, long openedNanos, CompletableFuture<Void> done) {}

    /** The longest a batch is held for expected writes without one of them arriving. */
    private static final long HOLD_MILLIS = 50;

    private final FileIoDriver driver;
    private boolean running;
    /** Writes announced by {@link #expect} that have not yet asked for their data sync. */
    private int expected;
    /** Whether {@code waiting} is held for them (no sync runs meanwhile). */
    private boolean held;
    /** Counts holds, so that a hold's timer knows whether it is still the current one. */
    private int holds;
    /** When the last expected write arrived ({@link System#nanoTime}). */
    private long lastArrival;
    private List<Request> waiting = new ArrayList<>();
    private volatile boolean noSyncfs = !Boolean.parseBoolean(System.getProperty("tessera.file.syncfs", "true"));
    private final LongAdder fileSyncs = new LongAdder();
    private final LongAdder fileSystemSyncs = new LongAdder();
    private final LongAdder holdsTimedOut = new LongAdder();

    DataSyncer(FileIoDriver driver) { this.driver = driver; }

    /**
     * Completes once everything written to {@code file} (on {@code device}, opened at
     * {@code openedNanos} of {@link System#nanoTime}) before this call is durable.
     */
    CompletableFuture<Void> sync(FileHandle file, long device, long openedNanos) {
        return sync(file, device, openedNanos, false);
    }

    /**
     * {@link #sync(FileHandle, long, long)} for the data of a write, which counts as the arrival
     * of one write {@linkplain #expect expected}.
     */
    CompletableFuture<Void> syncData(FileHandle file, long device, long openedNanos) {
        return sync(file, device, openedNanos, true);
    }

    private CompletableFuture<Void> sync(FileHandle file, long device, long openedNanos, boolean arrival) {
        Request r = new Request(file, device, openedNanos, new CompletableFuture<>());
        boolean release;
        synchronized (this) {
            if (arrival) arrive();
            if (running) {
                waiting.add(r);
                release = held && expected == 0;
                if (!release) return r.done();
                held = false;
            } else {
                running = true;
                if (expected > 0) {
                    waiting.add(r);
                    hold();
                    return r.done();
                }
                release = false;
            }
        }
        if (release) next();
        else run(List.of(r));
        return r.done();
    }

    /**
     * Announces {@code writes} writes about to ask for syncs together (a transaction's commit):
     * until each has asked ({@link #syncData}) or given up
     * ({@link #arrivedWithoutSync}), no new sync starts, so that they share one instead of
     * trickling into a sync each as they become ready; the device meanwhile writes their data
     * back (see the file store's writeback ahead). A hold never lasts longer than
     * {@value #HOLD_MILLIS} ms without an arrival.
     */
    void expect(int writes) {
        synchronized (this) {
            expected += writes;
        }
    }

    /** One expected write ended without asking for a data sync (it failed, or deleted). */
    void arrivedWithoutSync() {
        synchronized (this) {
            arrive();
            if (!held || expected > 0) return;
            held = false;
        }
        next();
    }

    /** Counts one expected write as arrived, if any is expected. Holds the lock. */
    private void arrive() {
        if (expected == 0) return;
        expected--;
        lastArrival = System.nanoTime();
    }

    /** Holds {@code waiting} until the expected writes arrive, or a while passes with none arriving. Holds the lock. */
    private void hold() {
        held = true;
        lastArrival = System.nanoTime();
        watch(++holds);
    }

    private void watch(int hold) {
        CompletableFuture.delayedExecutor(HOLD_MILLIS, TimeUnit.MILLISECONDS, Runnable::run).execute(() -> {
            synchronized (this) {
                if (!held || holds != hold) return;
                if (System.nanoTime() - lastArrival < TimeUnit.MILLISECONDS.toNanos(HOLD_MILLIS)) {
                    watch(hold);
                    return;
                }
                held = false;
                expected = 0; // whatever was announced and never came: the rest sync as they come
                holdsTimedOut.increment();
            }
            next();
        });
    }

    /** fsyncs issued so far (a request served alone, or a batch without syncfs). */
    long fileSyncs() { return fileSyncs.sum(); }

    /** syncfs calls issued so far, each serving a batch. */
    long fileSystemSyncs() { return fileSystemSyncs.sum(); }

    /** Holds that ended because announced writes stopped arriving, not because all had arrived. */
    long holdsTimedOut() { return holdsTimedOut.sum(); }

    /**
     * Runs {@code batch}, then the batches that gather meanwhile. A loop, not a chain of
     * callbacks: a driver that completes a sync on the calling thread, whose callers issue their
     * next write from the completion, would otherwise nest one batch deeper per write.
     */
    private void run(List<Request> batch) {
        while (batch != null) {
            CompletableFuture<Void> all = start(batch);
            if (!all.isDone()) {
                all.handle((v, e) -> null).thenRun(this::next);
                return;
            }
            batch = nextBatch();
        }
    }

    private CompletableFuture<Void> start(List<Request> batch) {
        if (noSyncfs) return fsyncEach(batch);
        Map<Long, List<Request>> byDevice = new LinkedHashMap<>();
        for (Request r : batch) byDevice.computeIfAbsent(r.device(), d -> new ArrayList<>()).add(r);
        return CompletableFuture.allOf(byDevice.values().stream().map(this::syncfsOne).toArray(CompletableFuture[]::new));
    }

    /** One syncfs for requests whose files are on one file system (or one fsync, for a lone one). */
    private CompletableFuture<Void> syncfsOne(List<Request> group) {
        if (group.size() == 1) return fsyncOne(group.getFirst());
        fileSystemSyncs.increment();
        // syncfs reports the writeback errors of the file system since its descriptor was opened:
        // the descriptor opened first covers every file of the group.
        Request oldest = group.stream().min(java.util.Comparator.comparingLong(Request::openedNanos)).orElseThrow();
        return driver.syncFileSystem(oldest.file()).handle((v, e) -> {
            if (e != null && Errors.unwrap(e) instanceof UnsupportedOperationException) {
                noSyncfs = true;
                return fsyncEach(group);
            }
            for (Request r : group) {
                if (e == null) r.done().complete(null);
                else r.done().completeExceptionally(Errors.unwrap(e));
            }
            return CompletableFuture.<Void>completedFuture(null);
        }).thenCompose(f -> f);
    }

    private CompletableFuture<Void> fsyncEach(List<Request> requests) {
        return CompletableFuture.allOf(requests.stream().map(this::fsyncOne).toArray(CompletableFuture[]::new));
    }

    private CompletableFuture<Void> fsyncOne(Request r) {
        fileSyncs.increment();
        return driver.fsync(r.file(), false).whenComplete((v, e) -> {
            if (e == null) r.done().complete(null);
            else r.done().completeExceptionally(Errors.unwrap(e));
        });
    }

    private void next() {
        run(nextBatch());
    }

    /** The requests waiting, to run now; null when there are none (nothing runs then) or they are held. */
    private synchronized List<Request> nextBatch() {
        if (waiting.isEmpty()) {
            running = false;
            held = false;
            return null;
        }
        if (expected > 0) {
            hold();
            return null;
        }
        held = false;
        List<Request> batch = waiting;
        waiting = new ArrayList<>();
        return batch;
    }
}
