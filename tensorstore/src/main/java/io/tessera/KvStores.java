package io.tessera;

import com.fasterxml.jackson.databind.JsonNode;
import io.tessera.kvstore.KvStore;

/** Opens the key-value store a spec's {@code kvstore} member names, through the context. */
final class KvStores {
    private KvStores() {}

    /** A store and the key prefix inside it. */
    record Resolved(KvStore store, String path, String url) {}

    static Resolved resolve(JsonNode kv, Context ctx) {
        String driver, path;
        if (kv == null || kv.isNull()) throw invalid("Error parsing object member \"kvstore\": Expected object or URL, but member is missing");
        if (kv.isTextual()) {
            String url = kv.asText();
            int sep = url.indexOf("://");
            if (sep < 0) throw invalid("Error parsing object member \"kvstore\": Invalid URL \"" + url + "\"");
            driver = url.substring(0, sep);
            path = url.substring(sep + 3);
        } else if (kv.isObject()) {
            JsonNode d = kv.get("driver");
            if (d == null || !d.isTextual()) throw invalid("Error parsing object member \"kvstore\": Error parsing object member \"driver\": Expected string, but received: " + d);
            driver = d.asText();
            JsonNode p = kv.get("path");
            path = p == null || p.isNull() ? "" : p.asText();
        } else {
            throw invalid("Error parsing object member \"kvstore\": Expected object or URL, but received: " + kv);
        }
        return switch (driver) {
            case "memory" -> new Resolved(ctx.memoryStore(), path, "memory://" + path);
            case "file" -> FileStores.open(path, ctx);
            default -> throw invalid("Error parsing object member \"kvstore\": Error parsing object member \"driver\": \"" + driver + "\" is not a registered KeyValueStore driver");
        };
    }

    static TensorStoreException invalid(String message) {
        return new TensorStoreException(TensorStoreException.Code.INVALID_ARGUMENT, message);
    }
}
