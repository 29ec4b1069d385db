package io.tessera.kvstore.file;

import io.tessera.kvstore.Generation;
import io.tessera.nativeio.FileIoDriver;

import java.io.PrintStream;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.Semaphore;

/**
 * The child process of {@link FileKvStoreCrashTest}: writes until killed, and prints
 * {@code ACK <key> <seq> .} for each write whose future completed. Four threads write unique keys
 * into a few directories; thread 0 also overwrites the key {@code shared} with rising sequence
 * numbers.
 */
public final class CrashWriter {
    private CrashWriter() {}

    /** The value of {@code key} at {@code seq}: a header naming both, then bytes derived from them, some of them zero pages. */
    static byte[] value(String key, long seq) {
        Random r = new Random(key.hashCode() * 1_000_003L + seq);
        byte[] payload = new byte[1 + r.nextInt(r.nextBoolean() ? 200 : 70_000)];
        r.nextBytes(payload);
        byte[] head = (key + " " + seq + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] v = ByteBuffer.allocate(head.length + payload.length).put(head).put(payload).array();
        // Two in three large values have zero pages, which the store leaves as holes: in the
        // middle (data after them) or at the end (the file is extended over them).
        int zeros = r.nextInt(3);
        if (zeros > 0 && v.length > 8 * 4096) java.util.Arrays.fill(v, 4096, zeros == 1 ? v.length - 4096 : v.length, (byte) 0);
        return v;
    }

    public static void main(String[] args) throws Exception {
        String root = args[0];
        FileIoDriver.Kind kind = FileIoDriver.Kind.valueOf(args[1]);
        int iteration = Integer.parseInt(args[2]);
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true);
        FileKvStore store = FileKvStore.open(java.nio.file.Path.of(root), FileKvStore.Options.defaults().withDriver(kind));
        out.println("READY " + store.driverName());
        Semaphore inFlight = new Semaphore(8);
        for (int t = 0; t < 4; t++) {
            int thread = t;
            Thread.ofPlatform().start(() -> {
                long seq = 0;
                while (true) {
                    String key;
                    long s;
                    if (thread == 0 && seq % 3 == 0) {
                        key = "shared";
                        s = iteration * 1_000_000L + seq;
                    } else {
                        key = "i" + iteration + "/d" + (seq % 3) + "/t" + thread + "-" + seq;
                        s = seq;
                    }
                    seq++;
                    inFlight.acquireUninterruptibly();
                    String k = key;
                    long sq = s;
                    store.write(key, MemorySegment.ofArray(value(key, s)), Generation.UNKNOWN).whenComplete((r, e) -> {
                        inFlight.release();
                        if (e == null && r.succeeded()) out.println("ACK " + k + " " + sq + " .");
                        else if (e != null) out.println("ERR " + k + " " + e);
                    });
                }
            });
        }
        Thread.sleep(Long.MAX_VALUE);
    }
}
