package io.tessera.codecs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * The FFM fast path is the one selected here, compressing with the bundled c-blosc; it, the system
 * c-blosc and the JNI twin write the same bytes and read each other's output.
 */
class BloscLibTest {

    @Test
    void fastPathIsSelected() {
        // The test machine has the system c-blosc (python3-zarr pulls in libblosc1): the default must
        // be FFM, or the fast path the other tests claim to cover was not taken.
        assertInstanceOf(BloscLib.Ffm.class, BloscCodec.LIB, BloscCodec.LIB.describe());
        // Both libraries load here: the AVX2 build compresses (loaded by the first compression),
        // the system one (with snappy) decompresses.
        byte[] raw = TestData.smooth(10_000, 2, 1);
        Codecs.blosc().encode(MemorySegment.ofArray(raw), 2);
        String d = BloscCodec.LIB.describe();
        assertTrue(d.startsWith("decompresses with system c-blosc 1.") && d.contains("(with snappy)")
                && d.contains("compresses with c-blosc 1.21.4 bundled with blosc-java"), d);
    }

    /**
     * The bundled library is reached through symbols it does not export: if they were wrong, its
     * output would differ from the system library's (same c-blosc 1.21 format and codecs) or
     * crash. Every cname, shuffle, typesize, block size and size: each reads the other's, and the
     * bytes are identical where both use the same inner codec (blosclz and lz4 are c-blosc's own
     * or the same lz4 release; zlib and zstd are whatever versions each build links).
     */
    @Test
    void bundledAndSystemLibrariesWriteTheSameBytes() {
        int cases = 0;
        for (String cname : BloscCodec.CNAMES) {
            for (int shuffle = -1; shuffle <= 2; shuffle++) {
                for (int size : new int[] {0, 1, 255, 4097, 100_003, 524_288}) {
                    for (int elementSize : new int[] {1, 2, 4, 8, 300}) {
                        for (int blocksize : new int[] {0, 4096}) {
                            BloscCodec c = Codecs.blosc(cname, 5, shuffle, blocksize);
                            byte[] raw = TestData.smooth(size, elementSize, size + elementSize);
                            MemorySegment bundled = c.on(TestData.BUNDLED).encode(MemorySegment.ofArray(raw), elementSize);
                            MemorySegment system = c.on(TestData.SYSTEM).encode(MemorySegment.ofArray(raw), elementSize);
                            String what = cname + " shuffle " + shuffle + " size " + size + " typesize " + elementSize + " blocksize " + blocksize;
                            if (!cname.equals("zstd") && !cname.equals("zlib")) {
                                assertEquals(-1, bundled.mismatch(system), what);
                            }
                            assertArrayEquals(raw, c.on(TestData.SYSTEM).decode(bundled, size, "k").toArray(ValueLayout.JAVA_BYTE), what);
                            assertArrayEquals(raw, c.on(TestData.BUNDLED).decode(system, size, "k").toArray(ValueLayout.JAVA_BYTE), what);
                            cases++;
                        }
                    }
                }
            }
        }
        assertEquals(BloscCodec.CNAMES.size() * 4 * 6 * 5 * 2, cases);
    }

    /** blosc-java's build has no snappy; the default binding still writes and reads it through the system library. */
    @Test
    void snappyGoesToTheSystemLibrary() {
        assertFalse(TestData.BUNDLED.snappy());
        byte[] raw = TestData.smooth(70_001, 2, 3);
        BloscCodec c = Codecs.blosc("snappy", 5, 1, 0);
        MemorySegment viaDefault = c.on(TestData.FFM).encode(MemorySegment.ofArray(raw), 2);
        assertEquals(-1, viaDefault.mismatch(c.on(TestData.SYSTEM).encode(MemorySegment.ofArray(raw), 2)));
        assertArrayEquals(raw, c.on(TestData.FFM).decode(viaDefault, raw.length, "k").toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void implementationsReadEachOther() {
        int identical = 0;
        int total = 0;
        for (String cname : BloscCodec.CNAMES) {
            for (int shuffle = -1; shuffle <= 2; shuffle++) {
                for (int size : new int[] {0, 1, 255, 4097, 100_003}) {
                    for (int elementSize : new int[] {1, 2, 4, 300}) {
                        BloscCodec c = Codecs.blosc(cname, 5, shuffle, 0);
                        byte[] raw = TestData.smooth(size, elementSize, size);
                        MemorySegment viaFfm = c.on(TestData.FFM).encode(MemorySegment.ofArray(raw), elementSize);
                        MemorySegment viaJni = c.on(TestData.JNI).encode(MemorySegment.ofArray(raw), elementSize);
                        assertArrayEquals(raw, c.on(TestData.JNI).decode(viaFfm, size, "k").toArray(ValueLayout.JAVA_BYTE));
                        assertArrayEquals(raw, c.on(TestData.FFM).decode(viaJni, size, "k").toArray(ValueLayout.JAVA_BYTE));
                        identical += viaFfm.mismatch(viaJni) == -1 ? 1 : 0;
                        total++;
                    }
                }
            }
        }
        System.out.println("blosc FFM (" + TestData.FFM.describe() + ") and JNI encodings byte-identical in "
                + identical + " of " + total + " cases");
    }
}
