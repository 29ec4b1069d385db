package io.tessera.cli;

import io.tessera.Context;
import picocli.CommandLine;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * Entry point of the {@code tessera} command: {@code create}, {@code write}, {@code read},
 * {@code copy}, {@code info} and {@code demo}. Exit status 0 on success, 1 on an error (one line
 * on stderr starting {@code error: }), 2 on a usage error.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        // The libraries log, once each, which fast path they chose; on the command line that is
        // noise on stderr, whose contract is one "error:" line. --verbose shows them.
        java.util.logging.Logger.getLogger("").setLevel(verboseRequested(args) ? java.util.logging.Level.INFO : java.util.logging.Level.WARNING);
        int status = run(args, System.out, System.err);
        System.out.flush();
        System.err.flush();
        System.exit(status);
    }

    /**
     * Runs one command line in this process, printing to {@code out} and {@code err}, and returns
     * its exit status. Each call uses a fresh {@link Context} (so a memory store lives only as
     * long as the call), as a separate {@code tessera} process would.
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, null);
    }

    /**
     * As {@link #run(String[], PrintStream, PrintStream)}, but specs without a {@code "context"}
     * member open in {@code context}: calls sharing one context see the same memory store.
     * {@code null} means a fresh context per call.
     */
    public static int run(String[] args, PrintStream out, PrintStream err, Context context) {
        Env env = new Env(out, err, context, verboseRequested(args));
        CommandLine cl = new CommandLine(new Commands.Top(env));
        cl.addSubcommand(new CommandLine(new Commands.Create(env)));
        cl.addSubcommand(new CommandLine(new Commands.Write(env)));
        cl.addSubcommand(new CommandLine(new Commands.Read(env)));
        cl.addSubcommand(new CommandLine(new CopyCommand(env)));
        cl.addSubcommand(new CommandLine(new Commands.Info(env)));
        cl.addSubcommand(new CommandLine(new DemoCommand(env)));
        // Set after the subcommands are added: picocli applies these to the whole hierarchy then.
        // A SPEC of "@file.json" is ours to read, not an argument file for picocli to expand.
        cl.setExpandAtFiles(false);
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            Errors.report(e, env);
            return 1;
        });
        int status = cl.execute(args);
        out.flush();
        err.flush();
        return status;
    }

    /**
     * Whether {@code --verbose} is among the options. Looked up before parsing because the error
     * handler needs it even when parsing a subcommand's own options fails half-way.
     */
    private static boolean verboseRequested(String[] args) {
        for (String a : args) {
            if (a.equals("--")) return false;
            if (a.equals("--verbose")) return true;
        }
        return false;
    }
}
