package io.tessera;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs one context's tasks on the process's shared worker threads, at most {@code limit} at a
 * time, started in the order they were submitted: TensorStore's {@code data_copy_concurrency}.
 *
 * <p>Why shared threads: a context is cheap and short-lived (TensorStore frees one when its last
 * reference goes), so threads of its own would be started with every context, and stopping them
 * when it closes would fail work still queued on them. The shared workers outlive contexts and
 * retire after {@value #IDLE_SECONDS} idle seconds.
 *
 * <p>Tasks may block waiting for tasks submitted earlier to the same executor (a write waits for
 * its turn at a chunk). That cannot deadlock: tasks are taken in submission order, so every
 * earlier task has been taken by a running drainer, and the shared pool never makes a drainer
 * wait for a thread.
 */
final class LimitedExecutor implements Executor {
    private static final int IDLE_SECONDS = 30;
    private static final AtomicInteger WORKER_IDS = new AtomicInteger();
    /** The class loader of the workers: never that of whichever application thread made one. */
    private static final ClassLoader LOADER = LimitedExecutor.class.getClassLoader();
    private static final ExecutorService WORKERS = new ThreadPoolExecutor(0, Integer.MAX_VALUE,
            IDLE_SECONDS, TimeUnit.SECONDS, new SynchronousQueue<>(), task -> {
                Thread t = Thread.ofPlatform().name("tessera-copy-" + WORKER_IDS.incrementAndGet())
                        .daemon(true).inheritInheritableThreadLocals(false).unstarted(task);
                t.setContextClassLoader(LOADER);
                return t;
            });

    private final int limit;
    private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
    /** Drainers running for this executor, at most {@code limit}. */
    private final AtomicInteger drainers = new AtomicInteger();

    LimitedExecutor(int limit) {
        if (limit < 1) throw new IllegalArgumentException("limit must be at least 1: " + limit);
        this.limit = limit;
    }

    /** The most tasks it runs at once. */
    int limit() { return limit; }

    @Override
    public void execute(Runnable task) {
        queue.add(task);
        if (claimDrainer()) {
            try {
                WORKERS.execute(this::drain);
            } catch (Throwable e) {
                // No thread could be made: the place stays free for the next task, and this task
                // stays queued for the next drainer. Its callers have already promised it a turn
                // (a write's place in a chunk's queue), which only running it gives back.
                drainers.decrementAndGet();
                throw e;
            }
        }
    }

    /** Takes one of the {@code limit} drainer places, if one is free and a task waits. */
    private boolean claimDrainer() {
        while (true) {
            int n = drainers.get();
            if (n >= limit || queue.isEmpty()) return false;
            if (drainers.compareAndSet(n, n + 1)) return true;
        }
    }

    private void drain() {
        while (true) {
            Runnable task = queue.poll();
            if (task == null) {
                drainers.decrementAndGet();
                // A task added after the poll, whose submitter still counted this drainer, is ours.
                if (!claimDrainer()) return;
                continue;
            }
            // One drainer runs many tasks, of many contexts: none inherits another's interrupt.
            Thread.interrupted();
            try {
                task.run();
            } catch (Throwable e) {
                try {
                    Thread t = Thread.currentThread();
                    t.getUncaughtExceptionHandler().uncaughtException(t, e);
                } catch (Throwable ignored) {
                    // a failing handler must not cost this executor a drainer
                }
            }
        }
    }
}
