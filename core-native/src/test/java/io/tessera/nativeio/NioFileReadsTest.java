package io.tessera.nativeio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.*;

/** The blocking driver's java.nio whole-file read gives what the libc one gives. */
class NioFileReadsTest {
    @TempDir Path dir;

    private final AtomicInteger allocations = new AtomicInteger();

    private MemorySegment allocate(FileStat stat) {
        long size = stat.size();
        allocations.incrementAndGet();
        return Arena.ofAuto().allocate(size + 13); // more than asked, as a pool may give
    }

    @Test
    void sameBytesAndStatusAsLibc() throws Exception {
        for (int size : new int[] {0, 1, 13, 207, 70_001}) {
            Path f = dir.resolve("f" + size);
            byte[] b = new byte[size];
            for (int i = 0; i < size; i++) b[i] = (byte) (i * 31 + 7);
            Files.write(f, b);
            FileIoDriver.FileContents nio = NioFileReads.readFile(f.toString(), this::allocate);
            FileIoDriver.FileContents libc = FileIoDrivers.readFileNow(f.toString(), this::allocate);
            assertArrayEquals(b, nio.bytes().toArray(JAVA_BYTE));
            assertEquals(libc.stat(), nio.stat());
            assertEquals(LibC.stat(f.toString()), nio.stat());
        }
        assertEquals(10, allocations.get());
    }

    @Test
    void missingFilesAndDirectoriesAreNull() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        assertNull(NioFileReads.readFile(dir.resolve("missing").toString(), this::allocate));
        assertNull(NioFileReads.readFile(dir.toString(), this::allocate));
        // ENOTDIR, as the libc read reports it: missing too.
        assertNull(NioFileReads.readFile(file.resolve("below").toString(), this::allocate));
        assertEquals(0, allocations.get());
    }
}
