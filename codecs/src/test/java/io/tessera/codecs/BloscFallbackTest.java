package io.tessera.codecs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The selection happens once per JVM, so each case runs a child JVM: without the system c-blosc
 * the bundled one serves alone through FFM; without either the codec falls back to JNI (and says
 * so in one log line); and {@code -Dtessera.codecs.blosc=jni} forces JNI.
 */
class BloscFallbackTest {

    /** Child JVM entry: prints the selected implementation after a round trip through it. */
    public static void main(String[] args) {
        // Not TestData: its FFM constant would fail to load in the fallback case.
        byte[] raw = new byte[100_003];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (byte) (i / 300);
        }
        BloscCodec codec = Codecs.blosc();
        MemorySegment enc = codec.encode(MemorySegment.ofArray(raw), 2);
        if (!java.util.Arrays.equals(raw, codec.decode(enc, raw.length, "k").toArray(ValueLayout.JAVA_BYTE))) {
            throw new AssertionError("round trip failed");
        }
        System.out.println("LIB=" + BloscCodec.LIB.getClass().getSimpleName());
    }

    private static String child(String... properties) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.addAll(List.of(properties));
        cmd.add(BloscFallbackTest.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void missingSystemLibraryLeavesTheBundledOne() throws Exception {
        String out = child("-Dtessera.codecs.blosc.library=/nonexistent/libblosc.so.1");
        assertTrue(out.contains("LIB=Ffm"), out);
        assertTrue(out.contains("blosc: c-blosc 1.21.4 bundled with blosc-java") && out.contains("via FFM")
                && !out.contains("snappy"), out);
    }

    /** The bundled library is loaded from a copy in java.io.tmpdir: without one, the system library compresses too. */
    @Test
    void unusableTemporaryDirectoryLeavesTheSystemLibrary() throws Exception {
        String out = child("-Djava.io.tmpdir=/nonexistent/tmp");
        assertTrue(out.contains("LIB=Ffm"), out);
        assertTrue(out.contains("blosc-java's bundled c-blosc is unavailable") && out.contains("/nonexistent/tmp")
                && out.contains("the system c-blosc compresses too"), out);
    }

    @Test
    void withoutEitherLibraryFallsBackToJni() throws Exception {
        String out = child("-Dtessera.codecs.blosc.library=/nonexistent/libblosc.so.1", "-Dtessera.codecs.blosc.bundled=false");
        assertTrue(out.contains("LIB=Jni"), out);
        assertTrue(out.contains("blosc: no c-blosc through FFM") && out.contains("/nonexistent/libblosc.so.1"), out);
        assertTrue(out.contains("blosc: blosc-java JNI") && out.contains("-Dtessera.codecs.blosc=ffm|jni"), out);
    }

    @Test
    void propertyForcesJni() throws Exception {
        assertTrue(child("-Dtessera.codecs.blosc=jni").contains("LIB=Jni"));
    }

    @Test
    void defaultIsFfm() throws Exception {
        String out = child();
        assertTrue(out.contains("LIB=Ffm") && out.contains("via FFM"), out);
    }

    @Test
    void sameBytesEitherWay() {
        byte[] raw = TestData.smooth(5000, 4, 1);
        BloscCodec c = Codecs.blosc("zstd", 3, 1, 0);
        assertArrayEquals(raw, c.on(TestData.JNI).decode(c.on(TestData.FFM).encode(MemorySegment.ofArray(raw), 4),
                raw.length, "k").toArray(ValueLayout.JAVA_BYTE));
    }
}
