package io.tessera.cli;

import io.tessera.Context;
import io.tessera.OpenOptions;
import io.tessera.TensorStore;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Runs the CLI in this JVM (through {@link Main#run}) or as the {@code ./tessera} process, and the Python oracle. */
final class Cli {
    /** What one command line printed and returned. */
    record Result(int status, String out, String err) {
        /** Asserts success and gives stdout. */
        String ok() {
            assertEquals(0, status, () -> "exit status; stderr: " + err);
            return out;
        }

        /** Asserts exit 1 with exactly one stderr line, {@code error: } and then the message; gives the message. */
        String error() {
            return error(1);
        }

        /** As {@link #error()}, for a usage error: exit 2. */
        String usageError() {
            return error(2);
        }

        private String error(int expectedStatus) {
            assertEquals(expectedStatus, status, () -> "exit status; stdout: " + out + "; stderr: " + err);
            List<String> lines = err.lines().toList();
            assertEquals(1, lines.size(), () -> "one stderr line expected, got: " + err);
            assertTrue(lines.getFirst().startsWith("error: "), () -> "stderr: " + err);
            return lines.getFirst().substring("error: ".length());
        }
    }

    /** One in-process session: every run shares a context, so memory stores persist between runs. */
    final Context context = new Context();

    Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8); PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = Main.run(args, o, e, context);
        }
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Opens a spec through the Java API in this session's context. */
    TensorStore open(String spec) {
        return TensorStore.open(Specs.parse(spec), context, new OpenOptions()).join();
    }

    static Path repoRoot() {
        String root = System.getProperty("tessera.repo.root");
        if (root == null) throw new IllegalStateException("system property tessera.repo.root is not set (run the tests through Maven)");
        return Path.of(root);
    }

    /** Runs {@code ./tessera args} as a process. */
    static Result process(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(repoRoot().resolve("tessera").toString());
        cmd.addAll(List.of(args));
        return exec(cmd, null);
    }

    static Result exec(List<String> cmd, String stdin) throws IOException, InterruptedException {
        Path err = Files.createTempFile("tessera-test", ".err");
        try {
            Process p = new ProcessBuilder(cmd).directory(repoRoot().toFile()).redirectError(err.toFile()).start();
            if (stdin != null) p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(600, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("timed out: " + cmd);
            }
            return new Result(p.exitValue(), out, Files.readString(err));
        } finally {
            Files.deleteIfExists(err);
        }
    }

    private static volatile String python;

    /** The interpreter with numpy and tensorstore (build/python-env.sh); fails, never skips, when there is none. */
    static String python() throws IOException, InterruptedException {
        if (python == null) {
            Result r = exec(List.of("bash", repoRoot().resolve("build/python-env.sh").toString()), null);
            if (r.status() != 0 || r.out().isBlank()) fail("build/python-env.sh failed, the Python oracle is not available: " + r.err());
            python = r.out().strip();
        }
        return python;
    }

    /** Runs a Python script with numpy available; gives stdout. */
    static String py(String code) throws IOException, InterruptedException {
        Result r = exec(List.of(python(), "-c", code), null);
        assertEquals(0, r.status(), () -> "python failed: " + r.err());
        return r.out();
    }

    /** NumPy's repr of a NumPy expression (numpy imported as np). */
    static String numpyRepr(String expression) throws IOException, InterruptedException {
        return py("import numpy as np\nprint(repr(" + expression + "))").stripTrailing();
    }
}
