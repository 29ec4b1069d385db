package io.tessera.zarr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tessera.codecs.JsonText;
import io.tessera.memory.DataType;

import java.util.Arrays;
import java.util.Iterator;

/** Partial {@code .zarray} documents (the "metadata" member of a spec): validation and defaults. */
public final class ZarrMetadatas {
    private ZarrMetadatas() {}

    /** Elements per automatically chosen chunk, as TensorStore targets. */
    static final double TARGET_CHUNK_ELEMENTS = 1 << 20;

    /** Checks the members a spec's metadata gives, without requiring any. */
    public static void validatePartial(ObjectNode m) {
        for (Iterator<String> it = m.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (Arrays.binarySearch(ZarrMetadata.FIELDS, f) < 0) throw new IllegalArgumentException("Object includes extra members: \"" + f + "\"");
        }
        DataType dtype = m.has("dtype") ? ZarrMetadata.parseDtype(m.get("dtype")).dataType() : null;
        if (m.has("shape")) ZarrMetadata.parseShape(m.get("shape"), "shape", false);
        if (m.has("chunks")) ZarrMetadata.parseShape(m.get("chunks"), "chunks", true);
        if (m.has("order")) ZarrMetadata.parseOrder(m.get("order"));
        if (m.has("dimension_separator")) ZarrMetadata.parseSeparator(m.get("dimension_separator"));
        if (m.has("zarr_format")) {
            // 2.0 is 2, as TensorStore reads it.
            JsonNode f = m.get("zarr_format");
            if (!f.isNumber() || f.asDouble() != 2) throw ZarrMetadata.member("zarr_format", "Expected 2, but received: " + f);
            m.put("zarr_format", 2);
        }
        if (m.has("filters") && m.get("filters").isArray() && m.get("filters").isEmpty()) m.putNull("filters"); // no filters, as null
        if (m.has("filters") && !m.get("filters").isNull()) throw ZarrMetadata.member("filters", "Only null filters are supported, but received: " + m.get("filters"));
        if (m.has("compressor")) m.set("compressor", normalizeMember("compressor", m.get("compressor"), dtype));
        if (m.has("fill_value") && !m.get("fill_value").isNull()) {
            if (dtype == null) throw ZarrMetadata.member("fill_value", "must be specified in conjunction with \"dtype\"");
            ZarrMetadata.parseFillValue(m.get("fill_value"), dtype);
        }
    }

    /** The data type a metadata "dtype" member names. */
    public static DataType dtypeOf(JsonNode dtype) {
        return ZarrMetadata.parseDtype(dtype).dataType();
    }

    /** A member as stored: the compressor with its defaults filled in; anything else unchanged. */
    public static JsonNode normalizeMember(String field, JsonNode value, DataType dtype) {
        if (field.equals("fill_value") && dtype != null) return ZarrMetadata.canonicalFillValue(value, dtype);
        if (field.equals("compressor")) {
            JsonNode c = Compressors.validate(value);
            return c == null ? NullNode.getInstance() : ZarrMetadata.sorted(c);
        }
        return value;
    }

    /** Completes a partial document (which has dtype and shape) with TensorStore's defaults. */
    public static ZarrMetadata withDefaults(ObjectNode partial) {
        ObjectNode m = partial.deepCopy();
        long[] shape = ZarrMetadata.parseShape(m.get("shape"), "shape", false);
        if (!m.has("chunks")) m.set("chunks", JsonText.longs(chooseChunkShape(shape)));
        if (!m.has("compressor")) m.set("compressor", Compressors.defaultCompressor());
        if (!m.has("dimension_separator")) m.put("dimension_separator", ".");
        if (!m.has("fill_value")) m.putNull("fill_value");
        if (!m.has("filters")) m.putNull("filters");
        if (!m.has("order")) m.put("order", "C");
        if (!m.has("zarr_format")) m.put("zarr_format", 2);
        ZarrMetadata parsed = ZarrMetadata.parse(m);
        JsonNode compressor = Compressors.validate(parsed.compressor());
        return new ZarrMetadata(parsed.shape(), parsed.chunks(), parsed.dtype(), compressor == null ? null : ZarrMetadata.sorted(compressor),
                parsed.fillValue(), parsed.order(), parsed.dimensionSeparator());
    }

    /**
     * TensorStore's automatic chunk shape: about a million elements, as equal as the shape
     * allows; dimensions smaller than their share are taken whole and their slack redistributed.
     */
    static long[] chooseChunkShape(long[] shape) {
        int n = shape.length;
        long[] chunks = new long[n];
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Long.compare(shape[a], shape[b]));
        double remaining = TARGET_CHUNK_ELEMENTS;
        for (int i = 0; i < n; i++) {
            int d = order[i];
            double share = Math.floor(Math.pow(remaining, 1.0 / (n - i)) + 1e-9);
            long extent = Math.max(1, shape[d]);
            if (extent <= share) {
                chunks[d] = extent;
                remaining /= extent;
            } else {
                // Every remaining dimension is at least this large: all of them get the same share.
                for (int k = i; k < n; k++) chunks[order[k]] = Math.max(1, (long) share);
                break;
            }
        }
        return chunks;
    }
}
