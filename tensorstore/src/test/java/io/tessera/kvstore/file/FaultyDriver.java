package io.tessera.kvstore.file;

import io.tessera.nativeio.Errno;
import io.tessera.nativeio.FileHandle;
import io.tessera.nativeio.FileIoDriver;
import io.tessera.nativeio.FileStat;
import io.tessera.nativeio.NativeIOException;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;

/** A driver that fails chosen operations with a chosen errno, for the paths a predicate picks. */
final class FaultyDriver implements FileIoDriver {
    private final FileIoDriver real;
    /** (operation, path) -> errno to fail with, or 0 to pass through. */
    volatile BiFunction<String, String, Integer> fault = (op, path) -> 0;

    /** When set, takes over every fsync. */
    volatile java.util.function.Function<FileHandle, CompletableFuture<Void>> fsyncHook;

    /** When set, takes over every syncfs. */
    volatile java.util.function.Function<FileHandle, CompletableFuture<Void>> syncfsHook;

    FaultyDriver(FileIoDriver real) { this.real = real; }

    private <T> CompletableFuture<T> maybe(String op, String path, java.util.function.Supplier<CompletableFuture<T>> call) {
        int errno = fault.apply(op, path);
        return errno != 0 ? CompletableFuture.failedFuture(new NativeIOException(op, path, errno)) : call.get();
    }

    @Override public String name() { return real.name(); }
    @Override public CompletableFuture<FileHandle> open(String path, int flags, int mode) { return maybe("open", path, () -> real.open(path, flags, mode)); }
    @Override public CompletableFuture<Long> read(FileHandle f, MemorySegment buf, long off) { return maybe("read", f.path(), () -> real.read(f, buf, off)); }
    @Override public CompletableFuture<Long> write(FileHandle f, MemorySegment buf, long off) { return maybe("write", f.path(), () -> real.write(f, buf, off)); }
    @Override public CompletableFuture<Void> fsync(FileHandle f, boolean dataOnly) { 
        var hook = fsyncHook;
        return maybe("fsync", f.path(), () -> hook != null ? hook.apply(f) : real.fsync(f, dataOnly));
    }
    @Override public CompletableFuture<Void> startWriteback(FileHandle f) { return maybe("sync_file_range", f.path(), () -> real.startWriteback(f)); }
    @Override public CompletableFuture<Void> syncFileSystem(FileHandle f) {
        var hook = syncfsHook;
        return maybe("syncfs", f.path(), () -> hook != null ? hook.apply(f) : real.syncFileSystem(f));
    }
    @Override public CompletableFuture<Void> rename(String from, String to) { return maybe("rename", from, () -> real.rename(from, to)); }
    @Override public CompletableFuture<Void> unlink(String path) { return maybe("unlink", path, () -> real.unlink(path)); }
    /** When set, what a successful mkdir's future waits for after the directory has been made. */
    volatile java.util.function.Function<String, CompletableFuture<Void>> mkdirHook;

    @Override public CompletableFuture<Void> mkdir(String path, int mode) {
        var hook = mkdirHook;
        return maybe("mkdir", path, () -> hook == null ? real.mkdir(path, mode) : real.mkdir(path, mode).thenCompose(v -> hook.apply(path)));
    }
    @Override public CompletableFuture<FileStat> stat(String path) { return maybe("statx", path, () -> real.stat(path)); }
    @Override public CompletableFuture<FileStat> statIfExists(String path) {
        // As the real drivers: a missing path is null, not a failure.
        int errno = fault.apply("statx", path);
        return Errno.isMissingPath(errno) ? CompletableFuture.completedFuture(null) : maybe("statx", path, () -> real.statIfExists(path));
    }
    @Override public CompletableFuture<FileStat> fstat(FileHandle f) { return maybe("statx", f.path(), () -> real.fstat(f)); }
    @Override public CompletableFuture<Void> close(FileHandle f) { return real.close(f); }
    /** When set, what a whole-file read waits for before it starts. */
    volatile java.util.function.Function<String, CompletableFuture<Void>> readFileHook;

    @Override public CompletableFuture<FileContents> readFile(String path, java.util.function.Function<io.tessera.nativeio.FileStat, MemorySegment> allocate) {
        var hook = readFileHook;
        if (hook != null) return hook.apply(path).thenCompose(v -> maybe("readFile", path, () -> real.readFile(path, allocate)));
        return maybe("readFile", path, () -> real.readFile(path, allocate));
    }
    @Override public <T> CompletableFuture<T> runChain(java.util.function.Supplier<CompletableFuture<T>> chain) { return real.runChain(chain); }
    @Override public boolean mustNotBlock() { return real.mustNotBlock(); }
    @Override public boolean isOwnThread() { return real.isOwnThread(); }
    @Override public void close() { real.close(); }
}
