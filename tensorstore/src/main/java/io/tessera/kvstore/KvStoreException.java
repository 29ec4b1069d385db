package io.tessera.kvstore;

/** A key-value store operation failed (I/O error, invalid key, store closed); the message names the key. */
public class KvStoreException extends RuntimeException {
    public KvStoreException(String message) { super(message); }

    public KvStoreException(String message, Throwable cause) { super(message, cause); }
}
