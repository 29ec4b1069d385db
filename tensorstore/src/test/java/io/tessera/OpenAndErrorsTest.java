package io.tessera;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Open modes, metadata handling and every user-facing error, worded as TensorStore words them. */
class OpenAndErrorsTest {
    static final String MEM = "{\"driver\":\"zarr\",\"kvstore\":{\"driver\":\"memory\"}}";

    /** The TensorStoreException a call or its future fails with. */
    static TensorStoreException failure(Supplier<CompletableFuture<?>> call) {
        try {
            call.get().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof TensorStoreException t) return t;
            throw new AssertionError("expected a TensorStoreException, got " + e.getCause(), e.getCause());
        } catch (TensorStoreException e) {
            return e;
        }
        throw new AssertionError("expected a failure, but it succeeded");
    }

    static void assertFails(TensorStoreException.Code code, String message, Supplier<CompletableFuture<?>> call) {
        TensorStoreException e = failure(call);
        assertEquals(message, e.getMessage());
        assertEquals(code, e.code());
    }

    @Test
    void openModes() {
        Context ctx = new Context();
        assertFails(TensorStoreException.Code.NOT_FOUND, "Error opening \"zarr\" driver: Metadata at \".zarray\" does not exist",
                () -> TensorStore.open(Spec.parse(MEM), new OpenOptions().context(ctx)));
        TensorStore a = TensorStore.open(Spec.parse(MEM), OpenOptions.create().dtype(DataType.INT16).shape(4, 5).context(ctx)).join();
        assertArrayEquals(new long[]{4, 5}, a.shape());
        assertFails(TensorStoreException.Code.ALREADY_EXISTS, "Error opening \"zarr\" driver: Error writing \".zarray\"",
                () -> TensorStore.open(Spec.parse(MEM), OpenOptions.create().dtype(DataType.INT16).shape(4, 5).context(ctx)));
        TensorStore b = TensorStore.open(Spec.parse(MEM), OpenOptions.create().open(true).dtype(DataType.INT16).shape(4, 5).context(ctx)).join();
        assertEquals(DataType.INT16, b.dtype());
        assertFails(TensorStoreException.Code.INVALID_ARGUMENT, "Error opening \"zarr\" driver: Cannot specify an open mode of `delete_existing` without `create`",
                () -> TensorStore.open(Spec.parse("{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"delete_existing\":true}"), new OpenOptions().context(ctx)));
        assertFails(TensorStoreException.Code.INVALID_ARGUMENT, "Error opening \"zarr\" driver: Cannot specify an open mode of `delete_existing` with `open`",
                () -> TensorStore.open(Spec.parse(MEM), new OpenOptions().deleteExisting().open(true).context(ctx)));
        a.write(7).join();
        TensorStore c = TensorStore.open(Spec.parse(MEM), new OpenOptions().deleteExisting().dtype(DataType.UINT8).shape(3).context(ctx)).join();
        assertEquals(0, c.read().join().getLong(0));
    }

    @Test
    void metadataConstraintsOnOpen() {
        Context ctx = new Context();
        TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"metadata\":{\"dtype\":\"<i2\",\"shape\":[4,5],\"chunks\":[2,2]}}",
                OpenOptions.create().context(ctx)).join();
        assertFails(TensorStoreException.Code.FAILED_PRECONDITION, "Error opening \"zarr\" driver: Expected \"dtype\" of \"<i4\" but received: \"<i2\"",
                () -> TensorStore.open(Spec.parse("{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"metadata\":{\"dtype\":\"<i4\"}}"), new OpenOptions().context(ctx)));
        assertFails(TensorStoreException.Code.FAILED_PRECONDITION, "Error opening \"zarr\" driver: Expected \"shape\" of [4,6] but received: [4,5]",
                () -> TensorStore.open(Spec.parse("{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"metadata\":{\"shape\":[4,6]}}"), new OpenOptions().context(ctx)));
        assertFails(TensorStoreException.Code.FAILED_PRECONDITION, "Error opening \"zarr\" driver: Expected \"chunks\" of [2,3] but received: [2,2]",
                () -> TensorStore.open(Spec.parse("{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"metadata\":{\"chunks\":[2,3]}}"), new OpenOptions().context(ctx)));
        assertFails(TensorStoreException.Code.FAILED_PRECONDITION, "Error opening \"zarr\" driver: dtype from metadata (int16) does not match dtype in schema (uint32)",
                () -> TensorStore.open(Spec.parse(MEM), new OpenOptions().dtype(DataType.UINT32).context(ctx)));
        assertFails(TensorStoreException.Code.FAILED_PRECONDITION, "Error opening \"zarr\" driver: Rank is 2, but schema specifies rank of 1",
                () -> TensorStore.open(Spec.parse(MEM), new OpenOptions().shape(4).context(ctx)));
        TensorStore ok = TensorStore.open(Spec.parse("{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"metadata\":{\"dtype\":\"<i2\"}}"), new OpenOptions().context(ctx)).join();
        assertEquals("{ [0, 4), [0, 5) }", ok.domain());
    }

    @Test
    void specErrors() {
        assertFails(TensorStoreException.Code.INVALID_ARGUMENT, "Error parsing object member \"driver\": \"zarrx\" is not a registered TensorStore driver",
                () -> TensorStore.open("{\"driver\":\"zarrx\",\"kvstore\":\"memory://\"}"));
        assertFails(TensorStoreException.Code.INVALID_ARGUMENT, "Error parsing object member \"metadata\": Error parsing object member \"dtype\": Unsupported zarr dtype: \"<q4\"",
                () -> TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"metadata\":{\"dtype\":\"<q4\"}}", OpenOptions.create().shape(3)));
        assertFails(TensorStoreException.Code.INVALID_ARGUMENT, "Error parsing object member \"metadata\": Error parsing object member \"fill_value\": must be specified in conjunction with \"dtype\"",
                () -> TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"metadata\":{\"fill_value\":0}}", OpenOptions.create().shape(3)));
        TensorStoreException bad = failure(() -> TensorStore.open("{\"driver\": \"zarr\", "));
        assertTrue(bad.getMessage().startsWith("Invalid spec JSON: "), bad.getMessage());
        assertFails(TensorStoreException.Code.INVALID_ARGUMENT, "Error opening \"zarr\" driver: Error writing \".zarray\": Cannot create using specified \"metadata\" and schema: domain must be specified",
                () -> TensorStore.open(MEM, OpenOptions.create().dtype(DataType.UINT8)));
        assertFails(TensorStoreException.Code.INVALID_ARGUMENT, "Error parsing object member \"kvstore\": Error parsing object member \"driver\": \"s4\" is not a registered KvStore driver",
                () -> TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":{\"driver\":\"s4\"}}"));
    }

    @Test
    void indexAndWriteErrors() {
        TensorStore ds = TensorStore.open(MEM, OpenOptions.create().dtype(DataType.UINT32).shape(4, 5)).join();
        assertFails(TensorStoreException.Code.OUT_OF_RANGE, "Index 4 is outside valid range [0, 4)", () -> CompletableFuture.completedFuture(ds.get("4")));
        assertFails(TensorStoreException.Code.OUT_OF_RANGE, "Computing interval slice for dimension 1: Slice interval [1, 7) is not contained within domain [0, 5)",
                () -> CompletableFuture.completedFuture(ds.get(":, 1:7")));
        assertFails(TensorStoreException.Code.INVALID_ARGUMENT, "Indexing expression requires 3 dimensions, and cannot be applied to a domain of rank 2",
                () -> CompletableFuture.completedFuture(ds.get("1, 2, 3")));
        assertFails(TensorStoreException.Code.INVALID_ARGUMENT, "Error aligning dimensions: source dimension 0 [0, 3) mismatch with target dimension 1 [0, 5)",
                () -> ds.write(new int[]{1, 2, 3}).commit());
        assertFails(TensorStoreException.Code.INVALID_ARGUMENT, "Explicit data type conversion required to convert float64 -> uint32",
                () -> ds.write(NDArray.of(new double[]{1.5})).commit());
        // Strides that compose past a long are refused, not wrapped (to 0, where splitting into chunks would divide by it).
        assertFails(TensorStoreException.Code.INVALID_ARGUMENT, "Integer overflow computing the output map of dimension 0: stride 4294967296 times 4294967296",
                () -> CompletableFuture.completedFuture(ds.get("::4294967296").get("::4294967296")));
        TensorStoreException neg = failure(() -> ds.write(-1).commit());
        assertTrue(neg.getMessage().contains("-1"), neg.getMessage());
        TensorStoreException frac = failure(() -> ds.write(1.5).commit());
        assertTrue(frac.getMessage().contains("1.5"), frac.getMessage());
        // Nothing was stored by the failed writes.
        NDArray all = ds.read().join();
        for (int i = 0; i < 4; i++) for (int j = 0; j < 5; j++) assertEquals(0, all.getLong(i, j));
    }

    @Test
    void zarrayIsCompactWithSortedKeysAndChunkShapeIsChosenAsTensorStoreDoes() throws Exception {
        Context ctx = new Context();
        TensorStore ds = TensorStore.open(Spec.parse(MEM), OpenOptions.create().dtype(DataType.UINT16).shape(1024, 1024, 128).context(ctx)).join();
        String zarray = new String(ctx.memoryKvStore().read(".zarray").join().value().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        // The exact text TensorStore 0.1.x writes for ts.open(spec, dtype=ts.uint16, shape=[1024, 1024, 128], create=True).
        assertEquals("{\"chunks\":[101,101,101],\"compressor\":{\"blocksize\":0,\"clevel\":5,\"cname\":\"lz4\",\"id\":\"blosc\",\"shuffle\":-1},"
                + "\"dimension_separator\":\".\",\"dtype\":\"<u2\",\"fill_value\":null,\"filters\":null,\"order\":\"C\",\"shape\":[1024,1024,128],\"zarr_format\":2}", zarray);
        assertEquals(new ObjectMapper().readTree(zarray).toString(), ds.metadata().toString());
    }
}
