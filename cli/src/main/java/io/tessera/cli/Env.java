package io.tessera.cli;

import io.tessera.Context;

import java.io.PrintStream;

/** What one command line runs with: its output streams, its context, and the global flags. */
final class Env {
    final PrintStream out;
    final PrintStream err;
    final boolean verbose;
    private final Context shared;
    private Context context;

    Env(PrintStream out, PrintStream err, Context shared, boolean verbose) {
        this.out = out;
        this.err = err;
        this.shared = shared;
        this.verbose = verbose;
    }

    /** The context specs without their own {@code "context"} open in; created on first use. */
    Context context() {
        if (shared != null) return shared;
        if (context == null) context = new Context();
        return context;
    }

    /**
     * Whether {@link #err} is the process's stderr and a terminal. The launcher knows (it tests
     * fd 2) and says so in {@code tessera.stderr.tty}; without it, the console's terminal status is
     * the best guess Java has.
     */
    boolean errIsTerminal() {
        if (err != System.err) return false;
        String p = System.getProperty("tessera.stderr.tty");
        if (p != null) return Boolean.parseBoolean(p);
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }
}
