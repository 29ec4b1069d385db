package io.tessera;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Runs Python scripts against the independent oracles: NumPy and TensorStore (the project's venv,
 * made by build/python-env.sh) and zarr-python (build/zarr-python.sh). A missing oracle fails
 * the test; it is never skipped.
 */
final class PythonOracle {
    private PythonOracle() {}

    static Path repoRoot() {
        String root = System.getProperty("tessera.repo.root");
        if (root == null) throw new IllegalStateException("system property tessera.repo.root is not set (run through Maven)");
        return Path.of(root);
    }

    private static volatile String tensorstorePython;

    /** The interpreter with numpy and tensorstore. */
    static String tensorstorePython() throws IOException, InterruptedException {
        if (tensorstorePython == null) tensorstorePython = runScript("build/python-env.sh");
        return tensorstorePython;
    }

    /** The interpreter with zarr-python 2. */
    static String zarrPython() throws IOException, InterruptedException {
        return runScript("build/zarr-python.sh");
    }

    private static String runScript(String script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", repoRoot().resolve(script).toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.waitFor() != 0 || out.isEmpty()) throw new IllegalStateException(script + " failed: the Python oracle is not available");
        return out;
    }

    /** Runs {@code code} with {@code python}, feeding {@code stdin}; returns stdout or fails with stderr. */
    static String run(String python, String code, String stdin) throws IOException, InterruptedException {
        Path script = Files.createTempFile("tessera-oracle", ".py");
        Files.writeString(script, code);
        // stderr goes to a file, so a chatty script cannot block on a full pipe while we read stdout.
        Path errors = Files.createTempFile("tessera-oracle", ".err");
        try {
            Process p = new ProcessBuilder(python, script.toString()).redirectError(errors.toFile()).start();
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("Python oracle failed: " + Files.readString(errors));
            }
            return out;
        } finally {
            Files.deleteIfExists(script);
            Files.deleteIfExists(errors);
        }
    }
}
