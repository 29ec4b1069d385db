package io.tessera.kvstore.file;

import io.tessera.nativeio.FileIoDriver;
import io.tessera.nativeio.NativeIOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Group commit of directory syncs, with fsyncs and syncfs calls the test completes by hand. */
class DirectorySyncerTest {
    @TempDir Path dir;

    /** One sync the driver was asked for: {@code fsync} or {@code syncfs}, through which descriptor's path. */
    private record Call(String kind, String path, CompletableFuture<Void> gate) {}

    private static void awaitCalls(List<Call> calls, int n) throws InterruptedException {
        // A bounded wait for the asynchronous open before each sync, not a timing assertion.
        for (int i = 0; i < 12_000 && calls.size() < n; i++) Thread.sleep(5);
        assertEquals(n, calls.size(), "syncs asked for: " + calls);
    }

    private static FaultyDriver gatedDriver(List<Call> calls) {
        FaultyDriver driver = new FaultyDriver(FileIoDriver.create(FileIoDriver.Kind.BLOCKING, 2));
        driver.fsyncHook = h -> gate(calls, "fsync", h.path());
        driver.syncfsHook = h -> gate(calls, "syncfs", h.path());
        return driver;
    }

    private static CompletableFuture<Void> gate(List<Call> calls, String kind, String path) {
        CompletableFuture<Void> gate = new CompletableFuture<>();
        calls.add(new Call(kind, path, gate));
        return gate;
    }

    @Test
    void requestsDuringASyncShareTheNextOne() throws Exception {
        Path a = Files.createDirectory(dir.resolve("a"));
        Path b = Files.createDirectory(dir.resolve("b"));
        List<Call> calls = Collections.synchronizedList(new ArrayList<>());
        try (FaultyDriver driver = gatedDriver(calls)) {
            DataSyncer data = new DataSyncer(driver);
            DirectorySyncer syncer = new DirectorySyncer(data);
            CompletableFuture<Void> first = syncer.sync(a.toString());
            awaitCalls(calls, 1);
            assertEquals(new Call("fsync", a.toString(), calls.get(0).gate()), calls.get(0), "a lone request is the directory's own fsync");
            // These arrive while the first sync runs: it may have started before their renames.
            List<CompletableFuture<Void>> later = List.of(syncer.sync(a.toString()), syncer.sync(a.toString()), syncer.sync(a.toString()));
            CompletableFuture<Void> other = syncer.sync(b.toString());
            Thread.sleep(50); // room for a wrong extra sync to be asked for; the count below catches it
            assertEquals(1, calls.size(), "nothing more starts while a sync runs");
            assertFalse(first.isDone());
            calls.get(0).gate().complete(null);
            first.get(60, TimeUnit.SECONDS);
            // a's three later requests share one sync of a, and it shares one syncfs with b's.
            awaitCalls(calls, 2);
            assertEquals("syncfs", calls.get(1).kind());
            for (CompletableFuture<Void> f : later) assertFalse(f.isDone(), "completed before a sync that began after it");
            assertFalse(other.isDone());
            calls.get(1).gate().complete(null);
            for (CompletableFuture<Void> f : later) f.get(60, TimeUnit.SECONDS);
            other.get(60, TimeUnit.SECONDS);
            assertEquals(2, calls.size(), "five requests, two syncs");
            assertEquals(1, data.fileSystemSyncs());

            // An error reaches every request that shared the failing sync.
            CompletableFuture<Void> x = syncer.sync(a.toString());
            awaitCalls(calls, 3);
            CompletableFuture<Void> y = syncer.sync(a.toString());
            CompletableFuture<Void> z = syncer.sync(b.toString());
            calls.get(2).gate().complete(null);
            x.get(60, TimeUnit.SECONDS);
            awaitCalls(calls, 4);
            calls.get(3).gate().completeExceptionally(new NativeIOException("syncfs", a.toString(), 5));
            for (CompletableFuture<Void> f : List.of(y, z)) {
                Exception e = assertThrows(Exception.class, () -> f.get(60, TimeUnit.SECONDS));
                assertInstanceOf(NativeIOException.class, e.getCause(), e.toString());
            }
        }
    }
}
