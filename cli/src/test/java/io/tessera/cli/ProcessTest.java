package io.tessera.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code ./tessera} launcher as a process: exit statuses and stderr. Runs in the package
 * phase, after the jar is built (see cli/pom.xml), so the launcher does not rebuild it.
 */
class ProcessTest {
    static final String CREATED = """
            {"driver": "zarr", "kvstore": {"driver": "memory"}, "create": true, "dtype": "uint8", "metadata": {"shape": [3, 4]}}""";

    @Test
    void successPrintsOnlyToStdout() throws Exception {
        Cli.Result r = Cli.process("read", CREATED, "--index", "1:3, 2:4");
        assertEquals("", r.err());
        assertEquals(0, r.status());
        assertTrue(r.out().startsWith("array(") && r.out().endsWith("dtype=uint8)\n"), r.out());
    }

    @Test
    void errorsAreOneLineAndExitOne() throws Exception {
        assertTrue(Cli.process("read", "{\"driver\": ").error().startsWith("Invalid spec JSON: "));
        assertEquals("Error parsing object member \"driver\": \"n5\" is not a registered TensorStore driver",
                Cli.process("info", "{\"driver\": \"n5\"}").error());
        assertEquals("Error opening \"zarr\" driver: Metadata at \".zarray\" does not exist",
                Cli.process("read", "{\"driver\": \"zarr\", \"kvstore\": \"memory://\"}").error());
        assertEquals("Index 3 is outside valid range [0, 3)", Cli.process("write", CREATED, "--index", "3", "--value", "1").error());
        assertEquals("Cannot write --value 256 to an array of uint8: Value 256 is outside the range of uint8 [0, 255]",
                Cli.process("write", CREATED, "--value", "256").error());
    }

    /**
     * An Error on the main thread (here the read's output array, 2^60 bytes, cannot be
     * allocated) is reported as one line too; picocli's handler sees only Exceptions, and it used
     * to end in "Exception in thread main" and a stack trace.
     */
    @Test
    void anOutOfMemoryErrorIsOneLineToo(@TempDir Path dir) throws Exception {
        String huge = "{\"driver\": \"zarr\", \"kvstore\": {\"driver\": \"file\", \"path\": \"" + dir + "/\"}}";
        Cli.Result made = Cli.process("create", huge, "--dtype", "uint8", "--shape", "1152921504606846976", "--chunks", "1048576");
        assertEquals(0, made.status(), made.err());
        String error = Cli.process("read", huge).error();
        assertTrue(error.startsWith("Out of memory (raise -Xmx through TESSERA_JAVA_OPTS): "), error);
    }

    @Test
    void verboseAddsTheStackTrace() throws Exception {
        Cli.Result r = Cli.process("--verbose", "write", CREATED, "--value", "1.5");
        assertEquals(1, r.status());
        // --verbose also lets the libraries' start-up log lines through, so the error line need not be first.
        assertTrue(r.err().contains("error: Cannot write --value 1.5 to an array of uint8: Value 1.5 cannot be converted to uint8 without loss\n"), r.err());
        assertTrue(r.err().contains("\tat io.tessera."), r.err());
    }

    @Test
    void usageErrorsExitTwoWithUsage() throws Exception {
        Cli.Result r = Cli.process("read");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("Usage: tessera read"), r.err());
        assertEquals(2, Cli.process("nonsense").status());
        Cli.Result help = Cli.process("copy", "--help");
        assertEquals(0, help.status());
        assertTrue(help.out().startsWith("Usage: tessera copy"), help.out());
    }

    @Test
    @Tag("needs-file-store")
    void stateLivesInTheFileStoreAcrossProcesses(@TempDir Path dir) throws Exception {
        String spec = "{\"driver\": \"zarr\", \"kvstore\": {\"driver\": \"file\", \"path\": " + com.fasterxml.jackson.databind.node.TextNode.valueOf(dir + "/") + "}}";
        assertEquals("", Cli.process("create", spec, "--dtype", "uint32", "--shape", "70,80").ok());
        assertEquals("", Cli.process("write", spec, "--index", "5:10, 6:8", "--value", "[1, 2]").ok());
        Cli.Result refused = Cli.process("write", spec, "--index", "5:10, 6:8", "--value", "[-1, 2]");
        assertTrue(refused.error().matches("Cannot write --value \\[-1, 2\\] to an array of uint32: Value -1 (at index \\[0\\] )?is outside the range of uint32 \\[0, 4294967295\\]"), refused.err());
        Cli.Result r = Cli.process("read", spec, "--index", "5:10, 6:8");
        assertEquals("", r.err());
        assertTrue(r.ok().startsWith("array("), r.out());
        String info = Cli.process("info", spec).ok();
        assertTrue(info.contains("\"dtype\": \"<u4\""), info);
        Cli.Result demo = Cli.process("demo");
        assertEquals("", demo.err());
        assertEquals(0, demo.status());
    }

    @Test
    @Tag("needs-npy")
    void npyThroughTheLauncher(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.npy"), out = dir.resolve("out.npy");
        Cli.py("import numpy as np\nnp.save(" + NpyTest.pyString(in.toString()) + ", np.arange(12, dtype=np.uint8).reshape(3, 4))");
        // One process: the memory store lives as long as it does, so the write is read back by copy's source.
        assertEquals("", Cli.process("write", CREATED, "--from", in.toString()).ok());
        Cli.Result r = Cli.process("read", CREATED, "--out", out.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals("(3, 4) 0", Cli.py("import numpy as np\na = np.load(" + NpyTest.pyString(out.toString()) + ")\nprint(a.shape, a.sum())").strip());
    }
}
