package io.tessera.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code .npy} reading and writing, against files NumPy writes and reads. */
class NpyTest {

    private static byte[] cOrderBytes(NDArray a) {
        NDArray c = a.copy();
        return c.segment().asSlice(c.offset(), c.size() * c.dtype().byteSize()).toArray(ValueLayout.JAVA_BYTE);
    }

    private static long[] parseShape(String s) {
        return s.isEmpty() ? new long[0] : Arrays.stream(s.split(",")).mapToLong(Long::parseLong).toArray();
    }

    @Test
    void readsFilesNumpyWrote(@TempDir Path dir) throws IOException {
        PythonOracle.run("npy_cases.py", dir.toString());
        List<String> manifest = Files.readAllLines(dir.resolve("manifest.tsv"));
        assertTrue(manifest.size() > 250, "oracle wrote only " + manifest.size() + " files");
        for (String line : manifest) {
            if (line.isBlank()) continue;
            String[] f = line.split("\t", -1);
            String name = f[0];
            NDArray a = NDArray.readNpy(dir.resolve(name + ".npy"));
            assertEquals(f[1], a.dtype().typeName(), name);
            assertArrayEquals(parseShape(f[2]), a.shape(), name);
            assertArrayEquals(Files.readAllBytes(dir.resolve(name + ".bin")), cOrderBytes(a), name + ": values differ");
            boolean bigEndian = f[4].equals("big");
            if (!bigEndian && a.size() > 0) {
                assertTrue(a.segment().isMapped(), name + " should be memory-mapped");
                assertTrue(a.segment().isReadOnly(), name + " should be mapped read-only");
                NDArray.Order order = NDArray.Order.valueOf(f[3]);
                assertArrayEquals(NDArray.contiguousStrides(a.dtype(), a.shape(), order), a.byteStrides(), name + " strides");
            }
        }
    }

    /** Arrays of every dtype and rank 0-4, and strided views of them, with deterministic contents. */
    private static Map<String, NDArray> tesseraArrays() {
        SplittableRandom rnd = new SplittableRandom(42);
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        for (DataType t : DataType.values()) {
            if (t == DataType.BFLOAT16) continue;
            for (int rank = 0; rank <= 4; rank++) {
                long[] shape = new long[rank];
                for (int d = 0; d < rank; d++) shape[d] = 1 + rnd.nextInt(5);
                NDArray a = NDArray.allocate(t, shape);
                byte[] bytes = new byte[(int) (a.size() * t.byteSize())];
                rnd.nextBytes(bytes);
                if (t == DataType.BOOL) for (int i = 0; i < bytes.length; i++) bytes[i] &= 1;
                a.segment().asSlice(0, bytes.length).copyFrom(java.lang.foreign.MemorySegment.ofArray(bytes));
                String base = t.typeName() + "_r" + rank;
                arrays.put(base, a);
                if (rank >= 2) {
                    arrays.put(base + "_T", a.transpose());
                    arrays.put(base + "_rev", a.slice(0, a.shape(0) - 1, -1, -1).slice(rank - 1, a.shape(rank - 1) - 1, -1, -2));
                    arrays.put(base + "_idx", a.index(1, a.shape(1) - 1));
                }
                if (rank == 1) arrays.put(base + "_bcast", a.broadcastTo(3, a.shape(0)));
            }
        }
        arrays.put("empty", NDArray.allocate(DataType.FLOAT32, 2, 0, 3));
        arrays.put("long_axis", NDArray.allocate(DataType.UINT8, 123456789L / 1000));
        return arrays;
    }

    @Test
    void numpyReadsFilesTesseraWrote(@TempDir Path dir) throws IOException {
        Map<String, NDArray> arrays = tesseraArrays();
        for (Map.Entry<String, NDArray> e : arrays.entrySet()) e.getValue().writeNpy(dir.resolve(e.getKey() + ".npy"));
        Files.write(dir.resolve("manifest.tsv"), arrays.keySet());
        String out = PythonOracle.run("npy_check.py", dir.toString());
        int checked = 0;
        for (String line : out.split("\n")) {
            if (line.isBlank()) continue;
            String[] f = line.split("\t", -1);
            NDArray a = arrays.get(f[0]);
            assertEquals(a.dtype().typeName(), f[1], f[0]);
            assertArrayEquals(a.shape(), parseShape(f[2]), f[0]);
            assertEquals("True", f[3], f[0] + ": np.save writes different bytes for the same array");
            assertArrayEquals(cOrderBytes(a), Files.readAllBytes(dir.resolve(f[0] + ".numpy.bin")), f[0] + ": values differ");
            checked++;
        }
        assertEquals(arrays.size(), checked);
    }

    @Test
    void roundTrips(@TempDir Path dir) throws IOException {
        for (Map.Entry<String, NDArray> e : tesseraArrays().entrySet()) {
            Path p = dir.resolve(e.getKey() + ".npy");
            e.getValue().writeNpy(p);
            NDArray back = NDArray.readNpy(p);
            assertTrue(back.contentEquals(e.getValue().copy()), e.getKey());
            long dataStart = Files.size(p) - e.getValue().size() * e.getValue().dtype().byteSize();
            assertEquals(0, dataStart % 64, e.getKey() + ": data must start on a 64-byte boundary");
        }
    }

    @Test
    void rewritingTheMappedFileItselfIsSafe(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("self.npy");
        NDArray original = NDArray.of(new int[][] {{1, 2, 3}, {4, 5, 6}});
        original.writeNpy(p);
        NDArray mapped = NDArray.readNpy(p);
        mapped.transpose().writeNpy(p);
        assertTrue(mapped.contentEquals(original), "the old mapping must stay valid");
        assertTrue(NDArray.readNpy(p).contentEquals(original.transpose().copy()));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(p), files.toList(), "no temporary file may be left behind");
        }
    }

    @Test
    void bfloat16HasNoNpyDescr(@TempDir Path dir) {
        NDArray a = NDArray.allocate(DataType.BFLOAT16, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.writeNpy(dir.resolve("b.npy")));
        assertTrue(e.getMessage().contains("bfloat16"), e.getMessage());
    }

    private static byte[] npy(int major, String dict, int dataBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        byte[] h = (dict + "\n").getBytes(StandardCharsets.ISO_8859_1);
        if (major == 1) out.writeBytes(new byte[] {(byte) h.length, (byte) (h.length >> 8)});
        else out.writeBytes(new byte[] {(byte) h.length, (byte) (h.length >> 8), 0, 0});
        out.writeBytes(h);
        out.writeBytes(new byte[dataBytes]);
        return out.toByteArray();
    }

    @Test
    void malformedFilesFailClearly(@TempDir Path dir) throws IOException {
        String ok = "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }";
        Map<String, byte[]> files = new LinkedHashMap<>();
        Map<String, String> reasons = new LinkedHashMap<>();
        files.put("empty", new byte[0]); reasons.put("empty", "too short");
        files.put("magic", "GIF89a-not-numpy".getBytes(StandardCharsets.ISO_8859_1)); reasons.put("magic", "magic");
        byte[] v9 = npy(1, ok, 12); v9[6] = 9;
        files.put("version", v9); reasons.put("version", "version 9.0");
        files.put("short_header", Arrays.copyOf(npy(1, ok, 0), 30)); reasons.put("short_header", "truncated");
        files.put("short_data", npy(1, ok, 11)); reasons.put("short_data", "expected 12 data bytes");
        files.put("odd_size", npy(1, ok.replace("<i4", "<u3"), 9)); reasons.put("odd_size", "unsupported dtype descr \"<u3\"");
        files.put("pipe_multibyte", npy(1, ok.replace("<i4", "|u4"), 12)); reasons.put("pipe_multibyte", "unsupported dtype descr");
        files.put("void", npy(1, ok.replace("<i4", "<V2"), 6)); reasons.put("void", "unsupported dtype descr");
        files.put("object", npy(1, ok.replace("<i4", "|O"), 24)); reasons.put("object", "unsupported dtype descr");
        files.put("structured", npy(1, ok.replace("'<i4'", "[('a', '<i4')]"), 12)); reasons.put("structured", "structured");
        files.put("no_shape", npy(1, "{'descr': '<i4', 'fortran_order': False, }", 12)); reasons.put("no_shape", "'shape'");
        files.put("no_order", npy(1, "{'descr': '<i4', 'shape': (3,), }", 12)); reasons.put("no_order", "'fortran_order'");
        files.put("unterminated", npy(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (3,", 12)); reasons.put("unterminated", "malformed header");
        files.put("negative", npy(1, ok.replace("(3,)", "(-3,)"), 12)); reasons.put("negative", "invalid shape");
        files.put("huge", npy(1, ok.replace("(3,)", "(4611686018427387904, 4)"), 12)); reasons.put("huge", "too many elements");
        files.put("v2_short", Arrays.copyOf(npy(2, ok, 12), 11)); reasons.put("v2_short", "too short");
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Path p = dir.resolve(e.getKey() + ".npy");
            Files.write(p, e.getValue());
            IOException ex = assertThrows(IOException.class, () -> NDArray.readNpy(p), e.getKey());
            assertTrue(ex.getMessage().contains(p.toString()), e.getKey() + ": message should name the file: " + ex.getMessage());
            assertTrue(ex.getMessage().contains(reasons.get(e.getKey())), e.getKey() + ": " + ex.getMessage());
        }
        assertThrows(java.nio.file.NoSuchFileException.class, () -> NDArray.readNpy(dir.resolve("missing.npy")));
    }

    @Test
    void corruptedHeadersNeverCrash(@TempDir Path dir) throws IOException {
        Path good = dir.resolve("good.npy");
        NDArray.of(new long[][] {{1, 2, 3}, {4, 5, 6}}).writeNpy(good);
        byte[] original = Files.readAllBytes(good);
        SplittableRandom rnd = new SplittableRandom(99);
        String alphabet = "{}()[]',: 0123456789-<>|=TrueFalsedescrfortran_ordershapeiufcb\n\0\u00ff";
        Path p = dir.resolve("fuzz.npy");
        int failures = 0;
        for (int i = 0; i < 3000; i++) {
            byte[] b = original.clone();
            int edits = rnd.nextInt(1, 4);
            for (int e = 0; e < edits; e++) {
                int at = rnd.nextInt(0, 128);
                b[at] = rnd.nextBoolean() ? (byte) rnd.nextInt(256) : (byte) alphabet.charAt(rnd.nextInt(alphabet.length()));
            }
            if (rnd.nextInt(10) == 0) b = Arrays.copyOf(b, rnd.nextInt(b.length));
            Files.write(p, b);
            try {
                NDArray a = NDArray.readNpy(p);
                a.toString();
            } catch (IOException e) {
                failures++;
                assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
            }
        }
        assertTrue(failures > 1000, "most corruptions should be detected, only " + failures + " were");
    }

    @Test
    void directoriesAreNotNpyFiles(@TempDir Path dir) {
        IOException e = assertThrows(IOException.class, () -> NDArray.readNpy(dir));
        assertTrue(e.getMessage().contains("directory"), e.getMessage());
    }

    @Test
    void headersPadTo64BytesAsNumpyDoes() {
        List<long[]> shapes = new ArrayList<>();
        for (int n = 0; n < 60; n++) {
            long[] s = new long[n % 5];
            Arrays.fill(s, 1L + n * 997L);
            shapes.add(s);
        }
        for (long[] s : shapes) {
            long[] ones = new long[s.length];
            Arrays.fill(ones, 1);
            byte[] h = Npy.header(NDArray.allocate(DataType.INT16, ones).broadcastTo(s));
            assertEquals(0, h.length % 64, Arrays.toString(s));
            assertEquals('\n', h[h.length - 1]);
        }
        if (shapes.isEmpty()) fail("no shapes");
    }
}
