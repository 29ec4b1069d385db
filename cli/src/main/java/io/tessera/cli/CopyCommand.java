package io.tessera.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tessera.OpenOptions;
import io.tessera.Spec;
import io.tessera.TensorStore;
import io.tessera.TensorStoreException;
import io.tessera.index.IndexExpression;
import io.tessera.memory.NDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * {@code copy SRC DST}: streams the source into the destination block by block. Blocks are
 * whole multiples of the destination's chunk shape, aligned to its chunk grid, and at most
 * {@code --block-bytes} large (or one chunk, if a chunk is larger), so every chunk is written
 * whole and memory stays bounded: one block being read while the previous one commits.
 */
@Command(name = "copy", mixinStandardHelpOptions = true,
        description = {"Copy SRC_SPEC into DST_SPEC (or the region --index of both), chunk by chunk.",
                "DST_SPEC may leave out dtype, shape and the rest of the metadata: they are taken from",
                "the source, and what DST_SPEC gives (kvstore, path, compressor, chunks...) replaces them.",
                "An existing destination is opened as it is, a missing one created, unless DST_SPEC sets",
                "create/open/delete_existing itself. Shows a progress bar when stderr is a terminal."})
final class CopyCommand implements Callable<Integer> {
    static final long DEFAULT_BLOCK_BYTES = 64L << 20;

    @Mixin Commands.Common common;
    @Parameters(index = "0", paramLabel = "SRC_SPEC", description = Commands.SPEC_HELP) String src;
    @Parameters(index = "1", paramLabel = "DST_SPEC", description = Commands.SPEC_HELP) String dst;
    @Option(names = "--index", paramLabel = "IDX", description = "Copy only this region (NumPy index expression), to the same region of the destination.")
    String index;
    @Option(names = "--block-bytes", paramLabel = "BYTES", description = "Upper bound on the bytes of one block (default: ${DEFAULT-VALUE}).")
    long blockBytes = DEFAULT_BLOCK_BYTES;
    @Option(names = "--progress", negatable = true, description = "Show (or never show) the progress bar; by default it shows when stderr is a terminal.")
    Boolean progress;
    private final Env env;
    private IndexExpression region;

    CopyCommand(Env env) { this.env = env; }

    @Override
    public Integer call() {
        if (blockBytes < 1) throw new Errors.UsageException("Invalid --block-bytes " + blockBytes + ": must be positive");
        region = Specs.indexExpression(index);
        Spec dstSpec = Specs.parse(dst);
        TensorStore source = Specs.open(Specs.parse(src), new OpenOptions(), env);
        TensorStore from = Specs.index(source, region);
        TensorStore target = openDestination(dstSpec, source, from);
        TensorStore to = Specs.index(target, region);
        checkFits(from, to);
        copy(from, to, chunkShape(target, to));
        return 0;
    }

    /** The source view's domain and dtype against the destination view's. */
    private static void checkFits(TensorStore from, TensorStore to) {
        if (!Arrays.equals(from.shape(), to.shape()) || !Arrays.equals(from.origin(), to.origin())) {
            throw new Errors.CliException("The source domain " + from.domain() + " does not match the destination domain " + to.domain());
        }
        try {
            from.dtype().checkImplicitConversionTo(to.dtype());
        } catch (IllegalArgumentException e) {
            throw new Errors.CliException(e.getMessage(), e);
        }
    }

    /**
     * Opens {@code spec} (which creates, and may delete what is there) only once the array it
     * makes is known to take the copy, so that a destination that would not fit fails before
     * anything is deleted or created.
     */
    private TensorStore createChecked(ObjectNode spec, TensorStore from) {
        return Specs.openChecked(Spec.fromJson(spec), env, made -> checkFits(from, Specs.index(made, region)));
    }

    /**
     * Opens the destination as its spec says; without an open mode in the spec, an existing
     * array is opened as it is, and a missing one created from the source's metadata.
     */
    private TensorStore openDestination(Spec dst, TensorStore source, TensorStore from) {
        ObjectNode dj = dst.toJson();
        if (dj.has("create") || dj.has("open") || dj.has("delete_existing")) {
            boolean creating = dj.path("create").asBoolean(false) || dj.path("delete_existing").asBoolean(false);
            return creating ? createChecked(destinationSpec(dj, source), from) : Specs.open(dst, new OpenOptions(), env);
        }
        try {
            return Specs.open(dst, new OpenOptions(), env);
        } catch (RuntimeException e) {
            if (!(Errors.unwrap(e) instanceof TensorStoreException t) || t.code() != TensorStoreException.Code.NOT_FOUND) throw e;
        }
        dj.put("create", true);
        return createChecked(destinationSpec(dj, source), from);
    }

    /**
     * The destination spec completed from the source: metadata members the destination leaves out
     * come from the source's metadata.
     */
    static ObjectNode destinationSpec(ObjectNode dst, TensorStore source) {
        ObjectNode out = dst.deepCopy();
        JsonNode given = dst.get("metadata");
        ObjectNode meta = given instanceof ObjectNode o ? o.deepCopy() : out.objectNode();
        if (given == null || given instanceof ObjectNode) {
            ObjectNode srcMeta = source.metadata();
            boolean dtypeGiven = meta.has("dtype") || dst.has("dtype") || (dst.get("schema") != null && dst.get("schema").has("dtype"));
            boolean shapeGiven = meta.has("shape") || (dst.get("schema") != null && dst.get("schema").has("domain"));
            boolean chunksGiven = meta.has("chunks") || (dst.get("schema") != null && dst.get("schema").has("chunk_layout"));
            if (!dtypeGiven) {
                meta.set("dtype", srcMeta.get("dtype"));
                // The fill value is a value of the source's type: it carries over only with it.
                if (!meta.has("fill_value")) meta.set("fill_value", srcMeta.get("fill_value"));
            }
            if (!shapeGiven) meta.set("shape", srcMeta.get("shape"));
            if (!chunksGiven && !shapeGiven) meta.set("chunks", srcMeta.get("chunks"));
            for (String m : new String[]{"compressor", "order", "dimension_separator"}) {
                if (!meta.has(m)) meta.set(m, srcMeta.get(m));
            }
            out.set("metadata", meta);
        }
        return out;
    }

    /** The chunk shape in the view's dimensions, or ones when an index changed the rank. */
    private static long[] chunkShape(TensorStore array, TensorStore view) {
        JsonNode c = array.metadata().get("chunks");
        long[] chunks = new long[view.rank()];
        Arrays.fill(chunks, 1);
        if (c != null && c.size() == view.rank()) for (int d = 0; d < chunks.length; d++) chunks[d] = c.get(d).asLong();
        return chunks;
    }

    private void copy(TensorStore from, TensorStore to, long[] chunks) {
        long total = from.dtype().byteSize();
        for (long s : from.shape()) total = Math.multiplyExact(total, s);
        boolean show = progress != null ? progress : env.errIsTerminal();
        // Closed on a failure too: the error then starts on a line of its own, not after the bar.
        try (Progress bar = new Progress(env.err, show, total)) {
            copy(from, to, chunks, total, bar);
        }
    }

    private void copy(TensorStore from, TensorStore to, long[] chunks, long total, Progress bar) {
        int rank = from.rank();
        long[] origin = from.origin(), shape = from.shape();
        long elementBytes = Math.max(from.dtype().byteSize(), to.dtype().byteSize());
        if (rank == 0) {
            to.write(from.read().join()).join();
            bar.advance(total);
            bar.finish();
            return;
        }
        for (long s : shape) {
            if (s == 0) { bar.finish(); return; }
        }
        long[] block = blockShape(origin, shape, chunks, elementBytes, blockBytes);
        long[] first = new long[rank], pos = new long[rank];
        for (int d = 0; d < rank; d++) pos[d] = first[d] = Math.floorDiv(origin[d], block[d]) * block[d];
        CompletableFuture<Void> pending = CompletableFuture.completedFuture(null);
        long pendingBytes = 0;
        while (true) {
            StringBuilder idx = new StringBuilder();
            long bytes = from.dtype().byteSize();
            for (int d = 0; d < rank; d++) {
                long lo = Math.max(pos[d], origin[d]), hi = Math.min(pos[d] + block[d], origin[d] + shape[d]);
                if (d > 0) idx.append(", ");
                idx.append(lo).append(':').append(hi);
                bytes *= hi - lo;
            }
            String region = idx.toString();
            // Reading block i+1 overlaps with the commit of block i; at most these two are held.
            NDArray data;
            try {
                data = from.get(region).read().join();
            } catch (RuntimeException e) {
                // Block i's commit ends before the command does (an exit would race it), and its
                // own failure, if any, is reported beside this one.
                try {
                    pending.join();
                } catch (RuntimeException alsoFailed) {
                    e.addSuppressed(alsoFailed);
                }
                throw e;
            }
            pending.join();
            bar.advance(pendingBytes);
            pending = to.get(region).write(data).commit();
            pendingBytes = bytes;
            int d = rank - 1;
            while (d >= 0) {
                pos[d] += block[d];
                if (pos[d] < origin[d] + shape[d]) break;
                pos[d] = first[d];
                d--;
            }
            if (d < 0) break;
        }
        pending.join();
        bar.advance(pendingBytes);
        bar.finish();
    }

    /**
     * The block: a whole number of chunks in every dimension, grown from the last dimension to the
     * first (so a block is contiguous in C order as far as possible) until it spans the region or
     * reaches {@code budget} bytes.
     */
    static long[] blockShape(long[] origin, long[] shape, long[] chunks, long elementBytes, long budget) {
        int rank = shape.length;
        long[] block = chunks.clone();
        long bytes = elementBytes;
        for (long c : chunks) bytes = Math.multiplyExact(bytes, c);
        for (int d = rank - 1; d >= 0; d--) {
            long c = chunks[d];
            long startChunk = Math.floorDiv(origin[d], c), endChunk = Math.ceilDiv(origin[d] + shape[d], c);
            long needed = endChunk - startChunk;
            long others = bytes / block[d];
            long fits = Math.max(1, budget / Math.max(1, others * c));
            long m = Math.min(needed, fits);
            block[d] = m * c;
            bytes = others * block[d];
            if (m < needed) break;
        }
        return block;
    }
}
