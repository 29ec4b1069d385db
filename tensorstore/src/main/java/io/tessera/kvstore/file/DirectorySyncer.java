package io.tessera.kvstore.file;

import io.tessera.nativeio.FileHandle;
import io.tessera.nativeio.NativeIOException;
import io.tessera.nativeio.LibC;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Group commit of directory fsyncs. A request is served by the first sync of that directory that
 * <em>starts</em> after the request, since a sync already running may have begun before the
 * caller's rename. So at most one sync per directory runs, and every request that arrives while
 * it runs shares the single sync that follows it.
 *
 * <p>The sync itself is a request to the {@link DataSyncer}: alone, it is the directory's own
 * fsync; among other requests, the one {@code syncfs} of their batch serves it. So, with many
 * writes in flight, the journal commit that makes one batch's renames durable also makes the next
 * batch's data durable, one commit per batch instead of two. A failing sync fails every request
 * it served, as it would have failed their own directory fsyncs: such a write has been renamed
 * into place, so readers see its value, but it is not reported durable.
 */
final class DirectorySyncer {
    private static final class State {
        CompletableFuture<Void> running;
        CompletableFuture<Void> next;
    }

    private final DataSyncer syncer;
    private final Map<String, State> states = new HashMap<>();

    DirectorySyncer(DataSyncer syncer) { this.syncer = syncer; }

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
            long opened = System.nanoTime();
            FileHandle h = new FileHandle(fd, dir);
            try {
                // The sync's own result is what counts.
                synced = syncer.sync(h, LibC.fstat(fd, dir).dev(), opened).whenComplete((v, err) -> LibC.closeQuietly(fd));
            } catch (NativeIOException e) {
                LibC.closeQuietly(fd);
                throw e;
            }
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
