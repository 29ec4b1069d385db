package io.tessera.codecs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Hand-made hostile chunks: each is refused before native code, with a message that says why. */
class HostileChunkTest {
    private static final byte[] RAW = TestData.smooth(10_000, 2, 3);

    private static byte[] encode(Codec c) {
        return c.encode(MemorySegment.ofArray(RAW), 2).toArray(ValueLayout.JAVA_BYTE);
    }

    private static String refuse(Codec c, byte[] chunk, long expected) {
        CodecException e = assertThrows(CodecException.class,
                () -> c.decode(MemorySegment.ofArray(chunk), expected, "0.4.2"));
        assertEquals("0.4.2", e.key());
        assertTrue(e.getMessage().startsWith("Cannot decode chunk \"0.4.2\" with " + c.id() + ": "), e.getMessage());
        return e.getMessage();
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void blosc() {
        for (BloscLib lib : new BloscLib[] {TestData.FFM, TestData.JNI}) {
            Codec c = Codecs.blosc().on(lib);
            byte[] good = encode(c);
            assertTrue(refuse(c, Arrays.copyOf(good, 15), RAW.length).endsWith("truncated: 15 bytes, a blosc header alone is 16"));
            assertTrue(refuse(c, good, RAW.length * 2L).endsWith("blosc header says 10000 decoded bytes, expected 20000"));
            byte[] b = good.clone();
            le(b).putInt(4, Integer.MAX_VALUE); // a decompression bomb's nbytes
            assertTrue(refuse(c, b, RAW.length).contains("header says 2147483647 decoded bytes, expected 10000"));
            assertTrue(refuse(c, Arrays.copyOf(good, good.length - 1), RAW.length)
                    .endsWith("blosc header says " + good.length + " compressed bytes, but the chunk has " + (good.length - 1)));
            b = good.clone();
            b[0] = 3;
            assertTrue(refuse(c, b, RAW.length).endsWith("unsupported blosc format version 3 (expected 1 or 2)"));
            b = good.clone();
            b[3] = 0;
            assertTrue(refuse(c, b, RAW.length).endsWith("blosc header has typesize 0"));
            b = good.clone();
            le(b).putInt(8, 0);
            assertTrue(refuse(c, b, RAW.length).endsWith("blosc blocksize 0 is outside valid range [1, 10000]"));
            b = good.clone();
            le(b).putInt(8, 1); // 10000 block offsets cannot fit
            assertTrue(refuse(c, b, RAW.length).contains("truncated: 10000 block offsets need 40016 bytes"));
            b = good.clone();
            le(b).putInt(16, good.length + 100);
            assertTrue(refuse(c, b, RAW.length).contains("blosc block 0 starts at " + (good.length + 100)));
            b = good.clone();
            b[2] = (byte) ((b[2] & 0x1f) | (6 << 5));
            assertTrue(refuse(c, b, RAW.length).endsWith("unknown blosc compressor code 6"));
            b = good.clone();
            b[2] |= 0x2; // "stored uncompressed", but the length says otherwise
            assertTrue(refuse(c, b, RAW.length).contains("stored-uncompressed blosc chunk has"));
        }
        // A header that understates nbytes, its offsets table rebuilt for the blocks that leaves:
        // c-blosc would decode those and ignore the blocks behind them.
        for (BloscLib lib : new BloscLib[] {TestData.FFM, TestData.JNI}) {
            Codec c = Codecs.blosc("zstd", 5, 0, 1024).on(lib);
            byte[] full = c.encode(MemorySegment.ofArray(TestData.smooth(8192, 2, 5)), 1).toArray(ValueLayout.JAVA_BYTE);
            assertEquals(1024, le(full).getInt(8), "blocks of 1024 bytes");
            byte[] b = full.clone();
            le(b).putInt(4, 4096);
            assertTrue(refuse(c, b, 4096).contains("blosc blocks span bytes 48 to "), refuse(c, b, 4096));
            byte[] shortTable = new byte[full.length - 16];
            System.arraycopy(full, 0, shortTable, 0, 16 + 16);
            System.arraycopy(full, 48, shortTable, 32, full.length - 48);
            le(shortTable).putInt(4, 4096).putInt(12, shortTable.length);
            for (int i = 0; i < 4; i++) le(shortTable).putInt(16 + 4 * i, le(full).getInt(16 + 4 * i) - 16);
            assertTrue(refuse(c, shortTable, 4096).contains("expected 32 to " + shortTable.length), refuse(c, shortTable, 4096));
            byte[] trailing = Arrays.copyOf(good(c), good(c).length + 4);
            le(trailing).putInt(12, trailing.length);
            assertTrue(refuse(c, trailing, RAW.length).contains("blosc blocks span"), refuse(c, trailing, RAW.length));
            b = full.clone();
            le(b).putInt(le(full).getInt(16 + 4 * 7), full.length); // the last block's length
            assertTrue(refuse(c, b, 8192).endsWith("blosc block 7 runs past the end of the chunk (" + full.length + " bytes)"));
        }
        // blosc-java's c-blosc has no snappy: a snappy chunk is refused before it is reached.
        byte[] snappy = encode(Codecs.blosc("snappy", 5, 1, 0).on(TestData.FFM));
        assertTrue(refuse(Codecs.blosc().on(TestData.JNI), snappy, RAW.length).contains("compressed with snappy"));
    }

    /**
     * Not hostile: the layout of c-blosc 1.10 and earlier, which left the "not split" flag clear
     * on blocks it did not split (8-byte elements, 125 to a block: too few to split). c-blosc
     * 1.21 decodes it; so must the check of the blocks' extent. Made from a 1.21 encoding with
     * the flag cleared, as python-blosc's report of the same break in c-blosc 1.11.0 did.
     */
    @Test
    void bloscChunksOfWritersBeforeTheSplitFlagDecode() {
        byte[] raw = TestData.smooth(1000, 8, 11);
        for (BloscLib lib : new BloscLib[] {TestData.FFM, TestData.JNI}) {
            for (int typesize : new int[] {8, 32}) {
                Codec c = Codecs.blosc("lz4", 5, 1, 0).on(lib);
                byte[] enc = c.encode(MemorySegment.ofArray(raw), typesize).toArray(ValueLayout.JAVA_BYTE);
                assertTrue((enc[2] & 0x10) != 0, "1.21 marks the blocks it does not split");
                enc[2] &= ~0x10;
                byte[] back = new byte[raw.length];
                c.decode(MemorySegment.ofArray(enc), MemorySegment.ofArray(back), "0");
                org.junit.jupiter.api.Assertions.assertArrayEquals(raw, back, "typesize " + typesize);
            }
        }
    }

    private static byte[] good(Codec c) {
        return encode(c);
    }

    @Test
    void zstd() {
        Codec c = Codecs.zstd(1);
        byte[] good = encode(c);
        assertTrue(refuse(c, good, RAW.length + 1L).endsWith("frame content size is 10000 bytes, expected 10001"));
        assertTrue(refuse(c, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, RAW.length).contains("not a zstd frame"));
        assertTrue(refuse(c, new byte[0], 0).contains("not a zstd frame"));
        assertTrue(refuse(c, Arrays.copyOf(good, 5), RAW.length).endsWith("truncated zstd frame header (5 bytes)"));
        assertTrue(refuse(c, new byte[] {0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4}, 3001)
                .endsWith("the chunk is one skippable zstd frame, which holds no data"));
        assertTrue(refuse(c, Arrays.copyOf(good, good.length / 2), RAW.length).contains("corrupt or truncated zstd data: "));
    }

    @Test
    void lz4() {
        Codec c = Codecs.lz4(1);
        byte[] good = encode(c);
        byte[] b = good.clone();
        le(b).putInt(0, -1);
        assertTrue(refuse(c, b, RAW.length).endsWith("header says 4294967295 decoded bytes, expected 10000"));
        assertTrue(refuse(c, new byte[3], 0).endsWith("truncated: 3 bytes, need at least 5"));
        assertTrue(refuse(c, Arrays.copyOf(good, good.length - 3), RAW.length).contains("corrupt LZ4 block"));
    }

    @Test
    void zlibGzipBz2() {
        byte[] z = encode(Codecs.zlib(5));
        assertTrue(refuse(Codecs.zlib(5), Arrays.copyOf(z, z.length - 2), RAW.length).contains("truncated stream"));
        assertTrue(refuse(Codecs.zlib(5), z, RAW.length - 1L).contains("more than the expected 9999 bytes"));
        byte[] zt = Arrays.copyOf(z, z.length + 2);
        assertTrue(refuse(Codecs.zlib(5), zt, RAW.length).endsWith("2 trailing bytes after the zlib stream"));

        byte[] g = encode(Codecs.gzip(5));
        byte[] b = g.clone();
        b[0] = 0x1e;
        assertTrue(refuse(Codecs.gzip(5), b, RAW.length).contains("not gzip data: magic 1e 8b at offset 0"));
        b = g.clone();
        b[g.length - 8] ^= 1;
        assertTrue(refuse(Codecs.gzip(5), b, RAW.length).contains("CRC-32 mismatch"));
        b = g.clone();
        b[3] = 4; // FEXTRA with a length running past the end
        refuse(Codecs.gzip(5), b, RAW.length);

        byte[] bz = encode(Codecs.bz2(1));
        assertTrue(refuse(Codecs.bz2(1), bz, RAW.length - 1L).contains("more than the expected 9999 bytes"));
        refuse(Codecs.bz2(1), Arrays.copyOf(bz, bz.length - 5), RAW.length);
    }
}
