package io.tessera.codecs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class RoundTripTest {
    private static final int[] SIZES = {0, 1, 2, 13, 207, 702, 4096, 65537, 262_147, 1_000_003};

    @Test
    void everyCodecRoundTripsAwkwardSizesHeapAndNative() {
        for (Codec codec : TestData.allCodecs()) {
            for (int size : SIZES) {
                for (int elementSize : new int[] {1, 2, 4, 8, 300}) {
                    if (codec instanceof Bz2Codec && size > 70_000 && elementSize != 2) {
                        continue; // bz2 is slow; one element size suffices for the large ones
                    }
                    byte[] data = size % 2 == 0 ? TestData.smooth(size, elementSize, size) : TestData.random(size, size);
                    check(codec, data, elementSize);
                }
            }
        }
    }

    private static void check(Codec codec, byte[] data, int elementSize) {
        String what = codec + " size " + data.length + " element " + elementSize;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment nativeRaw = arena.allocate(Math.max(1, data.length)).asSlice(0, data.length);
            MemorySegment.copy(data, 0, nativeRaw, ValueLayout.JAVA_BYTE, 0, data.length);
            MemorySegment heapRaw = MemorySegment.ofArray(data.clone());

            MemorySegment encNative = codec.encode(nativeRaw, elementSize, arena);
            MemorySegment encHeap = codec.encode(heapRaw, elementSize, (size, align) -> MemorySegment.ofArray(new byte[(int) size]));
            assertArrayEquals(encNative.toArray(ValueLayout.JAVA_BYTE), encHeap.toArray(ValueLayout.JAVA_BYTE), what);

            assertArrayEquals(data, codec.decode(encNative, data.length, "k").toArray(ValueLayout.JAVA_BYTE), what);
            byte[] heapDest = new byte[data.length];
            codec.decode(encHeap, MemorySegment.ofArray(heapDest), "k");
            assertArrayEquals(data, heapDest, what);
            // A destination slice in the middle of a larger heap array (offset != 0).
            byte[] big = new byte[data.length + 7];
            codec.decode(encNative, MemorySegment.ofArray(big).asSlice(3, data.length), "k");
            assertArrayEquals(data, java.util.Arrays.copyOfRange(big, 3, 3 + data.length), what);

            // Heap segments over other array types (NDArrays of short[] or float[]...).
            if (data.length % 2 == 0) {
                short[] shorts = new short[data.length / 2];
                MemorySegment.copy(data, 0, MemorySegment.ofArray(shorts), ValueLayout.JAVA_BYTE, 0, data.length);
                MemorySegment shortRaw = MemorySegment.ofArray(shorts);
                assertArrayEquals(encNative.toArray(ValueLayout.JAVA_BYTE),
                        codec.encode(shortRaw, elementSize).toArray(ValueLayout.JAVA_BYTE), what + " short[] raw");
                short[] shortDest = new short[data.length / 2];
                codec.decode(encNative, MemorySegment.ofArray(shortDest), "k");
                MemorySegment shortEnc = MemorySegment.ofArray(new short[(int) (encNative.byteSize() + 1) / 2])
                        .asSlice(0, encNative.byteSize());
                MemorySegment.copy(encNative, 0, shortEnc, 0, encNative.byteSize());
                short[] shortDest2 = new short[data.length / 2];
                codec.decode(shortEnc, MemorySegment.ofArray(shortDest2), "k");
                assertArrayEquals(shorts, shortDest, what + " short[] destination");
                assertArrayEquals(shorts, shortDest2, what + " short[] encoded");
            }
            // Wrong expected size is an error naming the key, not a partial decode.
            CodecException e = assertThrows(CodecException.class,
                    () -> codec.decode(encNative, data.length + 1L, "0.1.2"), what);
            assertEquals("0.1.2", e.key());
            if (data.length > 0) {
                assertThrows(CodecException.class, () -> codec.decode(encNative, data.length - 1L, "0.1.2"), what);
            }
        }
    }
}
