package io.tessera.nativeio;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.*;

/** {@link LibC#mapAnonymous}: aligned, zeroed, huge-page backed where the kernel allows. */
class AnonymousMemoryTest {
    private static final long SIZE = 8 * LibC.HUGE_PAGE;

    @Test
    void alignedZeroedAndOnHugePages() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = LibC.mapAnonymous(SIZE, arena);
            long start = m.address();
            assertEquals(SIZE, m.byteSize());
            assertEquals(0, start % LibC.HUGE_PAGE, "aligned to a huge page");
            for (long off = 0; off < SIZE; off += 4096) assertEquals(0L, m.get(JAVA_LONG, off), "fresh memory reads as zero");
            for (long off = 0; off < SIZE; off += 8) m.set(JAVA_LONG, off, off);
            for (long off = 0; off < SIZE; off += 8 * 1021) assertEquals(off, m.get(JAVA_LONG, off));
            String thp = thpSetting();
            long huge = anonHugeKiB(start);
            // The kernel may fall back to small pages when it has no free huge page at hand; it
            // has at least one for 16 MiB of a machine with THP enabled.
            if (thp.equals("never")) assertEquals(0, huge, "THP is off");
            else assertTrue(huge > 0, "THP is " + thp + " but the mapping has no huge page: " + huge + " KiB");
        }
    }

    @Test
    void mapsThatCannotBeMadeFailWithTheErrno() {
        NativeIOException e = assertThrows(NativeIOException.class, () -> LibC.mapAnonymous(1L << 62, Arena.ofAuto()));
        assertEquals("mmap", e.operation());
        assertEquals(Errno.ENOMEM, e.errno());
    }

    /** always, madvise or never: the bracketed word of the kernel's setting. */
    private static String thpSetting() throws IOException {
        Path p = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        if (!Files.exists(p)) return "never";
        String s = Files.readString(p);
        return s.substring(s.indexOf('[') + 1, s.indexOf(']'));
    }

    /** AnonHugePages of the mapping that contains {@code address}, from /proc/self/smaps. */
    private static long anonHugeKiB(long address) throws IOException {
        boolean inside = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (Character.isDigit(line.charAt(0)) || (line.charAt(0) >= 'a' && line.charAt(0) <= 'f')) {
                String[] range = line.substring(0, line.indexOf(' ')).split("-");
                inside = Long.parseUnsignedLong(range[0], 16) <= address && address < Long.parseUnsignedLong(range[1], 16);
            } else if (inside && line.startsWith("AnonHugePages:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return 0;
    }
}
