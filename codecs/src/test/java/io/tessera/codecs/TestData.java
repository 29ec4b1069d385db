package io.tessera.codecs;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Shared codec configurations and data generators for the tests. */
final class TestData {
    private TestData() {}

    /** blosc-java's JNI binding: the scalar twin of the FFM path. */
    static final BloscLib JNI = new BloscLib.Jni();
    /**
     * The default FFM binding: the bundled c-blosc compresses, the system one decompresses; loading
     * fails (and so do the tests) if neither loads.
     */
    static final BloscLib FFM = BloscLib.Ffm.load();
    /** The system c-blosc alone through FFM; fails if it is missing (the test machine has it). */
    static final BloscLib SYSTEM = BloscLib.Ffm.only(BloscLib.Library.system());
    /** blosc-java's bundled c-blosc alone through FFM. */
    static final BloscLib BUNDLED = BloscLib.Ffm.only(BloscLib.Library.bundled());

    /** One instance of every codec and notable parameter choice; blosc on both implementations. */
    static List<Codec> allCodecs() {
        List<Codec> codecs = new ArrayList<>();
        List<BloscCodec> bloscs = new ArrayList<>();
        for (String cname : BloscCodec.CNAMES) {
            bloscs.add(Codecs.blosc(cname, 5, -1, 0));
        }
        bloscs.add(Codecs.blosc("lz4", 0, 1, 0));
        bloscs.add(Codecs.blosc("lz4", 9, 0, 0));
        bloscs.add(Codecs.blosc("zstd", 3, 2, 0));
        bloscs.add(Codecs.blosc("blosclz", 5, 1, 256));
        for (BloscCodec b : bloscs) {
            codecs.add(b.on(FFM));
            codecs.add(b.on(JNI));
        }
        if (FFM.snappy()) {
            codecs.add(Codecs.blosc("snappy", 5, -1, 0).on(FFM));
        }
        codecs.add(Codecs.zlib(1));
        codecs.add(Codecs.zlib(9));
        codecs.add(Codecs.zlib(0));
        codecs.add(Codecs.gzip(1));
        codecs.add(Codecs.gzip(6));
        codecs.add(Codecs.zstd(1));
        codecs.add(Codecs.zstd(-5));
        codecs.add(Codecs.zstd(19));
        codecs.add(Codecs.bz2(1));
        codecs.add(Codecs.bz2(9));
        codecs.add(Codecs.lz4(1));
        return codecs;
    }

    /** Smooth data (slowly varying little-endian integers of {@code elementSize} bytes) with some noise. */
    static byte[] smooth(int size, int elementSize, long seed) {
        Random r = new Random(seed);
        byte[] b = new byte[size];
        long v = r.nextInt(1000);
        for (int i = 0; i < size; i += elementSize) {
            if (r.nextInt(8) == 0) {
                v += r.nextInt(5) - 2;
            }
            for (int k = 0; k < elementSize && i + k < size; k++) {
                b[i + k] = (byte) (v >>> (8 * Math.min(k, 7)));
            }
        }
        return b;
    }

    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }
}
