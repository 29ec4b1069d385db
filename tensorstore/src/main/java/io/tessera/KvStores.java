package io.tessera;

import com.fasterxml.jackson.databind.JsonNode;
import io.tessera.kvstore.KvStore;

/** Opens the key-value store a spec's {@code kvstore} member names, through the context. */
final class KvStores {
    private KvStores() {}

    /** A store and the key prefix inside it. */
    record Resolved(KvStore store, String path, String url) {}

    static Resolved resolve(JsonNode kv, Context ctx) {
        return resolve(kv, ctx, null);
    }

    /**
     * {@code specContext}: the spec's own context when it comes over the context given, else null.
     * As in TensorStore, the resources it defines take precedence: its memory store, and its file
     * I/O settings ({@code file_io_sync}, {@code file_io_concurrency}) for file stores, which a
     * file kvstore spec's members of those names may also give or name.
     */
    static Resolved resolve(JsonNode kv, Context ctx, JsonNode specContext) {
        String driver, path;
        JsonNode memoryRef = null, fileIoSyncRef = null, fileIoConcurrencyRef = null;
        if (kv == null) throw invalid("Error opening \"zarr\" driver: \"kvstore\" must be specified");
        if (kv.isTextual()) {
            String url = kv.asText();
            int sep = url.indexOf("://");
            if (sep < 0) throw invalid(fromUrl(url, "URL scheme must be specified in \"" + url + "\""));
            driver = url.substring(0, sep);
            String rest = url.substring(sep + 3);
            if (rest.indexOf('?') >= 0) throw invalid(fromUrl(url, component(url, "Query string not supported")));
            if (rest.indexOf('#') >= 0) throw invalid(fromUrl(url, component(url, "Fragment identifier not supported")));
            try {
                path = percentDecoded(rest);
            } catch (IllegalArgumentException e) {
                throw invalid(fromUrl(url, component(url, e.getMessage())));
            }
            if (driver.equals("file") && !path.startsWith("/")) {
                throw invalid(fromUrl(url, component(url, "file: URIs do not support relative paths")));
            }
        } else if (kv.isObject()) {
            JsonNode d = kv.get("driver");
            if (d == null || !d.isTextual()) throw invalid("Error parsing object member \"kvstore\": Error parsing object member \"driver\": Expected string, but received: " + d);
            driver = d.asText();
            JsonNode p = kv.get("path");
            if (p != null && !p.isNull() && !p.isTextual()) {
                throw invalid("Error parsing object member \"kvstore\": Error parsing object member \"path\": Expected string, but received: " + p);
            }
            path = p == null || p.isNull() ? "" : p.asText();
            if (kv.has("memory_key_value_store")) memoryRef = kv.get("memory_key_value_store");
            if (kv.has("file_io_sync")) fileIoSyncRef = kv.get("file_io_sync");
            if (kv.has("file_io_concurrency")) fileIoConcurrencyRef = kv.get("file_io_concurrency");
            if (driver.equals("file") && hasDotComponent(path)) throw invalid("Error parsing object member \"kvstore\": Invalid file path: \"" + path + "\"");
        } else {
            throw invalid("Error parsing object member \"kvstore\": Expected object, but received: " + kv);
        }
        return switch (driver) {
            // The path is the keys' prefix within the store (spec() adds it back once).
            case "memory" -> new Resolved(ctx.memoryStore(memoryRef, specContext), path, "memory://");
            case "file" -> FileStores.open(path, ctx, specContext, fileIoSyncRef, fileIoConcurrencyRef);
            default -> throw invalid("Error parsing object member \"kvstore\": Error parsing object member \"driver\": \"" + driver + "\" is not a registered KvStore driver");
        };
    }

    private static String fromUrl(String url, String why) {
        return "Error parsing object member \"kvstore\": Parsing spec from url: \"" + url + "\": " + why;
    }

    private static String component(String url, String why) {
        return "Invalid kvstore URL component \"" + url + "\": " + why;
    }

    /**
     * A URL's path with its %XX escapes decoded (as UTF-8), as TensorStore reads kvstore URLs.
     * Not {@link java.net.URLDecoder}: it decodes form data, where '+' is a space.
     */
    static String percentDecoded(String s) {
        if (s.indexOf('%') < 0) return s;
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < s.length(); ) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 3 > s.length()) throw new IllegalArgumentException("Invalid percent-encoding in \"" + s + "\"");
                int hi = Character.digit(s.charAt(i + 1), 16), lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) throw new IllegalArgumentException("Invalid percent-encoding in \"" + s + "\"");
                bytes.write(hi * 16 + lo);
                i += 3;
            } else {
                int end = i + Character.charCount(s.codePointAt(i));
                bytes.writeBytes(s.substring(i, end).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                i = end;
            }
        }
        return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Whether a file path has a "." or ".." component, which TensorStore refuses in a file kvstore's path. */
    private static boolean hasDotComponent(String path) {
        for (String c : path.split("/", -1)) if (c.equals(".") || c.equals("..")) return true;
        return false;
    }

    static TensorStoreException invalid(String message) {
        return new TensorStoreException(TensorStoreException.Code.INVALID_ARGUMENT, message);
    }
}
