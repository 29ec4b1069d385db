package io.tessera.cli;

import io.tessera.TensorStore;
import io.tessera.memory.NDArray;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code write --from} and {@code read --out} with .npy files made and checked by NumPy. */
@Tag("needs-npy")
class NpyTest {
    static final String MEM = CommandsTest.MEM;

    final Cli cli = new Cli();
    @TempDir Path dir;

    private TensorStore created() {
        cli.run("create", MEM, "--dtype", "uint32", "--shape", "70,80").ok();
        return cli.open(MEM);
    }

    private String npy(String name, String expression) throws Exception {
        Path p = dir.resolve(name);
        Cli.py("import numpy as np\nnp.save(" + pyString(p.toString()) + ", " + expression + ")");
        return p.toString();
    }

    static String pyString(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    @Test
    void writeFromNpyConvertsImplicitlyAndBroadcasts() throws Exception {
        TensorStore ds = created();
        cli.run("write", MEM, "--index", "5:10, 6:8", "--from", npy("row.npy", "np.array([7, 9], dtype=np.uint16)")).ok();
        NDArray a = ds.get("5:10, 6:8").read().join();
        for (int i = 0; i < 5; i++) { assertEquals(7, a.getLong(i, 0)); assertEquals(9, a.getLong(i, 1)); }
        // Fortran order and big-endian bytes are NumPy's business, not the user's.
        cli.run("write", MEM, "--index", "0:2, 0:3", "--from", npy("f.npy", "np.asfortranarray(np.arange(6, dtype='>u4').reshape(2, 3))")).ok();
        NDArray b = ds.get("0:2, 0:3").read().join();
        assertEquals(5, b.getLong(1, 2));
        assertEquals(1, b.getLong(0, 1));
        cli.run("write", MEM, "--index", "69", "--from", npy("bool.npy", "np.array(True)")).ok();
        assertEquals(1, ds.get("69, 40").read().join().getLong());
    }

    @Test
    void writeFromNpyRefusesWhatDoesNotConvertOrAlign() throws Exception {
        TensorStore ds = created();
        cli.run("write", MEM, "--value", "3").ok();
        assertEquals("Explicit data type conversion required to convert float64 -> uint32",
                cli.run("write", MEM, "--from", npy("f8.npy", "np.zeros((70, 80))")).error());
        assertEquals("Explicit data type conversion required to convert int8 -> uint32",
                cli.run("write", MEM, "--from", npy("i1.npy", "np.zeros((70, 80), dtype=np.int8)")).error());
        assertEquals("Error aligning dimensions: source dimension 1 [0, 3) mismatch with target dimension 1 [0, 80)",
                cli.run("write", MEM, "--from", npy("u4.npy", "np.zeros((70, 3), dtype=np.uint32)")).error());
        assertEquals(3, ds.get("69, 79").read().join().getLong());
    }

    @Test
    void readOutWritesNpyThatNumpyReads() throws Exception {
        created();
        cli.run("write", MEM, "--index", "5:10, 6:8", "--value", "[1, 4294967295]").ok();
        Path out = dir.resolve("out.npy");
        cli.run("read", MEM, "--index", "4:10, 6:8", "--out", out.toString()).ok();
        assertEquals("uint32 (6, 2) [0, 0, 1, 4294967295, 1, 4294967295]",
                Cli.py("import numpy as np\na = np.load(" + pyString(out.toString()) + ")\nprint(a.dtype, a.shape, a.ravel()[:6].tolist())").strip());
        // Round trip through the CLI: what read --out wrote, write --from takes back.
        cli.run("write", MEM, "--index", "20:26, 0:2", "--from", out.toString()).ok();
        assertEquals("[[0,0],[1,4294967295]]", values(cli.open(MEM).get("20:22, 0:2").read().join()));
    }

    static String values(NDArray a) {
        StringBuilder sb = new StringBuilder("[");
        for (long i = 0; i < a.shape(0); i++) {
            sb.append(i > 0 ? ",[" : "[");
            for (long j = 0; j < a.shape(1); j++) sb.append(j > 0 ? "," : "").append(a.getLong(i, j));
            sb.append(']');
        }
        return sb.append(']').toString();
    }
}
