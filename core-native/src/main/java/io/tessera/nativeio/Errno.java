package io.tessera.nativeio;

import java.util.HashMap;
import java.util.Map;

/**
 * Linux errno numbers and their symbolic names and messages, as {@code strerror(3)} words them.
 * The numbers are those of the generic Linux ABI shared by x86-64 and AArch64.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EXDEV = 18;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int EROFS = 30;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOSYS = 38;
    public static final int ENOTEMPTY = 39;
    public static final int EOPNOTSUPP = 95;
    public static final int ECANCELED = 125;

    /**
     * Whether {@code errno} says a path does not exist: ENOENT, or ENOTDIR (a component of it is a
     * regular file). The calls that answer "missing" rather than fail use this one rule.
     */
    public static boolean isMissingPath(int errno) { return errno == ENOENT || errno == ENOTDIR; }

    private record Entry(String name, String message) {}

    private static final Map<Integer, Entry> TABLE = new HashMap<>();

    private static void add(int n, String name, String message) { TABLE.put(n, new Entry(name, message)); }

    static {
        add(1, "EPERM", "Operation not permitted");
        add(2, "ENOENT", "No such file or directory");
        add(3, "ESRCH", "No such process");
        add(4, "EINTR", "Interrupted system call");
        add(5, "EIO", "Input/output error");
        add(6, "ENXIO", "No such device or address");
        add(7, "E2BIG", "Argument list too long");
        add(9, "EBADF", "Bad file descriptor");
        add(11, "EAGAIN", "Resource temporarily unavailable");
        add(12, "ENOMEM", "Cannot allocate memory");
        add(13, "EACCES", "Permission denied");
        add(14, "EFAULT", "Bad address");
        add(16, "EBUSY", "Device or resource busy");
        add(17, "EEXIST", "File exists");
        add(18, "EXDEV", "Invalid cross-device link");
        add(19, "ENODEV", "No such device");
        add(20, "ENOTDIR", "Not a directory");
        add(21, "EISDIR", "Is a directory");
        add(22, "EINVAL", "Invalid argument");
        add(23, "ENFILE", "Too many open files in system");
        add(24, "EMFILE", "Too many open files");
        add(25, "ENOTTY", "Inappropriate ioctl for device");
        add(26, "ETXTBSY", "Text file busy");
        add(27, "EFBIG", "File too large");
        add(28, "ENOSPC", "No space left on device");
        add(29, "ESPIPE", "Illegal seek");
        add(30, "EROFS", "Read-only file system");
        add(31, "EMLINK", "Too many links");
        add(32, "EPIPE", "Broken pipe");
        add(36, "ENAMETOOLONG", "File name too long");
        add(37, "ENOLCK", "No locks available");
        add(38, "ENOSYS", "Function not implemented");
        add(39, "ENOTEMPTY", "Directory not empty");
        add(40, "ELOOP", "Too many levels of symbolic links");
        add(61, "ENODATA", "No data available");
        add(75, "EOVERFLOW", "Value too large for defined data type");
        add(95, "EOPNOTSUPP", "Operation not supported");
        add(110, "ETIMEDOUT", "Connection timed out");
        add(116, "ESTALE", "Stale file handle");
        add(122, "EDQUOT", "Disk quota exceeded");
        add(125, "ECANCELED", "Operation canceled");
    }

    private Errno() {}

    /** The symbolic name, e.g. {@code ENOSPC}; {@code errno 200} for a number not in the table. */
    public static String name(int errno) {
        Entry e = TABLE.get(errno);
        return e != null ? e.name : "errno " + errno;
    }

    /** The message, e.g. {@code No space left on device}. */
    public static String message(int errno) {
        Entry e = TABLE.get(errno);
        return e != null ? e.message : "Unknown error " + errno;
    }
}
