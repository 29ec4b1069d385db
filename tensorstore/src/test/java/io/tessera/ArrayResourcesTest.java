package io.tessera;

import com.fasterxml.jackson.databind.JsonNode;
import io.tessera.codecs.JsonText;
import io.tessera.memory.DataType;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The zarr driver's {@code cache_pool} and {@code data_copy_concurrency} members and a spec's own
 * context, bound as TensorStore binds them (the messages are TensorStore 0.1.85's, from the venv).
 */
class ArrayResourcesTest {
    private static JsonNode json(String s) {
        try {
            return JsonText.parse(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void defaultsAreTheContextsOwn() {
        Context ctx = Context.fromJson("{\"cache_pool\": {\"total_bytes_limit\": 5000}, \"data_copy_concurrency\": {\"limit\": 3}}");
        Context.ArrayResources r = ctx.arrayResources(null, json("\"data_copy_concurrency\""), null);
        assertTrue(r.shared());
        assertSame(ctx.cachePool(), r.cachePool());
        assertSame(ctx.dataCopyExecutor(), r.dataCopyExecutor());
        assertEquals(3, ((LimitedExecutor) r.dataCopyExecutor()).limit());
        assertNull(new Context().arrayResources(null, null, null).cachePool(), "no cache pool unless one is asked for");
    }

    @Test
    void namedResourcesAreSharedAndTheSpecsOwnContextComesFirst() {
        Context ctx = Context.fromJson("{\"cache_pool#a\": {\"total_bytes_limit\": 7000}, \"data_copy_concurrency#b\": {\"limit\": 1}}");
        Context.ArrayResources a = ctx.arrayResources(json("\"cache_pool#a\""), json("\"data_copy_concurrency#b\""), null);
        Context.ArrayResources again = ctx.arrayResources(json("\"cache_pool#a\""), json("\"data_copy_concurrency#b\""), null);
        assertTrue(a.shared());
        assertEquals(7000, a.cachePool().limitBytes());
        assertEquals(1, ((LimitedExecutor) a.dataCopyExecutor()).limit());
        assertSame(a.cachePool(), again.cachePool());
        assertSame(a.dataCopyExecutor(), again.dataCopyExecutor());
        assertNotSame(ctx.dataCopyExecutor(), a.dataCopyExecutor());

        // The spec's own context defines the default cache pool, and a name the context given lacks.
        JsonNode own = json("{\"cache_pool\": {\"total_bytes_limit\": 900}, \"data_copy_concurrency#c\": {\"limit\": 2}}");
        Context.ArrayResources s = ctx.arrayResources(null, json("\"data_copy_concurrency#c\""), own);
        assertFalse(s.shared(), "resources of the spec's own context are the array's own");
        assertEquals(900, s.cachePool().limitBytes());
        assertEquals(2, ((LimitedExecutor) s.dataCopyExecutor()).limit());

        Context.ArrayResources inline = ctx.arrayResources(json("{\"total_bytes_limit\": 100}"), null, null);
        assertFalse(inline.shared());
        assertEquals(100, inline.cachePool().limitBytes());
        assertSame(ctx.dataCopyExecutor(), inline.dataCopyExecutor());
    }

    @Test
    void badReferencesFailAsInTensorStore() {
        Context ctx = new Context();
        TensorStoreException e = assertThrows(TensorStoreException.class, () -> ctx.arrayResources(json("\"cache_pool#b\""), null, null));
        assertEquals("Resource not defined: \"cache_pool#b\"", e.getMessage());
        e = assertThrows(TensorStoreException.class, () -> ctx.arrayResources(json("\"file_io_sync\""), null, null));
        assertEquals("Error parsing object member \"cache_pool\": Invalid spec or reference to \"cache_pool\" resource: \"file_io_sync\""
                + " (Expected object, but received: \"file_io_sync\")", e.getMessage());
        e = assertThrows(TensorStoreException.class, () -> ctx.arrayResources(null, json("{\"limit\": 0}"), null));
        assertEquals(TensorStoreException.Code.INVALID_ARGUMENT, e.code());
    }

    /**
     * An entry of a context may itself be a reference, followed in the spec's own context first
     * and then in the context given; cycles and malformed entries fail as in TensorStore.
     */
    @Test
    void referencesInsideContextsAreFollowed() {
        Context ctx = Context.fromJson("{\"cache_pool#a\": {\"total_bytes_limit\": 7000}}");
        Context.ArrayResources viaSpec = ctx.arrayResources(null, null, json("{\"cache_pool\": \"cache_pool#a\"}"));
        assertSame(ctx.arrayResources(json("\"cache_pool#a\""), null, null).cachePool(), viaSpec.cachePool(),
                "the spec's default names the given context's #a");
        assertTrue(viaSpec.shared());
        Context.ArrayResources inSpec = ctx.arrayResources(null, null,
                json("{\"cache_pool\": \"cache_pool#x\", \"cache_pool#x\": {\"total_bytes_limit\": 5}}"));
        assertEquals(5, inSpec.cachePool().limitBytes());
        assertFalse(inSpec.shared());

        String[][] failures = {
                {"{\"cache_pool\": \"cache_pool#zz\"}", "Resource not defined: \"cache_pool#zz\""},
                {"{\"cache_pool\": 5}", "Error parsing object member \"context\": Expected object, but received: 5"},
                {"{\"cache_pool\": \"cache_pool\"}", "Context resource reference cycle: \"cache_pool\":\"cache_pool\""},
        };
        for (String[] f : failures) {
            TensorStoreException e = assertThrows(TensorStoreException.class, () -> ctx.arrayResources(null, null, json(f[0])), f[0]);
            assertEquals(f[1], e.getMessage());
        }
        TensorStoreException cycle = assertThrows(TensorStoreException.class, () -> ctx.arrayResources(json("\"cache_pool#p\""), null,
                json("{\"cache_pool#p\": \"cache_pool#q\", \"cache_pool#q\": \"cache_pool#p\"}")));
        assertEquals("Context resource reference cycle: \"cache_pool#q\":\"cache_pool#p\" -> \"cache_pool#p\":\"cache_pool#q\"", cycle.getMessage());
        TensorStoreException nul = assertThrows(TensorStoreException.class, () -> ctx.arrayResources(json("null"), null, null));
        assertEquals("Error parsing object member \"cache_pool\": Expected non-null value, but received: null", nul.getMessage());
        TensorStoreException zero = assertThrows(TensorStoreException.class, () -> ctx.arrayResources(null, json("{\"limit\": 0}"), null));
        assertEquals("Error parsing object member \"data_copy_concurrency\": Error parsing object member \"limit\": "
                + "Expected integer in the range [1, 18446744073709551615], but received: 0", zero.getMessage());
    }

    /** A memory store named through the spec's own context is the given context's store of that name. */
    @Test
    void aSpecContextsMemoryStoreReferenceReachesTheGivenContext() {
        try (Context ctx = Context.fromJson("{\"memory_key_value_store#a\": {}}")) {
            TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":{\"driver\":\"memory\",\"memory_key_value_store\":\"memory_key_value_store#a\"}}",
                    OpenOptions.create().dtype(DataType.UINT8).shape(4).context(ctx)).join().write(new byte[] {1, 2, 3, 4}).join();
            TensorStore viaSpec = TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":\"memory://\","
                    + "\"context\":{\"memory_key_value_store\":\"memory_key_value_store#a\"}}", new OpenOptions().context(ctx)).join();
            assertEquals(3, viaSpec.read().join().getLong(2));
        }
    }

    /** Through open: a bad reference is refused before anything is created; a good one opens. */
    @Test
    void openBindsTheMembers() {
        try (Context ctx = Context.fromJson("{\"cache_pool#a\": {\"total_bytes_limit\": 1000000}}")) {
            CompletionException e = assertThrows(CompletionException.class, () -> TensorStore.open(
                    "{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"cache_pool\":\"cache_pool#b\"}",
                    OpenOptions.create().dtype(DataType.UINT8).shape(4).context(ctx)).join());
            assertEquals("Resource not defined: \"cache_pool#b\"", e.getCause().getMessage());
            assertTrue(ctx.memoryKvStore().list("").join().isEmpty(), "nothing was created");
            TensorStore ds = TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"cache_pool\":\"cache_pool#a\","
                            + "\"context\":{\"data_copy_concurrency\":{\"limit\":1}}}",
                    OpenOptions.create().dtype(DataType.UINT8).shape(4).context(ctx)).join();
            ds.write(new byte[] {1, 2, 3, 4}).join();
            assertEquals(3, ds.read().join().getLong(2));
        }
    }
}
