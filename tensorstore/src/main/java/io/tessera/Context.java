package io.tessera;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tessera.codecs.JsonText;
import io.tessera.kvstore.KvStore;
import io.tessera.kvstore.memory.MemoryKvStore;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.Map;
import java.util.function.Function;

/**
 * Shared resources of the TensorStores opened with it, configured by TensorStore's context JSON:
 * {@code cache_pool.total_bytes_limit}, {@code data_copy_concurrency.limit},
 * {@code file_io_concurrency.limit}, {@code file_io_sync}. Every spec opened with the same
 * context that names the memory key-value store sees the same store, and arrays opened twice
 * share their chunk state (so pending writes coalesce).
 *
 * <p>A context is the owner of what its stores hold: {@link #close()} lets it go at once, where
 * TensorStore frees a context when its last reference is dropped. An unclosed context's memory,
 * and its file stores' io_uring rings and threads, go once it is unreachable.
 */
public final class Context implements AutoCloseable {
    private final long cachePoolBytes;
    private final int dataCopyConcurrency;
    private final int fileIoConcurrency;
    private final boolean fileIoConcurrencyGiven;
    private final boolean fileIoSync;
    private final ObjectNode json;
    private volatile Executor dataCopyExecutor;
    private final ConcurrentMap<String, Object> resources = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** A context with TensorStore's defaults: no cache pool, as many copy tasks at once as cores, fsync on. */
    public Context() {
        this(JsonNodeFactory.instance.objectNode());
    }

    private Context(ObjectNode json) {
        this.json = json;
        this.cachePoolBytes = longMember(json, "cache_pool", "total_bytes_limit", 0);
        int cores = Runtime.getRuntime().availableProcessors();
        // Limits beyond an int mean no limit in practice: capped, not wrapped.
        this.dataCopyConcurrency = (int) Math.min(Integer.MAX_VALUE, longMember(json, "data_copy_concurrency", "limit", cores));
        long fileIoLimit = longMember(json, "file_io_concurrency", "limit", -1);
        this.fileIoConcurrencyGiven = fileIoLimit >= 0;
        this.fileIoConcurrency = fileIoConcurrencyGiven ? (int) Math.min(Integer.MAX_VALUE, fileIoLimit) : Math.max(4, cores);
        JsonNode sync = json.get("file_io_sync");
        if (sync != null && !sync.isBoolean()) {
            throw new TensorStoreException(TensorStoreException.Code.INVALID_ARGUMENT, "Error parsing object member \"file_io_sync\": Expected boolean, but received: " + sync);
        }
        this.fileIoSync = sync == null || sync.asBoolean();
    }

    /** A context from TensorStore context JSON, e.g. {@code {"cache_pool": {"total_bytes_limit": 100000000}}}. */
    public static Context fromJson(String json) {
        try {
            return fromJson(JsonText.parse(json));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new TensorStoreException(TensorStoreException.Code.INVALID_ARGUMENT, "Invalid context JSON: " + e.getOriginalMessage());
        }
    }

    /** A context from parsed context JSON. */
    public static Context fromJson(JsonNode json) {
        if (json == null || json.isNull()) return new Context();
        if (!json.isObject()) throw new TensorStoreException(TensorStoreException.Code.INVALID_ARGUMENT, "Context must be a JSON object, but received: " + json);
        return new Context((ObjectNode) json.deepCopy());
    }

    private static long longMember(JsonNode json, String resource, String member, long dflt) {
        JsonNode r = json.get(resource);
        if (r == null || r.isNull()) return dflt;
        JsonNode v = r.get(member);
        if (v == null || v.isNull()) return dflt;
        // "shared": the default, as TensorStore reads a limit; a number may be written as 2.0 or 1e8.
        if (v.isTextual() && v.asText().equals("shared") && member.equals("limit")) return dflt;
        boolean integral = v.isIntegralNumber() ? v.canConvertToLong() : v.isNumber() && v.asDouble() == Math.rint(v.asDouble()) && v.asDouble() < 0x1p63;
        String where = "Error parsing object member \"" + resource + "\": Error parsing object member \"" + member + "\": ";
        if (member.equals("limit") && integral && v.asLong() < 1) {
            // TensorStore's message: its limits are unsigned 64-bit integers of at least 1.
            throw new TensorStoreException(TensorStoreException.Code.INVALID_ARGUMENT,
                    where + "Expected integer in the range [1, 18446744073709551615], but received: " + v);
        }
        if (!integral || v.asLong() < 0) {
            throw new TensorStoreException(TensorStoreException.Code.INVALID_ARGUMENT, where + "Expected non-negative integer, but received: " + v);
        }
        return v.asLong();
    }

    /** Bytes of decoded chunks the cache pool may hold; 0 means no cache pool. */
    public long cachePoolBytes() { return cachePoolBytes; }

    public int dataCopyConcurrency() { return dataCopyConcurrency; }

    /** {@code file_io_concurrency.limit}; TensorStore's default {@code max(4, cores)} when not given. */
    public int fileIoConcurrency() { return fileIoConcurrency; }

    /** Whether the context JSON gave {@code file_io_concurrency.limit} (else the file store picks per driver). */
    boolean fileIoConcurrencyGiven() { return fileIoConcurrencyGiven; }

    public boolean fileIoSync() { return fileIoSync; }

    /** The context JSON this context was made from. */
    public JsonNode toJson() { return json.deepCopy(); }

    /**
     * The executor of copy, encode and decode work: at most {@code data_copy_concurrency.limit}
     * tasks at a time, started in submission order, on worker threads the process's contexts share.
     */
    public Executor dataCopyExecutor() {
        Executor e = dataCopyExecutor;
        if (e == null) {
            synchronized (this) {
                e = dataCopyExecutor;
                if (e == null) dataCopyExecutor = e = new LimitedExecutor(dataCopyConcurrency);
            }
        }
        return e;
    }

    /** The memory key-value store of this context. */
    public MemoryKvStore memoryKvStore() {
        return (MemoryKvStore) memoryStore();
    }

    /** The store behind {@code "memory://"} specs (tests may bind a wrapper first, via {@link #resource}). */
    KvStore memoryStore() {
        return resource("memory_key_value_store", k -> new MemoryKvStore());
    }

    private final java.util.concurrent.atomic.AtomicLong anonymous = new java.util.concurrent.atomic.AtomicLong();
    private final Map<Object, Long> ids = new java.util.IdentityHashMap<>();

    /**
     * The memory store a kvstore spec refers to, bound as TensorStore binds its
     * {@code memory_key_value_store} member (see {@link #arrayResources}): the context's default
     * store, one the context JSON names ({@code "memory_key_value_store#a"}), or, for an inline
     * {@code {}} or a store the spec's own context defines, a new store of its own.
     */
    KvStore memoryStore(JsonNode ref, JsonNode specContext) {
        Binding b = bind("memory_key_value_store", ref, specContext, "Error parsing object member \"kvstore\": ");
        if (b.name() == null) return resource("memory_key_value_store@" + anonymous.incrementAndGet(), k -> new MemoryKvStore());
        return b.name().equals("memory_key_value_store") ? memoryStore() : resource(b.name(), k -> new MemoryKvStore());
    }

    /** A number for {@code o} unique within this context, for keys of resources tied to that object. */
    synchronized long idOf(Object o) {
        return ids.computeIfAbsent(o, x -> (long) ids.size());
    }

    /** The cache pool of decoded chunks, or null when {@code cache_pool.total_bytes_limit} is 0. */
    public io.tessera.zarr.ChunkCache cachePool() {
        return cachePoolBytes == 0 ? null : resource("cache_pool", k -> new io.tessera.zarr.ChunkCache(cachePoolBytes));
    }

    /**
     * An array's cache pool (null: none) and copy executor. {@code shared} tells whether both are
     * resources of the context, which arrays opened alike share; otherwise they are the array's own.
     */
    record ArrayResources(io.tessera.zarr.ChunkCache cachePool, Executor dataCopyExecutor, boolean shared) {}

    /**
     * The resources an array's spec refers to, bound as TensorStore binds the zarr driver's
     * {@code cache_pool} and {@code data_copy_concurrency} members: each a reference (null or the
     * resource's kind: the default resource; {@code "cache_pool#a"}: one the context JSON names)
     * or a resource spec of its own ({@code {"total_bytes_limit": 1000000}}).
     *
     * @param specContext the spec's own context when it comes over this one, else null: the names
     *        it defines take precedence, and are new resources bound to this array, as an inline
     *        spec is
     */
    ArrayResources arrayResources(JsonNode cachePoolRef, JsonNode dataCopyRef, JsonNode specContext) {
        Binding cache = bind("cache_pool", cachePoolRef, specContext, "");
        Binding copy = bind("data_copy_concurrency", dataCopyRef, specContext, "");
        long bytes = limit("cache_pool", cache.config(), "total_bytes_limit", 0);
        long copies = limit("data_copy_concurrency", copy.config(), "limit", Runtime.getRuntime().availableProcessors());
        int copyLimit = (int) Math.min(Integer.MAX_VALUE, copies);
        io.tessera.zarr.ChunkCache pool = bytes == 0 ? null
                : cache.name() == null ? new io.tessera.zarr.ChunkCache(bytes)
                : resource(cache.name(), k -> new io.tessera.zarr.ChunkCache(bytes));
        Executor executor = copy.name() == null ? new LimitedExecutor(copyLimit)
                : copy.name().equals("data_copy_concurrency") ? dataCopyExecutor()
                : resource(copy.name(), k -> new LimitedExecutor(copyLimit));
        return new ArrayResources(pool, executor, cache.name() != null && copy.name() != null);
    }

    /** A reference bound: the name of a resource of this context (null: a new resource), and its spec. */
    private record Binding(String name, JsonNode config) {}

    /**
     * {@code ref} bound; {@code where} prefixes the message of a malformed one (the member that
     * holds it). A context entry may itself be a reference to another resource of the kind, which
     * is followed: in the spec's own context first, then in this one, as a child context's
     * references reach its parent's resources but not the reverse.
     */
    private Binding bind(String kind, JsonNode ref, JsonNode specContext, String where) {
        if (ref != null && isSpecOf(kind, ref)) return new Binding(null, ref);
        if (ref != null && ref.isNull()) {
            throw new TensorStoreException(TensorStoreException.Code.INVALID_ARGUMENT,
                    where + "Error parsing object member \"" + kind + "\": Expected non-null value, but received: null");
        }
        String name = ref == null ? kind : referenceName(kind, ref, where + "Error parsing object member \"" + kind + "\": ");
        java.util.List<String> followed = new java.util.ArrayList<>();
        java.util.Set<String> visited = new java.util.HashSet<>();
        boolean inSpec = specContext != null && specContext.isObject();
        while (true) {
            JsonNode entry = null;
            if (inSpec) {
                entry = specContext.get(name);
                if (entry == null) inSpec = false;
            }
            if (entry == null) entry = json.get(name);
            if (entry == null || entry.isNull()) {
                if (!name.equals(kind)) throw new TensorStoreException(TensorStoreException.Code.INVALID_ARGUMENT, "Resource not defined: \"" + name + "\"");
                return new Binding(name, null);
            }
            if (isSpecOf(kind, entry)) return new Binding(inSpec ? null : name, entry);
            if (!entry.isTextual()) {
                throw new TensorStoreException(TensorStoreException.Code.INVALID_ARGUMENT,
                        (inSpec ? "Error parsing object member \"context\": " : "") + "Expected " + specType(kind) + ", but received: " + entry);
            }
            String next = referenceName(kind, entry, "Error parsing object member \"context\": Error parsing object member \"" + name + "\": ");
            followed.add("\"" + name + "\":\"" + next + "\"");
            visited.add(name);
            if (visited.contains(next)) {
                java.util.Collections.reverse(followed);
                throw new TensorStoreException(TensorStoreException.Code.INVALID_ARGUMENT, "Context resource reference cycle: " + String.join(" -> ", followed));
            }
            name = next;
        }
    }

    /** The resource a textual reference names: {@code kind} itself or {@code kind#name}. */
    private static String referenceName(String kind, JsonNode ref, String where) {
        if (ref.isTextual() && (ref.asText().equals(kind) || ref.asText().startsWith(kind + "#"))) return ref.asText();
        String expected = "Expected " + specType(kind) + ", but received: " + ref;
        String why = ref.isTextual() ? "Invalid spec or reference to \"" + kind + "\" resource: " + ref + " (" + expected + ")" : expected;
        throw new TensorStoreException(TensorStoreException.Code.INVALID_ARGUMENT, where + why);
    }

    /** Whether {@code json} is a resource spec of {@code kind}: a boolean for {@code file_io_sync}, else an object. */
    private static boolean isSpecOf(String kind, JsonNode json) {
        return specType(kind).equals("boolean") ? json.isBoolean() : json.isObject();
    }

    private static String specType(String kind) {
        return kind.equals("file_io_sync") ? "boolean" : "object";
    }

    /** A file store's settings: whether it syncs, and its limit of operations in flight if one was given. */
    record FileIo(boolean sync, boolean limitGiven, int limit) {}

    /**
     * The settings a file kvstore spec's {@code file_io_sync} and {@code file_io_concurrency}
     * members refer to (null: the defaults), bound as {@link #arrayResources} binds an array's:
     * inline ({@code false}, {@code {"limit": 8}}), or a reference to a resource the context JSON
     * or the spec's own context defines ({@code "file_io_concurrency#a"}).
     */
    FileIo fileIo(JsonNode syncRef, JsonNode concurrencyRef, JsonNode specContext) {
        String where = "Error parsing object member \"kvstore\": ";
        Binding sync = bind("file_io_sync", syncRef, specContext, where);
        Binding concurrency = bind("file_io_concurrency", concurrencyRef, specContext, where);
        long limit;
        try {
            limit = limit("file_io_concurrency", concurrency.config(), "limit", -1);
        } catch (TensorStoreException e) {
            if (concurrencyRef == null || !concurrencyRef.isObject()) throw e;
            throw new TensorStoreException(e.code(), where + e.getMessage());
        }
        boolean limitGiven = limit >= 0;
        return new FileIo(sync.config() == null || sync.config().asBoolean(), limitGiven,
                limitGiven ? (int) Math.min(Integer.MAX_VALUE, limit) : fileIoConcurrency());
    }

    /** {@code member} of a resource spec, read as the context JSON's resources are. */
    private static long limit(String kind, JsonNode config, String member, long dflt) {
        ObjectNode wrapped = JsonNodeFactory.instance.objectNode();
        if (config != null) wrapped.set(kind, config);
        return longMember(wrapped, kind, member, dflt);
    }

    /**
     * A shared resource of this context, created on first use.
     *
     * @throws TensorStoreException once the context is closed: its stores are closed, and a store
     *         made now would never be
     */
    @SuppressWarnings("unchecked")
    <T> T resource(String key, Function<String, T> factory) {
        // Under the lock close() takes, so that no store is made after close() has looked.
        synchronized (resources) {
            requireOpen();
            return (T) resources.computeIfAbsent(key, factory);
        }
    }

    private void requireOpen() {
        if (closed) throw new TensorStoreException(TensorStoreException.Code.FAILED_PRECONDITION, "The context is closed");
    }

    /** Key-value stores opened through this context by their canonical description. */
    KvStore kvStore(String key, Function<String, KvStore> factory) {
        return resource("kvstore:" + key, factory);
    }

    /**
     * Closes the key-value stores opened through this context: the memory store drops its
     * values (their buffers return to the pool as soon as no read is using them), file stores
     * stop their I/O. Call it once the writes and reads started through the context have
     * completed; TensorStores opened with it fail afterwards, and so does opening one with it.
     * Closing twice does nothing.
     */
    @Override
    public void close() {
        java.util.List<Object> opened;
        synchronized (resources) {
            closed = true;
            opened = new java.util.ArrayList<>(resources.values());
        }
        for (Object r : opened) {
            if (r instanceof KvStore store) store.close();
        }
    }
}
