package io.tessera.kvstore;

/**
 * A storage generation: an opaque token that changes whenever a key's value changes. Used as the
 * condition of conditional writes ("write only if nobody changed it since I read it").
 *
 * @param token the store-specific token; {@code ""} for {@link #NO_VALUE}, {@code null} for
 *     {@link #UNKNOWN}
 */
public record Generation(String token) {
    /** Matches any state of a key: an unconditional write. */
    public static final Generation UNKNOWN = new Generation(null);
    /** The generation of a missing key. */
    public static final Generation NO_VALUE = new Generation("");

    public boolean isUnknown() { return token == null; }

    public boolean isNoValue() { return "".equals(token); }

    /** Whether a key whose current generation is {@code current} satisfies this condition. */
    public boolean matches(Generation current) {
        return isUnknown() || equals(current);
    }

    @Override
    public String toString() {
        return isUnknown() ? "<unknown>" : isNoValue() ? "<no value>" : token;
    }
}
