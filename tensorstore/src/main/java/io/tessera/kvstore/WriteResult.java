package io.tessera.kvstore;

/**
 * The outcome of a conditional write or delete.
 *
 * @param succeeded whether the condition held and the mutation is durable
 * @param generation the key's new generation when it succeeded; {@link Generation#UNKNOWN} otherwise
 */
public record WriteResult(boolean succeeded, Generation generation) {
    public static WriteResult conditionFailed() { return new WriteResult(false, Generation.UNKNOWN); }

    public static WriteResult written(Generation generation) { return new WriteResult(true, generation); }
}
