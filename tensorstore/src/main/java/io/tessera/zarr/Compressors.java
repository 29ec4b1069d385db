package io.tessera.zarr;

import com.fasterxml.jackson.databind.JsonNode;
import io.tessera.codecs.Codec;
import io.tessera.codecs.CodecException;
import io.tessera.codecs.Codecs;

import java.lang.foreign.MemorySegment;

/** The bridge from a {@code .zarray} "compressor" member to the codecs module. */
final class Compressors {
    private Compressors() {}

    /** TensorStore's default compressor for new zarr v2 arrays. */
    static JsonNode defaultCompressor() {
        return Codecs.blosc().toJson();
    }

    /**
     * Validates a compressor's JSON and fills its defaults (null: no compression).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    static JsonNode validate(JsonNode json) {
        if (json == null || json.isNull()) return null;
        try {
            return Codecs.fromJson(json).toJson();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Error parsing object member \"compressor\": " + e.getMessage(), e);
        }
    }

    /** The codec for validated JSON; {@code null} for none. */
    static Codec forJson(JsonNode json) {
        return json == null || json.isNull() ? null : Codecs.fromJson(json);
    }

    /** Decodes a chunk of exactly {@code destination.byteSize()} bytes into it; a corrupt chunk fails naming {@code key}. */
    static void decode(Codec codec, MemorySegment encoded, MemorySegment destination, String key) {
        try {
            codec.decode(encoded, destination, key);
        } catch (CodecException e) {
            throw new ZarrArray.ChunkDecodeException(e.getMessage());
        }
    }
}
