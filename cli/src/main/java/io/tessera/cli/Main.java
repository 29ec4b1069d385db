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
        // The libraries log, once each, which fast path they chose: see CliLoggerFinder.
        CliLoggerFinder.verbose(verboseRequested(args));
        Prewarm.start(args);
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
        CommandLine cl;
        int at = commandAt(args);
        if (at >= 0) {
            // Start-up: picocli reads the annotations of every command it is given, which costs
            // more than the work of a small read. So only the command named is built, under its
            // full name ("tessera read"), and it sees its own arguments; the --verbose options
            // before its name have been noted already.
            cl = new CommandLine(command(args[at], env));
            cl.setCommandName("tessera " + args[at]);
            args = java.util.Arrays.copyOfRange(args, at + 1, args.length);
        } else {
            cl = new CommandLine(new Commands.Top(env));
            for (String name : COMMANDS) cl.addSubcommand(new CommandLine(command(name, env)));
        }
        // Set after the subcommands are added: picocli applies these to the whole hierarchy then.
        // A SPEC of "@file.json" is ours to read, not an argument file for picocli to expand.
        cl.setExpandAtFiles(false);
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            Errors.report(e, env);
            return Errors.status(e);
        });
        int status;
        try {
            status = cl.execute(args);
        } catch (Error e) {
            // picocli hands only Exceptions to the handler above; an Error (out of memory, a
            // library that failed to load) would otherwise end in a stack trace, not one line.
            Errors.report(e, env);
            status = 1;
        }
        out.flush();
        err.flush();
        return status;
    }

    private static final String[] COMMANDS = {"create", "write", "read", "copy", "info", "demo"};

    private static Object command(String name, Env env) {
        return switch (name) {
            case "create" -> new Commands.Create(env).spec;
            case "write" -> new Commands.Write(env).spec;
            case "read" -> new Commands.Read(env).spec;
            case "copy" -> new CopyCommand(env);
            case "info" -> new Commands.Info(env).spec;
            case "demo" -> new DemoCommand(env);
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** Where the command name is when only {@code --verbose} precedes it, else -1. */
    private static int commandAt(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--verbose")) continue;
            return java.util.Arrays.asList(COMMANDS).contains(args[i]) ? i : -1;
        }
        return -1;
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
