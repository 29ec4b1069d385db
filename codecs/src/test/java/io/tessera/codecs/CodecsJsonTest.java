package io.tessera.codecs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.NullNode;
import org.junit.jupiter.api.Test;

class CodecsJsonTest {

    private static String json(String compressor) {
        return Codecs.fromJson(compressor).toJson().toString();
    }

    private static void rejects(String compressor, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Codecs.fromJson(compressor));
        assertEquals(message, e.getMessage());
    }

    @Test
    void defaultsAreTensorStores() {
        assertEquals("{\"id\":\"blosc\",\"cname\":\"lz4\",\"clevel\":5,\"shuffle\":-1,\"blocksize\":0}", json("{\"id\":\"blosc\"}"));
        assertEquals("{\"id\":\"zlib\",\"level\":1}", json("{\"id\":\"zlib\"}"));
        assertEquals("{\"id\":\"gzip\",\"level\":1}", json("{\"id\":\"gzip\"}"));
        assertEquals("{\"id\":\"zstd\",\"level\":1}", json("{\"id\":\"zstd\"}"));
        assertEquals("{\"id\":\"bz2\",\"level\":1}", json("{\"id\":\"bz2\"}"));
        assertEquals("{\"id\":\"lz4\",\"acceleration\":1}", json("{\"id\":\"lz4\"}"));
        assertEquals(Codecs.blosc(), Codecs.fromJson("{\"id\":\"blosc\"}"));
    }

    @Test
    void explicitParametersRoundTrip() {
        String s = "{\"id\":\"blosc\",\"cname\":\"zstd\",\"clevel\":9,\"shuffle\":2,\"blocksize\":4096}";
        assertEquals(s, json(s));
        assertEquals("{\"id\":\"zstd\",\"level\":-7}", json("{\"id\":\"zstd\",\"level\":-7}"));
        assertEquals("{\"id\":\"zlib\",\"level\":9}", json("{\"level\":9.0,\"id\":\"zlib\"}"));
    }

    @Test
    void nullMeansNoCompressor() {
        assertNull(Codecs.fromJson("null"));
        assertNull(Codecs.fromJson((com.fasterxml.jackson.databind.JsonNode) null));
        assertNull(Codecs.fromJson(NullNode.getInstance()));
        assertTrue(Codecs.toJson(null).isNull());
    }

    @Test
    void badInputSaysWhatIsWrong() {
        rejects("{\"id\":\"foo\"}", "Unsupported compressor id \"foo\"; supported: blosc, zlib, gzip, zstd, bz2, lz4");
        rejects("{\"id\":\"blosc\",\"clevel\":12}", "\"clevel\" must be in [0, 9], got 12");
        rejects("{\"id\":\"blosc\",\"shuffle\":3}", "\"shuffle\" must be in [-1, 2], got 3");
        rejects("{\"id\":\"blosc\",\"blocksize\":-1}", "\"blocksize\" must be in [0, 2147483647], got -1");
        rejects("{\"id\":\"blosc\",\"cname\":\"lzma\"}", "Unsupported blosc \"cname\" \"lzma\"; supported: blosclz, lz4, lz4hc, zlib, zstd, snappy");
        IllegalArgumentException snappy = assertThrows(IllegalArgumentException.class,
                () -> BloscCodec.checkCname("snappy", TestData.JNI));
        assertEquals("blosc \"cname\" \"snappy\" is not supported by " + TestData.JNI.describe() + "; use one of blosclz,"
                + " lz4, lz4hc, zlib, zstd, or install a system c-blosc with snappy (Debian/Ubuntu: libblosc1)", snappy.getMessage());
        // The system c-blosc of the test machine has snappy, so the metadata is accepted here.
        assertTrue(TestData.FFM.snappy());
        assertEquals("snappy", ((BloscCodec) Codecs.fromJson("{\"id\":\"blosc\",\"cname\":\"snappy\"}")).cname());
        rejects("{\"id\":\"blosc\",\"typesize\":4}", "Unexpected member \"typesize\" in blosc compressor; allowed members: "
                + "cname, clevel, shuffle, blocksize");
        rejects("{\"id\":\"blosc\",\"clevel\":\"5\"}", "\"clevel\" of blosc compressor must be an integer, got \"5\"");
        rejects("{\"id\":\"blosc\",\"clevel\":4.5}", "\"clevel\" of blosc compressor must be an integer, got 4.5");
        rejects("{\"id\":\"blosc\",\"cname\":5}", "\"cname\" of blosc compressor must be a string, got 5");
        rejects("{\"id\":\"zlib\",\"level\":10}", "\"level\" must be in [0, 9], got 10");
        rejects("{\"id\":\"gzip\",\"level\":-1}", "\"level\" must be in [0, 9], got -1");
        rejects("{\"id\":\"bz2\",\"level\":0}", "\"level\" must be in [1, 9], got 0");
        rejects("{\"id\":\"zstd\",\"level\":23}", "\"level\" must be in [-131072, 22], got 23");
        // numcodecs takes any C int (LZ4 itself clamps it) and writes it back as given: zarr-python's
        // LZ4(acceleration=0), (-5) and (100000) all encode, with those configs.
        for (String a : new String[] {"0", "-5", "100000"}) assertEquals("{\"id\":\"lz4\",\"acceleration\":" + a + "}", json("{\"id\":\"lz4\",\"acceleration\":" + a + "}"));
        rejects("{\"id\":\"lz4\",\"acceleration\":2147483648}", "\"acceleration\" must be in [-2147483648, 2147483647], got 2147483648");
        rejects("{\"cname\":\"lz4\"}", "Compressor {\"cname\":\"lz4\"} has no \"id\" member");
        rejects("{\"id\":3}", "Compressor \"id\" must be a string, got 3");
        rejects("\"blosc\"", "A compressor must be a JSON object or null, got \"blosc\"");
        rejects("{\"id\":\"zlib\",\"level\":1e30}", "\"level\" of zlib compressor must be an integer, got 1.0E30");
    }

    @Test
    void autoShuffleIsBitForBytesAndByteOtherwise() {
        BloscCodec c = Codecs.blosc();
        assertEquals(2, c.effectiveShuffle(1));
        assertEquals(1, c.effectiveShuffle(2));
        assertEquals(1, c.effectiveShuffle(8));
        assertEquals(0, Codecs.blosc("lz4", 5, 0, 0).effectiveShuffle(1));
    }

    @Test
    void encodeRejectsBadElementSize() {
        for (Codec c : TestData.allCodecs()) {
            assertThrows(IllegalArgumentException.class, () -> c.encode(java.lang.foreign.MemorySegment.ofArray(new byte[4]), 0));
        }
    }
}
