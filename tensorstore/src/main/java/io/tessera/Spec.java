package io.tessera;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tessera.codecs.JsonText;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A TensorStore JSON spec: {@code driver}, {@code kvstore}, {@code path}, {@code metadata},
 * {@code dtype}, {@code schema}, open modes and {@code context}. Parsed with Jackson; members are
 * validated when the spec is opened.
 */
public final class Spec {
    private final ObjectNode json;

    private Spec(ObjectNode json) { this.json = json; }

    /**
     * Parses spec JSON, or a kvstore URL such as {@code "memory://"} is refused as TensorStore does.
     *
     * @throws TensorStoreException INVALID_ARGUMENT naming what is wrong with the text
     */
    public static Spec parse(String text) {
        String t = text.strip();
        if (!t.startsWith("{")) {
            throw new TensorStoreException(TensorStoreException.Code.INVALID_ARGUMENT,
                    "Parsing spec from url: \"" + text + "\": unsupported URL scheme: \"" + text + "\"");
        }
        try {
            return fromJson(JsonText.parse(t));
        } catch (JsonProcessingException e) {
            throw new TensorStoreException(TensorStoreException.Code.INVALID_ARGUMENT,
                    "Invalid spec JSON: " + e.getOriginalMessage() + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        }
    }

    /** Reads spec JSON from a file. */
    public static Spec read(Path file) throws IOException {
        return parse(Files.readString(file));
    }

    public static Spec fromJson(JsonNode json) {
        if (json == null || !json.isObject()) {
            throw new TensorStoreException(TensorStoreException.Code.INVALID_ARGUMENT, "Expected object, but received: " + json);
        }
        return new Spec(((ObjectNode) json).deepCopy());
    }

    /** A copy of the JSON. */
    public ObjectNode toJson() { return json.deepCopy(); }

    ObjectNode json() { return json; }

    @Override
    public String toString() { return JsonText.write(json); }
}
