package io.tessera.nativeio;

import java.io.IOException;

/**
 * A failed system call: names the operation, the path it worked on, and the errno, e.g.
 * {@code fsync /d/a/0.0.__lock: EIO (Input/output error)}.
 */
public class NativeIOException extends IOException {
    private final String operation;
    private final String path;
    private final int errno;

    public NativeIOException(String operation, String path, int errno) {
        super(operation + " " + path + ": " + Errno.name(errno) + " (" + Errno.message(errno) + ")");
        this.operation = operation;
        this.path = path;
        this.errno = errno;
    }

    /** The operation that failed, e.g. {@code fsync}. */
    public String operation() { return operation; }

    /** The path the operation worked on (for descriptor operations, the path the descriptor was opened with). */
    public String path() { return path; }

    /** The errno number. */
    public int errno() { return errno; }

    /** The errno's symbolic name, e.g. {@code ENOSPC}. */
    public String errnoName() { return Errno.name(errno); }
}
