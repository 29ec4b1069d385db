package io.tessera.codecs;

import com.scalableminds.bloscjava.Blosc;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The c-blosc 1.x implementations behind {@link BloscCodec}; one is chosen once, at class load.
 *
 * <p>{@link Ffm} (the fast path) calls c-blosc's context functions through FFM on the segments
 * themselves: no copies. It binds up to two builds of the same library. blosc-java's bundled
 * c-blosc 1.21.4 was built with AVX2 shuffles, which it uses where the CPU has them (Debian's
 * build has only SSE2: its byte shuffle costs 3x as much), so it compresses, loaded at the first
 * compression; the system's {@code libblosc.so.1} decompresses (as fast, and it has snappy, which
 * it also compresses). Either serves alone when the other is missing. {@link Jni} (the scalar
 * twin) goes through blosc-java's JNI API, which takes and returns byte[], so a chunk is copied
 * in and out. All write the same format (the same bytes where their inner lz4, zlib or zstd are
 * the same release); all receive only buffers whose header {@link BloscCodec#checkHeader} has
 * validated, so c-blosc's own bound (the header's cbytes) is the true length.
 *
 * <p>Selection: {@code -Dtessera.codecs.blosc=ffm|jni}; by default FFM when either library loads
 * ({@code -Dtessera.codecs.blosc.library=PATH} names the system one,
 * {@code -Dtessera.codecs.blosc.bundled=false} leaves out the bundled one, which is copied to
 * {@code java.io.tmpdir} to be loaded and so needs it writable and not noexec), else JNI.
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
                    Throwable why = e instanceof ExceptionInInitializerError x && x.getCause() != null ? x.getCause() : e;
                    log.log(System.Logger.Level.INFO, "blosc: no c-blosc through FFM: " + why.getMessage());
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
     * c-blosc through FFM, zero-copy on native segments: one library compresses, one (possibly
     * the same) decompresses and handles snappy.
     */
    final class Ffm implements BloscLib {
        private static final System.Logger LOG = System.getLogger("io.tessera.codecs");
        private static final boolean USE_BUNDLED = Boolean.parseBoolean(System.getProperty(PROPERTY + ".bundled", "true"));
        private static final Ffm DEFAULT = create();

        /** Decompresses, and compresses snappy. */
        private final Library decoder;
        /**
         * Compresses the other cnames; null until the first compression when it is to be
         * blosc-java's build, which is loaded then (a reader never compresses).
         */
        private volatile Library encoder;

        private Ffm(Library decoder, boolean lazyBundled) {
            this.decoder = decoder;
            this.encoder = lazyBundled ? null : decoder;
        }

        /** The default binding; throws (an initialization error) when no library can be bound. */
        static Ffm load() {
            return DEFAULT;
        }

        /** A binding to {@code library} alone (tests compare the libraries with it). */
        static Ffm only(Library library) {
            return new Ffm(library, false);
        }

        private static Ffm create() {
            Library system;
            try {
                system = Library.system();
            } catch (RuntimeException | LinkageError e) {
                if (System.getProperty(PROPERTY + ".library") != null) {
                    LOG.log(System.Logger.Level.WARNING, "blosc: -D" + PROPERTY + ".library: " + e.getMessage());
                }
                if (!USE_BUNDLED) {
                    throw new IllegalStateException("no c-blosc 1.x could be bound through FFM: " + e.getMessage(), e);
                }
                try {
                    // Without the system library, the bundled one must serve reads too: loaded now.
                    return only(Library.bundled());
                } catch (RuntimeException | LinkageError e2) {
                    e2.addSuppressed(e);
                    throw new IllegalStateException("no c-blosc 1.x could be bound through FFM: " + e.getMessage()
                            + "; blosc-java's: " + e2.getMessage(), e2);
                }
            }
            return new Ffm(system, USE_BUNDLED);
        }

        /** blosc-java's build, loaded once, at the first compression; null (and logged) if it cannot be. */
        private static final class Bundled {
            static final Library LIB = load();

            private static Library load() {
                try {
                    Library lib = Library.bundled();
                    LOG.log(System.Logger.Level.INFO, "blosc: compressing with " + lib.description() + " (-D" + PROPERTY + ".bundled=false leaves it out)");
                    return lib;
                } catch (RuntimeException | LinkageError e) {
                    LOG.log(System.Logger.Level.INFO, "blosc: blosc-java's bundled c-blosc is unavailable (" + e.getMessage()
                            + "); the system c-blosc compresses too");
                    return null;
                }
            }
        }

        private Library encoder() {
            Library e = encoder;
            if (e == null) {
                Library bundled = Bundled.LIB;
                encoder = e = bundled != null ? bundled : decoder;
            }
            return e;
        }

        /** The library that compresses all but snappy (loading blosc-java's if it is to be that one). */
        Library encoderLibrary() {
            return encoder();
        }

        /** The library that decompresses. */
        Library decoderLibrary() {
            return decoder;
        }

        @Override
        public String describe() {
            Library e = encoder;
            if (e == decoder) {
                return decoder.description() + ", via FFM, zero-copy" + (snappy() ? ", with snappy" : "");
            }
            return "decompresses with " + decoder.description() + (snappy() ? " (with snappy)" : "") + ", compresses with "
                    + (e != null ? e.description() : "c-blosc bundled with blosc-java (loaded at the first compression)")
                    + ", via FFM, zero-copy";
        }

        @Override
        public boolean snappy() {
            return decoder.snappy();
        }

        @Override
        public MemorySegment compress(MemorySegment raw, int typesize, String cname, int clevel, int shuffle,
                int blocksize, SegmentAllocator allocator) {
            Library lib = cname.equals("snappy") ? decoder : encoder();
            long n = raw.byteSize();
            try (Scratch in = Scratch.borrow(); Scratch out = Scratch.borrow()) {
                MemorySegment src = Codecs.nativeView(raw, in);
                // BLOSC_MAX_OVERHEAD: with 16 spare bytes c-blosc can always store the data as is.
                MemorySegment dst = out.get(n + 16);
                int size = lib.compress(clevel, shuffle, typesize, src, dst, cname, blocksize);
                if (size <= 0) {
                    throw new IllegalStateException("blosc_compress_ctx of " + n + " bytes returned " + size);
                }
                return Codecs.copyOut(dst.asSlice(0, size), allocator);
            }
        }

        @Override
        public long decompress(MemorySegment encoded, MemorySegment dst) {
            try (Scratch in = Scratch.borrow(); Scratch out = Scratch.borrow()) {
                MemorySegment src = Codecs.nativeView(encoded, in);
                MemorySegment to = dst.isNative() ? dst : out.get(dst.byteSize());
                int result = decoder.decompress(src, to);
                if (to != dst && result == dst.byteSize()) {
                    MemorySegment.copy(to, 0, dst, 0, dst.byteSize());
                }
                return result;
            }
        }
    }

    /**
     * One c-blosc 1.x build: where its context functions are (they need no {@code blosc_init}
     * and keep no global state). The system library's are linked on first use, since each FFM
     * link costs milliseconds of start-up and a reader never compresses.
     */
    final class Library {
        private static final Linker LINKER = Linker.nativeLinker();
        private static final FunctionDescriptor COMPRESS_CTX = FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT);
        private static final FunctionDescriptor DECOMPRESS_CTX = FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT);
        private static final String COMPRESS = "blosc_compress_ctx";
        private static final String DECOMPRESS = "blosc_decompress_ctx";
        private static final String VERSION = "blosc_get_version_string";
        private static final String COMPRESSORS = "blosc_list_compressors";
        /** blosc-java's library, a resource of its jar, and the JNI functions it exports. */
        private static final String BUNDLED = "libbloscjni.so";
        private static final String EXPORTED_COMPRESS = "Java_com_scalableminds_bloscjava_Blosc__1compress";
        private static final String EXPORTED_DECOMPRESS = "Java_com_scalableminds_bloscjava_Blosc__1decompress";
        private static final long PAGE = 4096;

        private final String description;
        private final MemorySegment compressAt;
        private final MemorySegment decompressAt;
        private final boolean snappy;
        /** NUL-terminated compressor names, made once: c-blosc only reads them. */
        private final Map<String, MemorySegment> names = new ConcurrentHashMap<>();
        private volatile MethodHandle compress;
        private volatile MethodHandle decompress;

        private Library(String description, MemorySegment compressAt, MemorySegment decompressAt, boolean snappy) {
            this.description = description;
            this.compressAt = compressAt;
            this.decompressAt = decompressAt;
            this.snappy = snappy;
        }

        String description() {
            return description;
        }

        /** Where {@code blosc_compress_ctx} is (benchmarks bind their baseline to it). */
        MemorySegment compressFunction() {
            return compressAt;
        }

        /** Where {@code blosc_decompress_ctx} is. */
        MemorySegment decompressFunction() {
            return decompressAt;
        }

        boolean snappy() {
            return snappy;
        }

        /**
         * The system's c-blosc ({@code libblosc.so.1}, or {@code -Dtessera.codecs.blosc.library=PATH}).
         *
         * @throws IllegalStateException if it is missing, lacks the functions, or is not c-blosc 1.x
         */
        static Library system() {
            String path = System.getProperty(PROPERTY + ".library", "libblosc.so.1");
            // The library stays loaded for the life of the JVM, as the codec does.
            SymbolLookup lookup = path.contains("/")
                    ? SymbolLookup.libraryLookup(Path.of(path), Arena.global())
                    : SymbolLookup.libraryLookup(path, Arena.global());
            Function<String, MemorySegment> find = name -> lookup.find(name)
                    .orElseThrow(() -> new IllegalStateException(path + " lacks " + name));
            String version = checkedVersion(path, find.apply(VERSION));
            return new Library("system c-blosc " + version + " (" + path + ")", find.apply(COMPRESS),
                    find.apply(DECOMPRESS), hasSnappy(find.apply(COMPRESSORS)));
        }

        /**
         * blosc-java's bundled c-blosc, loaded from its jar. The library exports its JNI functions
         * (and lz4's and zstd's) but not c-blosc's; it is not stripped, though, so c-blosc's are
         * found in its full symbol table ({@link ElfSymbols}) and located relative to the two JNI
         * functions, which must agree on where the library was loaded. Its version must be 1.x
         * before anything else is called, and a round trip checks the binding before use.
         *
         * @throws IllegalStateException if the library is missing, built for another machine,
         *     stripped, another c-blosc, or fails the round trip; {@link java.io.UncheckedIOException}
         *     if it cannot be copied out (the temporary directory is not writable)
         * @throws IllegalArgumentException if the copy cannot be loaded (a noexec temporary directory)
         */
        static Library bundled() {
            byte[] elf;
            try (InputStream in = Blosc.class.getClassLoader().getResourceAsStream(BUNDLED)) {
                if (in == null) {
                    throw new IllegalStateException("blosc-java has no " + BUNDLED);
                }
                elf = in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException("reading blosc-java's " + BUNDLED, e);
            }
            String arch = System.getProperty("os.arch");
            int machine = switch (arch) {
                case "amd64", "x86_64" -> ElfSymbols.EM_X86_64;
                case "aarch64" -> ElfSymbols.EM_AARCH64;
                default -> throw new IllegalStateException("no bundled c-blosc for " + arch);
            };
            Map<String, Long> at;
            try {
                at = ElfSymbols.functions(elf, machine,
                        Set.of(COMPRESS, DECOMPRESS, VERSION, COMPRESSORS, EXPORTED_COMPRESS, EXPORTED_DECOMPRESS));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("blosc-java's " + BUNDLED + ": " + e.getMessage(), e);
            }
            for (String name : List.of(COMPRESS, DECOMPRESS, VERSION, COMPRESSORS, EXPORTED_COMPRESS, EXPORTED_DECOMPRESS)) {
                if (!at.containsKey(name)) {
                    throw new IllegalStateException("blosc-java's " + BUNDLED + " has no function " + name);
                }
            }
            SymbolLookup lookup = loadCopy(elf);
            long base = exported(lookup, EXPORTED_COMPRESS) - at.get(EXPORTED_COMPRESS);
            if (base != exported(lookup, EXPORTED_DECOMPRESS) - at.get(EXPORTED_DECOMPRESS) || base % PAGE != 0) {
                throw new IllegalStateException("blosc-java's " + BUNDLED + " symbol table does not match the loaded library");
            }
            String version = checkedVersion(BUNDLED, MemorySegment.ofAddress(base + at.get(VERSION)));
            Library lib = new Library("c-blosc " + version + " bundled with blosc-java (" + BUNDLED + ")",
                    MemorySegment.ofAddress(base + at.get(COMPRESS)), MemorySegment.ofAddress(base + at.get(DECOMPRESS)),
                    hasSnappy(MemorySegment.ofAddress(base + at.get(COMPRESSORS))));
            lib.checkRoundTrip();
            return lib;
        }

        private static long exported(SymbolLookup lookup, String name) {
            return lookup.find(name).orElseThrow(() -> new IllegalStateException("blosc-java's " + BUNDLED + " does not export " + name))
                    .address();
        }

        /** The version {@code blosc_get_version_string} gives, which must be 1.x: the header checks and the format are c-blosc 1's. */
        private static String checkedVersion(String library, MemorySegment function) {
            String version = callString(function, VERSION);
            if (!version.startsWith("1.")) {
                throw new IllegalStateException(library + " is c-blosc " + version + ", not 1.x");
            }
            return version;
        }

        private static boolean hasSnappy(MemorySegment listCompressors) {
            return Arrays.asList(callString(listCompressors, COMPRESSORS).split(",")).contains("snappy");
        }

        /** dlopens a private copy of {@code elf}; the file goes at once (the mapping stays). */
        private static SymbolLookup loadCopy(byte[] elf) {
            Path copy = null;
            try {
                copy = Files.createTempFile("tessera-blosc-", ".so");
                Files.write(copy, elf);
                return SymbolLookup.libraryLookup(copy, Arena.global());
            } catch (IOException e) {
                throw new UncheckedIOException("copying blosc-java's " + BUNDLED + " to " + System.getProperty("java.io.tmpdir"), e);
            } finally {
                if (copy != null) {
                    try {
                        Files.deleteIfExists(copy);
                    } catch (IOException ignored) {
                        // A leftover temp file costs disk space only.
                    }
                }
            }
        }

        /** Compresses and decompresses a shuffled 2-byte pattern; throws unless it comes back. */
        private void checkRoundTrip() {
            try (Arena a = Arena.ofConfined()) {
                int n = 1 << 16;
                MemorySegment raw = a.allocate(n);
                for (int i = 0; i < n / 2; i++) {
                    raw.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) (i / 3));
                }
                MemorySegment packed = a.allocate(n + 16);
                int size = compress(5, 1, 2, raw, packed, "lz4", 0);
                MemorySegment back = a.allocate(n);
                if (size <= 16 || packed.get(ValueLayout.JAVA_BYTE, 0) != 2 || decompress(packed, back) != n
                        || back.mismatch(raw) != -1) {
                    throw new IllegalStateException(description + " failed its round trip (compressed size " + size + ")");
                }
            }
        }

        /** {@code blosc_compress_ctx} of all of {@code src} into {@code dst}; returns its result. */
        int compress(int clevel, int shuffle, int typesize, MemorySegment src, MemorySegment dst, String cname, int blocksize) {
            MethodHandle h = compress;
            if (h == null) {
                compress = h = LINKER.downcallHandle(compressAt, COMPRESS_CTX);
            }
            MemorySegment name = names.computeIfAbsent(cname, n -> Arena.global().allocateFrom(n));
            try {
                return (int) h.invokeExact(clevel, shuffle, (long) typesize, src.byteSize(), src, dst, dst.byteSize(),
                        name, (long) blocksize, 1);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        /** {@code blosc_decompress_ctx} of a header-checked {@code src} into {@code dst}; returns its result. */
        int decompress(MemorySegment src, MemorySegment dst) {
            MethodHandle h = decompress;
            if (h == null) {
                decompress = h = LINKER.downcallHandle(decompressAt, DECOMPRESS_CTX);
            }
            try {
                return (int) h.invokeExact(src, dst, dst.byteSize(), 1);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        private static String callString(MemorySegment function, String name) {
            MethodHandle h = LINKER.downcallHandle(function, FunctionDescriptor.of(ValueLayout.ADDRESS));
            try {
                return ((MemorySegment) h.invokeExact()).reinterpret(256).getString(0);
            } catch (Throwable t) {
                throw new IllegalStateException(name + " failed", t);
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
