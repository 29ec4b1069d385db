package io.tessera.kvstore.file;

import io.tessera.kvstore.Generation;
import io.tessera.kvstore.WriteResult;
import io.tessera.nativeio.FileIoDriver;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.tessera.kvstore.file.FileKvStoreTest.seg;
import static io.tessera.kvstore.file.FileKvStoreTest.str;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Against TensorStore itself: each reads what the other wrote, neither lists lock files, and a
 * lock held by another process the way TensorStore holds it ({@code F_OFD_SETLKW} on
 * {@code <key>.__lock}) holds our writer back. Needs a Python with {@code tensorstore}: the one
 * named by {@code -Dtessera.tensorstore.python}, else the project's venv (build/python-env.sh).
 */
class FileKvStoreTensorStoreInteropTest {
    @TempDir Path dir;
    private static String python;

    @BeforeAll
    static void findPython() throws Exception {
        String candidate = System.getProperty("tessera.tensorstore.python");
        if (candidate == null) {
            // The project's venv (build/python-env.sh creates it on first use); missing Python fails the test.
            Path script = Path.of(System.getProperty("tessera.repo.root", ".")).resolve("build/python-env.sh");
            Process p = new ProcessBuilder("bash", script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            candidate = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertTrue(p.waitFor(600, TimeUnit.SECONDS) && p.exitValue() == 0 && !candidate.isEmpty(),
                    "build/python-env.sh could not provide a Python with tensorstore");
        }
        Process p = new ProcessBuilder(candidate, "-c", "import tensorstore; tensorstore.KvStore")
                .directory(Path.of(System.getProperty("java.io.tmpdir")).toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "no tensorstore in " + candidate + ": " + out);
        python = candidate;
    }

    private static List<String> runPython(String script, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(python, "-c", script));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out.lines().toList();
    }

    private static final String TS_SCRIPT = """
            import sys, tensorstore as ts
            kv = ts.KvStore.open({"driver": "file", "path": sys.argv[1] + "/"}).result()
            kv.write("from/ts", b"written by tensorstore").result()
            for k in sys.argv[2:]:
                r = kv.read(k).result()
                print("READ", k, r.state, bytes(r.value).decode())
            print("LIST", " ".join(sorted(k.decode() for k in kv.list().result())))
            """;

    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void eachReadsWhatTheOtherWrote(FileIoDriver.Kind kind) throws Exception {
        Path root = dir.resolve("root");
        try (FileKvStore s = FileKvStoreTest.open(root, kind, true)) {
            s.write("j/x", seg("written by tessera"), Generation.UNKNOWN).get(120, TimeUnit.SECONDS);
            s.write("j/deep/y", seg("y"), Generation.UNKNOWN).get(120, TimeUnit.SECONDS);
            Files.writeString(root.resolve("j/stale.__lock"), "left by a killed writer");
            List<String> out = runPython(TS_SCRIPT, root.toString(), "j/x", "j/deep/y");
            assertTrue(out.contains("READ j/x value written by tessera"), out.toString());
            assertTrue(out.contains("READ j/deep/y value y"), out.toString());
            assertTrue(out.contains("LIST from/ts j/deep/y j/x"), out.toString());
            assertEquals("written by tensorstore", str(s.read("from/ts").get(120, TimeUnit.SECONDS)));
            List<String> keys = new ArrayList<>(s.list("").get(120, TimeUnit.SECONDS));
            Collections.sort(keys);
            assertEquals(List.of("from/ts", "j/deep/y", "j/x"), keys);
            // Overwrite what TensorStore wrote, conditionally on its generation as we see it.
            Generation g = s.read("from/ts").get(120, TimeUnit.SECONDS).generation();
            assertTrue(s.write("from/ts", seg("replaced"), g).get(120, TimeUnit.SECONDS).succeeded());
        }
    }

    private static final String HOLD_LOCK = """
            import fcntl, os, struct, sys
            fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o666)
            fcntl.fcntl(fd, fcntl.F_OFD_SETLKW, struct.pack("hhxxxxqqixxxx", fcntl.F_WRLCK, 0, 0, 0, 0))
            print("LOCKED", flush=True)
            sys.stdin.readline()
            """;

    /** Another process holds the key's lock as TensorStore would: our write waits for it, then goes through. */
    @ParameterizedTest
    @EnumSource(value = FileIoDriver.Kind.class, names = {"BLOCKING", "IO_URING"})
    void aLockHeldByAnotherProcessHoldsOurWriterBack(FileIoDriver.Kind kind) throws Exception {
        Path root = dir.resolve("root");
        try (FileKvStore s = FileKvStoreTest.open(root, kind, true)) {
            s.write("k", seg("before"), Generation.UNKNOWN).get(120, TimeUnit.SECONDS);
            Process holder = new ProcessBuilder(python, "-c", HOLD_LOCK, root.resolve("k.__lock").toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader r = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("LOCKED", r.readLine());
            CompletableFuture<WriteResult> w = s.write("k", seg("after"), Generation.UNKNOWN);
            // Reads take no lock and see the old value meanwhile.
            assertEquals("before", str(s.read("k").get(120, TimeUnit.SECONDS)));
            assertFalse(w.isDone(), "the write went through while another process held the lock");
            try (OutputStream in = holder.getOutputStream()) {
                in.write('\n');
            }
            assertTrue(holder.waitFor(120, TimeUnit.SECONDS));
            assertTrue(w.get(120, TimeUnit.SECONDS).succeeded());
            assertEquals("after", str(s.read("k").get(120, TimeUnit.SECONDS)));
        }
    }
}
