package io.tessera.cli;

import io.tessera.Spec;
import io.tessera.codecs.BloscCodec;
import io.tessera.codecs.Codecs;
import io.tessera.nativeio.LibC;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Start-up of a short command on a file store: work it will certainly need, and which costs more
 * than the rest of a small {@code read}, runs on two more threads while the main thread parses
 * the command line. One links the native code through FFM: c-blosc (TensorStore's default
 * compressor), and for {@code write} and {@code create} the libc functions the file store writes
 * with (a read uses none: the blocking driver reads through {@code java.nio}). The other parses a
 * spec: Jackson's parser initialises {@code java.math.BigDecimal}, whose class initialiser
 * computes 5^65536 (about 20 ms, interpreted). The main thread waits for both ({@link #await})
 * before it opens anything, so no two threads ever initialise the same classes at once; on one
 * core, or when the work is not needed, it costs only the CPU of work done a little early.
 */
final class Prewarm {
    private static List<Thread> threads = List.of();

    private Prewarm() {}

    /** Starts the work if {@code args} name a short command whose spec mentions a file store. */
    static synchronized void start(String[] args) {
        String command = command(args);
        if (!threads.isEmpty() || command == null) return;
        boolean writes = command.equals("write") || command.equals("create");
        List<Thread> started = new ArrayList<>(2);
        started.add(start("tessera-prewarm-native", () -> {
            // Linking is the work: libc's functions when asked for, c-blosc's decompressor when its
            // class initialises, and its compressor (linked on first use) for a write.
            if (writes) LibC.linkFileReads();
            Class.forName(BloscCodec.class.getName(), true, Prewarm.class.getClassLoader());
            if (command.equals("write")) Codecs.blosc().encode(MemorySegment.ofArray(new byte[4]), 4);
        }));
        // Members the spec parser checks, so that their paths are warm too.
        started.add(start("tessera-prewarm-json", () -> Spec.parse("{\"driver\": \"zarr\", \"kvstore\": {\"driver\": \"file\", \"path\": \"/\"}, \"path\": \"\"}")));
        threads = List.copyOf(started);
    }

    /** Waits for the work started by {@link #start}, if any; returns at once otherwise. */
    static void await() {
        List<Thread> ts;
        synchronized (Prewarm.class) {
            ts = threads;
        }
        boolean interrupted = false;
        for (Thread t : ts) {
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    private interface Work {
        void run() throws Throwable;
    }

    private static Thread start(String name, Work work) {
        Thread t = new Thread(() -> {
            try {
                work.run();
            } catch (Throwable e) {
                // Only a head start: what failed here fails again where it is used, and is reported there.
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The short command {@code args} name, if the prewarm serves it; else null. */
    private static String command(String[] args) {
        String command = null;
        boolean file = false;
        for (String a : args) {
            switch (a) {
                // Help and version print and exit; .npy in or out maps files on the main thread.
                case "-h", "--help", "-V", "--version", "--from", "--out" -> { return null; }
                default -> {
                    if (a.startsWith("--from=") || a.startsWith("--out=")) return null;
                }
            }
            if (command == null && !a.startsWith("-")) command = a;
            // A spec inline or in a file: "file" in the argument, or a file to read it from.
            file |= a.contains("file") || a.startsWith("@");
        }
        if (!file || command == null) return null;
        return switch (command) {
            case "read", "write", "create", "info" -> command;
            default -> null;
        };
    }
}
