package io.tessera.kvstore.file;

import io.tessera.nativeio.FileIoDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Group commit of directory fsyncs, with fsyncs the test completes by hand. */
class DirectorySyncerTest {
    @TempDir Path dir;

    private record Call(String path, CompletableFuture<Void> gate) {}

    private static void awaitCalls(List<Call> calls, int n) throws InterruptedException {
        // A bounded wait for the asynchronous open before each fsync, not a timing assertion.
        for (int i = 0; i < 12_000 && calls.size() < n; i++) Thread.sleep(5);
        assertEquals(n, calls.size());
    }

    @Test
    void requestsDuringAnFsyncShareTheNextOne() throws Exception {
        Path a = Files.createDirectory(dir.resolve("a"));
        Path b = Files.createDirectory(dir.resolve("b"));
        List<Call> calls = Collections.synchronizedList(new ArrayList<>());
        try (FaultyDriver driver = new FaultyDriver(FileIoDriver.create(FileIoDriver.Kind.BLOCKING, 2))) {
            driver.fsyncHook = h -> {
                CompletableFuture<Void> gate = new CompletableFuture<>();
                calls.add(new Call(h.path(), gate));
                return gate;
            };
            DirectorySyncer syncer = new DirectorySyncer(driver);
            CompletableFuture<Void> first = syncer.sync(a.toString());
            awaitCalls(calls, 1);
            // These arrive while the first fsync runs: it may have started before their renames.
            List<CompletableFuture<Void>> later = List.of(syncer.sync(a.toString()), syncer.sync(a.toString()), syncer.sync(a.toString()));
            CompletableFuture<Void> other = syncer.sync(b.toString());
            awaitCalls(calls, 2);
            assertEquals(b.toString(), calls.get(1).path(), "another directory is not held up");
            assertFalse(first.isDone());
            calls.get(0).gate().complete(null);
            first.get(60, TimeUnit.SECONDS);
            awaitCalls(calls, 3);
            assertEquals(a.toString(), calls.get(2).path());
            for (CompletableFuture<Void> f : later) assertFalse(f.isDone(), "completed before an fsync that began after it");
            calls.get(2).gate().complete(null);
            for (CompletableFuture<Void> f : later) f.get(60, TimeUnit.SECONDS);
            calls.get(1).gate().complete(null);
            other.get(60, TimeUnit.SECONDS);
            assertEquals(3, calls.size(), "three requests for a shared one fsync after the first");
            // An error reaches every request that shared the failing fsync.
            CompletableFuture<Void> x = syncer.sync(a.toString());
            awaitCalls(calls, 4);
            CompletableFuture<Void> y = syncer.sync(a.toString());
            calls.get(3).gate().complete(null);
            x.get(60, TimeUnit.SECONDS);
            awaitCalls(calls, 5);
            calls.get(4).gate().completeExceptionally(new io.tessera.nativeio.NativeIOException("fsync", a.toString(), 5));
            assertThrows(Exception.class, () -> y.get(60, TimeUnit.SECONDS));
            assertEquals(Map.of(), Map.of());
        }
    }
}
