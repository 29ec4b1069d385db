package io.tessera.cli;

import io.tessera.codecs.BloscCodec;
import io.tessera.nativeio.LibC;

/**
 * Start-up of a short command on a file store: the native bindings it will need (libc for the
 * file driver, c-blosc for TensorStore's default compressor, both linked through FFM, which costs
 * more than the rest of a small {@code read}) are linked on a second thread while the main thread
 * parses the command line and the spec. The main thread waits for it ({@link #await}) before it
 * opens anything, so the two never initialise the same classes at once; on one core, or when the
 * work is not needed, it costs only the CPU of work done a little early.
 */
final class Prewarm {
    private static Thread thread;

    private Prewarm() {}

    /** Starts the work if {@code args} name a short command whose spec mentions a file store. */
    static synchronized void start(String[] args) {
        if (thread != null || !wanted(args)) return;
        thread = new Thread(Prewarm::run, "tessera-prewarm");
        thread.setDaemon(true);
        thread.start();
    }

    /** Waits for the work started by {@link #start}, if any; returns at once otherwise. */
    static void await() {
        Thread t;
        synchronized (Prewarm.class) {
            t = thread;
        }
        if (t == null) return;
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    private static boolean wanted(String[] args) {
        String command = null;
        boolean file = false;
        for (String a : args) {
            switch (a) {
                // Help and version print and exit; .npy in or out maps files on the main thread.
                case "-h", "--help", "-V", "--version", "--from", "--out" -> { return false; }
                default -> {
                    if (a.startsWith("--from=") || a.startsWith("--out=")) return false;
                }
            }
            if (command == null && !a.startsWith("-")) command = a;
            // A spec inline or in a file: "file" in the argument, or a file to read it from.
            file |= a.contains("file") || a.startsWith("@");
        }
        return file && command != null && switch (command) {
            case "read", "write", "create", "info" -> true;
            default -> false;
        };
    }

    private static void run() {
        try {
            // Linking is the work: libc's functions for the read, c-blosc's when its class initialises.
            LibC.linkFileReads();
            Class.forName(BloscCodec.class.getName(), true, Prewarm.class.getClassLoader());
        } catch (Throwable e) {
            // Only a head start: what failed here fails again where it is used, and is reported there.
        }
    }
}
