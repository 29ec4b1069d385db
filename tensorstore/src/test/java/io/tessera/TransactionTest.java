package io.tessera;

import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Transactions: staging, isolation, commit, abort, rebasing, atomicity, and a randomized model check. */
class TransactionTest {
    static TensorStore open(Context ctx, long... shape) {
        return TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"metadata\":{\"chunks\":[8,8]}}",
                OpenOptions.create().dtype(DataType.INT32).shape(shape).context(ctx)).join();
    }

    static String message(Runnable r) {
        try {
            r.run();
        } catch (CompletionException e) {
            return e.getCause().getMessage();
        } catch (TensorStoreException e) {
            return e.getMessage();
        }
        return "no error";
    }

    @Test
    void abortLeavesTheStoreUnchangedAndClosesTheTransaction() {
        Context ctx = new Context();
        TensorStore ds = open(ctx, 16, 16);
        ds.get("0:4, 0:4").write(5).join();
        long writesBefore = ctx.memoryKvStore().writeCount();
        Transaction txn = new Transaction();
        ds.withTransaction(txn).get("2:10, 2:10").write(7).join();
        assertEquals(7, ds.withTransaction(txn).read().join().getLong(3, 3));
        txn.abort();
        assertEquals(writesBefore, ctx.memoryKvStore().writeCount());
        assertEquals(5, ds.read().join().getLong(3, 3));
        assertEquals(0, ds.read().join().getLong(8, 8));
        assertEquals("Transaction aborted", message(() -> txn.commitAsync().join()));
        assertEquals("Transaction not open", message(() -> ds.withTransaction(txn).get("0").write(1).join()));
        assertEquals("Transaction not open", message(() -> ds.withTransaction(txn).read().join()));
    }

    @Test
    void outsideChangesAreRebasedNotFailed() {
        Context ctx = new Context();
        TensorStore ds = open(ctx, 16, 16);
        Transaction txn = new Transaction();
        ds.withTransaction(txn).get("1, 0:5").write(9).join();
        ds.get("1, 5:10").write(3).join();
        txn.commitSync();
        NDArray row = ds.get("1, 0:12").read().join();
        long[] want = {9, 9, 9, 9, 9, 3, 3, 3, 3, 3, 0, 0};
        for (int i = 0; i < want.length; i++) assertEquals(want[i], row.getLong(i), "element " + i);
    }

    @Test
    void writesToOneChunkMergeIntoOneStoreWriteAtCommit() {
        Context ctx = new Context();
        SlowCountingStore store = new SlowCountingStore(1).bindTo(ctx);
        TensorStore ds = open(ctx, 8, 8);
        Transaction txn = new Transaction();
        for (int i = 0; i < 64; i++) ds.withTransaction(txn).get(i / 8 + ", " + i % 8).write(i);
        assertEquals(0, store.writes.get());
        txn.commitAsync().join();
        assertEquals(1, store.writes.get());
        NDArray all = ds.read().join();
        for (int i = 0; i < 64; i++) assertEquals(i, all.getLong(i / 8, i % 8));
    }

    /**
     * Partial writes into chunks never stored, plain and in a transaction, with a fill value that
     * is not zero, in C and F order: the unwritten elements read back as the fill value, from a
     * fresh handle too (so from the stored chunk, not a cache), and a second transaction over the
     * now stored chunks merges onto them.
     */
    @Test
    void partialWritesIntoMissingChunksKeepTheFillValueElsewhere() {
        for (String order : new String[] {"C", "F"}) {
            Context ctx = new Context();
            String spec = "{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"path\":\"fill\",\"metadata\":"
                    + "{\"chunks\":[4,6],\"dtype\":\"<i4\",\"fill_value\":-7,\"order\":\"" + order + "\"}}";
            TensorStore ds = TensorStore.open(spec, OpenOptions.create().shape(9, 13).context(ctx)).join();
            long[][] model = new long[9][13];
            for (long[] row : model) java.util.Arrays.fill(row, -7);
            ds.get("1:3, 2:9:3").write(11).join();
            for (int i = 1; i < 3; i++) for (int j = 2; j < 9; j += 3) model[i][j] = 11;
            Transaction txn = new Transaction();
            ds.withTransaction(txn).get("5, :").write(22).join();
            ds.withTransaction(txn).get("8, 12").write(33).join();
            txn.commitSync();
            for (int j = 0; j < 13; j++) model[5][j] = 22;
            model[8][12] = 33;
            Transaction second = new Transaction();
            ds.withTransaction(second).get("0:9:4, 1").write(44).join();
            second.commitSync();
            for (int i = 0; i < 9; i += 4) model[i][1] = 44;
            NDArray fresh = TensorStore.open(spec, OpenOptions.open().context(ctx)).join().read().join();
            for (int i = 0; i < 9; i++) for (int j = 0; j < 13; j++) {
                assertEquals(model[i][j], fresh.getLong(i, j), order + " order, element " + i + "," + j);
            }
        }
    }

    /**
     * A transactional read copies staged chunks for itself and gives the copies back when it is
     * done: 300 reads of staged chunks hold no more pooled memory than one.
     */
    @Test
    void readsInATransactionGiveTheirChunkCopiesBack() {
        Context ctx = new Context();
        // 64 KiB chunks: the smallest the buffer pool counts.
        TensorStore ds = TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"metadata\":{\"chunks\":[128,128]}}",
                OpenOptions.create().dtype(DataType.INT32).shape(256, 256).context(ctx)).join();
        ds.get("0:128, 0:128").write(1).join();
        Transaction txn = new Transaction();
        TensorStore t = ds.withTransaction(txn);
        t.get("3, 3").write(5).join();           // over a stored chunk
        t.get("140, 140").write(6).join();       // over a missing one
        t.get("0:128, 128:256").write(7).join(); // a whole chunk
        io.tessera.memory.BufferPool pool = io.tessera.memory.BufferPool.shared();
        t.read().join().release();
        long before = pool.outstandingBytes();
        for (int i = 0; i < 300; i++) {
            NDArray seen = t.read().join();
            assertEquals(5, seen.getLong(3, 3));
            assertEquals(6, seen.getLong(140, 140));
            assertEquals(7, seen.getLong(10, 200));
            assertEquals(1, seen.getLong(4, 4));
            seen.release();
        }
        // Other tests may share the pool meanwhile: allow some, far from 300 reads x 3 copies x 64 KiB.
        long grown = pool.outstandingBytes() - before;
        assertTrue(grown < 30L * 64 * 1024, "outstanding pooled memory grew by " + grown + " bytes");
        txn.commitSync();
        NDArray stored = ds.read().join();
        assertEquals(5, stored.getLong(3, 3));
        assertEquals(6, stored.getLong(140, 140));
    }

    /**
     * A write that covers a chunk and fails while copying (its source's memory was freed) leaves no
     * trace: a later partial write into that chunk, plain or in a transaction, stores the fill
     * value around its element, not whatever the unfilled staging buffer held.
     */
    @Test
    void aFailedCoveringWriteLeavesTheFillValueForLaterWrites() {
        for (boolean inTransaction : new boolean[] {false, true}) {
            Context ctx = new Context();
            TensorStore ds = TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"metadata\":"
                    + "{\"chunks\":[8,8],\"dtype\":\"<i4\",\"fill_value\":7}}", OpenOptions.create().shape(16, 16).context(ctx)).join();
            Transaction txn = inTransaction ? new Transaction() : null;
            TensorStore target = inTransaction ? ds.withTransaction(txn) : ds;
            java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared();
            NDArray released = NDArray.allocate(arena, DataType.INT32, NDArray.Order.C, 8, 8);
            arena.close();
            assertThrows(CompletionException.class, () -> target.get("0:8, 0:8").write(released).commit().join());
            target.get("1, 1").write(5).join();
            if (inTransaction) txn.commitSync();
            NDArray chunk = ds.get("0:8, 0:8").read().join();
            for (int i = 0; i < 8; i++) for (int j = 0; j < 8; j++) {
                assertEquals(i == 1 && j == 1 ? 5 : 7, chunk.getLong(i, j), (inTransaction ? "transaction" : "plain") + ", element " + i + "," + j);
            }
        }
    }

    /**
     * Small writes are staged on the caller's thread, large ones on the copy executor: in any
     * mix, later writes land over earlier ones, as issued.
     */
    @Test
    void smallAndLargeWritesStageInTheOrderIssued() {
        Context ctx = new Context();
        TensorStore ds = open(ctx, 200, 200);
        Transaction txn = new Transaction();
        TensorStore t = ds.withTransaction(txn);
        List<java.util.concurrent.CompletableFuture<Void>> staged = new ArrayList<>();
        long[][] model = new long[200][200];
        Random r = new Random(5);
        for (int i = 0; i < 60; i++) {
            boolean large = r.nextInt(3) == 0;
            int size = large ? 100 + r.nextInt(100) : 1 + r.nextInt(8);
            int x = r.nextInt(200 - size + 1), y = r.nextInt(200 - size + 1);
            staged.add(t.get(x + ":" + (x + size) + ", " + y + ":" + (y + size)).write(i + 1).commit());
            for (int a = x; a < x + size; a++) for (int b = y; b < y + size; b++) model[a][b] = i + 1;
        }
        NDArray seen = t.read().join();
        for (var f : staged) assertTrue(f.isDone(), "a staged write's future completes before a later read sees it");
        txn.commitSync();
        NDArray stored = ds.read().join();
        for (int a = 0; a < 200; a++) for (int b = 0; b < 200; b++) {
            assertEquals(model[a][b], seen.getLong(a, b), "transactional read, element " + a + "," + b);
            assertEquals(model[a][b], stored.getLong(a, b), "after commit, element " + a + "," + b);
        }
    }

    /**
     * A write whose source is another TensorStore takes its place in the transaction when it is
     * issued: a commit issued right after it includes it, and a later write to the same elements
     * wins. (TensorStore, same steps in the venv: the commit holds the copied data; a scalar
     * written after the copy wins.) The copy's data arrives only after an asynchronous read, which
     * the commit and the later write used to overtake.
     */
    @Test
    void aCopyFromAnotherStoreIsStagedInIssueOrder() {
        for (int round = 0; round < 20; round++) {
            Context ctx = new Context();
            TensorStore ds = open(ctx, 16, 16);
            TensorStore src = TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"path\":\"src\"}",
                    OpenOptions.create().dtype(DataType.INT32).shape(16, 16).context(ctx)).join();
            src.write(9).join();
            Transaction txn = new Transaction();
            ds.withTransaction(txn).get("0:8").write(src.get("0:8")).commit();
            txn.commitAsync().join();
            NDArray stored = ds.read().join();
            assertEquals(9, stored.getLong(7, 15), "round " + round + ": the copy committed");
            assertEquals(0, stored.getLong(8, 0), "round " + round);

            Transaction later = new Transaction();
            TensorStore t = ds.withTransaction(later);
            t.get("8:16").write(src.get("8:16"));
            t.get("8:16").write(5);
            later.commitSync();
            assertEquals(5, ds.read().join().getLong(12, 3), "round " + round + ": the write issued last wins");
        }
    }

    /** A second commit of a transaction whose commit failed gives that failure again, as TensorStore does. */
    @Test
    void aFailedCommitAnswersAgainWithItsOwnError() {
        Context ctx = new Context(), other = new Context();
        TensorStore a = open(ctx, 8, 8), b = open(other, 8, 8);
        Transaction txn = new Transaction(true);
        a.withTransaction(txn).get("0, 0").write(1).join();
        b.withTransaction(txn).get("0, 0").write(1).join();
        String first = message(() -> txn.commitAsync().join());
        assertEquals("Cannot commit an atomic transaction that spans more than one key-value store", first);
        assertEquals(first, message(() -> txn.commitAsync().join()));
    }

    @Test
    void atomicTransactionCommitsEveryChunkInOneBatch() {
        Context ctx = new Context();
        SlowCountingStore store = new SlowCountingStore(1).bindTo(ctx);
        TensorStore ds = open(ctx, 64, 64);
        Transaction txn = new Transaction(true);
        ds.withTransaction(txn).get("::3, ::5").write(4).join();
        txn.commitSync();
        assertEquals(64, store.writes.get()); // all 64 chunks, through one writeAtomically batch
        NDArray all = ds.read().join();
        for (int i = 0; i < 64; i++) for (int j = 0; j < 64; j++) assertEquals(i % 3 == 0 && j % 5 == 0 ? 4 : 0, all.getLong(i, j));
    }

    @Test
    void runHelperCommitsOnReturnAndAbortsOnException() {
        Context ctx = new Context();
        TensorStore ds = open(ctx, 8, 8);
        Transaction.run(false, txn -> ds.withTransaction(txn).get("0, 0").write(1).commit().join());
        assertEquals(1, ds.read().join().getLong(0, 0));
        assertThrows(IllegalStateException.class, () -> Transaction.run(true, txn -> {
            ds.withTransaction(txn).get("0, 1").write(2).join();
            throw new IllegalStateException("boom");
        }));
        assertEquals(0, ds.read().join().getLong(0, 1));
    }

    /**
     * Threads own interleaved rows (so chunks are shared) and run random sequences of plain writes,
     * transactional writes, transactional reads, commits and aborts; a per-thread model predicts
     * every read and the final array.
     */
    @Test
    void randomInterleavingsMatchTheModel() throws Exception {
        Context ctx = new Context();
        int threads = 6, rows = 24, cols = 20;
        TensorStore ds = open(ctx, rows, cols);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<int[][]>> models = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            models.add(pool.submit(() -> {
                Random r = new Random(77 + thread);
                int[][] model = new int[rows][cols];
                Map<Long, Integer> staged = new HashMap<>();
                Transaction txn = null;
                for (int op = 0; op < 400; op++) {
                    int row = thread + threads * r.nextInt(rows / threads);
                    int a = r.nextInt(cols), b = a + 1 + r.nextInt(cols - a);
                    int value = thread * 100_000 + op;
                    int kind = r.nextInt(10);
                    if (txn == null && kind < 2) {
                        txn = new Transaction(r.nextBoolean());
                    } else if (txn != null && kind < 5) {
                        ds.withTransaction(txn).get(row + ", " + a + ":" + b).write(value).join();
                        for (int c = a; c < b; c++) staged.put((long) row * cols + c, value);
                    } else if (txn != null && kind == 5) {
                        NDArray seen = ds.withTransaction(txn).get(row + ", :").read().join();
                        for (int c = 0; c < cols; c++) {
                            int want = staged.getOrDefault((long) row * cols + c, model[row][c]);
                            if (seen.getLong(c) != want) throw new AssertionError("txn read row " + row + " col " + c + ": " + seen.getLong(c) + " != " + want);
                        }
                    } else if (txn != null && kind == 6) {
                        txn.commitSync();
                        for (var e : staged.entrySet()) model[(int) (e.getKey() / cols)][(int) (e.getKey() % cols)] = e.getValue();
                        staged.clear();
                        txn = null;
                    } else if (txn != null && kind == 7) {
                        txn.abort();
                        staged.clear();
                        txn = null;
                    } else {
                        ds.get(row + ", " + a + ":" + b).write(value).join();
                        for (int c = a; c < b; c++) model[row][c] = value;
                    }
                }
                if (txn != null) {
                    txn.commitSync();
                    for (var e : staged.entrySet()) model[(int) (e.getKey() / cols)][(int) (e.getKey() % cols)] = e.getValue();
                }
                return model;
            }));
        }
        int[][] combined = new int[rows][cols];
        for (int t = 0; t < threads; t++) {
            int[][] m = models.get(t).get();
            for (int row = t; row < rows; row += threads) combined[row] = m[row];
        }
        pool.shutdown();
        NDArray got = ds.read().join();
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) assertEquals(combined[i][j], got.getLong(i, j), "element " + i + "," + j);
        assertTrue(ctx.memoryKvStore().writeCount() > 0);
    }

    /**
     * Two handles on one array that are distinct arrays (one opened with a resource of its own)
     * stage into the same chunks: an atomic commit writes both handles' writes, and each handle
     * reads the other's staged writes. TensorStore 0.1.85 gives the same (memory store, the second
     * handle opened with a cache_pool of its own: reads 3 and 1 through it, then [1 3 0], atomic or
     * not). The atomic commit used to keep only one handle's chunk (each merged over the same
     * stored chunk, and the second replaced the first), and neither handle saw the other's writes.
     */
    @Test
    void twoHandlesOnOneArrayMeetInOneTransaction() {
        for (boolean atomic : new boolean[] {true, false}) {
            Context ctx = new Context();
            TensorStore a = open(ctx, 8, 8);
            TensorStore b = TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"data_copy_concurrency\":{\"limit\":1}}",
                    new OpenOptions().context(ctx)).join();
            Transaction txn = new Transaction(atomic);
            a.withTransaction(txn).get("0, 0").write(1).join();
            b.withTransaction(txn).get("0, 1").write(2).join();
            a.withTransaction(txn).get("0, 1").write(3).join(); // staged last: wins where they overlap
            assertEquals(3, b.withTransaction(txn).get("0, 1").read().join().getLong(), "read your writes, across handles");
            assertEquals(1, b.withTransaction(txn).get("0, 0").read().join().getLong());
            txn.commitSync();
            NDArray row = a.get("0, 0:3").read().join();
            assertEquals("1 3 0", row.getLong(0) + " " + row.getLong(1) + " " + row.getLong(2), "atomic " + atomic);
        }
    }

    /** An atomic transaction whose writes stage nothing (an empty region) commits, on a store of single-key atomic writes too. */
    @Test
    void anAtomicTransactionWithNothingToWriteCommits(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        TensorStore ds = TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":{\"driver\":\"file\",\"path\":\"" + dir + "/a/\"},\"metadata\":{\"chunks\":[4]}}",
                OpenOptions.create().dtype(DataType.INT32).shape(8)).join();
        Transaction txn = new Transaction(true);
        ds.withTransaction(txn).get("2:2").write(new int[0]).join();
        txn.commitSync();
        assertEquals(0, ds.get("2").read().join().getLong());
    }

    /**
     * A commit gives the staging memory back once every mutation is applied: the pool's
     * outstanding bytes return to where they were, without a collection (16 chunks of 256 KiB
     * were held until the collector found them). A store that keeps the committed values (the
     * memory store) holds handles of its own: values read back intact after the pool has handed
     * the staging memory to others and they have overwritten it.
     */
    @Test
    void aCommitGivesItsStagingMemoryBackAndStoredValuesKeepTheirs(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        io.tessera.memory.BufferPool pool = io.tessera.memory.BufferPool.shared();
        int side = 256; // 256x256 int32 chunks: 256 KiB, pooled
        for (String kv : new String[] {"\"memory://\"", "{\"driver\":\"file\",\"path\":\"" + dir + "/t/\"}"}) {
            for (boolean atomic : new boolean[] {false, true}) {
                if (atomic && kv.contains("file")) continue; // one key at a time there
                Context ctx = new Context();
                TensorStore ds = TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":" + kv + ",\"metadata\":{\"chunks\":[" + side + "," + side + "],\"compressor\":null}}",
                        OpenOptions.create().deleteExisting().dtype(DataType.INT32).shape(4L * side, 4L * side).context(ctx)).join();
                long before = pool.outstandingBytes();
                Transaction txn = new Transaction(atomic);
                int[] values = new int[16 * side * side];
                NDArray source = NDArray.allocate(DataType.INT32, 4L * side, 4L * side);
                for (int k = 0; k < values.length; k++) {
                    values[k] = k * 3 + 1;
                    source.setLong(values[k], k / (4 * side), k % (4 * side));
                }
                ds.withTransaction(txn).write(source).join();
                ds.withTransaction(txn).get("5, 7").write(-5).join(); // a partial write over a covered chunk
                txn.commitSync();
                long held = pool.outstandingBytes() - before;
                // The memory store keeps 16 values of 256 KiB; nothing else of the commit stays out.
                long kept = kv.contains("memory") ? 16L * side * side * 4 : 0;
                assertTrue(held <= kept + (1 << 20), kv + " atomic " + atomic + ": " + held + " bytes still out, " + kept + " kept by the store");
                // Whatever the pool hands out now and is overwritten must not be the stored values.
                List<io.tessera.memory.BufferPool.Buffer> churn = new ArrayList<>();
                for (int k = 0; k < 40; k++) {
                    io.tessera.memory.BufferPool.Buffer b = pool.take(side * side * 4);
                    b.segment().fill((byte) 0x7f);
                    churn.add(b);
                }
                NDArray back = ds.read().join();
                for (int k = 0; k < values.length; k += 997) {
                    long expected = k == 5 * 4 * side + 7 ? -5 : values[k];
                    assertEquals(expected, back.getLong(k / (4 * side), k % (4 * side)), kv + " atomic " + atomic + " element " + k);
                }
                assertEquals(-5, back.getLong(5, 7));
                churn.forEach(io.tessera.memory.BufferPool.Buffer::release);
                back.release();
                ctx.close();
            }
        }
    }

    /** An abort gives the staging memory back at once, and a write queued before it stages nothing after. */
    @Test
    void anAbortGivesItsStagingMemoryBack() {
        io.tessera.memory.BufferPool pool = io.tessera.memory.BufferPool.shared();
        TensorStore ds = TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"metadata\":{\"chunks\":[256,256],\"compressor\":null}}",
                OpenOptions.create().dtype(DataType.INT32).shape(1024, 1024).context(new Context())).join();
        long before = pool.outstandingBytes();
        Transaction txn = new Transaction();
        ds.withTransaction(txn).write(7).join();
        assertTrue(pool.outstandingBytes() - before >= 16L * 256 * 256 * 4, "16 staged chunks");
        txn.abort();
        assertTrue(pool.outstandingBytes() - before <= 1 << 20, (pool.outstandingBytes() - before) + " bytes still out");
        assertEquals(0, ds.get("3, 3").read().join().getLong());
    }

    /**
     * A commit that meets a corrupt stored chunk fails with DATA_LOSS naming it, through
     * {@code commitAsync} as through {@code commitSync}, and the stored chunk stays as it was.
     */
    @Test
    void aCommitOverACorruptChunkFailsWithDataLoss(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        TensorStore ds = TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":{\"driver\":\"file\",\"path\":\"" + dir + "/\"},"
                        + "\"metadata\":{\"shape\":[4,4],\"chunks\":[4,4],\"dtype\":\"<i4\",\"compressor\":{\"id\":\"blosc\"}}}",
                OpenOptions.create()).join();
        ds.write(new int[][] {{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}, {13, 14, 15, 16}}).join();
        java.nio.file.Path chunk = dir.resolve("0.0");
        byte[] stored = java.nio.file.Files.readAllBytes(chunk);
        byte[] corrupt = java.util.Arrays.copyOf(stored, stored.length - 3);
        java.nio.file.Files.write(chunk, corrupt);
        for (boolean async : new boolean[] {true, false}) {
            Transaction txn = new Transaction();
            ds.withTransaction(txn).get("1:2,1:2").write(9).join();
            TensorStoreException e = async
                    ? assertInstanceOfCause(assertThrows(CompletionException.class, () -> txn.commitAsync().join()))
                    : assertThrows(TensorStoreException.class, txn::commitSync);
            assertEquals(TensorStoreException.Code.DATA_LOSS, e.code(), e.toString());
            assertTrue(e.getMessage().contains(chunk.toString()), e.getMessage());
            org.junit.jupiter.api.Assertions.assertArrayEquals(corrupt, java.nio.file.Files.readAllBytes(chunk));
        }
    }

    private static TensorStoreException assertInstanceOfCause(CompletionException e) {
        return org.junit.jupiter.api.Assertions.assertInstanceOf(TensorStoreException.class, e.getCause(), String.valueOf(e.getCause()));
    }
}
