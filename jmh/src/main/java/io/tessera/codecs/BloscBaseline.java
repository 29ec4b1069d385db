package io.tessera.codecs;

import java.lang.foreign.MemorySegment;

/**
 * For {@code CodecBench}'s raw baseline: the c-blosc functions the pipeline itself calls, so that
 * pipeline and baseline time the same library build (blosc-java's bundled c-blosc compresses, the
 * system one decompresses; see {@link BloscLib}). In the codecs package to reach its internals;
 * benchmarks only.
 */
public final class BloscBaseline {
    private BloscBaseline() {}

    private static BloscLib.Ffm ffm() {
        if (!(BloscCodec.LIB instanceof BloscLib.Ffm f)) {
            throw new IllegalStateException("the codec pipeline does not call c-blosc through FFM: " + BloscCodec.LIB.describe());
        }
        return f;
    }

    /** {@code blosc_compress_ctx} of the library the pipeline compresses lz4 with. */
    public static MemorySegment compressFunction() {
        return ffm().encoderLibrary().compressFunction();
    }

    /** {@code blosc_decompress_ctx} of the library the pipeline decompresses with. */
    public static MemorySegment decompressFunction() {
        return ffm().decoderLibrary().decompressFunction();
    }

    /** Which libraries those are, for the benchmark's output. */
    public static String describe() {
        return BloscCodec.LIB.describe();
    }
}
