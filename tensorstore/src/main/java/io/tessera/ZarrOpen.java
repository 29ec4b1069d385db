package io.tessera;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tessera.TensorStoreException.Code;
import io.tessera.codecs.JsonText;
import io.tessera.kvstore.Generation;
import io.tessera.kvstore.KvStore;
import io.tessera.memory.DataType;
import io.tessera.zarr.ZarrArray;
import io.tessera.zarr.ZarrMetadata;
import io.tessera.zarr.ZarrMetadatas;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** TensorStore's open of a zarr v2 array: open modes, metadata creation and validation. */
final class ZarrOpen {
    private ZarrOpen() {}

    private static final String PREFIX = "Error opening \"zarr\" driver: ";
    private static final Set<String> MEMBERS = Set.of("driver", "kvstore", "path", "metadata", "dtype", "schema", "create", "open",
            "delete_existing", "assume_metadata", "context", "transform", "rank", "recheck_cached_metadata", "recheck_cached_data",
            "cache_pool", "data_copy_concurrency", "key_encoding", "field", "metadata_key");

    record Opened(ZarrArray array, Context context, String kvstoreUrl, ZarrArray.Recheck recheck) {}

    static CompletableFuture<Opened> open(Spec spec, OpenOptions o) {
        ObjectNode j = spec.json();
        JsonNode driver = j.get("driver");
        if (driver == null || !driver.isTextual()) throw invalid("Error parsing object member \"driver\": Expected string, but received: " + driver);
        if (!driver.asText().equals("zarr")) {
            throw invalid("Error parsing object member \"driver\": \"" + driver.asText() + "\" is not a registered TensorStore driver");
        }
        for (Iterator<String> it = j.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!MEMBERS.contains(f)) throw invalid("Object includes extra members: \"" + f + "\"");
        }
        Context ctx = o.context != null ? o.context : Context.fromJson(j.get("context"));
        boolean create = flag(o.create, j, "create");
        boolean open = flag(o.open, j, "open");
        boolean deleteExisting = flag(o.deleteExisting, j, "delete_existing");
        boolean assume = flag(o.assumeMetadata, j, "assume_metadata");
        if (deleteExisting && !create) throw invalid(PREFIX + "Cannot specify an open mode of `delete_existing` without `create`");
        if (deleteExisting && open) throw invalid(PREFIX + "Cannot specify an open mode of `delete_existing` with `open`");
        if (deleteExisting && assume) throw invalid(PREFIX + "Cannot specify an open mode of `delete_existing` with `assume_metadata`");
        if (!create && !open) open = true;
        ZarrArray.Recheck recheck = recheckCachedData(j.get("recheck_cached_data"));
        if (assume && !open) throw invalid(PREFIX + "Cannot specify an open mode of `assume_metadata` without `open`");

        // A spec's own context over the one given: the resources it defines are the spec's.
        JsonNode specContext = o.context != null ? j.get("context") : null;
        KvStores.Resolved kv = KvStores.resolve(j.get("kvstore"), ctx, specContext);
        Context.ArrayResources resources = ctx.arrayResources(j.get("cache_pool"), j.get("data_copy_concurrency"), specContext);
        String path = joinPath(kv.path(), j.get("path"));
        String prefix = path.isEmpty() || path.endsWith("/") ? path : path + "/";
        Constraints c = constraints(j, o);
        KvStore store = kv.store();
        String metaKey = prefix + metadataKey(j);
        String url = kv.url();

        if (assume) {
            ZarrMetadata m = build(c, true);
            return CompletableFuture.completedFuture(new Opened(array(ctx, resources, store, prefix, m), ctx, url, recheck));
        }
        CompletableFuture<Void> cleared = deleteExisting ? store.deletePrefix(prefix) : CompletableFuture.completedFuture(null);
        boolean openMode = open;
        return cleared.thenCompose(v -> openOrCreate(ctx, store, prefix, metaKey, c, create, openMode))
                .thenApply(m -> {
                    ZarrArray array = array(ctx, resources, store, prefix, m);
                    // An array shared through the context may have cached chunks that were just deleted.
                    if (deleteExisting) array.forgetCachedChunks();
                    return new Opened(array, ctx, url, recheck);
                });
    }

    private static CompletableFuture<ZarrMetadata> openOrCreate(Context ctx, KvStore store, String prefix, String metaKey, Constraints c, boolean create, boolean open) {
        if (!open) return createNew(store, metaKey, c, false, ctx, prefix);
        return store.read(metaKey).thenCompose(r -> {
            if (r.exists()) return CompletableFuture.completedFuture(validate(parseStored(r.value(), store.quotedKey(metaKey)), c));
            if (!create) {
                throw new TensorStoreException(Code.NOT_FOUND, PREFIX + "Metadata at " + store.quotedKey(metaKey) + " does not exist");
            }
            return createNew(store, metaKey, c, true, ctx, prefix);
        });
    }

    private static CompletableFuture<ZarrMetadata> createNew(KvStore store, String metaKey, Constraints c, boolean open, Context ctx, String prefix) {
        ZarrMetadata m;
        try {
            m = build(c, false);
        } catch (IllegalArgumentException e) {
            throw invalid(PREFIX + "Error writing " + store.quotedKey(metaKey) + ": " + e.getMessage());
        }
        MemorySegment bytes = MemorySegment.ofArray(m.toBytes());
        return store.write(metaKey, bytes, Generation.NO_VALUE).thenCompose(w -> {
            if (w.succeeded()) return CompletableFuture.completedFuture(m);
            if (open) return openOrCreate(ctx, store, prefix, metaKey, c, false, true);
            throw new TensorStoreException(Code.ALREADY_EXISTS, PREFIX + "Error writing " + store.quotedKey(metaKey));
        });
    }

    private static ZarrMetadata parseStored(MemorySegment bytes, String quotedKey) {
        try {
            JsonNode j = JsonText.parse(new String(bytes.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
            return ZarrMetadata.parse(j);
        } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
            String msg = e instanceof com.fasterxml.jackson.core.JsonProcessingException jpe ? "Invalid JSON: " + jpe.getOriginalMessage() : e.getMessage();
            throw new TensorStoreException(Code.FAILED_PRECONDITION, PREFIX + "Error reading " + quotedKey + ": " + msg);
        }
    }

    /**
     * What the spec and the options require of the array; {@code conflict}: why the schema and the
     * metadata given cannot make one array (null: they can), an error on create.
     */
    record Constraints(ObjectNode metadata, DataType dtype, long[] shape, long[] chunks, Integer rank, String conflict) {}

    private static Constraints constraints(ObjectNode j, OpenOptions o) {
        JsonNode md = j.get("metadata");
        if (md != null && !md.isObject()) throw invalid("Error parsing object member \"metadata\": Expected object, but received: " + md);
        ObjectNode metadata = md == null ? JsonNodeFactory.instance.objectNode() : ((ObjectNode) md).deepCopy();
        try {
            ZarrMetadatas.validatePartial(metadata);
        } catch (IllegalArgumentException e) {
            throw invalid("Error parsing object member \"metadata\": " + e.getMessage());
        }
        keyEncoding(j.get("key_encoding"), metadata);
        DataType dtype = o.dtype;
        JsonNode schema = j.get("schema");
        String conflict = schema == null ? null : schemaIntoMetadata(schema, metadata);
        if (dtype == null) dtype = dtypeMember(j.get("dtype"), "dtype");
        if (dtype == null && schema != null) dtype = dtypeMember(schema.get("dtype"), "schema\": Error parsing object member \"dtype");
        long[] shape = o.shape;
        long[] chunks = o.chunkShape;
        if (schema != null) {
            JsonNode domain = schema.get("domain");
            if (shape == null && domain != null) shape = domainShape(domain);
            JsonNode layout = schema.get("chunk_layout");
            if (chunks == null && layout != null) {
                for (String kind : new String[]{"write_chunk", "chunk", "read_chunk"}) {
                    JsonNode k = layout.get(kind);
                    if (k != null && k.get("shape") != null) { chunks = longs(k.get("shape"), "schema.chunk_layout." + kind + ".shape"); break; }
                }
            }
        }
        JsonNode rank = j.get("rank");
        return new Constraints(metadata, dtype, shape, chunks, rank == null ? null : rank.asInt(), conflict);
    }

    /** The name of the metadata file: the spec's {@code metadata_key}, {@code .zarray} by default. */
    private static String metadataKey(ObjectNode j) {
        JsonNode k = j.get("metadata_key");
        if (k == null || k.isNull()) return ".zarray";
        if (!k.isTextual()) throw invalid("Error parsing object member \"metadata_key\": Expected string, but received: " + k);
        return k.asText();
    }

    /** {@code key_encoding} ("." or "/") is the metadata's dimension_separator, which must agree with it. */
    private static void keyEncoding(JsonNode e, ObjectNode metadata) {
        if (e == null || e.isNull()) return;
        if (!e.isTextual() || !(e.asText().equals(".") || e.asText().equals("/"))) {
            throw invalid("Error parsing object member \"key_encoding\": Expected one of \".\", \"/\", but received: " + e);
        }
        JsonNode sep = metadata.get("dimension_separator");
        if (sep != null && !sep.isNull() && !sep.asText().equals(e.asText())) {
            throw invalid("Error parsing object member \"key_encoding\": value (" + e + ") does not match value in metadata (" + sep + ")");
        }
        metadata.put("dimension_separator", e.asText());
    }

    private static final Set<String> SCHEMA_MEMBERS = Set.of("rank", "dtype", "domain", "chunk_layout", "codec", "fill_value", "dimension_units");

    /**
     * The schema's members that zarr keeps in its metadata ({@code fill_value}, the {@code codec}'s
     * compressor and filters) become metadata constraints. Returns what makes the schema and the
     * metadata given impossible to create together (a conflicting value, dimension units, which
     * zarr v2 cannot store), or null.
     */
    private static String schemaIntoMetadata(JsonNode schema, ObjectNode metadata) {
        if (!schema.isObject()) throw invalid("Error parsing object member \"schema\": Expected object, but received: " + schema);
        for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!SCHEMA_MEMBERS.contains(f)) throw invalid("Error parsing object member \"schema\": Object includes extra members: \"" + f + "\"");
        }
        JsonNode units = schema.get("dimension_units");
        if (units != null && !units.isNull()) {
            if (!units.isArray()) throw invalid("Error parsing object member \"schema\": Error parsing object member \"dimension_units\": Expected array, but received: " + units);
            for (JsonNode u : units) if (!u.isNull()) return "Dimension units not supported by zarr driver";
        }
        JsonNode fill = schema.get("fill_value");
        if (fill != null && !fill.isNull()) {
            JsonNode given = metadata.get("fill_value");
            if (given == null || given.isNull()) {
                metadata.set("fill_value", fill);
            } else if (!sameValue(given, fill)) {
                return "Invalid fill_value: schema requires fill value of " + JsonText.write(fill)
                        + ", but metadata specifies fill value of " + JsonText.write(given);
            }
        }
        JsonNode codec = schema.get("codec");
        if (codec == null || codec.isNull()) return null;
        if (!codec.isObject()) throw invalid("Error parsing object member \"schema\": Error parsing object member \"codec\": Expected object, but received: " + codec);
        JsonNode driver = codec.get("driver");
        if (driver != null && !"zarr".equals(driver.asText())) return "Cannot merge codec spec " + JsonText.write(codec) + " with a zarr array's";
        ObjectNode fromCodec = JsonNodeFactory.instance.objectNode();
        for (Iterator<String> it = codec.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (f.equals("compressor") || f.equals("filters")) fromCodec.set(f, codec.get(f));
            else if (!f.equals("driver")) {
                throw invalid("Error parsing object member \"schema\": Error parsing object member \"codec\": Object includes extra members: \"" + f + "\"");
            }
        }
        try {
            ZarrMetadatas.validatePartial(fromCodec);
        } catch (IllegalArgumentException e) {
            throw invalid("Error parsing object member \"schema\": Error parsing object member \"codec\": " + e.getMessage());
        }
        for (Iterator<String> it = fromCodec.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!metadata.has(f)) metadata.set(f, fromCodec.get(f));
            else if (!JsonText.write(metadata.get(f)).equals(JsonText.write(fromCodec.get(f)))) {
                return "Cannot merge codec spec " + JsonText.write(fromCodec) + " with the metadata's: \"" + f + "\" does not match";
            }
        }
        return null;
    }

    /** JSON values equal as values: numbers by magnitude (5 and 5.0), everything else as text. */
    private static boolean sameValue(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) return a.decimalValue().compareTo(b.decimalValue()) == 0;
        return JsonText.write(a).equals(JsonText.write(b));
    }

    /**
     * The shape a schema's domain gives: {@code shape}, or {@code exclusive_max} (with
     * {@code inclusive_min}); a zarr array's domain starts at 0, so any other lower bound is an error.
     */
    private static long[] domainShape(JsonNode domain) {
        long[] min = domain.get("inclusive_min") != null ? longs(domain.get("inclusive_min"), "schema.domain.inclusive_min") : null;
        long[] shape = domain.get("shape") != null ? longs(domain.get("shape"), "schema.domain.shape") : null;
        if (shape == null && domain.get("exclusive_max") != null) {
            long[] max = longs(domain.get("exclusive_max"), "schema.domain.exclusive_max");
            shape = new long[max.length];
            for (int d = 0; d < max.length; d++) shape[d] = max[d] - (min != null && d < min.length ? min[d] : 0);
        }
        if (min != null) {
            for (int d = 0; d < min.length; d++) {
                if (min[d] != 0) {
                    throw invalid("Cannot merge index domain with a zarr array's: Mismatch in dimension " + d
                            + ": Lower bounds do not match (a zarr dimension starts at 0, the schema's at " + min[d] + ")");
                }
            }
        }
        return shape;
    }

    private static DataType dtypeMember(JsonNode d, String member) {
        if (d == null || d.isNull()) return null;
        try {
            return DataType.fromName(d.asText());
        } catch (IllegalArgumentException e) {
            throw invalid("Error parsing object member \"" + member + "\": " + e.getMessage());
        }
    }

    private static long[] longs(JsonNode a, String what) {
        if (!a.isArray()) throw invalid("Error parsing " + what + ": Expected array, but received: " + a);
        long[] r = new long[a.size()];
        for (int i = 0; i < r.length; i++) {
            if (!a.get(i).canConvertToLong()) throw invalid("Error parsing " + what + ": Expected integer, but received: " + a.get(i));
            r[i] = a.get(i).asLong();
        }
        return r;
    }

    /** Metadata for a new array from the constraints and TensorStore's defaults. */
    private static ZarrMetadata build(Constraints c, boolean assumed) {
        if (c.conflict() != null) throw new IllegalArgumentException("Cannot create using specified \"metadata\" and schema: " + c.conflict());
        ObjectNode m = c.metadata().deepCopy();
        if (c.dtype() != null) {
            if (m.has("dtype")) {
                DataType fromMeta = ZarrMetadatas.dtypeOf(m.get("dtype"));
                if (fromMeta != c.dtype()) throw invalid(PREFIX + "dtype from metadata (" + fromMeta + ") does not match dtype in schema (" + c.dtype() + ")");
            } else {
                m.put("dtype", c.dtype().zarrDtype(java.nio.ByteOrder.LITTLE_ENDIAN));
            }
        }
        if (c.shape() != null && !m.has("shape")) m.set("shape", JsonText.longs(c.shape()));
        if (c.chunks() != null && !m.has("chunks")) m.set("chunks", JsonText.longs(c.chunks()));
        if (!m.has("dtype")) throw new IllegalArgumentException("Cannot create using specified \"metadata\" and schema: \"dtype\" must be specified");
        if (!m.has("shape")) throw new IllegalArgumentException("Cannot create using specified \"metadata\" and schema: domain must be specified");
        return ZarrMetadatas.withDefaults(m);
    }

    /** Checks the stored metadata against every constraint the spec and options give. */
    private static ZarrMetadata validate(ZarrMetadata stored, Constraints c) {
        ObjectNode storedJson = stored.toJson();
        for (Iterator<String> it = c.metadata().fieldNames(); it.hasNext(); ) {
            String f = it.next();
            JsonNode want = ZarrMetadatas.normalizeMember(f, c.metadata().get(f), stored.dataType());
            JsonNode got = storedJson.get(f);
            if (f.equals("fill_value")) got = stored.fillValue();
            // Compared as JSON text: Jackson's int and long nodes of equal value are not equal().
            String wantText = JsonText.write(want), gotText = JsonText.write(got);
            if (!wantText.equals(gotText)) {
                throw new TensorStoreException(Code.FAILED_PRECONDITION, PREFIX + "Expected \"" + f + "\" of " + wantText + " but received: " + gotText);
            }
        }
        if (c.rank() != null && c.rank() != stored.rank()) {
            throw new TensorStoreException(Code.FAILED_PRECONDITION, PREFIX + "Rank is " + stored.rank() + ", but schema specifies rank of " + c.rank());
        }
        if (c.dtype() != null && c.dtype() != stored.dataType()) {
            throw new TensorStoreException(Code.FAILED_PRECONDITION, PREFIX + "dtype from metadata (" + stored.dataType() + ") does not match dtype in schema (" + c.dtype() + ")");
        }
        if (c.shape() != null) {
            if (c.shape().length != stored.rank()) {
                throw new TensorStoreException(Code.FAILED_PRECONDITION, PREFIX + "Rank is " + stored.rank() + ", but schema specifies rank of " + c.shape().length);
            }
            for (int d = 0; d < c.shape().length; d++) {
                if (c.shape()[d] != stored.shape()[d]) {
                    throw new TensorStoreException(Code.FAILED_PRECONDITION, PREFIX + "domain from metadata does not match domain in schema: Mismatch in dimension "
                            + d + ": Upper bounds do not match (" + stored.shape()[d] + " vs " + c.shape()[d] + ")");
                }
            }
        }
        if (c.chunks() != null && !Arrays.equals(c.chunks(), stored.chunks())) {
            throw new TensorStoreException(Code.FAILED_PRECONDITION, PREFIX + "chunk layout from metadata " + Arrays.toString(stored.chunks())
                    + " does not match chunk layout in schema " + Arrays.toString(c.chunks()));
        }
        return stored;
    }

    /**
     * The array, shared with every open of it through the context that binds the same resources,
     * so that their writes coalesce; resources of its own make an array of its own.
     */
    private static ZarrArray array(Context ctx, Context.ArrayResources r, KvStore store, String prefix, ZarrMetadata m) {
        if (!r.shared()) return new ZarrArray(store, prefix, m, r.dataCopyExecutor(), r.cachePool());
        // The identities of the store and resources within the context are part of the key: memory stores all describe themselves alike.
        String key = "zarr:" + store.describe() + "@" + ctx.idOf(store) + prefix + ":" + m
                + "|" + ctx.idOf(r.dataCopyExecutor()) + (r.cachePool() == null ? "" : "|" + ctx.idOf(r.cachePool()));
        return ctx.resource(key, k -> new ZarrArray(store, prefix, m, r.dataCopyExecutor(), r.cachePool()));
    }

    private static boolean flag(Boolean option, ObjectNode j, String member) {
        if (option != null) return option;
        JsonNode v = j.get(member);
        if (v == null || v.isNull()) return false;
        if (!v.isBoolean()) throw invalid("Error parsing object member \"" + member + "\": Expected boolean, but received: " + v);
        return v.asBoolean();
    }

    static String joinPath(String base, JsonNode path) {
        String p = path == null || path.isNull() ? "" : path.asText();
        if (p.isEmpty()) return base;
        if (base.isEmpty() || base.endsWith("/")) return base + p;
        return base + "/" + p;
    }

    /**
     * TensorStore's {@code recheck_cached_data}: {@code true} (the default), {@code false},
     * {@code "open"} (data cached from this open on is used as it is), or a time in seconds since
     * the epoch (data cached from then on is).
     */
    private static ZarrArray.Recheck recheckCachedData(JsonNode v) {
        if (v == null || (v.isBoolean() && v.booleanValue())) return ZarrArray.Recheck.ALWAYS;
        if (v.isBoolean()) return ZarrArray.Recheck.NEVER;
        long now = System.nanoTime();
        if (v.isTextual() && v.textValue().equals("open")) return ZarrArray.Recheck.after(now, v);
        if (v.isNumber() && Double.isFinite(v.doubleValue())) {
            // From wall-clock seconds to the monotonic clock the cache stamps entries with.
            double agoNanos = System.currentTimeMillis() * 1e6 - v.doubleValue() * 1e9;
            return ZarrArray.Recheck.after(now - (long) Math.max(-1e18, Math.min(1e18, agoNanos)), v);
        }
        throw invalid("Error parsing object member \"recheck_cached_data\": Expected boolean, number, or \"open\", but received: " + v);
    }

    static TensorStoreException invalid(String message) {
        return new TensorStoreException(Code.INVALID_ARGUMENT, message);
    }

}
