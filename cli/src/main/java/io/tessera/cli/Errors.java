package io.tessera.cli;

import io.tessera.TensorStoreException;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Turns an exception into the one {@code error: } line users see. */
final class Errors {
    private Errors() {}

    /** A failure the CLI itself detects, with the message to show as is. */
    static class CliException extends RuntimeException {
        CliException(String message) { super(message); }

        CliException(String message, Throwable cause) { super(message, cause); }
    }

    /**
     * A bad option value: a usage error, exit status 2, as picocli's own are. Found before
     * anything is opened, so that it never depends on the array, nor changes it.
     */
    static final class UsageException extends CliException {
        UsageException(String message) { super(message); }

        UsageException(String message, Throwable cause) { super(message, cause); }
    }

    /** The exit status for {@code e}: 2 for a usage error, else 1. */
    static int status(Throwable e) {
        return unwrap(e) instanceof UsageException ? 2 : 1;
    }

    static void report(Throwable e, Env env) {
        env.err.println("error: " + message(e));
        if (env.verbose) e.printStackTrace(env.err);
    }

    /** The message of the root failure, on one line. */
    static String message(Throwable e) {
        Throwable t = unwrap(e);
        String m = switch (t) {
            case CliException c -> c.getMessage();
            case TensorStoreException ts -> ts.getMessage();
            case NoSuchFileException n -> "No such file: " + n.getFile();
            case AccessDeniedException a -> "Permission denied: " + a.getFile();
            case IOException io -> io.getMessage() != null ? io.getMessage() : io.getClass().getSimpleName();
            case OutOfMemoryError oom -> "Out of memory (raise -Xmx through TESSERA_JAVA_OPTS): " + oom.getMessage();
            default -> t.getMessage() != null ? t.getMessage() : t.getClass().getName();
        };
        return m.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    /** Strips the completion wrappers futures put around the failure that matters. */
    static Throwable unwrap(Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) e = e.getCause();
        return e;
    }
}
