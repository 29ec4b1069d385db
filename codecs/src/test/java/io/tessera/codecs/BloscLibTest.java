package io.tessera.codecs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** The FFM fast path is the one selected here, and it and its JNI twin read each other's output. */
class BloscLibTest {

    @Test
    void fastPathIsSelected() {
        // The test machine has the system c-blosc (python3-zarr pulls in libblosc1): the default must
        // be FFM, or the fast path the other tests claim to cover was not taken.
        assertInstanceOf(BloscLib.Ffm.class, BloscCodec.LIB, BloscCodec.LIB.describe());
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
