package io.tessera.codecs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Decodes at least 100,000 mutated, truncated and extended chunks of every codec. Every outcome
 * must be a decode of exactly the expected size or a {@link CodecException}; any other exception
 * fails the test, and a crash of native code kills the test JVM (which fails the build). Codecs
 * with checksums (zlib, gzip, bz2) must moreover never return wrong bytes.
 */
class FuzzTest {
    private static final long SEED = 0x7e55e7aL;
    private static final int CASES = 160_000;
    private static final int[] SIZES = {0, 1, 100, 3001, 20_000};

    private record Base(Codec codec, byte[] raw, byte[] encoded, int elementSize) {}

    @Test
    void mutatedChunksDecodeOrFailCleanly() throws Exception {
        List<Base> bases = new ArrayList<>();
        for (Codec codec : TestData.allCodecs()) {
            int i = 0;
            for (int size : SIZES) {
                int elementSize = new int[] {1, 2, 4}[i++ % 3];
                byte[] raw = i % 2 == 0 ? TestData.random(size, size) : TestData.smooth(size, elementSize, size);
                byte[] enc = codec.encode(MemorySegment.ofArray(raw), elementSize).toArray(ValueLayout.JAVA_BYTE);
                bases.add(new Base(codec, raw, enc, elementSize));
            }
        }
        AtomicLong decodedSame = new AtomicLong();
        AtomicLong decodedDifferent = new AtomicLong();
        AtomicLong rejected = new AtomicLong();
        int threads = 2;
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    try (Arena arena = Arena.ofConfined()) {
                        for (int c = thread; c < CASES; c += threads) {
                            Random r = new Random(SEED * 31 + c);
                            Base base = bases.get(c % bases.size());
                            byte[] mutated = mutate(base, r);
                            long expected = base.raw.length;
                            if (r.nextInt(20) == 0) {
                                expected = Math.max(0, expected + r.nextInt(5) - 2);
                            }
                            MemorySegment in;
                            if (r.nextBoolean()) {
                                in = arena.allocate(Math.max(1, mutated.length)).asSlice(0, mutated.length);
                                MemorySegment.copy(mutated, 0, in, ValueLayout.JAVA_BYTE, 0, mutated.length);
                            } else {
                                in = MemorySegment.ofArray(mutated);
                            }
                            String key = "case" + c;
                            byte[] out;
                            try {
                                out = base.codec.decode(in, expected, key).toArray(ValueLayout.JAVA_BYTE);
                            } catch (CodecException e) {
                                assertEquals(key, e.key());
                                assertTrue(e.getMessage().contains(key) && e.getMessage().contains(base.codec.id()), e.getMessage());
                                rejected.incrementAndGet();
                                continue;
                            } catch (RuntimeException e) {
                                throw new AssertionError("case " + c + " " + base.codec + " raw " + base.raw.length
                                        + " threw " + e + " on " + Arrays.toString(Arrays.copyOf(mutated, 32)), e);
                            }
                            assertEquals(expected, out.length);
                            if (Arrays.equals(out, base.raw)) {
                                decodedSame.incrementAndGet();
                            } else {
                                if (checksummed(base.codec)) {
                                    assertArrayEquals(base.raw, out, "case " + c + ": " + base.codec + " returned wrong bytes");
                                }
                                decodedDifferent.incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        }
        long total = decodedSame.get() + decodedDifferent.get() + rejected.get();
        System.out.printf("fuzz: %d cases over %d chunks: %d rejected, %d decoded to the original, %d decoded to other bytes%n",
                total, bases.size(), rejected.get(), decodedSame.get(), decodedDifferent.get());
        assertEquals(CASES, total);
        assertTrue(rejected.get() > CASES / 2, "most mutations must be caught");
    }

    private static boolean checksummed(Codec codec) {
        return codec instanceof ZlibCodec || codec instanceof GzipCodec || codec instanceof Bz2Codec;
    }

    private static byte[] mutate(Base base, Random r) {
        byte[] b = base.encoded.clone();
        int n = b.length;
        switch (r.nextInt(11)) {
            case 0 -> flip(b, r, 1);
            case 1 -> flip(b, r, 1 + r.nextInt(8));
            case 2 -> {
                for (int k = 1 + r.nextInt(4); k > 0 && n > 0; k--) {
                    b[r.nextInt(n)] = (byte) r.nextInt(256);
                }
            }
            case 3 -> {
                if (n > 0) {
                    b[r.nextInt(Math.min(n, 32))] = (byte) r.nextInt(256);
                }
            }
            case 4 -> tweakInt(b, r, 4 * r.nextInt(Math.max(1, Math.min(n, 32) / 4)));
            case 5 -> b = Arrays.copyOf(b, n == 0 ? 0 : r.nextInt(n));
            case 6 -> {
                b = Arrays.copyOf(b, n + 1 + r.nextInt(16));
                for (int i = n; i < b.length; i++) {
                    b[i] = (byte) r.nextInt(256);
                }
            }
            case 7 -> {
                // Truncate, then repair the length fields so that the deeper checks are reached.
                b = Arrays.copyOf(b, n == 0 ? 0 : r.nextInt(n));
                if (base.codec instanceof BloscCodec && b.length >= 16) {
                    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(12, b.length);
                }
            }
            case 8 -> {
                // Blosc block offsets anywhere inside the chunk: passes our table check, so c-blosc's
                // own bounds checks are what is exercised.
                if (base.codec instanceof BloscCodec && n >= 20) {
                    ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
                    int k = 16 + 4 * r.nextInt(Math.max(1, Math.min((n - 16) / 4, 64)));
                    bb.putInt(k, 16 + r.nextInt(n - 16));
                } else {
                    flip(b, r, 2);
                }
            }
            case 9 -> {
                if (n > 2) {
                    int len = 1 + r.nextInt(Math.min(n - 1, 64));
                    System.arraycopy(b, r.nextInt(n - len + 1), b, r.nextInt(n - len + 1), len);
                }
            }
            default -> {
                // Header and body corruption together.
                tweakInt(b, r, 4 * r.nextInt(Math.max(1, Math.min(n, 16) / 4)));
                flip(b, r, 1 + r.nextInt(3));
            }
        }
        return b;
    }

    private static void flip(byte[] b, Random r, int bits) {
        for (int k = 0; k < bits && b.length > 0; k++) {
            int i = r.nextInt(b.length);
            b[i] ^= (byte) (1 << r.nextInt(8));
        }
    }

    private static void tweakInt(byte[] b, Random r, int offset) {
        if (offset + 4 > b.length) {
            flip(b, r, 1);
            return;
        }
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int old = bb.getInt(offset);
        int[] choices = {0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, old + 1, old - 1, old * 2, old / 2, r.nextInt()};
        bb.putInt(offset, choices[r.nextInt(choices.length)]);
    }
}
