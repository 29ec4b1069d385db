package io.tessera;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.tessera.OpenAndErrorsTest.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A view's spec opens the same view: its {@code "transform"} carries the view's domain and
 * output maps, written and read as TensorStore writes and reads them. The expected JSON and
 * values are TensorStore 0.1.85's for the same views (run in the project's venv, 2026-11-24).
 */
class SpecTransformTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A 10 x 4 int16 array holding 4 i + j, in a context of its own. */
    private static TensorStore array() {
        TensorStore ds = TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":{\"driver\":\"memory\"},"
                + "\"metadata\":{\"shape\":[10,4],\"dtype\":\"<i2\",\"chunks\":[5,2]}}", OpenOptions.create().context(new Context())).join();
        short[][] v = new short[10][4];
        for (int i = 0; i < 10; i++) for (int j = 0; j < 4; j++) v[i][j] = (short) (4 * i + j);
        ds.write(v).join();
        return ds;
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static TensorStore reopen(TensorStore of, JsonNode transform) {
        ObjectNode spec = (ObjectNode) of.spec().json().deepCopy();
        spec.set("transform", transform);
        return TensorStore.open(Spec.fromJson(spec), new OpenOptions().context(of.context())).join();
    }

    @Test
    void aViewsSpecReopensTheView() {
        TensorStore ds = array();
        for (String index : List.of("7:1:-2, 1", "2:5", "None, 3", "..., 1:3", "3, 2", "::-1, ::3")) {
            TensorStore view = ds.get(index);
            TensorStore again = TensorStore.open(view.spec(), new OpenOptions().context(ds.context())).join();
            assertEquals(view.domain(), again.domain(), index);
            assertTrue(view.read().join().contentEquals(again.read().join()), index);
        }
        TensorStore twice = ds.get("..., 1:3").get("1:");
        TensorStore again = TensorStore.open(twice.spec(), new OpenOptions().context(ds.context())).join();
        assertEquals("{ [1, 10), [1, 3) }", again.domain());
        assertTrue(twice.read().join().contentEquals(again.read().join()));
    }

    @Test
    void transformsAsTensorStoreWritesThem() throws Exception {
        TensorStore ds = array();
        // TensorStore: ds[7:1:-2, 1].spec(minimal_spec=True).to_json()["transform"]
        assertEquals(JSON.readTree("{\"input_exclusive_max\":[0],\"input_inclusive_min\":[-3],"
                        + "\"output\":[{\"input_dimension\":0,\"offset\":1,\"stride\":-2},{\"offset\":1}]}"),
                json(ds.get("7:1:-2, 1").spec().json().get("transform").toString()));
        // Its view, opened from TensorStore's JSON, reads what TensorStore read: [29, 21, 13].
        TensorStore strided = reopen(ds, json("{\"input_exclusive_max\":[0],\"input_inclusive_min\":[-3],"
                + "\"output\":[{\"input_dimension\":0,\"offset\":1,\"stride\":-2},{\"offset\":1}]}"));
        assertEquals("{ [-3, 0) }", strided.domain());
        NDArray got = strided.read().join();
        assertEquals(List.of(29L, 21L, 13L), List.of(got.getLong(0), got.getLong(1), got.getLong(2)));
        // ds[None, 3] as TensorStore writes it (implicit bounds in brackets): [[12, 13, 14, 15]].
        TensorStore row = reopen(ds, json("{\"input_exclusive_max\":[[1],[4]],\"input_inclusive_min\":[[0],0],"
                + "\"output\":[{\"offset\":3},{\"input_dimension\":1}]}"));
        assertEquals(2, row.rank());
        NDArray r = row.read().join();
        for (int j = 0; j < 4; j++) assertEquals(12 + j, r.getLong(0, j));
        assertEquals(DataType.INT16, row.dtype());
    }

    /** A stride of 0 is a constant map, as TensorStore normalizes it: its view reads row 3 three times. */
    @Test
    void aZeroStrideIsAConstant() {
        TensorStore ds = array();
        TensorStore rows = reopen(ds, json("{\"input_inclusive_min\":[0,0],\"input_exclusive_max\":[3,4],"
                + "\"output\":[{\"input_dimension\":0,\"stride\":0,\"offset\":3},{\"input_dimension\":1}]}"));
        NDArray r = rows.read().join();
        for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) assertEquals(12 + j, r.getLong(i, j));
        // TensorStore writes the map back as {"offset":3}.
        assertEquals(json("{\"offset\":3}"), json(rows.spec().json().get("transform").get("output").get(0).toString()));
    }

    @Test
    void aTransformOutsideTheArrayIsRefused() throws Exception {
        TensorStore ds = array();
        TensorStoreException e = failure(() -> java.util.concurrent.CompletableFuture.completedFuture(
                reopen(ds, json("{\"input_inclusive_min\":[0],\"input_exclusive_max\":[11],\"output\":[{\"input_dimension\":0},{\"offset\":1}]}"))));
        assertEquals(TensorStoreException.Code.INVALID_ARGUMENT, e.code());
        assertEquals("Error parsing object member \"transform\": Output dimension 0 of the transform reaches [0, 10], outside the array's domain [0, 10)",
                e.getMessage());
        TensorStoreException rank = failure(() -> java.util.concurrent.CompletableFuture.completedFuture(
                reopen(ds, json("{\"input_inclusive_min\":[0],\"input_exclusive_max\":[3],\"output\":[{\"input_dimension\":0}]}"))));
        assertEquals("Error parsing object member \"transform\": Expected 2 output maps (the array's rank), but received: [{\"input_dimension\":0}]",
                rank.getMessage());
        // A diagonal (TensorStore reads [0, 5, 10, 15] of a 4 x 4 array) is refused, not read wrong.
        TensorStoreException diagonal = failure(() -> java.util.concurrent.CompletableFuture.completedFuture(
                reopen(ds, json("{\"input_inclusive_min\":[0],\"input_exclusive_max\":[4],\"output\":[{\"input_dimension\":0},{\"input_dimension\":0}]}"))));
        assertEquals("Error parsing object member \"transform\": Input dimension 0 is used by more than one output dimension, which is not supported",
                diagonal.getMessage());
    }
}
