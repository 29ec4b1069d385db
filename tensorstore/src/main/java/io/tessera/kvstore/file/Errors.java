package io.tessera.kvstore.file;

import io.tessera.kvstore.KvStoreException;
import io.tessera.nativeio.NativeIOException;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

final class Errors {
    private Errors() {}

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) t = t.getCause();
        return t;
    }

    static CompletionException asCompletion(Throwable t) {
        return t instanceof CompletionException c ? c : new CompletionException(unwrap(t));
    }

    static int errno(Throwable t) {
        return unwrap(t) instanceof NativeIOException n ? n.errno() : 0;
    }

    /** Wraps a failure as the KvStoreException users see, keeping the NativeIOException as its cause. */
    static KvStoreException kv(String what, Throwable t) {
        Throwable c = unwrap(t);
        if (c instanceof KvStoreException k) return k;
        return new KvStoreException(what + ": " + c.getMessage(), c);
    }
}
