package io.tessera.jmh.codecs;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.scalableminds.bloscjava.Blosc;
import io.tessera.codecs.BloscBaseline;
import io.tessera.codecs.Codec;
import io.tessera.codecs.Codecs;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The codec pipeline (a {@link Codec} on native segments) against the raw library call on the same
 * bytes, for one ~1 MiB chunk of smooth uint16 data of a non-round shape (61 x 67 x 127).
 *
 * <ul>
 * <li>{@code *Raw}: the library's cheapest call, no checks, no pooling: c-blosc's
 *     {@code blosc_*compress_ctx} straight on the segments (the very functions the pipeline calls,
 *     from {@link BloscBaseline}), zstd-jni with one reused context on direct buffers. The pipeline's overhead is
 *     measured against these.
 * <li>{@code *Bytes}: the libraries' byte[] APIs (blosc-java's JNI, zstd-jni's {@code Zstd.compress}),
 *     what a caller without segments would use.
 * </ul>
 * {@link CodecOverhead} runs these and prints pipeline/raw.
 *
 * <p>Every trial checks that pipeline and raw encodings are byte-identical and decode to the input;
 * every iteration checks the last result it produced.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CodecBench {
    static final int[] SHAPE = {61, 67, 127};
    static final int ELEMENT = 2;

    @Param({"blosc_lz4_shuffle", "zstd_1"})
    public String codec;

    private Arena arena;
    private Codec pipeline;
    private boolean blosc;
    private byte[] rawBytes;
    private MemorySegment raw;
    private MemorySegment encoded;
    private byte[] encodedBytes;
    private MemorySegment destination;
    private SegmentAllocator reuse;
    private ZstdCompressCtx cctx;
    private ZstdDecompressCtx dctx;
    private ByteBuffer rawBuffer;
    private ByteBuffer encodedBuffer;
    private ByteBuffer destinationBuffer;
    private ByteBuffer zstdOut;
    private Object last;
    private MethodHandle bloscCompress;
    private MethodHandle bloscDecompress;
    private MemorySegment lz4Name;
    private MemorySegment bloscOut;
    private long bloscOutLength;
    private int lastLength;

    /** Smooth little-endian uint16 data: a slow wave plus a ramp and a little noise. */
    static byte[] smoothUint16() {
        int n = SHAPE[0] * SHAPE[1] * SHAPE[2];
        ByteBuffer b = ByteBuffer.allocate(n * ELEMENT).order(ByteOrder.LITTLE_ENDIAN);
        Random r = new Random(42);
        for (int x = 0; x < SHAPE[0]; x++) {
            for (int y = 0; y < SHAPE[1]; y++) {
                for (int z = 0; z < SHAPE[2]; z++) {
                    double v = 1000 + 300 * Math.sin(x / 9.0) * Math.cos(y / 11.0) + 3 * z + (r.nextInt(8) == 0 ? 1 : 0);
                    b.putShort((short) v);
                }
            }
        }
        return b.array();
    }

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        rawBytes = smoothUint16();
        raw = arena.allocate(rawBytes.length, 64);
        MemorySegment.copy(rawBytes, 0, raw, ValueLayout.JAVA_BYTE, 0, rawBytes.length);
        blosc = codec.startsWith("blosc");
        pipeline = blosc ? Codecs.blosc("lz4", 5, 1, 0) : Codecs.zstd(1);
        encoded = pipeline.encode(raw, ELEMENT, arena);
        encodedBytes = encoded.toArray(ValueLayout.JAVA_BYTE);
        destination = arena.allocate(rawBytes.length, 64);
        reuse = SegmentAllocator.prefixAllocator(arena.allocate(2L * rawBytes.length + 4096, 64));
        rawBuffer = raw.asByteBuffer();
        encodedBuffer = encoded.asByteBuffer();
        destinationBuffer = destination.asByteBuffer();
        zstdOut = arena.allocate(2L * rawBytes.length + 4096, 64).asByteBuffer();
        cctx = new ZstdCompressCtx().setLevel(1);
        dctx = new ZstdDecompressCtx();

        // The baseline's own binding of the very functions the pipeline calls (blosc-java's
        // c-blosc compresses, the system's decompresses), so both time the same library builds.
        Linker linker = Linker.nativeLinker();
        bloscCompress = linker.downcallHandle(BloscBaseline.compressFunction(), FunctionDescriptor.of(
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
        bloscDecompress = linker.downcallHandle(BloscBaseline.decompressFunction(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
        lz4Name = arena.allocateFrom("lz4");
        bloscOut = arena.allocate(rawBytes.length + 16L, 64);

        byte[] rawEncoding = blosc ? bloscOut.asSlice(0, encodeRawBlosc()).toArray(ValueLayout.JAVA_BYTE)
                : Arrays.copyOf(zstdOutBytes(encodeRawZstd()), encodeRawZstd());
        check(Arrays.equals(rawEncoding, encodedBytes), "pipeline and raw encodings differ");
        check(Arrays.equals(rawBytes, pipeline.decode(encoded, rawBytes.length, "bench").toArray(ValueLayout.JAVA_BYTE)),
                "pipeline round trip differs");
        System.out.printf("%n%s: %d bytes -> %d bytes (ratio %.2f)%n", codec, rawBytes.length, encodedBytes.length,
                (double) rawBytes.length / encodedBytes.length);
    }

    private byte[] encodeRawBytes() {
        return Blosc.compress(rawBytes, ELEMENT, Blosc.Compressor.LZ4, 5, Blosc.Shuffle.BYTE_SHUFFLE, 0, 1);
    }

    private int encodeRawBlosc() {
        try {
            int n = (int) bloscCompress.invokeExact(5, 1, (long) ELEMENT, (long) rawBytes.length, raw, bloscOut,
                    rawBytes.length + 16L, lz4Name, 0L, 1);
            bloscOutLength = n;
            return n;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private int decodeRawBlosc() {
        try {
            return (int) bloscDecompress.invokeExact(encoded, destination, (long) rawBytes.length, 1);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private int encodeRawZstd() {
        return cctx.compressDirectByteBuffer(zstdOut, 0, zstdOut.capacity(), rawBuffer, 0, rawBytes.length);
    }

    private byte[] zstdOutBytes(int length) {
        byte[] b = new byte[length];
        zstdOut.get(0, b);
        return b;
    }

    @TearDown(Level.Iteration)
    public void verifyLast() {
        if (last == null) {
            return;
        }
        byte[] got = switch (last) {
            case MemorySegment s when s.byteSize() == rawBytes.length && s != encoded -> s.toArray(ValueLayout.JAVA_BYTE);
            case MemorySegment s -> pipeline.decode(s, rawBytes.length, "verify").toArray(ValueLayout.JAVA_BYTE);
            case byte[] b when b.length == rawBytes.length -> b;
            case byte[] b -> pipeline.decode(MemorySegment.ofArray(b), rawBytes.length, "verify").toArray(ValueLayout.JAVA_BYTE);
            case ByteBuffer bb when bb == zstdOut -> pipeline.decode(MemorySegment.ofBuffer(bb).asSlice(0, lastLength),
                    rawBytes.length, "verify").toArray(ValueLayout.JAVA_BYTE);
            case ByteBuffer bb -> MemorySegment.ofBuffer(bb).toArray(ValueLayout.JAVA_BYTE);
            case Long n -> pipeline.decode(bloscOut.asSlice(0, n), rawBytes.length, "verify").toArray(ValueLayout.JAVA_BYTE);
            default -> throw new IllegalStateException("unexpected result " + last);
        };
        check(Arrays.equals(rawBytes, got), "last benchmark result does not reproduce the input");
        last = null;
        destination.fill((byte) 0);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cctx.close();
        dctx.close();
        arena.close();
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what);
        }
    }

    @Benchmark
    public Object encodePipeline() {
        MemorySegment out = pipeline.encode(raw, ELEMENT, reuse);
        last = out;
        return out;
    }

    @Benchmark
    public Object encodeRaw() {
        if (blosc) {
            encodeRawBlosc();
            last = bloscOutLength;
            return bloscOut;
        }
        lastLength = encodeRawZstd();
        last = zstdOut;
        return zstdOut;
    }

    @Benchmark
    public Object encodeBytes() {
        byte[] out = blosc ? encodeRawBytes() : Zstd.compress(rawBytes, 1);
        last = out;
        return out;
    }

    @Benchmark
    public Object decodePipeline() {
        pipeline.decode(encoded, destination, "bench");
        last = destination;
        return destination;
    }

    @Benchmark
    public Object decodeRaw() {
        if (blosc) {
            check(decodeRawBlosc() == rawBytes.length, "blosc_decompress_ctx failed");
            last = destinationBuffer;
            return destination;
        }
        dctx.decompressDirectByteBuffer(destinationBuffer, 0, rawBytes.length, encodedBuffer, 0, encodedBytes.length);
        last = destinationBuffer;
        return destinationBuffer;
    }

    @Benchmark
    public Object decodeBytes() {
        byte[] out = blosc ? Blosc.decompress(encodedBytes, 1) : Zstd.decompress(encodedBytes, rawBytes.length);
        last = out;
        return out;
    }
}
