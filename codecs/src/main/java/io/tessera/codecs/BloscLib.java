package io.tessera.codecs;

import com.scalableminds.bloscjava.Blosc;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The c-blosc 1.x implementations behind {@link BloscCodec}; one is chosen once, at class load.
 *
 * <p>{@link Ffm} (the fast path) calls the system's c-blosc ({@code libblosc.so.1}) through FFM on
 * the segments themselves: no copies. {@link Jni} (its scalar twin) goes through blosc-java, whose
 * JNI API takes and returns byte[], so a chunk is copied in and out. Both write the same format;
 * both receive only buffers whose header {@link BloscCodec#checkHeader} has validated, so c-blosc's
 * own bound (the header's cbytes) is the true length.
 *
 * <p>Selection: {@code -Dtessera.codecs.blosc=ffm|jni}; by default FFM when {@code libblosc.so.1}
 * (or {@code -Dtessera.codecs.blosc.library=PATH}) loads, else JNI.
 */
sealed interface BloscLib permits BloscLib.Ffm, BloscLib.Jni {

    /** The property that selects the implementation. */
    String PROPERTY = "tessera.codecs.blosc";

    /** What this is, for logs: library and version. */
    String describe();

    /** Whether this c-blosc was built with snappy (blosc's only optional compressor). */
    boolean snappy();

    /** Compresses {@code raw}; the result is exactly the blosc buffer. */
    MemorySegment compress(MemorySegment raw, int typesize, String cname, int clevel, int shuffle, int blocksize,
            SegmentAllocator allocator);

    /** Decompresses a header-checked buffer into {@code dst} (exactly nbytes long); returns c-blosc's result code or size. */
    long decompress(MemorySegment encoded, MemorySegment dst);

    /** The implementation chosen at start. */
    static BloscLib select() {
        String choice = System.getProperty(PROPERTY, "auto");
        System.Logger log = System.getLogger("io.tessera.codecs");
        BloscLib lib;
        switch (choice) {
            case "jni" -> lib = new Jni();
            case "ffm" -> lib = Ffm.load(); // an explicit request fails loudly
            case "auto" -> {
                BloscLib l;
                try {
                    l = Ffm.load();
                } catch (RuntimeException | LinkageError e) {
                    l = new Jni();
                }
                lib = l;
            }
            default -> throw new IllegalArgumentException("-D" + PROPERTY + " must be ffm, jni or auto, got \"" + choice + "\"");
        }
        log.log(System.Logger.Level.INFO, "blosc: " + lib.describe() + " (select with -D" + PROPERTY + "=ffm|jni)");
        return lib;
    }

    /**
     * System c-blosc through FFM, zero-copy on native segments. Its handles are static constants
     * bound in the class initializer; if the library is missing, initialization fails and
     * {@link #select} falls back to {@link Jni}.
     */
    final class Ffm implements BloscLib {
        private static final Linker LINKER = Linker.nativeLinker();
        private static final String PATH = System.getProperty(PROPERTY + ".library", "libblosc.so.1");
        // The library stays loaded for the life of the JVM, as the codec does.
        private static final SymbolLookup LOOKUP = PATH.contains("/")
                ? SymbolLookup.libraryLookup(java.nio.file.Path.of(PATH), Arena.global())
                : SymbolLookup.libraryLookup(PATH, Arena.global());
        private static final MethodHandle DECOMPRESS_CTX = LINKER.downcallHandle(find("blosc_decompress_ctx"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
        private static final String VERSION = callString("blosc_get_version_string");
        private static final boolean SNAPPY =
                java.util.Arrays.asList(callString("blosc_list_compressors").split(",")).contains("snappy");
        // Looked up at load, so that a library without it is not chosen; linked on first use (Compress).
        private static final MemorySegment COMPRESS_CTX = find("blosc_compress_ctx");
        private static final Ffm INSTANCE = new Ffm();

        /** Linked on first use: a read never compresses, and each FFM link costs milliseconds of start-up. */
        private static final class Compress {
            static final MethodHandle CTX = LINKER.downcallHandle(COMPRESS_CTX,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                            ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
        }

        /** NUL-terminated compressor names, made once: c-blosc only reads them. */
        private final Map<String, MemorySegment> names = new ConcurrentHashMap<>();

        private Ffm() {
            // The header checks and the format are c-blosc 1.x's; c-blosc 2 is another library.
            if (!VERSION.startsWith("1.")) {
                throw new IllegalStateException(PATH + " is c-blosc " + VERSION + ", not 1.x");
            }
        }

        /** The binding; throws (an initialization error) when the system c-blosc cannot be loaded. */
        static Ffm load() {
            return INSTANCE;
        }

        private static MemorySegment find(String name) {
            return LOOKUP.find(name).orElseThrow(() -> new IllegalStateException(PATH + " lacks " + name));
        }

        private static String callString(String function) {
            MethodHandle h = LINKER.downcallHandle(find(function), FunctionDescriptor.of(ValueLayout.ADDRESS));
            try {
                return ((MemorySegment) h.invokeExact()).reinterpret(256).getString(0);
            } catch (Throwable t) {
                throw new IllegalStateException(function + " failed", t);
            }
        }

        @Override
        public String describe() {
            return "system c-blosc " + VERSION + " (" + PATH + ") via FFM, zero-copy" + (SNAPPY ? ", with snappy" : "");
        }

        @Override
        public boolean snappy() {
            return SNAPPY;
        }

        @Override
        public MemorySegment compress(MemorySegment raw, int typesize, String cname, int clevel, int shuffle,
                int blocksize, SegmentAllocator allocator) {
            MemorySegment name = names.computeIfAbsent(cname, n -> Arena.global().allocateFrom(n));
            long n = raw.byteSize();
            try (Scratch in = Scratch.borrow(); Scratch out = Scratch.borrow()) {
                MemorySegment src = Codecs.nativeView(raw, in);
                // BLOSC_MAX_OVERHEAD: with 16 spare bytes c-blosc can always store the data as is.
                MemorySegment dst = out.get(n + 16);
                int size = (int) Compress.CTX.invokeExact(clevel, shuffle, (long) typesize, n, src, dst, n + 16, name,
                        (long) blocksize, 1);
                if (size <= 0) {
                    throw new IllegalStateException("blosc_compress_ctx of " + n + " bytes returned " + size);
                }
                return Codecs.copyOut(dst.asSlice(0, size), allocator);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        @Override
        public long decompress(MemorySegment encoded, MemorySegment dst) {
            try (Scratch in = Scratch.borrow(); Scratch out = Scratch.borrow()) {
                MemorySegment src = Codecs.nativeView(encoded, in);
                MemorySegment to = dst.isNative() ? dst : out.get(dst.byteSize());
                int result = (int) DECOMPRESS_CTX.invokeExact(src, to, to.byteSize(), 1);
                if (to != dst && result == dst.byteSize()) {
                    MemorySegment.copy(to, 0, dst, 0, dst.byteSize());
                }
                return result;
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }
    }

    /** blosc-java's JNI binding (bundled c-blosc 1.21.4): byte[] in, byte[] out. */
    final class Jni implements BloscLib {
        /** Bounded by the number of threads that encode at once; stale sizes are dropped on borrow. */
        private static final ConcurrentLinkedQueue<byte[]> STAGING = new ConcurrentLinkedQueue<>();

        @Override
        public String describe() {
            return "blosc-java JNI (bundled c-blosc 1.21.4), copies each chunk through byte[]";
        }

        /** blosc-java's API cannot name snappy, so neither writing nor (for consistency) reading it. */
        @Override
        public boolean snappy() {
            return false;
        }

        @Override
        public MemorySegment compress(MemorySegment raw, int typesize, String cname, int clevel, int shuffle,
                int blocksize, SegmentAllocator allocator) {
            byte[] in = Codecs.wholeArray(raw);
            boolean pooled = in == null;
            if (pooled) {
                in = borrowStaging((int) raw.byteSize());
                MemorySegment.copy(raw, ValueLayout.JAVA_BYTE, 0, in, 0, in.length);
            }
            byte[] out;
            try {
                out = Blosc.compress(in, typesize, Blosc.Compressor.fromString(cname), clevel,
                        Blosc.Shuffle.fromInt(shuffle), blocksize, 1);
            } finally {
                if (pooled) {
                    STAGING.offer(in);
                }
            }
            if (out == null || out.length < 16) {
                throw new IllegalStateException("blosc compression of " + raw.byteSize() + " bytes failed");
            }
            return Codecs.copyOut(out, out.length, allocator);
        }

        /**
         * A staging array of exactly {@code length} bytes. The JNI binding takes the input's length
         * from the array, so it must be exact; chunks of one array all have one size, so reuse
         * nearly always hits, and saves allocating and zeroing a chunk-sized array per encode.
         */
        private static byte[] borrowStaging(int length) {
            for (int tries = 0; tries < 2; tries++) {
                byte[] a = STAGING.poll();
                if (a == null) {
                    break;
                }
                if (a.length == length) {
                    return a;
                }
            }
            return new byte[length];
        }

        @Override
        public long decompress(MemorySegment encoded, MemorySegment dst) {
            byte[] out = Blosc.decompress(Codecs.toBytes(encoded), 1);
            if (out == null) {
                return -1;
            }
            if (out.length == dst.byteSize()) {
                MemorySegment.copy(out, 0, dst, ValueLayout.JAVA_BYTE, 0, out.length);
            }
            return out.length;
        }
    }
}
