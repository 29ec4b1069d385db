package io.tessera.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link NDArray#toString()} against NumPy's {@code repr} of the same arrays. */
class NumpyReprTest {

    @Test
    void matchesNumpyRepr(@TempDir Path dir) throws IOException {
        PythonOracle.run("repr_cases.py", dir.toString());
        List<String> manifest = Files.readAllLines(dir.resolve("manifest.tsv"));
        assertTrue(manifest.size() > 500, "oracle produced only " + manifest.size() + " cases");
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (String line : manifest) {
            if (line.isBlank()) continue;
            String[] parts = line.split("\t");
            String name = parts[0];
            NDArray a = NDArray.readNpy(dir.resolve(name + ".npy"));
            if (parts[1].equals("bf16")) {
                a = NDArray.view(a.segment(), a.offset(), DataType.BFLOAT16, a.origin(), a.shape(), a.byteStrides());
            }
            String expected = Files.readString(dir.resolve(name + ".repr"));
            String actual;
            try {
                actual = a.toString();
            } catch (RuntimeException e) {
                actual = "threw " + e;
            }
            checked++;
            if (!expected.equals(actual)) failures.add(name + ":\nnumpy:\n" + expected + "\ntessera:\n" + actual);
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + checked + " reprs differ from NumPy's; first ones:\n\n"
                    + String.join("\n\n", failures.subList(0, Math.min(8, failures.size()))));
        }
    }

    @Test
    void seedPageArray() throws IOException {
        NDArray a = NDArray.allocate(DataType.UINT32, 70, 80);
        for (long i = 5; i < 10; i++) for (long j = 6; j < 8; j++) a.setLong(42, i, j);
        String expected = PythonOracle.run("seed_repr.py");
        assertEquals(expected, a.slice(0, 0, 10, 1).slice(1, 0, 10, 1).toString());
    }
}
