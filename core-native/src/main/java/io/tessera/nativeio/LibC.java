package io.tessera.nativeio;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Blocking bindings to the C library (glibc) through the FFM API. Every failing call throws
 * {@link NativeIOException} naming the operation, the path and the errno; {@code EINTR} is
 * retried. Paths are absolute or relative to the working directory; descriptor operations take
 * the path only to name it in errors.
 */
public final class LibC {
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0x40;
    public static final int O_EXCL = 0x80;
    public static final int O_TRUNC = 0x200;
    public static final int O_CLOEXEC = 0x80000;
    /** Differs between architectures: AArch64 uses the "generic" value, x86-64 its own. */
    public static final int O_DIRECTORY = isAarch64() ? 0x4000 : 0x10000;

    public static final int AT_FDCWD = -100;
    public static final int AT_REMOVEDIR = 0x200;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    public static final int AT_EMPTY_PATH = 0x1000;
    public static final int STATX_BASIC_STATS = 0x7ff;

    public static final int LOCK_EX = 2;
    public static final int LOCK_NB = 4;
    public static final int LOCK_UN = 8;

    static final int F_OFD_SETLK = 37;
    static final int F_OFD_SETLKW = 38;
    static final short F_WRLCK = 1;
    static final short F_UNLCK = 2;

    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_SHARED = 1;
    static final int MAP_PRIVATE = 2;
    static final int MAP_ANONYMOUS = 0x20;
    static final int MAP_POPULATE = 0x8000;
    static final int MADV_HUGEPAGE = 14;
    /** The size of a transparent huge page on x86-64 and on arm64 with 4 KiB pages. */
    public static final long HUGE_PAGE = 2L << 20;

    /** struct statx is 256 bytes; the offsets below are from linux/stat.h. */
    static final long STATX_SIZE = 256;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    // Each function is linked on first use (a holder class per function): linking all of them
    // when LibC loads cost a short command tens of milliseconds it mostly did not need.
    private static final class Openat { static final MethodHandle H = downcall("openat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(3), CAPTURE_ERRNO); }
    private static final class Pwrite { static final MethodHandle H = downcall("pwrite", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG), CAPTURE_ERRNO); }
    private static final class Pread { static final MethodHandle H = downcall("pread", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG), CAPTURE_ERRNO); }
    private static final class Fsync { static final MethodHandle H = downcall("fsync", FunctionDescriptor.of(JAVA_INT, JAVA_INT), CAPTURE_ERRNO); }
    private static final class Fdatasync { static final MethodHandle H = downcall("fdatasync", FunctionDescriptor.of(JAVA_INT, JAVA_INT), CAPTURE_ERRNO); }
    private static final class Syncfs { static final MethodHandle H = downcall("syncfs", FunctionDescriptor.of(JAVA_INT, JAVA_INT), CAPTURE_ERRNO); }
    private static final class Fstatfs { static final MethodHandle H = downcall("fstatfs", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS), CAPTURE_ERRNO); }
    private static final class SyncFileRange { static final MethodHandle H = downcall("sync_file_range", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO); }
    private static final class Ftruncate { static final MethodHandle H = downcall("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG), CAPTURE_ERRNO); }
    private static final class Renameat { static final MethodHandle H = downcall("renameat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS), CAPTURE_ERRNO); }
    private static final class Unlinkat { static final MethodHandle H = downcall("unlinkat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), CAPTURE_ERRNO); }
    private static final class Mkdirat { static final MethodHandle H = downcall("mkdirat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), CAPTURE_ERRNO); }
    private static final class Flock { static final MethodHandle H = downcall("flock", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), CAPTURE_ERRNO); }
    private static final class FcntlPtr { static final MethodHandle H = downcall("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), Linker.Option.firstVariadicArg(2), CAPTURE_ERRNO); }
    private static final class Statx { static final MethodHandle H = downcall("statx", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS), CAPTURE_ERRNO); }
    private static final class Close { static final MethodHandle H = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), CAPTURE_ERRNO); }
    private static final class Mmap { static final MethodHandle H = downcall("mmap", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), CAPTURE_ERRNO); }
    private static final class Madvise { static final MethodHandle H = downcall("madvise", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO); }
    private static final class Munmap { static final MethodHandle H = downcall("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), CAPTURE_ERRNO); }
    /** {@code syscall(2)} with three and six long arguments; the kernel reads whole registers, so every argument is a long. */
    private static final class Syscall3 { static final MethodHandle H = downcall("syscall", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(1), CAPTURE_ERRNO); }
    private static final class Syscall4 { static final MethodHandle H = downcall("syscall", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(1), CAPTURE_ERRNO); }
    private static final class Syscall6 { static final MethodHandle H = downcall("syscall", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(1), CAPTURE_ERRNO); }

    private static final ThreadLocal<CallMemory> CALL_MEMORY = ThreadLocal.withInitial(CallMemory::new);

    /**
     * Native memory a thread's calls reuse for their errno, C strings and result structs. Why: a
     * path call used to open and close a confined arena for its strings, an allocation and a free
     * each time, and C2 inlined the arena's bookkeeping into every caller (30 kB of code for a stat).
     * Calls never call back into Java, so one buffer per thread is never in use twice.
     */
    private static final class CallMemory {
        /** Each of a call's two C strings has this much room, unless a longer path grew it. */
        private static final long STRING_ROOM = 1024;
        /** Paths beyond this get memory of their own: the kernel refuses them anyway (PATH_MAX is 4096). */
        private static final long MOST_KEPT = 16 << 10;

        final MemorySegment capture;
        /** Room for the largest result struct: statx's. */
        final MemorySegment struct;
        /** Two halves, one per C string of a call. */
        private MemorySegment strings;

        CallMemory() {
            // One allocation (one cleaner) per thread for all three.
            long captureBytes = (CAPTURE_LAYOUT.byteSize() + 7) & -8;
            MemorySegment all = Arena.ofAuto().allocate(captureBytes + STATX_SIZE + 2 * STRING_ROOM, 8);
            capture = all.asSlice(0, CAPTURE_LAYOUT.byteSize());
            struct = all.asSlice(captureBytes, STATX_SIZE);
            strings = all.asSlice(captureBytes + STATX_SIZE);
        }

        /** {@code s} as a NUL-terminated UTF-8 string in half {@code which} (0 or 1) of the buffer. */
        MemorySegment cString(String s, int which) {
            long need = cStringBytes(s);
            long half = strings.byteSize() / 2;
            if (need > half) {
                if (need > MOST_KEPT) return Arena.ofAuto().allocateFrom(s);
                // The first string's slice keeps the old buffer alive until the call is over.
                half = Long.highestOneBit(need) << 1;
                strings = Arena.ofAuto().allocate(2 * half);
            }
            MemorySegment slot = strings.asSlice(which * half, half);
            putCString(slot, s, need);
            return slot;
        }
    }

    /**
     * Writes {@code s} at the start of {@code slot} as a NUL-terminated UTF-8 C string of
     * {@code bytes} bytes ({@link #cStringBytes}). An ASCII path, the usual kind, is copied char by
     * char: {@link MemorySegment#setString} would encode it through a temporary byte[], and its
     * charset code is what C2 spent most of a path call's compilation on.
     */
    static void putCString(MemorySegment slot, String s, long bytes) {
        int n = s.length();
        if (bytes != n + 1) {
            slot.setString(0, s);
            return;
        }
        for (int i = 0; i < n; i++) slot.set(JAVA_BYTE, i, (byte) s.charAt(i));
        slot.set(JAVA_BYTE, n, (byte) 0);
    }

    /** The bytes {@code s} takes as a NUL-terminated UTF-8 C string (an unpaired surrogate becomes '?'). */
    static long cStringBytes(String s) {
        long n = 1;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) n += 1;
            else if (c < 0x800) n += 2;
            else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else if (Character.isSurrogate(c)) n += 1;
            else n += 3;
        }
        return n;
    }

    private LibC() {}

    /**
     * Links ahead of need the functions a whole-file read uses (open, statx, pread, close), for a
     * short command that can do it on another thread while it parses its arguments.
     */
    public static void linkFileReads() {
        // Reading a holder's field initialises it, which links its function.
        for (MethodHandle h : new MethodHandle[] {Openat.H, Statx.H, Pread.H, Close.H}) java.util.Objects.requireNonNull(h);
    }

    private static MethodHandle downcall(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment symbol = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    private static boolean isAarch64() {
        String arch = System.getProperty("os.arch", "");
        return arch.equals("aarch64") || arch.equals("arm64");
    }

    private static int errno(MemorySegment capture) { return (int) ERRNO.get(capture, 0L); }

    private static MemorySegment capture() { return CALL_MEMORY.get().capture; }

    private static NativeIOException fail(String op, String path, MemorySegment capture) {
        return new NativeIOException(op, path, errno(capture));
    }

    // ---- path operations ----

    /** {@code open(2)}; returns the descriptor. */
    public static int open(String path, int flags, int mode) throws NativeIOException {
        return openat(AT_FDCWD, path, flags, mode);
    }

    /**
     * {@code open(2)}, or -1 when the path does not exist (ENOENT, ENOTDIR): reads of missing
     * keys are common (every chunk not yet written) and should not cost an exception each.
     */
    public static int openIfExists(String path, int flags, int mode) throws NativeIOException {
        return openat(AT_FDCWD, path, flags, mode, true);
    }

    /** {@code openat(2)}; returns the descriptor. */
    public static int openat(int dirfd, String path, int flags, int mode) throws NativeIOException {
        return openat(dirfd, path, flags, mode, false);
    }

    private static int openat(int dirfd, String path, int flags, int mode, boolean missingOk) throws NativeIOException {
        CallMemory m = CALL_MEMORY.get();
        MemorySegment cap = m.capture;
        MemorySegment p = m.cString(path, 0);
        while (true) {
            int r;
            try {
                r = (int) Openat.H.invokeExact(cap, dirfd, p, flags, mode);
            } catch (Throwable t) { throw rethrow(t); }
            if (r >= 0) return r;
            int e = errno(cap);
            if (missingOk && Errno.isMissingPath(e)) return -1;
            if (e != Errno.EINTR) throw fail("open", path, cap);
        }
    }

    /** {@code renameat(2)} relative to the working directory. */
    public static void rename(String from, String to) throws NativeIOException {
        renameat(AT_FDCWD, from, AT_FDCWD, to);
    }

    /** {@code renameat(2)}. */
    public static void renameat(int olddirfd, String from, int newdirfd, String to) throws NativeIOException {
        CallMemory m = CALL_MEMORY.get();
        MemorySegment cap = m.capture;
        MemorySegment fromC = m.cString(from, 0);
        MemorySegment toC = m.cString(to, 1);
        int r;
        try {
            r = (int) Renameat.H.invokeExact(cap, olddirfd, fromC, newdirfd, toC);
        } catch (Throwable t) { throw rethrow(t); }
        if (r != 0) throw fail("rename", from + " -> " + to, cap);
    }

    /** {@code unlink(2)}. */
    public static void unlink(String path) throws NativeIOException { unlinkat(AT_FDCWD, path, 0); }

    /** {@code unlinkat(2)}; {@link #AT_REMOVEDIR} removes a directory. */
    public static void unlinkat(int dirfd, String path, int flags) throws NativeIOException {
        CallMemory m = CALL_MEMORY.get();
        MemorySegment cap = m.capture;
        int r;
        try {
            r = (int) Unlinkat.H.invokeExact(cap, dirfd, m.cString(path, 0), flags);
        } catch (Throwable t) { throw rethrow(t); }
        if (r != 0) throw fail((flags & AT_REMOVEDIR) != 0 ? "rmdir" : "unlink", path, cap);
    }

    /** {@code mkdir(2)}. */
    public static void mkdir(String path, int mode) throws NativeIOException { mkdirat(AT_FDCWD, path, mode); }

    /** {@code mkdirat(2)}. */
    public static void mkdirat(int dirfd, String path, int mode) throws NativeIOException {
        CallMemory m = CALL_MEMORY.get();
        MemorySegment cap = m.capture;
        int r;
        try {
            r = (int) Mkdirat.H.invokeExact(cap, dirfd, m.cString(path, 0), mode);
        } catch (Throwable t) { throw rethrow(t); }
        if (r != 0) throw fail("mkdir", path, cap);
    }

    /** {@code statx(2)} of a path (following symlinks), or of {@code dirfd} itself when {@code path} is empty. */
    public static FileStat statx(int dirfd, String path, int flags, String nameForErrors) throws NativeIOException {
        return statx(dirfd, path, flags, nameForErrors, false);
    }

    private static FileStat statx(int dirfd, String path, int flags, String nameForErrors, boolean missingOk) throws NativeIOException {
        CallMemory m = CALL_MEMORY.get();
        MemorySegment cap = m.capture;
        MemorySegment buf = m.struct;
        int r;
        try {
            r = (int) Statx.H.invokeExact(cap, dirfd, m.cString(path, 0), flags, STATX_BASIC_STATS, buf);
        } catch (Throwable t) { throw rethrow(t); }
        if (r != 0) {
            int e = errno(cap);
            if (missingOk && Errno.isMissingPath(e)) return null;
            throw fail("statx", nameForErrors, cap);
        }
        return decodeStatx(buf);
    }

    /** {@code stat} of a path. */
    public static FileStat stat(String path) throws NativeIOException { return statx(AT_FDCWD, path, 0, path); }

    /** {@code stat} of a path, or null when it does not exist (ENOENT, ENOTDIR), without an exception. */
    public static FileStat statIfExists(String path) throws NativeIOException { return statx(AT_FDCWD, path, 0, path, true); }

    /** {@code fstat} of an open descriptor. */
    public static FileStat fstat(int fd, String path) throws NativeIOException {
        return statx(fd, "", AT_EMPTY_PATH, path);
    }

    static FileStat decodeStatx(MemorySegment buf) {
        int mode = Short.toUnsignedInt(buf.get(JAVA_SHORT, 28));
        long ino = buf.get(JAVA_LONG, 32);
        long size = buf.get(JAVA_LONG, 40);
        long mtimeSec = buf.get(JAVA_LONG, 112);
        long mtimeNsec = Integer.toUnsignedLong(buf.get(JAVA_INT, 120));
        long major = Integer.toUnsignedLong(buf.get(JAVA_INT, 136));
        long minor = Integer.toUnsignedLong(buf.get(JAVA_INT, 140));
        // glibc's makedev(), so that dev equals st_dev as stat(2) reports it.
        long dev = ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
        return new FileStat(dev, ino, mtimeSec * 1_000_000_000L + mtimeNsec, size, mode);
    }

    // ---- descriptor operations ----

    /** {@code pwrite(2)} of all of {@code buf} (a native segment) at most once; returns the bytes written. */
    public static long pwrite(int fd, MemorySegment buf, long offset, String path) throws NativeIOException {
        requireNative(buf);
        MemorySegment cap = capture();
        while (true) {
            long r;
            try {
                r = (long) Pwrite.H.invokeExact(cap, fd, buf, buf.byteSize(), offset);
            } catch (Throwable t) { throw rethrow(t); }
            if (r >= 0) return r;
            if (errno(cap) != Errno.EINTR) throw fail("write", path, cap);
        }
    }

    /** {@code pread(2)} into {@code buf} (a native segment) at most once; returns the bytes read, 0 at end of file. */
    public static long pread(int fd, MemorySegment buf, long offset, String path) throws NativeIOException {
        requireNative(buf);
        MemorySegment cap = capture();
        while (true) {
            long r;
            try {
                r = (long) Pread.H.invokeExact(cap, fd, buf, buf.byteSize(), offset);
            } catch (Throwable t) { throw rethrow(t); }
            if (r >= 0) return r;
            if (errno(cap) != Errno.EINTR) throw fail("read", path, cap);
        }
    }

    /** {@code fsync(2)}, or {@code fdatasync(2)} when {@code dataOnly}. */
    public static void fsync(int fd, boolean dataOnly, String path) throws NativeIOException {
        MemorySegment cap = capture();
        int r;
        try {
            r = dataOnly ? (int) Fdatasync.H.invokeExact(cap, fd) : (int) Fsync.H.invokeExact(cap, fd);
        } catch (Throwable t) { throw rethrow(t); }
        if (r != 0) throw fail(dataOnly ? "fdatasync" : "fsync", path, cap);
    }

    /**
     * {@code syncfs(2)}: writes back every dirty page and inode of the file system that holds
     * {@code fd} and waits for the device; since Linux 5.8 it reports writeback errors that
     * occurred on that file system since {@code fd} was opened.
     */
    public static void syncfs(int fd, String path) throws NativeIOException {
        MemorySegment cap = capture();
        int r;
        try {
            r = (int) Syncfs.H.invokeExact(cap, fd);
        } catch (Throwable t) { throw rethrow(t); }
        if (r != 0) throw fail("syncfs", path, cap);
    }

    /**
     * The type of the file system that holds {@code fd}: {@code f_type} of {@code fstatfs(2)}, a
     * magic number of {@code linux/magic.h} such as {@code 0xEF53} for ext2, ext3 and ext4.
     */
    public static long fileSystemType(int fd, String path) throws NativeIOException {
        CallMemory m = CALL_MEMORY.get();
        MemorySegment cap = m.capture;
        // struct statfs (120 bytes on 64-bit Linux) fits in the room kept for statx's result; f_type comes first.
        MemorySegment buf = m.struct;
        int r;
        try {
            r = (int) Fstatfs.H.invokeExact(cap, fd, buf);
        } catch (Throwable t) { throw rethrow(t); }
        if (r != 0) throw fail("fstatfs", path, cap);
        return buf.get(JAVA_LONG, 0);
    }

    /** {@code sync_file_range}'s flag that starts writeback of the range's dirty pages without waiting. */
    public static final int SYNC_FILE_RANGE_WRITE = 2;

    /**
     * {@code sync_file_range(fd, offset, nbytes, flags)}; {@code nbytes} 0 means to the end of the
     * file. It makes nothing durable (no metadata, no device flush): with
     * {@link #SYNC_FILE_RANGE_WRITE} it only puts the dirty pages on their way to the device.
     */
    public static void syncFileRange(int fd, long offset, long nbytes, int flags, String path) throws NativeIOException {
        MemorySegment cap = capture();
        int r;
        try {
            r = (int) SyncFileRange.H.invokeExact(cap, fd, offset, nbytes, flags);
        } catch (Throwable t) { throw rethrow(t); }
        if (r != 0) throw fail("sync_file_range", path, cap);
    }

    /** {@code ftruncate(2)}. */
    public static void ftruncate(int fd, long length, String path) throws NativeIOException {
        MemorySegment cap = capture();
        while (true) {
            int r;
            try {
                r = (int) Ftruncate.H.invokeExact(cap, fd, length);
            } catch (Throwable t) { throw rethrow(t); }
            if (r == 0) return;
            if (errno(cap) != Errno.EINTR) throw fail("ftruncate", path, cap);
        }
    }

    /** {@code flock(2)}; with {@link #LOCK_NB}, returns false instead of blocking when the lock is held. */
    public static boolean flock(int fd, int operation, String path) throws NativeIOException {
        MemorySegment cap = capture();
        while (true) {
            int r;
            try {
                r = (int) Flock.H.invokeExact(cap, fd, operation);
            } catch (Throwable t) { throw rethrow(t); }
            if (r == 0) return true;
            int e = errno(cap);
            if (e == Errno.EAGAIN && (operation & LOCK_NB) != 0) return false;
            if (e != Errno.EINTR) throw fail("flock", path, cap);
        }
    }

    /**
     * Takes an exclusive open-file-description lock ({@code fcntl F_OFD_SETLK[W]}) on the whole
     * file: the lock TensorStore takes on its {@code .__lock} files. It is tied to the open file,
     * not the process, so two descriptors of one process exclude each other, and it vanishes when
     * the last descriptor is closed or the process dies.
     *
     * @param wait whether to block until the lock is free
     * @return whether the lock was taken (always true when {@code wait})
     */
    public static boolean lockExclusive(int fd, boolean wait, String path) throws NativeIOException {
        return ofdLock(fd, F_WRLCK, wait, path);
    }

    /** Releases a lock taken by {@link #lockExclusive}. */
    public static void unlock(int fd, String path) throws NativeIOException {
        ofdLock(fd, F_UNLCK, false, path);
    }

    private static boolean ofdLock(int fd, short type, boolean wait, String path) throws NativeIOException {
        CallMemory m = CALL_MEMORY.get();
        MemorySegment cap = m.capture;
        // struct flock: short l_type, short l_whence, off_t l_start, off_t l_len, pid_t l_pid (32 bytes);
        // all zero but the type: the whole file, and l_pid must be 0 for an OFD lock.
        MemorySegment fl = m.struct.asSlice(0, 32).fill((byte) 0);
        fl.set(JAVA_SHORT, 0, type);
        while (true) {
            int r;
            try {
                r = (int) FcntlPtr.H.invokeExact(cap, fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, fl);
            } catch (Throwable t) { throw rethrow(t); }
            if (r == 0) return true;
            int e = errno(cap);
            if (!wait && (e == Errno.EAGAIN || e == Errno.EACCES)) return false;
            if (e != Errno.EINTR) throw fail(type == F_UNLCK ? "unlock" : "lock", path, cap);
        }
    }

    /** {@code close(2)}; EINTR is not retried, as on Linux the descriptor is gone either way. */
    public static void close(int fd, String path) throws NativeIOException {
        MemorySegment cap = capture();
        int r;
        try {
            r = (int) Close.H.invokeExact(cap, fd);
        } catch (Throwable t) { throw rethrow(t); }
        if (r != 0 && errno(cap) != Errno.EINTR) throw fail("close", path, cap);
    }

    /**
     * {@code close(2)} where a failure changes nothing: a descriptor only read through, or one
     * whose data's fate an fsync (or an earlier error) already decided.
     */
    public static void closeQuietly(int fd) {
        try {
            close(fd, "");
        } catch (NativeIOException ignored) {
            // By contract: the caller has nothing to do about it.
        }
    }

    // ---- memory mapping and raw system calls (io_uring) ----

    static MemorySegment mmap(long length, int prot, int flags, int fd, long offset, String what) throws NativeIOException {
        MemorySegment cap = capture();
        MemorySegment r;
        try {
            r = (MemorySegment) Mmap.H.invokeExact(cap, MemorySegment.NULL, length, prot, flags, fd, offset);
        } catch (Throwable t) { throw rethrow(t); }
        if (r.address() == -1L) throw fail("mmap", what, cap);
        return r.reinterpret(length);
    }

    /**
     * Fresh private anonymous memory of {@code bytes} bytes, aligned to {@link #HUGE_PAGE} and
     * advised for transparent huge pages ({@code MADV_HUGEPAGE}), unmapped when {@code arena} frees
     * it (for an automatic arena, once the segment is unreachable).
     *
     * <p>Why: memory from {@link Arena#allocate} is zeroed by a memset that faults it in a 4 KiB page
     * at a time, about 2 µs a page here (120 ms for 256 MiB, ten times the copy that fills it). With
     * huge pages the kernel faults in 2 MiB at once: about 3x faster. Where transparent huge pages
     * are off ({@code /sys/kernel/mm/transparent_hugepage/enabled} never), the advice is refused
     * and the memory is plain 4 KiB pages, still with no memset.
     */
    public static MemorySegment mapAnonymous(long bytes, Arena arena) throws NativeIOException {
        long length = bytes + HUGE_PAGE; // room to align the start
        MemorySegment mapping = mmap(length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, "anonymous memory");
        long start = (mapping.address() + HUGE_PAGE - 1) & -HUGE_PAGE;
        try {
            // A refusal (THP off, old kernel) only costs speed.
            int ignored = (int) Madvise.H.invokeExact(capture(), MemorySegment.ofAddress(start), bytes, MADV_HUGEPAGE);
        } catch (Throwable t) {
            munmap(mapping);
            throw rethrow(t);
        }
        long mapped = mapping.address();
        try {
            return MemorySegment.ofAddress(start).reinterpret(bytes, arena, ignored -> munmap(MemorySegment.ofAddress(mapped).reinterpret(length)));
        } catch (RuntimeException e) {
            // A closed arena, or one confined to another thread: nothing will ever unmap it.
            munmap(mapping);
            throw e;
        }
    }

    static void munmap(MemorySegment seg) {
        try {
            int ignored = (int) Munmap.H.invokeExact(capture(), seg, seg.byteSize());
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** A raw system call; returns the result, or {@code -errno} on failure. */
    static long syscall(long nr, long a, long b, long c) {
        MemorySegment cap = capture();
        long r;
        try {
            r = (long) Syscall3.H.invokeExact(cap, nr, a, b, c);
        } catch (Throwable t) { throw rethrow(t); }
        return r == -1 ? -errno(cap) : r;
    }

    static long syscall(long nr, long a, long b, long c, long d) {
        MemorySegment cap = capture();
        long r;
        try {
            r = (long) Syscall4.H.invokeExact(cap, nr, a, b, c, d);
        } catch (Throwable t) { throw rethrow(t); }
        return r == -1 ? -errno(cap) : r;
    }

    static long syscall(long nr, long a, long b, long c, long d, long e, long f) {
        MemorySegment cap = capture();
        long r;
        try {
            r = (long) Syscall6.H.invokeExact(cap, nr, a, b, c, d, e, f);
        } catch (Throwable t) { throw rethrow(t); }
        return r == -1 ? -errno(cap) : r;
    }

    static void requireNative(MemorySegment buf) {
        if (!buf.isNative()) throw new IllegalArgumentException("I/O buffers must be native (off-heap) segments: " + buf);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

}
