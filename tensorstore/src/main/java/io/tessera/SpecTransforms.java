package io.tessera;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tessera.index.IndexTransform;

import java.util.Iterator;
import java.util.Set;

/**
 * A spec's {@code "transform"} member, in TensorStore's JSON: the view a spec opens. Input bounds
 * are integers, or one-element arrays for implicit bounds ({@code [10]}); each output map is
 * {@code {"input_dimension": d, "offset": o, "stride": s}} or a constant {@code {"offset": o}},
 * and no {@code "output"} means the identity.
 */
final class SpecTransforms {
    private SpecTransforms() {}

    private static final Set<String> MEMBERS = Set.of("input_rank", "input_inclusive_min", "input_exclusive_max", "input_inclusive_max",
            "input_shape", "input_labels", "output");
    private static final Set<String> MAP_MEMBERS = Set.of("input_dimension", "offset", "stride");

    /** The transform {@code t} describes over an array of {@code arrayShape}. */
    static IndexTransform parse(JsonNode t, long[] arrayShape) {
        if (!t.isObject()) throw invalid("Expected object, but received: " + t);
        for (Iterator<String> it = t.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!MEMBERS.contains(f)) throw invalid("Object includes extra members: \"" + f + "\"");
        }
        JsonNode labels = t.get("input_labels");
        if (labels != null) {
            for (JsonNode l : labels) if (!l.asText().isEmpty()) throw invalid("Dimension labels are not supported: " + labels);
        }
        JsonNode minJson = t.get("input_inclusive_min");
        int rank = t.has("input_rank") ? t.get("input_rank").asInt()
                : minJson != null ? minJson.size()
                : t.has("input_shape") ? t.get("input_shape").size()
                : t.has("input_exclusive_max") ? t.get("input_exclusive_max").size()
                : arrayShape.length;
        long[] min = new long[rank], shape = new long[rank];
        boolean[] minImplicit = new boolean[rank], maxImplicit = new boolean[rank];
        for (int d = 0; d < rank; d++) {
            if (minJson != null) min[d] = bound(minJson, d, "input_inclusive_min", minImplicit);
            if (t.has("input_shape")) shape[d] = bound(t.get("input_shape"), d, "input_shape", maxImplicit);
            else if (t.has("input_exclusive_max")) shape[d] = bound(t.get("input_exclusive_max"), d, "input_exclusive_max", maxImplicit) - min[d];
            else if (t.has("input_inclusive_max")) shape[d] = bound(t.get("input_inclusive_max"), d, "input_inclusive_max", maxImplicit) + 1 - min[d];
            else if (t.has("output") || rank != arrayShape.length) throw invalid("Upper bounds of the input domain are missing");
            else shape[d] = arrayShape[d] - min[d];
        }
        int m = arrayShape.length;
        int[] inputDim = new int[m];
        long[] offset = new long[m], stride = new long[m];
        JsonNode output = t.get("output");
        if (output == null) {
            if (rank != m) throw invalid("Input rank " + rank + " needs output maps for an array of rank " + m);
            for (int j = 0; j < m; j++) { inputDim[j] = j; stride[j] = 1; }
        } else {
            if (!output.isArray() || output.size() != m) {
                throw invalid("Expected " + m + " output maps (the array's rank), but received: " + output);
            }
            for (int j = 0; j < m; j++) {
                JsonNode map = output.get(j);
                for (Iterator<String> it = map.fieldNames(); it.hasNext(); ) {
                    String f = it.next();
                    if (!MAP_MEMBERS.contains(f)) throw invalid("Output map " + j + ": \"" + f + "\" is not supported");
                }
                offset[j] = map.has("offset") ? integer(map.get("offset"), "offset") : 0;
                if (map.has("input_dimension")) {
                    inputDim[j] = (int) integer(map.get("input_dimension"), "input_dimension");
                    stride[j] = map.has("stride") ? integer(map.get("stride"), "stride") : 1;
                } else {
                    if (map.has("stride")) throw invalid("Output map " + j + " has a stride but no input_dimension");
                    inputDim[j] = -1;
                }
            }
        }
        // Dimensions None added: both bounds implicit, and no output follows them.
        boolean[] implicit = new boolean[rank];
        for (int d = 0; d < rank; d++) {
            boolean used = false;
            for (int j = 0; j < m; j++) used |= inputDim[j] == d;
            implicit[d] = minImplicit[d] && maxImplicit[d] && !used;
        }
        try {
            return IndexTransform.of(min, shape, implicit, inputDim, offset, stride, arrayShape);
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw invalid(e.getMessage());
        }
    }

    /** {@code t} as TensorStore writes it: bounds, implicit ones in brackets, and output maps unless it is the identity. */
    static ObjectNode toJson(IndexTransform t) {
        ObjectNode j = JsonNodeFactory.instance.objectNode();
        ArrayNode min = j.putArray("input_inclusive_min"), max = j.putArray("input_exclusive_max");
        long[] origin = t.inputOrigin(), shape = t.inputShape();
        for (int d = 0; d < t.inputRank(); d++) {
            if (t.isImplicit(d)) {
                min.addArray().add(origin[d]);
                max.addArray().add(origin[d] + shape[d]);
            } else {
                min.add(origin[d]);
                max.add(origin[d] + shape[d]);
            }
        }
        if (t.isIdentity()) return j;
        ArrayNode out = j.putArray("output");
        for (int k = 0; k < t.outputRank(); k++) {
            ObjectNode map = out.addObject();
            if (t.outputInputDim(k) >= 0) {
                map.put("input_dimension", t.outputInputDim(k));
                if (t.outputOffset(k) != 0) map.put("offset", t.outputOffset(k));
                if (t.outputStride(k) != 1) map.put("stride", t.outputStride(k));
            } else {
                map.put("offset", t.outputOffset(k));
            }
        }
        return j;
    }

    /** Bound {@code d} of {@code a}: an integer, or a one-element array for an implicit bound. */
    private static long bound(JsonNode a, int d, String member, boolean[] implicit) {
        if (!a.isArray() || d >= a.size()) throw invalid("Error parsing object member \"" + member + "\": Expected array of rank-many bounds, but received: " + a);
        JsonNode b = a.get(d);
        if (b.isArray() && b.size() == 1) {
            implicit[d] = true;
            b = b.get(0);
        }
        return integer(b, member);
    }

    private static long integer(JsonNode v, String member) {
        if (!v.canConvertToLong() || !v.isIntegralNumber()) throw invalid("Error parsing object member \"" + member + "\": Expected integer, but received: " + v);
        return v.asLong();
    }

    private static TensorStoreException invalid(String message) {
        return new TensorStoreException(TensorStoreException.Code.INVALID_ARGUMENT, "Error parsing object member \"transform\": " + message);
    }
}
