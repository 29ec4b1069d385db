package io.tessera.memory;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * NumPy and TensorStore as test oracles: runs Python scripts (kept as test resources) with the
 * interpreter {@code build/python-env.sh} provides. When no such interpreter can be had, the
 * calling test fails; it never skips.
 */
final class PythonOracle {
    private PythonOracle() {}

    private static Path python;

    static Path repoRoot() {
        String root = System.getProperty("tessera.repo.root");
        if (root == null) fail("system property tessera.repo.root is not set (surefire sets it)");
        return Path.of(root);
    }

    static synchronized Path python() {
        if (python == null) {
            Result r = exec(List.of(repoRoot().resolve("build/python-env.sh").toString()), 900);
            if (r.exit != 0) fail("build/python-env.sh failed (exit " + r.exit + "): " + r.stderr);
            python = Path.of(r.stdout.strip());
        }
        return python;
    }

    /** Runs the resource script {@code name} with {@code args}; its stdout, or a test failure. */
    static String run(String name, String... args) {
        Path script;
        try (InputStream in = PythonOracle.class.getResourceAsStream(name)) {
            if (in == null) fail("missing test resource " + name);
            script = Files.createTempFile("tessera-oracle-", ".py");
            Files.write(script, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            List<String> cmd = new ArrayList<>();
            cmd.add(python().toString());
            cmd.add(script.toString());
            cmd.addAll(List.of(args));
            Result r = exec(cmd, 600);
            if (r.exit != 0) fail("oracle " + name + " failed (exit " + r.exit + "):\n" + r.stderr);
            return r.stdout;
        } finally {
            try {
                Files.deleteIfExists(script);
            } catch (IOException ignored) {
                // a leftover temp file is harmless
            }
        }
    }

    private record Result(int exit, String stdout, String stderr) {}

    private static Result exec(List<String> cmd, long timeoutSeconds) {
        try {
            Path err = Files.createTempFile("tessera-oracle-", ".err");
            try {
                Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
                p.getOutputStream().close();
                byte[] out = p.getInputStream().readAllBytes();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    fail("timed out: " + cmd);
                }
                return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), Files.readString(err));
            } finally {
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            return new Result(-1, "", "cannot run " + cmd + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
