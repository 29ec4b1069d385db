package io.tessera.nativeio;

import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicBoolean;

final class FileIoDrivers {
    static final String FLAG = "tessera.io_uring";
    private static final System.Logger LOG = System.getLogger("io.tessera.nativeio");
    private static final AtomicBoolean LOGGED = new AtomicBoolean();

    private FileIoDrivers() {}

    static FileIoDriver create(FileIoDriver.Kind kind, int concurrency) {
        if (concurrency < 1) throw new IllegalArgumentException("file I/O concurrency must be >= 1, got " + concurrency);
        return switch (kind) {
            case BLOCKING -> new BlockingFileIoDriver(concurrency);
            case IO_URING -> {
                String why = IoUringFileIoDriver.unavailableReason();
                if (why != null) throw new UnsupportedOperationException("io_uring is unavailable: " + why);
                yield IoUringFileIoDriver.create(concurrency);
            }
            case AUTO -> {
                String why = Boolean.parseBoolean(System.getProperty(FLAG, "true"))
                        ? IoUringFileIoDriver.unavailableReason() : "disabled by -D" + FLAG + "=false";
                FileIoDriver d = null;
                if (why == null) {
                    try {
                        d = IoUringFileIoDriver.create(concurrency);
                    } catch (RuntimeException e) {
                        why = e.getMessage();
                    }
                }
                if (d == null) d = new BlockingFileIoDriver(concurrency);
                if (LOGGED.compareAndSet(false, true)) {
                    LOG.log(Level.INFO, why == null
                            ? "file I/O driver: io_uring (-D" + FLAG + "=false selects blocking system calls on a thread pool)"
                            : "file I/O driver: blocking system calls on a thread pool; io_uring not used: " + why
                                    + " (flag -D" + FLAG + ")");
                }
                yield d;
            }
        };
    }
}
