package io.tessera.codecs;

/**
 * A chunk could not be decoded (corrupt, truncated or hostile bytes) or encoded. The message names
 * the chunk key and the codec, and says what was wrong, with the numbers.
 */
public final class CodecException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String key;

    /**
     * @param key the chunk key the bytes belong to (for the message; may be null)
     * @param codecId the codec's zarr id
     * @param problem what was wrong
     * @param cause the library's failure, or null
     */
    public CodecException(String key, String codecId, String problem, Throwable cause) {
        super("Cannot decode chunk " + (key == null ? "<unnamed>" : '"' + key + '"') + " with " + codecId + ": " + problem,
                cause);
        this.key = key;
    }

    /** The chunk key given to the failing call, or null. */
    public String key() {
        return key;
    }
}
