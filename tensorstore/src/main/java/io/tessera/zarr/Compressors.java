package io.tessera.zarr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.lang.foreign.MemorySegment;

/** The bridge from a {@code .zarray} "compressor" member to a chunk compressor. */
final class Compressors {
    private Compressors() {}

    /** Compresses and decompresses whole chunks. Implementations are thread-safe. */
    interface ChunkCompressor {
        MemorySegment encode(MemorySegment raw, int elementSize);

        /** Decodes exactly {@code decodedSize} bytes, or throws naming {@code key}. */
        MemorySegment decode(MemorySegment encoded, long decodedSize, String key);
    }

    /** TensorStore's default compressor for new zarr v2 arrays. */
    static JsonNode defaultCompressor() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("blocksize", 0);
        o.put("clevel", 5);
        o.put("cname", "lz4");
        o.put("id", "blosc");
        o.put("shuffle", -1);
        return o;
    }

    /** Validates a compressor's JSON and fills its defaults (null: no compression). */
    static JsonNode validate(JsonNode json) {
        if (json == null || json.isNull()) return null;
        throw new IllegalArgumentException("Error parsing object member \"compressor\": unsupported compressor " + json);
    }

    /** The compressor for validated JSON; {@code null} for none. */
    static ChunkCompressor forJson(JsonNode json) {
        if (json == null || json.isNull()) return null;
        throw new IllegalArgumentException("Error parsing object member \"compressor\": unsupported compressor " + json);
    }
}
