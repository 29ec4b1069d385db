package io.tessera;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tessera.TensorStoreException.Code;
import io.tessera.index.IndexExpression;
import io.tessera.index.IndexTransform;
import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;
import io.tessera.zarr.ZarrArray;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * A handle to a chunked array opened from a TensorStore spec, or a lazy indexed view of one.
 * Indexing ({@link #get(String)}) composes index transforms and does no I/O; {@link #read()}
 * and {@link #write(Object)} are asynchronous.
 *
 * <pre>{@code
 * TensorStore ds = TensorStore.open("""
 *     {"driver": "zarr", "kvstore": {"driver": "memory"}}""",
 *     OpenOptions.create().dtype(DataType.UINT32).shape(70, 80)).join();
 * ds.get("5:10, 6:8").write(42).join();
 * System.out.println(ds.get("0:10, 0:10").read().join());
 * }</pre>
 */
public final class TensorStore {
    private final ZarrArray array;
    private final IndexTransform transform;
    private final Transaction transaction;
    private final Context context;
    private final String kvstoreUrl;
    /** The spec's {@code recheck_cached_data}: which chunks of the cache pool reads use unasked. */
    private final ZarrArray.Recheck recheck;

    private TensorStore(ZarrArray array, IndexTransform transform, Transaction transaction, Context context, String kvstoreUrl, ZarrArray.Recheck recheck) {
        this.array = array;
        this.transform = transform;
        this.transaction = transaction;
        this.context = context;
        this.kvstoreUrl = kvstoreUrl;
        this.recheck = recheck;
    }

    // ---- open ------------------------------------------------------------------------------

    /** Opens (or creates) the array a spec describes; the spec is JSON text. */
    public static CompletableFuture<TensorStore> open(String spec, OpenOptions options) {
        return open(Spec.parse(spec), options);
    }

    /** Opens the array a spec describes, with no extra options. */
    public static CompletableFuture<TensorStore> open(String spec) {
        return open(Spec.parse(spec), new OpenOptions());
    }

    /** Opens (or creates) the array a spec describes within {@code context}. */
    public static CompletableFuture<TensorStore> open(Spec spec, Context context, OpenOptions options) {
        return open(spec, options.context(context));
    }

    /** Opens (or creates) the array a spec describes. */
    public static CompletableFuture<TensorStore> open(Spec spec, OpenOptions options) {
        try {
            com.fasterxml.jackson.databind.JsonNode view = spec.json().get("transform");
            return ZarrOpen.open(spec, options).thenApply(o -> {
                        long[] shape = o.array().metadata().shape();
                        IndexTransform t = view == null || view.isNull() ? IndexTransform.identity(shape) : SpecTransforms.parse(view, shape);
                        return new TensorStore(o.array(), t, null, o.context(), o.kvstoreUrl(), o.recheck());
                    })
                    .exceptionallyCompose(e -> CompletableFuture.failedFuture(translate(e)));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(translate(e));
        }
    }

    // ---- properties ------------------------------------------------------------------------

    public DataType dtype() { return array.metadata().dataType(); }

    public int rank() { return transform.inputRank(); }

    /** The extent of each dimension of this view's domain. */
    public long[] shape() { return transform.inputShape(); }

    /** The inclusive lower bound of each dimension of this view's domain. */
    public long[] origin() { return transform.inputOrigin(); }

    /** The domain as TensorStore prints it, e.g. {@code { [5, 10), [6, 8) }}. */
    public String domain() { return transform.domainString(); }

    /** The transaction this view writes into, or {@code null}. */
    public Transaction transaction() { return transaction; }

    public Context context() { return context; }

    /** The resolved spec: driver, kvstore, path, dtype, the array's full metadata, and this view's transform. */
    public Spec spec() {
        ObjectNode j = JsonNodeFactory.instance.objectNode();
        j.put("driver", "zarr");
        j.put("dtype", dtype().typeName());
        ObjectNode kv = j.putObject("kvstore");
        int sep = kvstoreUrl.indexOf("://");
        kv.put("driver", kvstoreUrl.substring(0, sep));
        // As TensorStore resolves it, the spec's "path" is folded into the kvstore's path.
        kv.put("path", kvstoreUrl.substring(sep + 3) + array.keyPrefix());
        j.set("metadata", array.metadata().toJson());
        // The view itself, so that opening this spec opens the same view.
        j.set("transform", SpecTransforms.toJson(transform));
        if (recheck.json() != null) j.set("recheck_cached_data", recheck.json());
        return Spec.fromJson(j);
    }

    /** The underlying array's zarr metadata as JSON (the {@code .zarray} document). */
    public ObjectNode metadata() { return array.metadata().toJson(); }

    // ---- indexing --------------------------------------------------------------------------

    /**
     * A lazy view indexed with NumPy syntax and TensorStore's semantics: {@code "5:10, 6:8"},
     * {@code "3"}, {@code "1:8:3"}, {@code "7:1:-2"}, {@code "..., 2"}, {@code "None"}.
     *
     * @throws TensorStoreException INVALID_ARGUMENT or OUT_OF_RANGE, e.g.
     *     {@code Index 4 is outside valid range [0, 4)}
     */
    public TensorStore get(String index) {
        try {
            return get(IndexExpression.parse(index));
        } catch (IllegalArgumentException e) {
            throw new TensorStoreException(Code.INVALID_ARGUMENT, e.getMessage());
        }
    }

    /** A lazy view indexed with a built expression. */
    public TensorStore get(IndexExpression index) {
        try {
            return new TensorStore(array, transform.apply(index), transaction, context, kvstoreUrl, recheck);
        } catch (IndexOutOfBoundsException e) {
            throw new TensorStoreException(Code.OUT_OF_RANGE, e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new TensorStoreException(Code.INVALID_ARGUMENT, e.getMessage());
        }
    }

    /** Indexes by integers: {@code get(i, j)} is {@code get("i, j")}. */
    public TensorStore get(long... indices) {
        IndexExpression.Builder b = IndexExpression.builder();
        for (long i : indices) b.index(i);
        return get(b.build());
    }

    /** The same view, reading and writing through {@code txn} ({@code null}: no transaction). */
    public TensorStore withTransaction(Transaction txn) {
        return new TensorStore(array, transform, txn, context, kvstoreUrl, recheck);
    }

    // ---- read and write --------------------------------------------------------------------

    /**
     * Reads this view into a new array with its shape (zero-based, C order). Missing chunks read
     * as the fill value; uncommitted writes are not seen unless this view is transactional.
     */
    public CompletableFuture<NDArray> read() {
        CompletableFuture<NDArray> f;
        if (transaction == null) {
            f = array.read(transform, recheck);
        } else {
            try {
                f = transaction.stagedFor(array).thenCompose(s -> s == null ? array.read(transform) : s.read(transform));
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        return f.exceptionallyCompose(e -> CompletableFuture.failedFuture(translate(e)));
    }

    /**
     * Writes {@code source} to this view. The source may be a Java scalar or (nested) array
     * (converted by value; a value that does not fit the dtype is an error), an {@link NDArray}
     * or another {@code TensorStore} (converted by TensorStore's implicit rules). It is aligned
     * to this view's domain as TensorStore aligns: dimensions right-aligned, size-1 and missing
     * leading dimensions broadcast.
     *
     * @throws TensorStoreException INVALID_ARGUMENT for a source that cannot be converted or aligned
     */
    public WriteFutures write(Object source) {
        if (source instanceof TensorStore other && transaction != null) {
            // The write takes its place among the transaction's writes now, in issue order (a
            // commit issued next includes it); its data follows once the source has been read.
            CompletableFuture<NDArray> read = other.read();
            return staged(() -> transaction.stageWhenRead(array, read, (s, a) -> s.write(transform, aligned(a))));
        }
        if (source instanceof TensorStore other) {
            CompletableFuture<Void> copy = new CompletableFuture<>();
            CompletableFuture<Void> commit = other.read().thenCompose(a -> {
                WriteFutures w = write(a);
                w.copy().whenComplete((v, e) -> { if (e == null) copy.complete(null); else copy.completeExceptionally(e); });
                return w.commit();
            });
            commit.whenComplete((v, e) -> { if (e != null) copy.completeExceptionally(e); });
            return new WriteFutures(copy, commit);
        }
        NDArray aligned = aligned(source);
        if (transaction == null) {
            ZarrArray.Futures f = array.write(transform, aligned);
            return new WriteFutures(f.copy().exceptionallyCompose(e -> CompletableFuture.failedFuture(translate(e))),
                    f.commit().exceptionallyCompose(e -> CompletableFuture.failedFuture(translate(e))));
        }
        return staged(() -> transaction.stage(array, array.copiesOnCaller(transform, aligned.size()), s -> s.write(transform, aligned)));
    }

    /**
     * The futures of a write staged in this view's transaction: both complete when later reads in
     * it see the write; a stage the transaction refuses (it is no longer open) fails both.
     */
    private static WriteFutures staged(java.util.function.Supplier<CompletableFuture<Void>> stage) {
        CompletableFuture<Void> staged;
        try {
            staged = stage.get();
        } catch (TensorStoreException e) {
            staged = CompletableFuture.failedFuture(e);
        }
        return new WriteFutures(staged, staged);
    }

    /**
     * {@code source} as {@link #write(Object)} would take it: checked for TensorStore's implicit
     * conversion to this view's dtype and aligned to its domain (an NDArray source is broadcast as
     * a view, not copied; a Java scalar or array is converted). Nothing is read or written, so a
     * caller can refuse a write before it changes anything, as the CLI does.
     *
     * @throws TensorStoreException INVALID_ARGUMENT exactly where {@code write} would refuse the source
     */
    public NDArray alignedSource(Object source) {
        return aligned(source);
    }

    /** {@code source} (an NDArray, a Java scalar or array) converted as TensorStore converts it and aligned to this view. */
    private NDArray aligned(Object source) {
        NDArray src;
        if (source instanceof NDArray a) {
            try {
                a.dtype().checkImplicitConversionTo(dtype());
            } catch (IllegalArgumentException e) {
                throw new TensorStoreException(Code.INVALID_ARGUMENT, e.getMessage());
            }
            src = a;
        } else {
            try {
                src = NDArray.of(source, dtype());
            } catch (IllegalArgumentException e) {
                throw new TensorStoreException(Code.INVALID_ARGUMENT, e.getMessage());
            }
        }
        return align(src, shape());
    }

    /** TensorStore's alignment of a source array to a target domain of {@code shape}. */
    static NDArray align(NDArray src, long[] shape) {
        int lead = shape.length - src.rank();
        if (lead < 0) {
            throw new TensorStoreException(Code.INVALID_ARGUMENT, "Error aligning dimensions: source rank (" + src.rank()
                    + ") exceeds target rank (" + shape.length + ")");
        }
        for (int d = 0; d < src.rank(); d++) {
            long s = src.shape(d), t = shape[lead + d];
            if (s != t && s != 1) {
                throw new TensorStoreException(Code.INVALID_ARGUMENT, "Error aligning dimensions: source dimension " + d + " [0, " + s
                        + ") mismatch with target dimension " + (lead + d) + " [0, " + t + ")");
            }
        }
        return src.broadcastTo(shape);
    }

    // ---- helpers ---------------------------------------------------------------------------

    /** Waits for a future, rethrowing its failure unchecked (as a {@link TensorStoreException} where it is one). */
    static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TensorStoreException(Code.CANCELLED, "Interrupted while waiting");
        } catch (ExecutionException e) {
            throw unchecked(e.getCause());
        }
    }

    private static RuntimeException unchecked(Throwable e) {
        Throwable t = translate(e);
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error err) throw err;
        return new TensorStoreException(Code.INTERNAL, String.valueOf(t.getMessage()), t);
    }

    /** Unwraps completion wrappers and maps library exceptions to TensorStore's codes. */
    static Throwable translate(Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) e = e.getCause();
        if (e instanceof TensorStoreException) return e;
        if (e instanceof ZarrArray.ChunkDecodeException) return new TensorStoreException(Code.DATA_LOSS, e.getMessage(), e);
        if (e instanceof IndexOutOfBoundsException) return new TensorStoreException(Code.OUT_OF_RANGE, e.getMessage(), e);
        if (e instanceof IllegalArgumentException) return new TensorStoreException(Code.INVALID_ARGUMENT, e.getMessage(), e);
        if (e instanceof UnsupportedOperationException) return new TensorStoreException(Code.UNIMPLEMENTED, e.getMessage(), e);
        if (e instanceof io.tessera.kvstore.KvStoreException) return new TensorStoreException(Code.UNAVAILABLE, e.getMessage(), e);
        return e;
    }

    @Override
    public String toString() {
        return "TensorStore(" + kvstoreUrl + ", dtype=" + dtype() + ", domain=" + domain() + ")";
    }
}
