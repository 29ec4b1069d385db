package io.tessera.kvstore.file;

import io.tessera.kvstore.Generation;
import io.tessera.kvstore.ReadResult;
import io.tessera.nativeio.FileIoDriver;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Crash safety: a child JVM writes in a loop and is SIGKILLed at random moments, over and over,
 * on one directory. Every write it acknowledged must be there with its exact bytes, the overwritten
 * key must hold an acknowledged-or-later value, and later writers must never be blocked by what
 * the killed ones left behind. Iterations: {@code -Dtessera.crash.iterations} (default 30).
 */
class FileKvStoreCrashTest {
    @TempDir Path dir;

    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void acknowledgedWritesSurviveSigkill(FileIoDriver.Kind kind) throws Exception {
        int iterations = Integer.getInteger("tessera.crash.iterations", 30);
        Path root = dir.resolve("store");
        Random rnd = new Random(Long.getLong("tessera.crash.seed", System.nanoTime()));
        Map<String, Long> acked = new HashMap<>();
        long sharedAcked = -1;
        String java = ProcessHandle.current().info().command().orElseThrow();
        for (int it = 0; it < iterations; it++) {
            Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                    "-cp", System.getProperty("java.class.path"), CrashWriter.class.getName(),
                    root.toString(), kind.name(), Integer.toString(it))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread reader = Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) lines.add(l);
                } catch (Exception ignored) {
                    // The pipe breaks when the child dies.
                }
            });
            String ready = lines.poll(120, TimeUnit.SECONDS);
            assertEquals("READY " + (kind == FileIoDriver.Kind.IO_URING ? "io_uring" : "blocking"), ready);
            // Kill after a random number of acknowledgements, so the kill lands anywhere in a write;
            // a new child that cannot make progress (a stale lock blocking it) fails the wait.
            int wantAcks = rnd.nextInt(1, 80);
            int seen = 0;
            while (seen < wantAcks) {
                String l = lines.poll(120, TimeUnit.SECONDS);
                assertNotNull(l, "iteration " + it + ": the writer made no progress");
                if (l.startsWith("ERR")) fail("iteration " + it + ": " + l);
                if (l.startsWith("ACK")) seen++;
                sharedAcked = record(l, acked, sharedAcked);
            }
            Thread.sleep(rnd.nextInt(0, 15));
            p.destroyForcibly();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            reader.join(120_000);
            for (String l; (l = lines.poll()) != null; ) sharedAcked = record(l, acked, sharedAcked);
            verify(root, acked, sharedAcked, kind);
        }
        // A writer in this process proceeds over whatever the killed ones left, including lock files.
        try (FileKvStore s = FileKvStoreTest.open(root, kind, true)) {
            List<String> keys = s.list("").get(120, TimeUnit.SECONDS);
            assertTrue(keys.size() >= acked.size() + (sharedAcked >= 0 ? 1 : 0));
            for (String k : keys) {
                assertFalse(k.endsWith(".__lock"));
                assertTrue(s.write(k, MemorySegment.ofArray(new byte[] {1}), Generation.UNKNOWN).get(120, TimeUnit.SECONDS).succeeded());
            }
            assertTrue(s.write("shared", MemorySegment.ofArray(new byte[] {2}), Generation.UNKNOWN).get(120, TimeUnit.SECONDS).succeeded());
        }
        assertFalse(acked.isEmpty());
    }

    private static long record(String line, Map<String, Long> acked, long sharedAcked) {
        String[] f = line.split(" ");
        // A line cut short by the kill lacks its final "." and was never an acknowledgement.
        if (f.length != 4 || !f[0].equals("ACK") || !f[3].equals(".")) return sharedAcked;
        long seq = Long.parseLong(f[2]);
        if (f[1].equals("shared")) return Math.max(sharedAcked, seq);
        acked.put(f[1], seq);
        return sharedAcked;
    }

    private static void verify(Path root, Map<String, Long> acked, long sharedAcked, FileIoDriver.Kind kind) throws Exception {
        try (FileKvStore s = FileKvStoreTest.open(root, kind, true)) {
            List<String> missing = new ArrayList<>();
            for (Map.Entry<String, Long> e : acked.entrySet()) {
                ReadResult r = s.read(e.getKey()).get(120, TimeUnit.SECONDS);
                if (!r.exists()) {
                    missing.add(e.getKey());
                    continue;
                }
                assertArrayEquals(CrashWriter.value(e.getKey(), e.getValue()), r.value().toArray(JAVA_BYTE), e.getKey());
            }
            assertEquals(List.of(), missing, "acknowledged writes lost");
            if (sharedAcked >= 0) {
                ReadResult r = s.read("shared").get(120, TimeUnit.SECONDS);
                assertTrue(r.exists());
                byte[] v = r.value().toArray(JAVA_BYTE);
                String head = new String(v, 0, Math.min(v.length, 40), StandardCharsets.ISO_8859_1).split("\n")[0];
                long seq = Long.parseLong(head.split(" ")[1]);
                assertTrue(seq >= sharedAcked, "shared holds " + seq + ", older than acknowledged " + sharedAcked);
                assertArrayEquals(CrashWriter.value("shared", seq), v, "shared is torn");
            }
        }
    }
}
