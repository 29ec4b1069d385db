package io.tessera.nativeio;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * {@link FileIoDriver#readFile} through {@code java.nio} instead of libc, for the blocking driver.
 * Why: a short-lived process (a {@code tessera read}) reads a few small files, and linking
 * {@code openat}, {@code statx}, {@code pread} and {@code close} through FFM (downcall stubs are
 * generated at run time, and the JDK's AOT cache cannot hold them) cost it more than its whole
 * read. {@code java.nio}'s file calls are plain JNI, linked from the start.
 *
 * <p>Same results as {@link FileIoDrivers#readFileNow}: {@code null} for a missing file or a
 * directory, the status of the file whose bytes were read. {@code java.nio} cannot fstat an open
 * channel, so the status is the path's, taken before and after the open: when both agree, the
 * channel holds that file (a rename over the path in between changes the inode, so they would
 * differ, and the open is retried). Every case this path does not handle itself (a failed stat or
 * open other than a missing file, a file that keeps changing, a special file) goes to
 * {@link FileIoDrivers#readFileNow} before anything is allocated, which reports errors with their
 * errno as ever.
 */
final class NioFileReads {
    private static final String ATTRIBUTES = "unix:dev,ino,lastModifiedTime,size,mode";
    private static final int ATTEMPTS = 3;

    private NioFileReads() {}

    static FileIoDriver.FileContents readFile(String path, Function<FileStat, MemorySegment> allocate) throws NativeIOException {
        Path p;
        try {
            p = Path.of(path);
        } catch (RuntimeException e) {
            return FileIoDrivers.readFileNow(path, allocate);
        }
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            FileStat before;
            FileChannel ch;
            try {
                before = stat(p);
                if (before.isDirectory()) return null;
                // (A ByteBuffer, which FileChannel reads into, holds at most 2 GiB.)
                if (!before.isRegularFile() || before.size() > Integer.MAX_VALUE) break;
                ch = FileChannel.open(p, StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
                return null;
            } catch (IOException | RuntimeException e) {
                break;
            }
            try {
                FileStat after;
                try {
                    after = stat(p);
                } catch (IOException | RuntimeException e) {
                    continue;
                }
                if (!after.equals(before)) continue;
                MemorySegment into = allocate.apply(before);
                if (into == null) return new FileIoDriver.FileContents(before, null);
                MemorySegment buf = into.asSlice(0, before.size());
                ByteBuffer bb = buf.asByteBuffer();
                long done = 0;
                try {
                    // Up to the size stat gave, or to the end of a file that shrank meanwhile, as readFileNow.
                    for (int n; bb.hasRemaining() && (n = ch.read(bb, done)) >= 0; ) done += n;
                } catch (IOException e) {
                    NativeIOException ne = new NativeIOException("pread", path, Errno.EIO);
                    ne.initCause(e);
                    throw ne;
                }
                return new FileIoDriver.FileContents(before, buf.asSlice(0, done));
            } finally {
                closeQuietly(ch);
            }
        }
        return FileIoDrivers.readFileNow(path, allocate);
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // As LibC.closeQuietly: the bytes are read; a failed close of a read-only file loses nothing.
        }
    }

    private static FileStat stat(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, ATTRIBUTES);
        return new FileStat((Long) a.get("dev"), (Long) a.get("ino"),
                ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS), (Long) a.get("size"), (Integer) a.get("mode"));
    }
}
