package io.tessera;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Random NumPy-style index expressions, applied (and chained) by Tessera and by TensorStore to
 * the same array: the resulting domain, the values read, and whether it is an error must agree.
 */
class IndexingDifferentialTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static final String ORACLE = """
            import sys, json, numpy as np, tensorstore as ts
            out = []
            for line in sys.stdin:
                c = json.loads(line)
                shape = c["shape"]
                a = ts.array(np.arange(int(np.prod(shape)), dtype=np.int32).reshape(shape))
                try:
                    v = a
                    for e in c["exprs"]:
                        v = eval("v[" + (e if e.strip() else "()") + "]", {"v": v, "np": np})
                    data = v.read().result()
                    out.append({"min": list(v.domain.inclusive_min), "shape": list(v.domain.shape), "values": data.ravel().tolist()})
                except Exception as ex:
                    out.append({"error": str(ex).split(" [source")[0]})
            print(json.dumps(out))
            """;

    static String randomTerm(Random r, long lo, long hi) {
        int kind = r.nextInt(10);
        long span = hi - lo;
        if (kind < 3) return Long.toString(lo + (long) r.nextInt((int) span + 2) - 1);
        if (kind == 3) return ":";
        long step = r.nextInt(4) == 0 ? -(1 + r.nextInt(3)) : 1 + r.nextInt(3);
        String start = r.nextInt(4) == 0 ? "" : Long.toString(lo + r.nextInt((int) span + 1));
        String stop = r.nextInt(4) == 0 ? "" : Long.toString(lo + r.nextInt((int) span + 1) - (step < 0 ? 1 : 0));
        return start + ":" + stop + (step == 1 && r.nextBoolean() ? "" : ":" + step);
    }

    static String randomExpression(Random r, long[] min, long[] shape, boolean newAxes) {
        List<String> terms = new ArrayList<>();
        int rank = shape.length;
        int used = r.nextInt(rank + 1);
        boolean ellipsis = r.nextInt(4) == 0;
        for (int d = 0; d < used; d++) {
            if (newAxes && r.nextInt(8) == 0) terms.add("None");
            terms.add(randomTerm(r, min[d], min[d] + shape[d]));
        }
        if (ellipsis) terms.add(r.nextInt(terms.size() + 1), "...");
        if (newAxes && r.nextInt(10) == 0) terms.add("None");
        return String.join(", ", terms);
    }

    @Test
    void randomExpressionsMatchTensorStore() throws Exception {
        Random r = new Random(20261124);
        int cases = 1500;
        StringBuilder in = new StringBuilder();
        List<long[]> shapes = new ArrayList<>();
        List<List<String>> exprs = new ArrayList<>();
        for (int i = 0; i < cases; i++) {
            int rank = 1 + r.nextInt(3);
            long[] shape = new long[rank];
            for (int d = 0; d < rank; d++) shape[d] = 1 + r.nextInt(9);
            List<String> chain = new ArrayList<>();
            // None dimensions have implicit bounds, which only the last expression may create:
            // slicing them again is outside what this test claims.
            boolean chained = r.nextBoolean();
            chain.add(randomExpression(r, new long[rank], shape, !chained));
            if (chained) {
                // A second expression on the result: computed on our own view's domain; errors are compared too.
                try {
                    TensorStore v = array(shape).get(chain.get(0));
                    chain.add(randomExpression(r, v.origin(), v.shape(), true));
                } catch (TensorStoreException ignored) {
                    // The first expression already fails; the oracle must agree.
                }
            }
            shapes.add(shape);
            exprs.add(chain);
            in.append(JSON.writeValueAsString(java.util.Map.of("shape", shape, "exprs", chain))).append('\n');
        }
        int errors = compareWithTensorStore(shapes, exprs, in.toString());
        // The generator must exercise both outcomes, or the comparison proves little.
        if (errors < cases / 10 || errors > cases * 9 / 10) fail("unbalanced case mix: " + errors + " errors of " + cases);
    }

    /**
     * Indices at the edges of TensorStore's index range: starts beyond +-(2^62 - 1) are invalid,
     * -2^63 leaves a slice's bound or step out, and an implicit dimension (a new axis) takes only
     * finite indices. A start of 2^63 - 1 with a negative step used to overflow into a domain of
     * negative size, which reads then failed on with raw Java exceptions.
     */
    @Test
    void indicesAtTheEdgesOfTheIndexRangeMatchTensorStore() throws Exception {
        List<long[]> shapes = new ArrayList<>();
        List<List<String>> exprs = new ArrayList<>();
        StringBuilder in = new StringBuilder();
        String[][] cases = {
                {"9223372036854775807::-1"}, {"4611686018427387904:4611686018427387904:3"}, {"-9223372036854775807:"},
                {"None", "9223372036854775807"}, {"None", "4611686018427387903"}, {"None", "4611686018427387902"},
                {"None", "-4611686018427387902"}, {"-9223372036854775808::-1"}, {":-9223372036854775808:-3"},
                {"-9223372036854775808:3"}, {"::9223372036854775807"}, {"::-9223372036854775808"}, {"4611686018427387903"},
                {"-4611686018427387902:8"}, {"2:4611686018427387902"}, {"9223372036854775807"}};
        for (String[] c : cases) {
            long[] shape = {8};
            shapes.add(shape);
            exprs.add(List.of(c));
            in.append(JSON.writeValueAsString(java.util.Map.of("shape", shape, "exprs", List.of(c)))).append('\n');
        }
        compareWithTensorStore(shapes, exprs, in.toString());
    }

    /** Runs each case in TensorStore and here, and fails at the first difference; the number of cases that are errors on both sides. */
    private static int compareWithTensorStore(List<long[]> shapes, List<List<String>> exprs, String oracleInput) throws Exception {
        int cases = shapes.size();
        JsonNode expected = JSON.readTree(PythonOracle.run(PythonOracle.tensorstorePython(), ORACLE, oracleInput));
        int errors = 0;
        for (int i = 0; i < cases; i++) {
            JsonNode want = expected.get(i);
            String where = "shape " + java.util.Arrays.toString(shapes.get(i)) + " expressions " + String.join(" | ", exprs.get(i));
            TensorStore v;
            NDArray got;
            try {
                v = array(shapes.get(i));
                for (String e : exprs.get(i)) v = v.get(e);
                got = v.read().join();
            } catch (TensorStoreException e) {
                if (!want.has("error")) fail(where + ": Tessera failed (" + e.getMessage() + ") but TensorStore gives " + want);
                // TensorStore adds context (the dimension, the transform); its core message must be ours.
                String theirs = want.get("error").asText();
                if (!theirs.contains(e.getMessage())) fail(where + ": Tessera says \"" + e.getMessage() + "\" but TensorStore says \"" + theirs + "\"");
                errors++;
                continue;
            }
            if (want.has("error")) fail(where + ": TensorStore fails (" + want.get("error").asText() + ") but Tessera gives domain " + v.domain());
            assertEquals(want.get("min").toString(), JSON.valueToTree(v.origin()).toString(), where + " origin");
            assertEquals(want.get("shape").toString(), JSON.valueToTree(v.shape()).toString(), where + " shape");
            ArrayNode values = JSON.createArrayNode();
            NDArray flat = got.copy();
            for (long k = 0; k < flat.size(); k++) values.add(flat.segment().getAtIndex(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, k));
            assertEquals(want.get("values").toString(), values.toString(), where + " values");
        }
        return errors;
    }

    private static final java.util.Map<String, TensorStore> ARRAYS = new java.util.HashMap<>();

    static TensorStore array(long[] shape) {
        return ARRAYS.computeIfAbsent(java.util.Arrays.toString(shape), k -> {
            TensorStore ts = TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"metadata\":{\"chunks\":" + chunksFor(shape) + "}}",
                    OpenOptions.create().dtype(DataType.INT32).shape(shape)).join();
            long n = 1;
            for (long s : shape) n *= s;
            int[] values = new int[(int) n];
            for (int i = 0; i < n; i++) values[i] = i;
            NDArray src = NDArray.wrap(java.lang.foreign.MemorySegment.ofArray(values), DataType.INT32, shape);
            ts.write(src).join();
            return ts;
        });
    }

    /** Small chunks (2 or 3 wide), so that every expression crosses chunk boundaries. */
    static String chunksFor(long[] shape) {
        StringBuilder sb = new StringBuilder("[");
        for (int d = 0; d < shape.length; d++) sb.append(d > 0 ? "," : "").append(2 + d % 2);
        return sb.append("]").toString();
    }
}
