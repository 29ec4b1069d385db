package io.tessera.codecs;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.List;

/** Reads and checks the members of one compressor's JSON object. */
final class Params {
    private final JsonNode json;
    private final String id;

    Params(JsonNode json, String id, List<String> allowed) {
        this.json = json;
        this.id = id;
        for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!name.equals("id") && !allowed.contains(name)) {
                throw new IllegalArgumentException("Unexpected member \"" + name + "\" in " + id
                        + " compressor; allowed members: " + (allowed.isEmpty() ? "none" : String.join(", ", allowed)));
            }
        }
    }

    int integer(String name, int defaultValue, long min, long max) {
        JsonNode v = json.get(name);
        if (v == null) {
            return defaultValue;
        }
        long value;
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            value = v.asLong();
        } else if (v.isFloatingPointNumber() && v.asDouble() == Math.rint(v.asDouble()) && Math.abs(v.asDouble()) < 1e18) {
            value = (long) v.asDouble();
        } else {
            throw new IllegalArgumentException("\"" + name + "\" of " + id + " compressor must be an integer, got " + v);
        }
        return (int) Codecs.checkRange(name, value, min, max);
    }

    String string(String name, String defaultValue) {
        JsonNode v = json.get(name);
        if (v == null) {
            return defaultValue;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException("\"" + name + "\" of " + id + " compressor must be a string, got " + v);
        }
        return v.asText();
    }
}
