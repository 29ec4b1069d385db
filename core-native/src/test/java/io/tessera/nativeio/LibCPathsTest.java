package io.tessera.nativeio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

/**
 * LibC's path calls pass their C strings through per-thread buffers that grow for long paths;
 * java.nio is the oracle for what each call did, with paths short and long (a second string longer
 * than the first's buffer), non-ASCII, and from many threads at once.
 */
class LibCPathsTest {

    /** {@code base} plus directories of 200 characters until the path is at least {@code length} long. */
    private static Path deep(Path base, String tag, int length) throws Exception {
        Path p = base.resolve(tag);
        while (p.toString().length() < length) p = p.resolve(tag.charAt(0) + "x".repeat(199));
        Files.createDirectories(p);
        return p;
    }

    @Test
    void longAndNonAsciiPathsReachTheKernelIntact(@TempDir Path dir) throws Exception {
        for (int length : new int[] {10, 1_000, 1_900}) {
            Path from = deep(dir, "a" + length, length).resolve("données-é中.bin");
            // The second string of a rename outgrows the buffer the first was placed in.
            Path to = deep(dir, "b" + length, 2 * length).resolve("目标-ß.bin");
            int fd = LibC.open(from.toString(), LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC, 0644);
            LibC.close(fd, from.toString());
            assertTrue(Files.exists(from), from.toString());
            FileStat st = LibC.stat(from.toString());
            assertEquals(Files.getAttribute(from, "unix:ino"), st.ino());
            LibC.rename(from.toString(), to.toString());
            assertFalse(Files.exists(from));
            assertTrue(Files.exists(to));
            assertNull(LibC.statIfExists(from.toString()));
            Path sub = to.resolveSibling("sub-ü");
            LibC.mkdir(sub.toString(), 0755);
            assertTrue(Files.isDirectory(sub));
            LibC.unlinkat(LibC.AT_FDCWD, sub.toString(), LibC.AT_REMOVEDIR);
            LibC.unlink(to.toString());
            assertFalse(Files.exists(to) || Files.exists(sub));
        }
    }

    @Test
    void pathsFromManyThreadsDoNotMix(@TempDir Path dir) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Void>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int id = t;
                done.add(pool.submit((Callable<Void>) () -> {
                    for (int i = 0; i < 300; i++) {
                        // Lengths vary so that threads grow their buffers at different moments.
                        Path p = dir.resolve("t" + id + "-" + i + "-" + "y".repeat((i * 7 + id) % 200));
                        Path q = dir.resolve("r" + id + "-" + i);
                        LibC.close(LibC.open(p.toString(), LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC, 0644), p.toString());
                        LibC.rename(p.toString(), q.toString());
                        assertEquals(Files.getAttribute(q, "unix:ino"), LibC.stat(q.toString()).ino());
                        assertNull(LibC.statIfExists(p.toString()));
                    }
                    return null;
                }));
            }
            for (Future<Void> f : done) f.get();
            try (var s = Files.list(dir)) {
                assertEquals(8 * 300, s.filter(f -> f.getFileName().toString().startsWith("r")).count());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
