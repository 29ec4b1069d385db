package io.tessera;

import io.tessera.memory.DataType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.tessera.OpenAndErrorsTest.assertFails;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec members beyond {@code metadata} that a zarr array's metadata keeps ({@code key_encoding},
 * {@code metadata_key}, the schema's {@code fill_value}, {@code codec}, {@code domain},
 * {@code dimension_units}) and the open modes around {@code assume_metadata}. Every expected
 * {@code .zarray} and message is what TensorStore 0.1.85 wrote or said for the same spec (run in
 * the project's venv, 2026-11-24).
 */
class SpecMembersTest {
    @TempDir Path dir;

    private static final TensorStoreException.Code INVALID = TensorStoreException.Code.INVALID_ARGUMENT;

    /** A spec of a new array in its own directory, with {@code members} added after the kvstore. */
    private String spec(String name, String members) {
        return "{\"driver\":\"zarr\",\"kvstore\":{\"driver\":\"file\",\"path\":\"" + dir.resolve(name) + "/\"}," + members + "}";
    }

    private String created(String name, String members, String key) throws Exception {
        TensorStore.open(spec(name, members), OpenOptions.create()).join();
        return Files.readString(dir.resolve(name).resolve(key));
    }

    private static final String SHAPE_4_I2 = "\"metadata\":{\"shape\":[4],\"dtype\":\"<i2\"}";

    @Test
    void keyEncodingIsTheDimensionSeparator() throws Exception {
        assertEquals("{\"chunks\":[4],\"compressor\":{\"blocksize\":0,\"clevel\":5,\"cname\":\"lz4\",\"id\":\"blosc\",\"shuffle\":-1},"
                        + "\"dimension_separator\":\"/\",\"dtype\":\"<i2\",\"fill_value\":null,\"filters\":null,\"order\":\"C\",\"shape\":[4],\"zarr_format\":2}",
                created("slash", SHAPE_4_I2 + ",\"key_encoding\":\"/\"", ".zarray"));
        assertFails(INVALID, "Error parsing object member \"key_encoding\": value (\"/\") does not match value in metadata (\".\")",
                () -> TensorStore.open(spec("conflict", "\"metadata\":{\"shape\":[4],\"dtype\":\"<i2\",\"dimension_separator\":\".\"},\"key_encoding\":\"/\""),
                        OpenOptions.create()));
    }

    @Test
    void metadataKeyNamesTheMetadataFile() throws Exception {
        assertEquals("{\"chunks\":[4],\"compressor\":{\"blocksize\":0,\"clevel\":5,\"cname\":\"lz4\",\"id\":\"blosc\",\"shuffle\":-1},"
                        + "\"dimension_separator\":\".\",\"dtype\":\"<i2\",\"fill_value\":null,\"filters\":null,\"order\":\"C\",\"shape\":[4],\"zarr_format\":2}",
                created("named", SHAPE_4_I2 + ",\"metadata_key\":\"foo\"", "foo"));
        assertFalse(Files.exists(dir.resolve("named").resolve(".zarray")));
        TensorStore again = TensorStore.open(spec("named", "\"metadata_key\":\"foo\""), new OpenOptions()).join();
        assertArrayEquals(new long[] {4}, again.shape());
        assertFails(TensorStoreException.Code.NOT_FOUND, "Error opening \"zarr\" driver: Metadata at local file \"" + dir.resolve("named") + "/.zarray\" does not exist",
                () -> TensorStore.open(spec("named", "\"open\":true"), new OpenOptions()));
    }

    @Test
    void schemaFillValueAndCodecGoIntoTheMetadata() throws Exception {
        assertEquals("{\"chunks\":[4],\"compressor\":{\"blocksize\":0,\"clevel\":5,\"cname\":\"lz4\",\"id\":\"blosc\",\"shuffle\":-1},"
                        + "\"dimension_separator\":\".\",\"dtype\":\"<i2\",\"fill_value\":5,\"filters\":null,\"order\":\"C\",\"shape\":[4],\"zarr_format\":2}",
                created("fill", SHAPE_4_I2 + ",\"schema\":{\"fill_value\":5}", ".zarray"));
        assertEquals(5, TensorStore.open(spec("fill", "\"open\":true"), new OpenOptions()).join().read().join().getLong(0));
        assertFails(INVALID, "Error opening \"zarr\" driver: Error writing local file \"" + dir.resolve("fill2") + "/.zarray\": Cannot create using specified \"metadata\" and schema: "
                        + "Invalid fill_value: schema requires fill value of 5, but metadata specifies fill value of 3",
                () -> TensorStore.open(spec("fill2", "\"metadata\":{\"shape\":[4],\"dtype\":\"<i2\",\"fill_value\":3},\"schema\":{\"fill_value\":5}"), OpenOptions.create()));

        assertEquals("{\"chunks\":[4],\"compressor\":null,\"dimension_separator\":\".\",\"dtype\":\"<i2\",\"fill_value\":null,\"filters\":null,"
                        + "\"order\":\"C\",\"shape\":[4],\"zarr_format\":2}",
                created("raw", SHAPE_4_I2 + ",\"schema\":{\"codec\":{\"driver\":\"zarr\",\"compressor\":null}}", ".zarray"));
        assertEquals("{\"chunks\":[4],\"compressor\":{\"id\":\"zstd\",\"level\":3},\"dimension_separator\":\".\",\"dtype\":\"<i2\",\"fill_value\":null,"
                        + "\"filters\":null,\"order\":\"C\",\"shape\":[4],\"zarr_format\":2}",
                created("zstd", SHAPE_4_I2 + ",\"schema\":{\"codec\":{\"driver\":\"zarr\",\"compressor\":{\"id\":\"zstd\",\"level\":3}}}", ".zarray"));
        TensorStoreException conflict = OpenAndErrorsTest.failure(() -> TensorStore.open(
                spec("codec2", "\"metadata\":{\"shape\":[4],\"dtype\":\"<i2\",\"compressor\":null},\"schema\":{\"codec\":{\"driver\":\"zarr\",\"compressor\":{\"id\":\"zstd\",\"level\":3}}}"),
                OpenOptions.create()));
        assertEquals(INVALID, conflict.code());
        assertTrue(conflict.getMessage().endsWith("\"compressor\" does not match"), conflict.getMessage());
        assertFalse(Files.exists(dir.resolve("codec2").resolve(".zarray")), "nothing written");
    }

    @Test
    void schemaDomainAndUnitsAsZarrAllowsThem() throws Exception {
        assertFails(INVALID, "Error opening \"zarr\" driver: Error writing local file \"" + dir.resolve("units") + "/.zarray\": Cannot create using specified \"metadata\" and schema: "
                        + "Dimension units not supported by zarr driver",
                () -> TensorStore.open(spec("units", SHAPE_4_I2 + ",\"schema\":{\"dimension_units\":[\"nm\"]}"), OpenOptions.create()));
        TensorStore.open(spec("nounits", SHAPE_4_I2 + ",\"schema\":{\"dimension_units\":[null]}"), OpenOptions.create()).join();
        TensorStoreException lower = OpenAndErrorsTest.failure(() -> TensorStore.open(
                spec("lower", "\"metadata\":{\"dtype\":\"<i2\"},\"schema\":{\"domain\":{\"inclusive_min\":[1],\"shape\":[4]}}"), OpenOptions.create()));
        assertEquals(INVALID, lower.code());
        assertTrue(lower.getMessage().contains("Mismatch in dimension 0: Lower bounds do not match"), lower.getMessage());
        TensorStore byMax = TensorStore.open(spec("max", "\"metadata\":{\"dtype\":\"<i2\"},\"schema\":{\"domain\":{\"inclusive_min\":[0],\"exclusive_max\":[4]}}"),
                OpenOptions.create()).join();
        assertArrayEquals(new long[] {4}, byMax.shape());
        assertFails(INVALID, "Error parsing object member \"schema\": Object includes extra members: \"foo\"",
                () -> TensorStore.open(spec("extra", SHAPE_4_I2 + ",\"schema\":{\"foo\":1}"), OpenOptions.create()));
    }

    @Test
    void metadataFormsTensorStoreNormalizes() throws Exception {
        assertEquals("{\"chunks\":[4],\"compressor\":{\"blocksize\":0,\"clevel\":5,\"cname\":\"lz4\",\"id\":\"blosc\",\"shuffle\":-1},"
                        + "\"dimension_separator\":\".\",\"dtype\":\"<i2\",\"fill_value\":null,\"filters\":null,\"order\":\"C\",\"shape\":[4],\"zarr_format\":2}",
                created("forms", "\"metadata\":{\"shape\":[4],\"dtype\":\"<i2\",\"zarr_format\":2.0,\"filters\":[]}", ".zarray"));
        assertFails(INVALID, "Error opening \"zarr\" driver: Error writing local file \"" + dir.resolve("nodtype") + "/.zarray\": Cannot create using specified \"metadata\" and schema: "
                        + "\"dtype\" must be specified",
                () -> TensorStore.open(spec("nodtype", "\"metadata\":{\"shape\":[4]}"), OpenOptions.create()));
    }

    /** kvstore URLs and objects as TensorStore reads them; every message is TensorStore's. */
    @Test
    void kvstoreFormsAsTensorStoreReadsThem() throws Exception {
        String a = "{\"driver\":\"zarr\",\"kvstore\":";
        TensorStore.open(a + "\"file://" + dir + "/a%20b/\",\"metadata\":{\"shape\":[2],\"dtype\":\"|u1\"}}", OpenOptions.create()).join();
        assertTrue(Files.exists(dir.resolve("a b").resolve(".zarray")), "percent-escapes decoded");
        String q = "file://" + dir + "/q?x=1";
        assertFails(INVALID, "Error parsing object member \"kvstore\": Parsing spec from url: \"" + q + "\": Invalid kvstore URL component \""
                + q + "\": Query string not supported", () -> TensorStore.open(a + "\"" + q + "\"}"));
        String f = "file://" + dir + "/f#frag";
        assertFails(INVALID, "Error parsing object member \"kvstore\": Parsing spec from url: \"" + f + "\": Invalid kvstore URL component \""
                + f + "\": Fragment identifier not supported", () -> TensorStore.open(a + "\"" + f + "\"}"));
        assertFails(INVALID, "Error parsing object member \"kvstore\": Parsing spec from url: \"nourl\": URL scheme must be specified in \"nourl\"",
                () -> TensorStore.open(a + "\"nourl\"}"));
        assertFails(INVALID, "Error parsing object member \"kvstore\": Invalid file path: \"" + dir + "/x/../d/\"",
                () -> TensorStore.open(a + "{\"driver\":\"file\",\"path\":\"" + dir + "/x/../d/\"}}"));
        assertFails(INVALID, "Error parsing object member \"kvstore\": Error parsing object member \"path\": Expected string, but received: 5",
                () -> TensorStore.open(a + "{\"driver\":\"file\",\"path\":5}}"));
        assertFails(INVALID, "Error opening \"zarr\" driver: \"kvstore\" must be specified", () -> TensorStore.open("{\"driver\":\"zarr\"}"));
        assertFails(INVALID, "Error parsing object member \"kvstore\": Expected object, but received: null", () -> TensorStore.open(a + "null}"));
        TensorStore m = TensorStore.open(a + "\"memory://m%20n/\",\"metadata\":{\"shape\":[2],\"dtype\":\"|u1\"}}", OpenOptions.create()).join();
        assertEquals("m n/", m.spec().json().get("kvstore").get("path").asText());
        assertFails(INVALID, "Error parsing object member \"kvstore\": Parsing spec from url: \"file://rel\": Invalid kvstore URL component \"file://rel\": "
                + "file: URIs do not support relative paths", () -> TensorStore.open(a + "\"file://rel\"}"));
    }

    /**
     * Which memory store a spec reaches, as TensorStore resolves it (same steps in the venv): the
     * context's default, a named one the context defines, or a new one for an inline {} or a spec
     * context that defines its own; an undefined name is an error.
     */
    @Test
    void memoryStoresAsTensorStoreResolvesThem() {
        Context ctx = new Context();
        TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":{\"driver\":\"memory\"}," + "\"metadata\":{\"shape\":[2],\"dtype\":\"|u1\"}}",
                OpenOptions.create().context(ctx)).join().write(5).join();
        String kv = "{\"driver\":\"zarr\",\"kvstore\":{\"driver\":\"memory\",\"memory_key_value_store\":";
        assertEquals(5, TensorStore.open(kv + "\"memory_key_value_store\"}}", new OpenOptions().context(ctx)).join().read().join().getLong(0));
        assertFails(INVALID, "Resource not defined: \"memory_key_value_store#y\"",
                () -> TensorStore.open(kv + "\"memory_key_value_store#y\"}}", new OpenOptions().context(ctx)));
        assertFails(TensorStoreException.Code.NOT_FOUND, "Error opening \"zarr\" driver: Metadata at \".zarray\" does not exist",
                () -> TensorStore.open(kv + "{}}}", new OpenOptions().context(ctx)));
        assertFails(TensorStoreException.Code.NOT_FOUND, "Error opening \"zarr\" driver: Metadata at \".zarray\" does not exist",
                () -> TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":{\"driver\":\"memory\"},\"context\":{\"memory_key_value_store\":{}}}",
                        new OpenOptions().context(ctx)));

        Context named = Context.fromJson("{\"memory_key_value_store#y\":{}}");
        TensorStore.open(kv + "\"memory_key_value_store#y\"},\"metadata\":{\"shape\":[2],\"dtype\":\"|u1\"}}",
                OpenOptions.create().context(named)).join().write(7).join();
        assertEquals(7, TensorStore.open(kv + "\"memory_key_value_store#y\"}}", new OpenOptions().context(named)).join().read().join().getLong(1));
        assertFails(TensorStoreException.Code.NOT_FOUND, "Error opening \"zarr\" driver: Metadata at \".zarray\" does not exist",
                () -> TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":{\"driver\":\"memory\"}}", new OpenOptions().context(named)));

        // A name the spec's own context defines: a new store for each open, as in TensorStore.
        String own = kv + "\"memory_key_value_store#x\"},\"context\":{\"memory_key_value_store#x\":{}}";
        TensorStore.open(own + ",\"metadata\":{\"shape\":[2],\"dtype\":\"|u1\"}}", OpenOptions.create().context(ctx)).join().write(9).join();
        assertFails(TensorStoreException.Code.NOT_FOUND, "Error opening \"zarr\" driver: Metadata at \".zarray\" does not exist",
                () -> TensorStore.open(own + "}", new OpenOptions().context(ctx)));
        assertFails(INVALID, "Error parsing object member \"kvstore\": Error parsing object member \"memory_key_value_store\": "
                + "Invalid spec or reference to \"memory_key_value_store\" resource: \"file_io_sync\" (Expected object, but received: \"file_io_sync\")",
                () -> TensorStore.open(kv + "\"file_io_sync\"}}", new OpenOptions().context(ctx)));
        assertFails(INVALID, "Error parsing object member \"kvstore\": Error parsing object member \"memory_key_value_store\": Expected object, but received: 5",
                () -> TensorStore.open(kv + "5}}", new OpenOptions().context(ctx)));
    }

    /**
     * A spec's own context over the one given: its file I/O settings take precedence, as its
     * resources do in TensorStore, with a store of their own; without them, the context's store.
     */
    @Test
    void aSpecContextsFileSettingsTakePrecedence() throws Exception {
        Context ctx = Context.fromJson("{\"file_io_sync\":false}");
        com.fasterxml.jackson.databind.JsonNode synced = new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"file_io_sync\":true}");
        String path = dir.resolve("s") + "/";
        var plain = (io.tessera.kvstore.file.FileKvStore) FileStores.open(path, ctx, null, null, null).store();
        var own = (io.tessera.kvstore.file.FileKvStore) FileStores.open(path, ctx, synced, null, null).store();
        assertFalse(plain.options().fileIoSync());
        assertTrue(own.options().fileIoSync());
        assertTrue(own == FileStores.open(path, ctx, synced, null, null).store(), "the same settings, the same store");
        assertTrue(plain == FileStores.open(path, ctx, new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"cache_pool\":{}}"), null, null).store(),
                "a spec context without file settings uses the context's store");
        // Through open: the array is created, with fsync, in that directory.
        TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":{\"driver\":\"file\",\"path\":\"" + path + "\"},\"context\":{\"file_io_sync\":true},"
                + "\"metadata\":{\"shape\":[2],\"dtype\":\"|u1\"}}", OpenOptions.create().context(ctx)).join().write(1).join();
        assertTrue(Files.exists(dir.resolve("s").resolve("0")));
    }

    /**
     * A file kvstore spec's {@code file_io_sync} and {@code file_io_concurrency} members, inline
     * or naming resources of the context or of the spec's own context, as TensorStore binds them
     * (its messages for malformed ones, from tensorstore 0.1.85).
     */
    @Test
    void aFileKvstoresIoMembersBindAsInTensorStore() throws Exception {
        String path = dir.resolve("m") + "/";
        Context ctx = Context.fromJson("{\"file_io_sync#a\": false, \"file_io_concurrency#b\": {\"limit\": 3},"
                + " \"file_io_sync#c\": \"file_io_sync#a\", \"file_io_sync#bad\": 7, \"file_io_concurrency#bad\": 7}");
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        java.util.function.Function<String, io.tessera.kvstore.file.FileKvStore> store = members -> {
            try {
                return (io.tessera.kvstore.file.FileKvStore) KvStores.resolve(
                        mapper.readTree("{\"driver\":\"file\",\"path\":\"" + path + "\"" + members + "}"), ctx).store();
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new AssertionError(e);
            }
        };
        var plain = store.apply("");
        assertTrue(plain.options().fileIoSync());
        var inline = store.apply(", \"file_io_sync\": false, \"file_io_concurrency\": {\"limit\": 2}");
        assertFalse(inline.options().fileIoSync());
        assertEquals(2, inline.options().ioConcurrency());
        var named = store.apply(", \"file_io_sync\": \"file_io_sync#c\", \"file_io_concurrency\": \"file_io_concurrency#b\"");
        assertFalse(named.options().fileIoSync(), "#c refers to #a");
        assertEquals(3, named.options().ioConcurrency());
        assertTrue(named != plain && inline != plain && named != inline, "other settings, a store of their own");
        assertTrue(plain == store.apply(", \"file_io_sync\": true"), "the context's settings, the context's store");
        String[][] failures = {
                {", \"file_io_sync\": 3", "Error parsing object member \"kvstore\": Error parsing object member \"file_io_sync\": Expected boolean, but received: 3"},
                {", \"file_io_sync\": \"x\"", "Error parsing object member \"kvstore\": Error parsing object member \"file_io_sync\": "
                        + "Invalid spec or reference to \"file_io_sync\" resource: \"x\" (Expected boolean, but received: \"x\")"},
                {", \"file_io_sync\": null", "Error parsing object member \"kvstore\": Error parsing object member \"file_io_sync\": Expected non-null value, but received: null"},
                {", \"file_io_concurrency\": {\"limit\": 0}", "Error parsing object member \"kvstore\": Error parsing object member \"file_io_concurrency\": "
                        + "Error parsing object member \"limit\": Expected integer in the range [1, 18446744073709551615], but received: 0"},
                {", \"file_io_concurrency\": 5", "Error parsing object member \"kvstore\": Error parsing object member \"file_io_concurrency\": Expected object, but received: 5"},
                {", \"file_io_concurrency\": \"file_io_concurrency#zz\"", "Resource not defined: \"file_io_concurrency#zz\""},
                {", \"file_io_sync\": \"file_io_sync#bad\"", "Expected boolean, but received: 7"},
                {", \"file_io_concurrency\": \"file_io_concurrency#bad\"", "Expected object, but received: 7"},
        };
        for (String[] f : failures) {
            TensorStoreException e = assertThrows(TensorStoreException.class, () -> store.apply(f[0]), f[0]);
            assertEquals(f[1], e.getMessage());
            assertEquals(INVALID, e.code());
        }
    }

    @Test
    void assumeMetadataNeedsOpenAndRulesOutDeleteExisting() {
        String mem = "{\"driver\":\"zarr\",\"kvstore\":{\"driver\":\"memory\"},\"metadata\":{\"shape\":[4],\"dtype\":\"<i2\"}";
        assertFails(INVALID, "Error opening \"zarr\" driver: Cannot specify an open mode of `assume_metadata` without `open`",
                () -> TensorStore.open(mem + ",\"create\":true,\"assume_metadata\":true}"));
        assertFails(INVALID, "Error opening \"zarr\" driver: Cannot specify an open mode of `delete_existing` with `assume_metadata`",
                () -> TensorStore.open(mem + ",\"create\":true,\"delete_existing\":true,\"assume_metadata\":true}"));
        assertArrayEquals(new long[] {4}, TensorStore.open(mem + ",\"create\":true,\"open\":true,\"assume_metadata\":true}").join().shape());
        assertArrayEquals(new long[] {4}, TensorStore.open(mem + ",\"assume_metadata\":true}").join().shape());
        assertEquals(DataType.INT16, TensorStore.open(mem + ",\"open\":true,\"assume_metadata\":true}").join().dtype());
    }
}
