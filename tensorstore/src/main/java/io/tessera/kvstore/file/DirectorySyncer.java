package io.tessera.kvstore.file;

import io.tessera.nativeio.FileHandle;
import io.tessera.nativeio.FileIoDriver;
import io.tessera.nativeio.NativeIOException;
import io.tessera.nativeio.LibC;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Group commit of directory fsyncs. A request is served by the first fsync of that directory that
 * <em>starts</em> after the request, since an fsync already running may have begun before the
 * caller's rename. So at most one fsync per directory runs, and every request that arrives while
 * it runs shares the single fsync that follows it.
 */
final class DirectorySyncer {
    private static final class State {
        CompletableFuture<Void> running;
        CompletableFuture<Void> next;
    }

    private final FileIoDriver driver;
    private final Map<String, State> states = new HashMap<>();

    DirectorySyncer(FileIoDriver driver) { this.driver = driver; }

    /** Completes once {@code dir} has been fsync'd by a call that began after this request. */
    CompletableFuture<Void> sync(String dir) {
        CompletableFuture<Void> start;
        synchronized (this) {
            State s = states.computeIfAbsent(dir, d -> new State());
            if (s.running != null) {
                if (s.next == null) s.next = new CompletableFuture<>();
                return s.next;
            }
            s.running = start = new CompletableFuture<>();
        }
        run(dir, start);
        return start;
    }

    private void run(String dir, CompletableFuture<Void> done) {
        // Opening and closing a directory are cheap calls, made inline; only the fsync waits on the disk.
        CompletableFuture<Void> synced;
        int fd;
        try {
            fd = LibC.open(dir, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0);
            FileHandle h = new FileHandle(fd, dir);
            // The fsync's own result is what counts.
            synced = driver.fsync(h, false).whenComplete((v, err) -> LibC.closeQuietly(fd));
        } catch (NativeIOException e) {
            synced = CompletableFuture.failedFuture(e);
        }
        synced
                .whenComplete((v, err) -> {
                    CompletableFuture<Void> following;
                    synchronized (this) {
                        State s = states.get(dir);
                        following = s.running = s.next;
                        s.next = null;
                        if (following == null) states.remove(dir);
                    }
                    if (following != null) run(dir, following);
                    if (err != null) done.completeExceptionally(Errors.unwrap(err));
                    else done.complete(null);
                });
    }
}
