package io.tessera.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar (bytes, rate, ETA) redrawn in place on a terminal. Closing it ends its
 * line if {@link #finish} did not, so that what follows on the stream (an error) starts a line.
 */
final class Progress implements AutoCloseable {
    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintStream err;
    private final boolean enabled;
    private final long total;
    private final long start = System.nanoTime();
    private long lastDraw;
    private boolean drawn;
    private boolean ended;
    private long done;

    Progress(PrintStream err, boolean enabled, long totalBytes) {
        this.err = err;
        this.enabled = enabled;
        this.total = totalBytes;
    }

    void advance(long bytes) {
        done += bytes;
        if (!enabled) return;
        long now = System.nanoTime();
        if (!drawn || now - lastDraw >= REDRAW_NANOS || done >= total) draw(now);
    }

    void finish() {
        if (!enabled) return;
        draw(System.nanoTime());
        close();
    }

    @Override
    public void close() {
        if (drawn && !ended) {
            err.println();
            ended = true;
        }
    }

    private void draw(long now) {
        drawn = true;
        lastDraw = now;
        double seconds = Math.max(1e-9, (now - start) / 1e9);
        double rate = done / seconds;
        double fraction = total == 0 ? 1 : (double) done / total;
        int filled = (int) Math.round(fraction * WIDTH);
        String eta = rate > 0 && done < total ? clock((total - done) / rate) : "--:--";
        if (done >= total) eta = clock(seconds);
        err.print(String.format(Locale.ROOT, "\r[%s%s] %3.0f%%  %s / %s  %s/s  %s %s\u001b[K",
                "#".repeat(filled), ".".repeat(WIDTH - filled), fraction * 100, bytes(done), bytes(total), bytes((long) rate),
                done >= total ? "in" : "ETA", eta));
        err.flush();
    }

    static String bytes(long n) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
        return u == 0 ? n + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
