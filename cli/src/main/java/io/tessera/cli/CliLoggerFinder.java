package io.tessera.cli;

import java.text.MessageFormat;
import java.util.ResourceBundle;

/**
 * Where the {@code System.Logger}s of the libraries write in the {@code tessera} process, found
 * through {@code META-INF/services}: warnings and errors to stderr, the one-line notices (which
 * fast path each library chose) only under {@code --verbose}, whose contract is one
 * {@code error:} line otherwise. Start-up: without it the JDK would set up java.util.logging
 * behind {@code System.getLogger}, which costs a small {@code read} more than its own work does.
 */
public final class CliLoggerFinder extends System.LoggerFinder {
    private static volatile boolean verbose;

    /** Instantiated by the JDK's service lookup. */
    public CliLoggerFinder() {}

    /** Lets INFO through (for {@code --verbose}), or only WARNING and above. */
    static void verbose(boolean on) {
        verbose = on;
    }

    @Override
    public System.Logger getLogger(String name, Module module) {
        return new Logger(name);
    }

    private record Logger(String name) implements System.Logger {
        @Override
        public String getName() { return name; }

        @Override
        public boolean isLoggable(Level level) {
            return level != Level.OFF && level.getSeverity() >= (verbose ? Level.INFO : Level.WARNING).getSeverity();
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            if (!isLoggable(level)) return;
            System.err.println(level.getName() + ": " + msg);
            if (thrown != null) thrown.printStackTrace(System.err);
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            if (!isLoggable(level)) return;
            System.err.println(level.getName() + ": " + (params == null || params.length == 0 ? format : MessageFormat.format(format, params)));
        }
    }
}
