package io.tessera.jmh.compare;

import io.tessera.Context;
import io.tessera.OpenOptions;
import io.tessera.Spec;
import io.tessera.TensorStore;
import io.tessera.Transaction;
import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * The Tessera side of {@code bench/compare}: runs one workload of the side-by-side comparison
 * with TensorStore (whose side is {@code bench/ts_workloads.py}, the same workloads with the
 * same data, sizes and specs) and prints one JSON line per measurement on stdout:
 * <pre>{@code {"side":"tessera","workload":"memory_raw","metric":"write","unit":"MiB/s","value":5123.4}}</pre>
 * or, when a measurement could not be made, {@code "error":"..."} in place of the value.
 * Each measurement follows {@code -Dtessera.bench.warmups} (default 3) untimed warm-up passes of
 * the same work (the JIT compiles the vector kernels only after a few), and and every result is checked
 * (read back and compared) outside the timed region; a failed check is reported as an error.
 *
 * <p>Usage: {@code CompareMain WORKLOAD [--quick] [--dir SCRATCH_DIR] [--keep]}, WORKLOAD one of
 * {@code memory_raw file_raw file_blosc file_zstd single_writes transactions scale}; and, not part
 * of the comparison, {@code inflight_rounds}: workload 3's in-flight writes alone, 5 rounds of
 * 2,000 into one fresh directory, each round's rate (how the rate grows once the JIT has
 * compiled the path, away from the creates' inode scan after a deletion).
 */
public final class CompareMain {
    private CompareMain() {}

    /** Untimed passes before the timed one: a long-running JVM service runs compiled code. */
    static final int WARMUPS = Integer.getInteger("tessera.bench.warmups", 3);

    /** {@code -Dtessera.bench.verbose=true}: every pass's figures on stderr, warm-ups included. */
    static final boolean VERBOSE = Boolean.getBoolean("tessera.bench.verbose");

    /** Timed transaction commits per process (workload 4), as {@code COMMITS} in ts_workloads.py. */
    static final int COMMITS = 5;

    /**
     * Untimed operations before the timed ones of workloads 3 and 4, as in ts_workloads.py: each
     * takes about a millisecond, so a few passes would leave the JVM still compiling. Workload 3's
     * count is {@code -Dtessera.bench.warmSingles} (the driver passes TESSERA_BENCH_WARM_SINGLES):
     * after the default 1,000 serial and 1,000 in-flight writes, C2 still compiles the write path
     * during the timed ones.
     */
    static final int WARM_SINGLES = Integer.getInteger("tessera.bench.warmSingles", 1000), WARM_COMMITS = 10;

    static final double MIB = 1024.0 * 1024.0;
    static final String BLOSC = "{\"id\":\"blosc\",\"cname\":\"lz4\",\"clevel\":5,\"shuffle\":1,\"blocksize\":0}";
    static final String ZSTD = "{\"id\":\"zstd\",\"level\":1}";
    /** The file workloads' context; {@code -Dtessera.bench.context} replaces it (e.g. to try another file_io_concurrency). */
    static final String SYNC = System.getProperty("tessera.bench.context", "{\"file_io_sync\":true}");

    private static boolean quick;
    /** {@code --keep}: the arrays written stay on disk, for the caller to delete (see bench/README.md). */
    private static boolean keep;
    private static Path scratch;
    private static String workload;
    private static final Set<String> pending = new LinkedHashSet<>();

    public static void main(String[] args) throws Exception {
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--dir" -> scratch = Path.of(args[++i]);
                case "--keep" -> keep = true;
                default -> rest.add(args[i]);
            }
        }
        if (rest.size() != 1) {
            System.err.println("usage: CompareMain WORKLOAD [--quick] [--dir SCRATCH_DIR] [--keep]");
            System.exit(2);
        }
        workload = rest.getFirst();
        if (scratch == null) scratch = Files.createTempDirectory("tessera-compare");
        Files.createDirectories(scratch);
        long[] pairShape = quick ? new long[]{512, 512, 128} : new long[]{1024, 1024, 128};
        try {
            switch (workload) {
                case "memory_raw" -> writeRead(null, "null", pairShape);
                case "file_raw" -> writeRead("raw", "null", pairShape);
                case "file_blosc" -> writeRead("blosc", BLOSC, pairShape);
                case "file_zstd" -> writeRead("zstd", ZSTD, pairShape);
                case "cached_reads" -> cachedReads(pairShape);
                case "single_writes" -> singleWrites();
                case "transactions" -> transactions();
                case "scale" -> scale();
                case "inflight_rounds" -> inflightRounds();
                default -> {
                    System.err.println("error: unknown workload " + workload);
                    System.exit(2);
                }
            }
        } catch (Throwable e) {
            failPending(e);
        }
        // Anything the workload planned but never reported gets an error line of its own.
        failPending(new IllegalStateException("not measured"));
        System.out.flush();
        System.exit(0);
    }

    // ---- workloads 1 and 2: a 256 MiB array written and read whole ----------------------------

    /** {@code store} null: memory store; else the file store in a directory named after it. */
    static void writeRead(String store, String compressor, long[] shape) {
        plan("write", "read");
        NDArray src = smooth(Arena.ofAuto(), shape);
        double bytes = src.size() * 2.0;
        for (int pass = 0; pass <= WARMUPS; pass++) {
            Path dir = store == null ? null : scratch.resolve(store + "-" + pass);
            String kv = dir == null ? "{\"driver\":\"memory\"}" : fileKv(dir);
            long t0, t1, t2, cpu0, cpu1, jit0, jit1;
            // Closed after each pass, as the Python side frees its context when it drops it.
            try (Context ctx = dir == null ? new Context() : Context.fromJson(SYNC)) {
                TensorStore ds = open(kv, "{\"chunks\":[64,64,64],\"compressor\":" + compressor + "}", ctx, shape);
                cpu0 = processCpuNanos();
                jit0 = jitMillis();
                t0 = System.nanoTime();
                ds.write(src).join();
                t1 = System.nanoTime();
                cpu1 = processCpuNanos();
                jit1 = jitMillis();
                t2 = t1 + readVerifiedNanos(ds, src);
            }
            if (dir != null) deleteTree(dir);
            if (VERBOSE) System.err.printf(Locale.ROOT, "pass %d ended %s: write %.0f MiB/s (%.0f ms, CPU %.0f ms, JIT %d ms), read %.0f MiB/s%n", pass, java.time.Instant.now(),
                    bytes / MIB / ((t1 - t0) / 1e9), (t1 - t0) / 1e6, (cpu1 - cpu0) / 1e6, jit1 - jit0, bytes / MIB / ((t2 - t1) / 1e9));
            if (pass == WARMUPS) {
                emit("write", "MiB/s", bytes / MIB / ((t1 - t0) / 1e9));
                emit("read", "MiB/s", bytes / MIB / ((t2 - t1) / 1e9));
            }
        }
    }

    /** Reads all of {@code ds}, checks it equals {@code src} (outside the time) and frees it, as the Python side's {@code del back}; the read's time. */
    static long readVerifiedNanos(TensorStore ds, NDArray src) {
        long t0 = System.nanoTime();
        NDArray back = ds.read().join();
        long nanos = System.nanoTime() - t0;
        if (!back.contentEquals(src)) throw new IllegalStateException("verification failed: read-back differs from the written data");
        back.release();
        return nanos;
    }

    /**
     * Re-reads through a cache pool (1 GiB, recheck_cached_data true: every chunk revalidated
     * against its file) of an array written once, zstd 1; the timed read is the last of
     * WARMUPS + 1 after the one that filled the cache.
     */
    static void cachedReads(long[] shape) {
        plan("reread");
        NDArray src = smooth(Arena.ofAuto(), shape);
        double bytes = src.size() * 2.0;
        Path dir = scratch.resolve("cached");
        com.fasterxml.jackson.databind.node.ObjectNode cache;
        try {
            // The file workloads' context (-Dtessera.bench.context may replace it), with the pool added.
            cache = (com.fasterxml.jackson.databind.node.ObjectNode) io.tessera.codecs.JsonText.parse(SYNC);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("-Dtessera.bench.context is not JSON: " + SYNC, e);
        }
        cache.putObject("cache_pool").put("total_bytes_limit", 1L << 30);
        try (Context ctx = Context.fromJson(cache)) {
            TensorStore ds = open(fileKv(dir), "{\"chunks\":[64,64,64],\"compressor\":" + ZSTD + "}", ctx, shape);
            ds.write(src).join();
            ds.read().join().release();
            for (int pass = 0; pass <= WARMUPS; pass++) {
                long nanos = readVerifiedNanos(ds, src);
                if (pass == WARMUPS) emit("reread", "MiB/s", bytes / MIB / (nanos / 1e9));
            }
        }
        deleteTree(dir);
    }

    // ---- workload 3: single-element durable writes into distinct 128 KiB chunks ---------------

    static final int GRID = 64, CHUNK = 256;

    /** Element of the k-th single write: one per chunk, k-th chunk of a 64x64 grid of 256x256 chunks. */
    static long[] singlePos(int k) {
        return new long[]{(long) (k / GRID) * CHUNK + (k * 37L) % CHUNK, (long) (k % GRID) * CHUNK + (k * 101L) % CHUNK};
    }

    static int value(int k) { return k % 65535 + 1; }

    static void singleWrites() {
        plan("serial_median", "serial_p99", "inflight");
        int serial = quick ? 100 : 300, inflight = quick ? 400 : 1000;
        Path dir = scratch.resolve("single");
        long chunkRows = Math.max(GRID, (2L * WARM_SINGLES + serial + inflight + GRID - 1) / GRID); // a chunk per write
        TensorStore ds = open(fileKv(dir), "{\"chunks\":[256,256],\"compressor\":null}", Context.fromJson(SYNC), chunkRows * CHUNK, (long) GRID * CHUNK);
        int k = 0;
        k = serialWrites(ds, k, WARM_SINGLES, null); // serial, then 200 in flight
        k = inflightWrites(ds, k, WARM_SINGLES);
        long[] lat = new long[serial];
        k = serialWrites(ds, k, serial, lat);
        int firstInflight = k;
        long t0 = System.nanoTime();
        k = inflightWrites(ds, k, inflight);
        long t1 = System.nanoTime();
        if (VERBOSE) System.err.println("in-flight window: " + java.time.Instant.now().minusNanos(System.nanoTime() - t0) + " .. " + java.time.Instant.now().minusNanos(System.nanoTime() - t1));
        verifySingles(dir, k);
        deleteTree(dir);
        if (VERBOSE) {
            StringBuilder slow = new StringBuilder();
            for (int i = 0; i < lat.length; i++) if (lat[i] > 2_000_000) slow.append(String.format(Locale.ROOT, " #%d %.2f", i, lat[i] / 1e6));
            System.err.println("serial writes over 2 ms (index, ms):" + slow);
        }
        Arrays.sort(lat);
        emit("serial_median", "ms", percentile(lat, 50) / 1e6);
        emit("serial_p99", "ms", percentile(lat, 99) / 1e6);
        emit("inflight", "writes/s", (k - firstInflight) / ((t1 - t0) / 1e9));
    }

    static void inflightRounds() {
        int rounds = Integer.getInteger("tessera.bench.inflightRounds", 5), perRound = quick ? 400 : 2000;
        for (int r = 1; r <= rounds; r++) plan("round_" + r);
        Path dir = scratch.resolve("inflight-rounds");
        long chunkRows = (rounds * perRound + GRID - 1) / GRID; // singlePos(k) is in chunk row k / GRID
        TensorStore ds = open(fileKv(dir), "{\"chunks\":[256,256],\"compressor\":null}", Context.fromJson(SYNC), chunkRows * CHUNK, (long) GRID * CHUNK);
        int k = 0;
        for (int r = 1; r <= rounds; r++) {
            long t0 = System.nanoTime();
            k = inflightWrites(ds, k, perRound);
            emit("round_" + r, "writes/s", perRound / ((System.nanoTime() - t0) / 1e9));
        }
        verifySingles(dir, k);
        deleteTree(dir);
    }

    private static int serialWrites(TensorStore ds, int k, int n, long[] latencies) {
        for (int i = 0; i < n; i++, k++) {
            long t0 = System.nanoTime();
            ds.get(singlePos(k)).write(value(k)).join();
            if (latencies != null) latencies[i] = System.nanoTime() - t0;
        }
        return k;
    }

    private static int inflightWrites(TensorStore ds, int k, int n) {
        Semaphore window = new Semaphore(200);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<CompletableFuture<Void>> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++, k++) {
            window.acquireUninterruptibly();
            CompletableFuture<Void> f = ds.get(singlePos(k)).write(value(k)).commit();
            all.add(f.whenComplete((v, e) -> {
                if (e != null) failure.compareAndSet(null, e);
                window.release();
            }));
            if (failure.get() != null) break;
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        return k;
    }

    /** Reads every written element back through a freshly opened handle. */
    private static void verifySingles(Path dir, int n) {
        TensorStore ds = TensorStore.open(Spec.parse("{\"driver\":\"zarr\",\"kvstore\":" + fileKv(dir) + "}"), OpenOptions.open().context(Context.fromJson(SYNC))).join();
        List<CompletableFuture<NDArray>> reads = new ArrayList<>(n);
        for (int k = 0; k < n; k++) reads.add(ds.get(singlePos(k)).read());
        for (int k = 0; k < n; k++) {
            long got = reads.get(k).join().getLong();
            if (got != value(k)) throw new IllegalStateException("verification failed: single write " + k + " read back " + got + ", expected " + value(k));
        }
    }

    // ---- workload 4: transactions ---------------------------------------------------------------

    /** Element of the k-th transactional write: chunk k % 100 of a 10x10 grid of 256x256 chunks, distinct for k < 25600. */
    static long[] txnPos(int k) {
        int c = k % 100, j = k / 100;
        return new long[]{(long) (c / 10) * CHUNK + (j * 97L) % CHUNK, (long) (c % 10) * CHUNK + (j * 61L + 13) % CHUNK};
    }

    static void transactions() {
        plan("staged", "commit");
        int n = quick ? 2000 : 10000;
        String md = "{\"chunks\":[256,256],\"compressor\":null}";
        NDArray expected = NDArray.allocate(DataType.UINT16, 10 * CHUNK, 10 * CHUNK);
        for (int k = 0; k < n; k++) expected.setLong(value(k), txnPos(k));
        // Staged writes per second, memory store.
        try {
            double rate = 0;
            for (int pass = 0; pass <= WARMUPS; pass++) {
                // Closed after each pass, as the Python side frees its context when it drops it.
                try (Context ctx = new Context()) {
                    TensorStore ds = open("{\"driver\":\"memory\"}", md, ctx, 10 * CHUNK, 10 * CHUNK);
                    Transaction txn = new Transaction();
                    long t0 = System.nanoTime();
                    stage(ds, txn, n);
                    long t1 = System.nanoTime();
                    txn.commitAsync().join();
                    checkCommitted(ds, expected);
                    rate = n / ((t1 - t0) / 1e9);
                }
            }
            emit("staged", "writes/s", rate);
        } catch (Throwable e) {
            failOne("staged", e);
        }
        // Commit time of n scattered writes over 100 chunks, file store.
        // One commit takes tens of milliseconds: the median of COMMITS timed ones after the warm-ups.
        double[] times = new double[COMMITS];
        for (int pass = 0; pass < WARM_COMMITS + COMMITS; pass++) {
            Path dir = scratch.resolve("txn-" + pass);
            long t0, t1;
            try (Context ctx = Context.fromJson(SYNC)) {
                TensorStore ds = open(fileKv(dir), md, ctx, 10 * CHUNK, 10 * CHUNK);
                Transaction txn = new Transaction();
                stage(ds, txn, n);
                t0 = System.nanoTime();
                txn.commitAsync().join();
                t1 = System.nanoTime();
                checkCommitted(ds, expected);
            }
            deleteTree(dir);
            if (pass >= WARM_COMMITS) times[pass - WARM_COMMITS] = (t1 - t0) / 1e6;
        }
        Arrays.sort(times);
        emit("commit", "ms", times[COMMITS / 2]);
    }

    /** Stages the first {@code n} transactional writes in {@code txn} and waits until all are visible in it, as {@code stage} in ts_workloads.py. */
    private static void stage(TensorStore ds, Transaction txn, int n) {
        TensorStore t = ds.withTransaction(txn);
        CompletableFuture<?>[] fs = new CompletableFuture[n];
        for (int k = 0; k < n; k++) fs[k] = t.get(txnPos(k)).write(value(k)).commit();
        CompletableFuture.allOf(fs).join();
    }

    /** Reads {@code ds} back, outside the timed region, and releases the read-back, as the Python side drops it. */
    private static void checkCommitted(TensorStore ds, NDArray expected) {
        NDArray back = ds.read().join();
        if (!back.contentEquals(expected)) throw new IllegalStateException("verification failed: committed array differs");
        back.release();
    }

    // ---- workload 5: scale ------------------------------------------------------------------------

    static void scale() {
        int[] sizes = quick ? new int[]{64, 512} : new int[]{64, 512, 2048};
        int concSize = quick ? 64 : 512;
        List<String> metrics = new ArrayList<>();
        for (int s : sizes) metrics.add("write_" + s + "MiB");
        metrics.add("write_" + concSize + "MiB_copy1");
        metrics.add("write_" + concSize + "MiB_copy2");
        metrics.add("peak_rss");
        plan(metrics.toArray(String[]::new));
        scaleWrite(64, SYNC, null, "scale-warmup");
        for (int s : sizes) tryScale(s, SYNC, "write_" + s + "MiB");
        for (int limit = 1; limit <= 2; limit++) {
            tryScale(concSize, "{\"file_io_sync\":true,\"data_copy_concurrency\":{\"limit\":" + limit + "}}", "write_" + concSize + "MiB_copy" + limit);
        }
        emit("peak_rss", "MiB", peakRssKiB() / 1024.0);
    }

    private static void tryScale(int mib, String context, String metric) {
        try {
            scaleWrite(mib, context, metric, "scale-" + metric);
        } catch (Throwable e) {
            failOne(metric, e);
        }
    }

    /**
     * Writes a fresh {@code mib} MiB array (n x 1024 x 128) into its own directory {@code name},
     * checks it slab by slab, deletes it (unless kept). Each step has a directory of its own: a
     * step reusing the last one's would begin, untimed, by deleting its files (delete_existing)
     * and then time its file creations right after those deletions (see bench/README.md).
     */
    private static void scaleWrite(int mib, String context, String metric, String name) {
        long[] shape = {mib * 4L, 1024, 128};
        Path dir = scratch.resolve(name);
        try (Arena arena = Arena.ofShared()) {
            NDArray src = smooth(arena, shape);
            TensorStore ds = open(fileKv(dir), "{\"chunks\":[64,64,64],\"compressor\":null}", Context.fromJson(context), shape);
            long t0 = System.nanoTime();
            ds.write(src).join();
            long t1 = System.nanoTime();
            for (long x = 0; x < shape[0]; x += 256) {
                long end = Math.min(shape[0], x + 256);
                if (!ds.get(x + ":" + end).read().join().contentEquals(src.slice(0, x, end, 1))) {
                    throw new IllegalStateException("verification failed: read-back of [" + x + ", " + end + ") differs");
                }
            }
            deleteTree(dir);
            if (metric != null) emit(metric, "MiB/s", src.size() * 2.0 / MIB / ((t1 - t0) / 1e9));
        }
    }

    /** The process's peak resident set ({@code VmHWM} of /proc/self/status), in KiB. */
    static long peakRssKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no VmHWM in /proc/self/status");
    }

    // ---- helpers ------------------------------------------------------------------------------------

    /** CPU time of the whole process, all threads (the JIT's and GC's included), for the verbose lines. */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static long jitMillis() {
        return java.lang.management.ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    }

    /** Smooth uint16 data, value (3x + 5y + 7z) / 4 truncated to 16 bits, as bench/ts_workloads.py makes. */
    static NDArray smooth(Arena arena, long[] shape) {
        NDArray a = NDArray.allocate(arena, DataType.UINT16, NDArray.Order.C, shape);
        MemorySegment s = a.segment();
        long ny = shape[1], nz = shape[2];
        long i = 0;
        for (long x = 0; x < shape[0]; x++) {
            for (long y = 0; y < ny; y++) {
                long base = 3 * x + 5 * y;
                for (long z = 0; z < nz; z++, i++) s.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) ((base + 7 * z) / 4));
            }
        }
        return a;
    }

    static TensorStore open(String kvJson, String metadataJson, Context ctx, long... shape) {
        Spec spec = Spec.parse("{\"driver\":\"zarr\",\"kvstore\":" + kvJson + ",\"metadata\":" + metadataJson + "}");
        return TensorStore.open(spec, OpenOptions.create().deleteExisting().dtype(DataType.UINT16).shape(shape).context(ctx)).join();
    }

    static String fileKv(Path dir) {
        return "{\"driver\":\"file\",\"path\":" + json(dir.toAbsolutePath() + "/") + "}";
    }

    static double percentile(long[] sorted, int p) {
        int idx = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
    }

    static void deleteTree(Path dir) {
        if (keep || !Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void plan(String... metrics) { pending.addAll(List.of(metrics)); }

    static void emit(String metric, String unit, double value) {
        pending.remove(metric);
        System.out.printf(Locale.ROOT, "{\"side\":\"tessera\",\"workload\":%s,\"metric\":%s,\"unit\":%s,\"value\":%.6g}%n",
                json(workload), json(metric), json(unit), value);
        System.out.flush();
    }

    private static void failOne(String metric, Throwable e) {
        if (!pending.remove(metric)) return;
        if (!(e instanceof IllegalStateException && "not measured".equals(e.getMessage()))) System.err.println(metric + ": " + describe(e));
        System.out.printf("{\"side\":\"tessera\",\"workload\":%s,\"metric\":%s,\"error\":%s}%n", json(workload), json(metric), json(describe(e)));
        System.out.flush();
    }

    private static void failPending(Throwable e) {
        for (String m : List.copyOf(pending)) failOne(m, e);
    }

    /** The root cause, in one line. */
    static String describe(Throwable e) {
        while ((e instanceof java.util.concurrent.CompletionException || e instanceof java.util.concurrent.ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e.toString().replace('\n', ' ');
    }

    static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c)); else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
