package io.tessera;

import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The examples of TensorStore's write reference page (a copy of shared/seed/tensorstore-write.txt
 * is a test resource), in Java: every array the page prints is compared as text.
 */
class SeedExamplesTest {
    /** The {@code array(...)} blocks the seed page prints, in order. */
    static List<String> seedOutputs() throws java.io.IOException {
        String page;
        try (var in = SeedExamplesTest.class.getResourceAsStream("/seed/tensorstore-write.txt")) {
            page = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        List<String> blocks = new ArrayList<>();
        var m = java.util.regex.Pattern.compile("(?s)array\\(.*?dtype=\\w+\\)").matcher(page);
        while (m.find()) blocks.add(m.group());
        return blocks;
    }

    @Test
    void printsExactlyWhatTheSeedPagePrints() throws Exception {
        List<String> want = seedOutputs();
        assertEquals(5, want.size());
        TensorStore ds = create();
        ds.get("5:10, 6:8").write(42).join();
        assertEquals(want.get(0), ds.get("0:10, 0:10").read().join().toString());
        ds.get("5:10, 6:8").write(new int[]{1, 2}).join();
        assertEquals(want.get(1), ds.get("5:10, 6:8").read().join().toString());

        Transaction txn = new Transaction();
        TensorStore t = create();
        t.withTransaction(txn).get("5:10, 6:8").write(new int[]{1, 2}).join();
        assertEquals(want.get(2), t.withTransaction(txn).get("5:10, 6:8").read().join().toString());
        assertEquals(want.get(3), t.get("5:10, 6:8").read().join().toString());
        txn.commitAsync().join();
        assertEquals(want.get(4), t.get("5:10, 6:8").read().join().toString());
    }

    static final String SPEC = """
            {"driver": "zarr", "kvstore": {"driver": "memory"}}""";

    static TensorStore create() {
        return TensorStore.open(SPEC, OpenOptions.create().dtype(DataType.UINT32).shape(70, 80)).join();
    }

    static long[][] values(NDArray a) {
        long[][] v = new long[(int) a.shape(0)][(int) a.shape(1)];
        for (int i = 0; i < v.length; i++) for (int j = 0; j < v[i].length; j++) v[i][j] = a.getLong(i, j);
        return v;
    }

    @Test
    void writeScalarThenVector() {
        TensorStore ds = create();
        ds.get("5:10, 6:8").write(42).join();
        NDArray a = ds.get("0:10, 0:10").read().join();
        long[][] expected = new long[10][10];
        for (int i = 5; i < 10; i++) { expected[i][6] = 42; expected[i][7] = 42; }
        assertEquals(java.util.Arrays.deepToString(expected), java.util.Arrays.deepToString(values(a)));
        assertEquals(DataType.UINT32, a.dtype());

        ds.get("5:10, 6:8").write(new int[]{1, 2}).join();
        NDArray b = ds.get("5:10, 6:8").read().join();
        assertEquals("[[1, 2], [1, 2], [1, 2], [1, 2], [1, 2]]", java.util.Arrays.deepToString(values(b)));
    }

    @Test
    void concurrentWritesJoinedTogether() {
        TensorStore ds = create();
        List<WriteFutures> futures = new ArrayList<>();
        for (int i = 0; i < 10; i++) futures.add(ds.get(i * 5).write(i));
        for (WriteFutures f : futures) f.join();
        NDArray a = ds.read().join();
        for (int r = 0; r < 70; r++) {
            for (int c = 0; c < 80; c++) {
                long want = r % 5 == 0 && r < 50 ? r / 5 : 0;
                assertEquals(want, a.getLong(r, c), "element " + r + "," + c);
            }
        }
    }

    @Test
    void transactionalReadsSeeStagedWritesUntilCommit() {
        Transaction txn = new Transaction();
        TensorStore ds = create();
        ds.withTransaction(txn).get("5:10, 6:8").write(new int[]{1, 2}).join();
        assertEquals("[[1, 2], [1, 2], [1, 2], [1, 2], [1, 2]]", java.util.Arrays.deepToString(values(ds.withTransaction(txn).get("5:10, 6:8").read().join())));
        assertEquals("[[0, 0], [0, 0], [0, 0], [0, 0], [0, 0]]", java.util.Arrays.deepToString(values(ds.get("5:10, 6:8").read().join())));
        txn.commitAsync().join();
        assertEquals("[[1, 2], [1, 2], [1, 2], [1, 2], [1, 2]]", java.util.Arrays.deepToString(values(ds.get("5:10, 6:8").read().join())));
        java.util.concurrent.CompletionException e = assertThrows(java.util.concurrent.CompletionException.class,
                () -> ds.withTransaction(txn).get("5:10, 6:8").read().join());
        assertEquals("Transaction not open", e.getCause().getMessage());
    }
}
