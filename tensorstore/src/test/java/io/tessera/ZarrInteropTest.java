package io.tessera;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tessera.InteropCases.Case;
import io.tessera.InteropCases.FillKind;
import io.tessera.InteropCases.Op;
import io.tessera.kvstore.Generation;
import io.tessera.kvstore.KvStore;
import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Format compatibility of the zarr v2 driver with TensorStore (Python) and zarr-python 2, both
 * ways: arrays Tessera writes are read by both oracles, arrays they write are read by Tessera, and
 * the same writes must leave the same values, the same set of stored keys and the same
 * {@code .zarray} as TensorStore does.
 *
 * <p>The matrix ({@link InteropCases}) has one case per dtype x compressor pair, the other axes
 * (byte order, order, dimension separator, fill value, rank, shape, chunks) drawn from a fixed
 * seed, plus targeted cases: big-endian types, rank 0, 3 and 5, NaN fill values, chunks that are
 * all fill value (bit for bit: -0.0 is not 0.0, a NaN payload is not the NaN fill), partial writes
 * that make a chunk all fill, large compressible chunks, default chunk shapes, compressor and
 * fill-value spellings, {@code .zarray} documents other writers produce, writes over foreign edge
 * chunks, and transactions. Data moves through the memory key-value store and files in a temp
 * directory (kept with {@code -Dtessera.interop.keep=true}); each oracle runs once over all cases.
 *
 * <p>Oracle quirks the comparisons allow for (not Tessera's): TensorStore cannot create a rank-0
 * or rank-1 array with order "F"; zarr-python 2.13 stores no compressor at rank 0 and stores a
 * -0.0 fill value as 0.0; neither TensorStore nor zarr-python has the other's lz4/bfloat16.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ZarrInteropTest {
    static final long SEED = 0x2026_1124L;

    static final String TENSORSTORE_SCRIPT = """
            import sys, json, os, numpy as np, tensorstore as ts
            req = json.load(open(sys.stdin.readline().strip()))

            def np_dtype(s):
                return ts.bfloat16.numpy_dtype if s == 'bfloat16' else np.dtype(s).newbyteorder('<')

            def le_hex(a):
                a = np.asarray(a)
                if a.dtype.byteorder == '>':
                    a = a.byteswap().view(a.dtype.newbyteorder('<'))
                return np.ascontiguousarray(a).tobytes().hex()

            def box(b):
                return tuple(slice(lo, hi) for lo, hi in b)

            out = {}
            for c in req['cases']:
                r = {}
                dt = np_dtype(c['dtype'])
                noread = c.get('metadata_only', False)
                try:
                    t = ts.open({'driver': 'zarr', 'kvstore': {'driver': 'file', 'path': c['tessera_dir']}}, open=True).result()
                    r['read_tessera'] = '' if noread else le_hex(t.read().result())
                except Exception as e:
                    r['read_tessera_error'] = str(e)
                try:
                    kwargs = {'dtype': c['schema_dtype'], 'shape': c['schema_shape']} if 'schema_dtype' in c else {}
                    t = ts.open({'driver': 'zarr', 'kvstore': {'driver': 'file', 'path': c['own_dir']}, 'metadata': c['metadata']},
                                create=True, **kwargs).result()
                    for op in c['ops']:
                        t[box(op['box'])] = np.frombuffer(bytes.fromhex(op['hex']), dtype=dt).reshape(op['shape'])
                    r['read_self'] = '' if noread else le_hex(t.read().result())
                except Exception as e:
                    r['self_error'] = str(e)
                out[str(c['id'])] = r
            for v in req.get('variants', []):
                try:
                    t = ts.open({'driver': 'zarr', 'kvstore': {'driver': 'file', 'path': v['dir']}}, open=True).result()
                    if 'write' in v:
                        w = v['write']
                        t[box(w['box'])] = np.frombuffer(bytes.fromhex(w['hex']), dtype=np_dtype(w['dtype'])).reshape(w['shape'])
                    files = {}
                    for root, _, names in os.walk(v['dir']):
                        for f in names:
                            if f != '.zarray':
                                files[os.path.relpath(os.path.join(root, f), v['dir'])] = open(os.path.join(root, f), 'rb').read().hex()
                    out[v['name']] = {'read': le_hex(t.read().result()), 'files': files}
                except Exception as e:
                    out[v['name']] = {'error': str(e).split(' [')[0]}
            json.dump(out, open(req['out'], 'w'))
            print('ok')
            """;

    /**
     * {@code .zarray} documents other writers produce (members left out, extra members, other
     * spellings of the fill value), each over {@link #VARIANT_BASE}: Tessera must open exactly
     * those TensorStore opens, and read the same values.
     */
    static final String[] VARIANTS = {
            "{\"compressor\":{\"id\":\"blosc\",\"cname\":\"lz4\",\"clevel\":5,\"shuffle\":1}}",
            "{\"compressor\":{\"id\":\"zlib\"}}",
            "{\"compressor\":{\"id\":\"zstd\",\"level\":1,\"checksum\":false}}",
            "{\"compressor\":{\"id\":\"gzip\",\"level\":-1}}",
            // Opens only where the c-blosc in use has snappy (the system library via FFM); see SNAPPY below.
            "{\"compressor\":{\"id\":\"blosc\",\"cname\":\"snappy\",\"clevel\":5,\"shuffle\":1,\"blocksize\":0}}",
            "{\"fill_value\":\"NaN\"}",
            "{\"dtype\":\"<c8\",\"fill_value\":\"AACAPwAAAEA=\"}",
            "{\"dtype\":\"<f8\",\"fill_value\":\"AAAAAAAA+H8=\"}",
            "{\"dtype\":\"<f4\",\"fill_value\":\"0x7fc00000\"}",
            "{\"dtype\":\"<f4\",\"fill_value\":\"-Infinity\"}",
            "{\"dtype\":\"<f4\",\"fill_value\":0}",
            "{\"dtype\":\"|b1\",\"fill_value\":null}",
            "{\"dtype\":\"<u1\"}",
            "{\"dtype\":\">u1\"}",
            "{\"dimension_separator\":null}",
            "{\"dimension_separator\":\"/\"}",
            "{\"attributes\":{}}",
            "{\"filters\":[]}",
            "{\"zarr_format\":2.0}",
            "{\"order\":\"A\"}",
            "{\"shape\":[0],\"chunks\":[2]}",
            "{\"shape\":[],\"chunks\":[],\"order\":\"F\"}",
    };

    static final String VARIANT_BASE = "{\"chunks\":[2],\"compressor\":null,\"dtype\":\"<i4\",\"fill_value\":3,\"filters\":null,\"order\":\"C\",\"shape\":[3],\"zarr_format\":2}";

    /** A stored chunk (as another writer left it) and one write over it. */
    record ForeignWrite(String zarray, String chunkKey, String chunkHex, long[][] box, String dtype, String valuesHex) {}

    static final String EDGE_ZARRAY = "{\"chunks\":[2],\"compressor\":null,\"dtype\":\"<i2\",\"fill_value\":0,\"filters\":null,\"order\":\"C\",\"shape\":[3],\"zarr_format\":2}";

    /**
     * Writes into an edge chunk whose out-of-bounds part is not the fill value (as a chunk stored
     * before the array shrank, or by another writer, can be): element 2 is in bounds, element 3 of
     * the chunk (0500) is not. TensorStore reads the chunk and keeps those bytes even when the
     * write covers every in-bounds element, so the chunk is neither deleted nor rewritten with fill.
     */
    static final ForeignWrite[] FOREIGN_EDGE = {
            new ForeignWrite(EDGE_ZARRAY, "1", "07000500", new long[][]{{2, 3}}, "<i2", "0000"),
            new ForeignWrite(EDGE_ZARRAY, "1", "07000500", new long[][]{{2, 3}}, "<i2", "0300"),
            new ForeignWrite(EDGE_ZARRAY, "0", "07000500", new long[][]{{0, 1}}, "<i2", "0000"),
            new ForeignWrite("{\"chunks\":[2,2],\"compressor\":null,\"dtype\":\"<i2\",\"fill_value\":0,\"filters\":null,\"order\":\"F\",\"shape\":[3,3],\"zarr_format\":2}",
                    "1.1", "0100020003000400", new long[][]{{2, 3}, {2, 3}}, "<i2", "0000"),
    };

    static final String ZARR_SCRIPT = """
            import sys, json, os, numpy as np, zarr, numcodecs
            req = json.load(open(sys.stdin.readline().strip()))

            def le_hex(a):
                a = np.asarray(a)
                if a.dtype.byteorder == '>':
                    a = a.byteswap().view(a.dtype.newbyteorder('<'))
                return np.ascontiguousarray(a).tobytes().hex()

            def box(b):
                return tuple(slice(lo, hi) for lo, hi in b)

            def scalar(v):
                return float(v) if isinstance(v, str) else v

            def fill(v, kind):
                if v is None:
                    return None
                if kind == 'c':
                    return complex(scalar(v[0]), scalar(v[1]))
                return scalar(v)

            out = {}
            for c in req['cases']:
                r = {}
                m = c['full_metadata']
                try:
                    z = zarr.open(c['tessera_dir'], mode='r')
                    r['read_tessera'] = le_hex(z[...])
                except Exception as e:
                    r['read_tessera_error'] = repr(e)
                try:
                    dt = np.dtype(m['dtype'])
                    z = zarr.open(c['own_dir'], mode='w', shape=tuple(m['shape']), chunks=tuple(m['chunks']), dtype=dt,
                                  compressor=numcodecs.get_codec(dict(m['compressor'])) if m['compressor'] else None,
                                  fill_value=fill(m['fill_value'], dt.kind), order=m['order'],
                                  dimension_separator=m['dimension_separator'])
                    ldt = dt.newbyteorder('<')
                    for op in c['ops']:
                        z[box(op['box'])] = np.frombuffer(bytes.fromhex(op['hex']), dtype=ldt).reshape(op['shape'])
                    r['read_self'] = le_hex(zarr.open(c['own_dir'], mode='r')[...])
                except Exception as e:
                    r['self_error'] = repr(e)
                out[str(c['id'])] = r
            json.dump(out, open(req['out'], 'w'))
            print('ok')
            """;

    Path base;
    List<Case> cases;
    /** The context whose memory store holds the arrays Tessera wrote. */
    final Context tesseraContext = new Context();
    /** Tessera's read of its own array after the writes, as little-endian hex. */
    final Map<Integer, String> tesseraValues = new HashMap<>();
    final Map<Integer, String> tesseraErrors = new TreeMap<>();
    JsonNode tensorstore;
    JsonNode zarrPython;

    static List<Case> buildCases() {
        InteropCases.Builder b = new InteropCases.Builder(SEED);
        for (DataType t : InteropCases.TYPES) {
            for (String c : InteropCases.COMPRESSORS) {
                if (t == DataType.BFLOAT16 && c.equals("lz4")) continue; // neither oracle has both
                b.add("matrix", t, null, c, null, null, null, null);
            }
        }
        // The big-endian types the brief names, each with several compressors and fill kinds.
        String[] beCompressors = {"null", "blosc-lz4-bitshuffle", "blosc-zstd", "zstd", "lz4", "gzip"};
        for (DataType t : new DataType[]{DataType.INT32, DataType.FLOAT64, DataType.COMPLEX128}) {
            for (int i = 0; i < beCompressors.length; i++) {
                FillKind fill = t == DataType.INT32 ? FillKind.values()[i % 3] : FillKind.values()[i % 4];
                b.add("big-endian", t, true, beCompressors[i], i % 2 == 0 ? "C" : "F", i % 3 == 0 ? "/" : ".", fill, null);
            }
        }
        // Rank 0 and rank 3 with every fill kind, NaN fill values with partial writes.
        for (FillKind f : FillKind.values()) {
            b.add("rank0", DataType.FLOAT32, null, "blosc-lz4-shuffle", null, null, f, 0);
            b.add("rank0", DataType.COMPLEX64, null, "null", null, null, f, 0);
            b.add("rank3", DataType.FLOAT16, null, "zstd", "F", "/", f, 3);
            b.add("rank3", DataType.UINT16, null, "null", "C", ".", f == FillKind.NAN ? FillKind.NONZERO : f, 3);
        }
        for (DataType t : new DataType[]{DataType.FLOAT16, DataType.FLOAT32, DataType.FLOAT64, DataType.COMPLEX64, DataType.BFLOAT16}) {
            b.add("nan-fill", t, null, "null", null, null, FillKind.NAN, 2);
            b.add("nan-fill", t, null, "blosc-lz4-shuffle", null, null, FillKind.NAN, 1);
        }
        addFillEquality(b);
        addLarge(b);
        addDefaults(b);
        for (String c : new String[]{"{\"id\":\"zstd\"}", "{\"id\":\"blosc\"}", "{\"id\":\"blosc\",\"cname\":\"zstd\"}",
                "{\"shuffle\":2,\"id\":\"blosc\",\"clevel\":3,\"cname\":\"lz4hc\"}", "{\"id\":\"zlib\"}", "{\"id\":\"gzip\"}",
                "{\"id\":\"bz2\"}", "{\"id\":\"zstd\",\"level\":-5}", "{\"id\":\"zstd\",\"level\":22}", "{\"id\":\"blosc\",\"clevel\":0}",
                "{\"id\":\"zlib\",\"level\":0}", "{\"id\":\"blosc\",\"blocksize\":1000}", "{\"level\":9,\"id\":\"gzip\"}"}) {
            try {
                b.addCompressorSpelling(InteropCases.JSON.readTree(c));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        // Rank 5, several chunks per dimension, both orders and separators.
        com.fasterxml.jackson.databind.node.JsonNodeFactory n = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;
        long[] shape5 = {2, 3, 2, 3, 2};
        long[][] whole5 = {{0, 2}, {0, 3}, {0, 2}, {0, 3}, {0, 2}};
        long[][] part5 = {{1, 2}, {1, 3}, {0, 1}, {2, 3}, {0, 2}};
        b.addCustom("rank5", "<i4", "blosc-lz4-shuffle", n.numberNode(-1), shape5, new long[]{1, 2, 2, 2, 1}, "F",
                List.of(b.randomOp(DataType.INT32, whole5), InteropCases.Builder.fillOp(box(0, 1, 0, 2, 0, 2, 0, 2, 0, 1), le(4, -1), true), b.randomOp(DataType.INT32, part5)));
        b.addCustom("rank5", ">c8", "zstd", n.arrayNode().add("NaN").add(0.0), shape5, new long[]{2, 2, 1, 2, 2}, "C",
                List.of(b.randomOp(DataType.COMPLEX64, part5)));
        // Fill values given in a form TensorStore normalizes when it writes .zarray.
        String[][] fills = {{"<f4", "0"}, {"<f8", "1"}, {"<c8", "[1,2]"}, {"<f4", "0.1"}, {"<f2", "0.1"}, {"<f8", "1e20"},
                {"<f8", "1e-7"}, {"<f4", "3.4028234663852886e38"}, {"<f8", "0.1"}, {"<i4", "5.0"}, {"bfloat16", "0.1"},
                {"<i8", "1e3"}, {"<f4", "\"1.5\""}, {"<f4", "1e300"}};
        for (String[] f : fills) {
            try {
                b.addMetadataOnly(f[0], InteropCases.JSON.readTree(f[1]));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return b.cases;
    }

    private static byte[] le(int bytes, long bits) {
        byte[] b = new byte[bytes];
        for (int i = 0; i < bytes; i++) b[i] = (byte) (bits >>> (8 * i));
        return b;
    }

    private static long[][] box(long... bounds) {
        long[][] b = new long[bounds.length / 2][];
        for (int d = 0; d < b.length; d++) b[d] = new long[]{bounds[2 * d], bounds[2 * d + 1]};
        return b;
    }

    /**
     * When a chunk counts as "all fill value" (and is not stored): TensorStore compares bits, so
     * -0.0 is not 0.0 and a NaN with another payload or sign is not the NaN fill value; a chunk
     * that partial writes (read-modify-write) make all fill is deleted, an edge chunk too; a
     * partial write of the fill value into a missing chunk stores nothing.
     */
    static void addFillEquality(InteropCases.Builder b) {
        com.fasterxml.jackson.databind.node.JsonNodeFactory n = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;
        JsonNode nan = n.textNode("NaN");
        b.addCustom("fill-bits", "<f4", "null", n.numberNode(0.0), new long[]{4}, new long[]{2}, "C",
                List.of(InteropCases.Builder.fillOp(box(0, 2), le(4, 0x80000000L), false)));
        b.addCustom("fill-bits", "<f8", "zstd", n.numberNode(-0.0), new long[]{4}, new long[]{2}, "C",
                List.of(InteropCases.Builder.fillOp(box(0, 4), le(8, 0), false), InteropCases.Builder.fillOp(box(2, 4), le(8, 1L << 63), true)));
        b.addCustom("fill-bits", "<f4", "null", nan, new long[]{6}, new long[]{2}, "C",
                List.of(InteropCases.Builder.fillOp(box(0, 2), le(4, 0x7fc00001L), false), InteropCases.Builder.fillOp(box(2, 4), le(4, 0xffc00000L), false),
                        InteropCases.Builder.fillOp(box(4, 6), le(4, 0x7fc00000L), true)));
        b.addCustom("fill-bits", ">f8", "blosc-lz4-shuffle", nan, new long[]{2, 3}, new long[]{1, 3}, "F",
                List.of(InteropCases.Builder.fillOp(box(0, 1, 0, 3), le(8, 0xfff8000000000000L), false),
                        InteropCases.Builder.fillOp(box(1, 2, 0, 3), le(8, 0x7ff8000000000000L), true)));
        b.addCustom("fill-bits", "<f2", "null", nan, new long[]{4}, new long[]{2}, "C",
                List.of(InteropCases.Builder.fillOp(box(0, 2), le(2, 0x7e01), false), InteropCases.Builder.fillOp(box(2, 4), le(2, 0x7e00), true)));
        b.addCustom("fill-bits", "bfloat16", "null", nan, new long[]{4}, new long[]{2}, "C",
                List.of(InteropCases.Builder.fillOp(box(0, 2), le(2, 0xffc0), false), InteropCases.Builder.fillOp(box(2, 4), le(2, 0x7fc0), true)));
        b.addCustom("fill-bits", "<c8", "null", n.arrayNode().add("NaN").add(0.0), new long[]{4}, new long[]{2}, "C",
                List.of(InteropCases.Builder.fillOp(box(0, 2), le(8, 0x800000007fc00000L), false),
                        InteropCases.Builder.fillOp(box(2, 4), le(8, 0x7fc00000L), true)));
        // Partial writes that make a stored chunk (an inner one and an edge one) all fill value.
        byte[] seven = le(2, 7);
        DataType i2 = DataType.INT16;
        b.addCustom("rmw-to-fill", "<i2", "blosc-zlib", n.numberNode(7), new long[]{5}, new long[]{3}, "C",
                List.of(b.randomOp(i2, box(0, 5)), InteropCases.Builder.fillOp(box(0, 1), seven, true), InteropCases.Builder.fillOp(box(1, 3), seven, true),
                        InteropCases.Builder.fillOp(box(3, 4), seven, true), InteropCases.Builder.fillOp(box(4, 5), seven, true)));
        b.addCustom("rmw-to-fill", ">i2", "null", n.numberNode(7), new long[]{5, 4}, new long[]{3, 3}, "F",
                List.of(b.randomOp(i2, box(0, 5, 0, 4)), InteropCases.Builder.fillOp(box(0, 3, 0, 2), seven, true),
                        InteropCases.Builder.fillOp(box(0, 3, 2, 3), seven, true), InteropCases.Builder.fillOp(box(3, 5, 3, 4), seven, true)));
        // Partial writes of the fill value into missing chunks; then one non-fill element among them.
        b.addCustom("missing-chunk", "<u4", "gzip", n.numberNode(42), new long[]{4, 4}, new long[]{2, 2}, "C",
                List.of(InteropCases.Builder.fillOp(box(0, 1, 0, 2), le(4, 42), true), InteropCases.Builder.fillOp(box(2, 4, 3, 4), le(4, 42), true),
                        InteropCases.Builder.fillOp(box(3, 4, 3, 4), le(4, 43), false)));
    }

    /**
     * Chunks of tens to hundreds of KiB with compressible data: several blosc blocks (and forced
     * small blocks), more than one bzip2 block, real matches for lz4 and zstd; plus a zero-size array.
     */
    static void addLarge(InteropCases.Builder b) {
        com.fasterxml.jackson.databind.node.JsonNodeFactory n = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;
        DataType[] types = {DataType.FLOAT64, DataType.UINT16, DataType.COMPLEX64, DataType.INT32, DataType.FLOAT16, DataType.BOOL, DataType.INT64};
        for (int i = 0; i < InteropCases.COMPRESSORS.length; i++) {
            DataType t = types[i % types.length];
            boolean be = i % 3 == 1 && t.byteSize() > 1;
            String dtype = InteropCases.zarrDtype(t, be);
            long[] shape = i % 2 == 0 ? new long[]{150, 140} : new long[]{37, 45, 40};
            long[] chunks = i % 2 == 0 ? new long[]{128, 128} : new long[]{32, 40, 40};
            long[][] whole = new long[shape.length][];
            for (int d = 0; d < shape.length; d++) whole[d] = new long[]{0, shape[d]};
            long[][] part = new long[shape.length][];
            for (int d = 0; d < shape.length; d++) part[d] = new long[]{3, 9};
            JsonNode fill = t == DataType.BOOL ? n.booleanNode(false) : t.isComplex() ? n.arrayNode().add(0.0).add(0.0)
                    : t.isFloatingPoint() ? n.numberNode(0.0) : n.numberNode(0);
            b.addCustom("large", dtype, InteropCases.COMPRESSORS[i], fill, shape, chunks, i % 4 == 3 ? "F" : "C",
                    List.of(new Op(whole, InteropCases.smoothValues(t, InteropCases.count(shape)), false), b.randomOp(t, part)));
        }
        // 128 KiB chunks at bzip2 level 1 (100 kB blocks): two bzip2 blocks per chunk.
        b.addCustom("large", "<f8", "bz2-1", n.numberNode(0.0), new long[]{130, 128}, new long[]{128, 128}, "C",
                List.of(new Op(new long[][]{{0, 130}, {0, 128}}, InteropCases.smoothValues(DataType.FLOAT64, 130 * 128), false)));
        b.addCustom("zero-size", "<f4", "blosc-lz4-shuffle", n.textNode("NaN"), new long[]{0, 3}, new long[]{2, 2}, "C", List.of());
    }

    /** Arrays created from dtype and shape alone, so that TensorStore's default chunk shape (and other defaults) are compared. */
    static void addDefaults(InteropCases.Builder b) {
        long[][] shapes = {{70, 80}, {1000, 1000, 100}, {5}, {}, {3, 0}, {10_000_000}, {1_048_577}, {4096, 4096}, {2000, 3},
                {100, 100, 100, 100}, {1, 1, 5_000_000}, {0}, {1024, 1024, 128}};
        java.util.Random r = new java.util.Random(SEED + 1);
        DataType[] types = InteropCases.TYPES;
        for (int i = 0; i < shapes.length; i++) b.addDefaults(types[i % types.length], shapes[i], i % 2 == 1);
        for (int i = 0; i < 60; i++) {
            long[] shape = new long[1 + r.nextInt(4)];
            for (int d = 0; d < shape.length; d++) shape[d] = (long) Math.floor(Math.exp(r.nextDouble() * Math.log(3e6)));
            b.addDefaults(types[r.nextInt(types.length)], shape, r.nextBoolean());
        }
    }

    @BeforeAll
    void runEverything() throws Exception {
        cases = buildCases();
        base = Files.createTempDirectory("tessera-interop");
        writeWithTessera();
        ArrayNode tsCases = InteropCases.JSON.createArrayNode(), zarrCases = InteropCases.JSON.createArrayNode();
        for (Case c : cases) {
            ObjectNode j = InteropCases.JSON.createObjectNode();
            j.put("id", c.id());
            j.put("dtype", c.zarrDtype());
            j.set("metadata", c.specMetadata());
            j.set("full_metadata", c.fullMetadata());
            ArrayNode ops = j.putArray("ops");
            for (Op op : c.ops()) ops.add(op.toJson());
            j.put("tessera_dir", base.resolve("tessera").resolve(c.path()).toString());
            if (c.metadataOnly()) j.put("metadata_only", true);
            if (c.group().equals("defaults-schema")) {
                j.put("schema_dtype", c.type().typeName());
                j.set("schema_shape", InteropCases.JSON.valueToTree(c.shape()));
            }
            if (c.tensorstore()) {
                ObjectNode t = j.deepCopy().put("own_dir", base.resolve("tensorstore").resolve(c.path()).toString());
                // TensorStore cannot create a rank-0 or rank-1 array with "order": "F": it stores "C" (the same
                // layout at these ranks) and then rejects its own metadata ("Expected "order" of "F" but
                // received: "C""). It is told "C" there; its reading of Tessera's "F" arrays is still checked.
                if (c.shape().length <= 1 && c.order().equals("F")) ((ObjectNode) t.get("metadata")).put("order", "C");
                tsCases.add(t);
            }
            if (c.zarrPython()) zarrCases.add(j.deepCopy().put("own_dir", base.resolve("zarr").resolve(c.path()).toString()));
        }
        ArrayNode variants = InteropCases.JSON.createArrayNode();
        for (int i = 0; i < VARIANTS.length; i++) {
            ObjectNode doc = (ObjectNode) InteropCases.JSON.readTree(VARIANT_BASE);
            InteropCases.JSON.readTree(VARIANTS[i]).properties().forEach(e -> doc.set(e.getKey(), e.getValue()));
            Path dir = base.resolve("variants").resolve("v" + i);
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(".zarray"), doc.toString());
            variants.addObject().put("name", "v" + i).put("dir", dir.toString());
        }
        for (int i = 0; i < FOREIGN_EDGE.length; i++) {
            ForeignWrite f = FOREIGN_EDGE[i];
            for (String copy : new String[]{"foreign-src", "foreign"}) {
                Path dir = base.resolve(copy).resolve("f" + i);
                Files.createDirectories(dir);
                Files.writeString(dir.resolve(".zarray"), f.zarray());
                Files.write(dir.resolve(f.chunkKey()), HexFormat.of().parseHex(f.chunkHex()));
            }
            ObjectNode v = variants.addObject().put("name", "f" + i).put("dir", base.resolve("foreign").resolve("f" + i).toString());
            ObjectNode w = v.putObject("write");
            w.set("box", InteropCases.JSON.valueToTree(f.box()));
            w.set("shape", InteropCases.JSON.valueToTree(InteropCases.boxShape(f.box())));
            w.put("hex", f.valuesHex());
            w.put("dtype", f.dtype());
        }
        tensorstore = runOracle(PythonOracle.tensorstorePython(), TENSORSTORE_SCRIPT, tsCases, variants, "tensorstore");
        zarrPython = runOracle(PythonOracle.zarrPython(), ZARR_SCRIPT, zarrCases, InteropCases.JSON.createArrayNode(), "zarr");
    }

    @AfterAll
    void cleanUp() throws IOException {
        if (base == null || Boolean.getBoolean("tessera.interop.keep")) return;
        try (Stream<Path> s = Files.walk(base)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    private JsonNode runOracle(String python, String script, ArrayNode oracleCases, ArrayNode variants, String name) throws Exception {
        Path request = base.resolve(name + "-request.json"), result = base.resolve(name + "-result.json");
        ObjectNode req = InteropCases.JSON.createObjectNode();
        req.set("cases", oracleCases);
        req.set("variants", variants);
        req.put("out", result.toString());
        Files.writeString(request, req.toString());
        PythonOracle.run(python, script, request + "\n");
        return InteropCases.JSON.readTree(result.toFile());
    }

    /** Creates every case's array in one memory store, applies its writes, reads it back, and dumps the store as files. */
    private void writeWithTessera() throws IOException {
        Context ctx = tesseraContext;
        for (Case c : cases) {
            try {
                OpenOptions options = OpenOptions.create().context(ctx);
                if (c.group().equals("defaults-schema")) options.dtype(c.type()).shape(c.shape());
                TensorStore ds = TensorStore.open(spec(c, c.specMetadata()), options).join();
                if (c.metadataOnly()) {
                    tesseraValues.put(c.id(), "");
                    continue;
                }
                for (Op op : c.ops()) {
                    NDArray src = NDArray.wrap(MemorySegment.ofArray(op.values()), c.type(), op.shape());
                    (op.box().length == 0 ? ds : ds.get(op.index())).write(src).join();
                }
                tesseraValues.put(c.id(), hex(ds.read().join()));
            } catch (RuntimeException e) {
                tesseraErrors.put(c.id(), c + ": " + e);
            }
        }
        KvStore store = ctx.memoryKvStore();
        for (String key : store.list("").join()) {
            Path file = base.resolve("tessera").resolve(key);
            Files.createDirectories(file.getParent());
            Files.write(file, store.read(key).join().value().toArray(ValueLayout.JAVA_BYTE));
        }
    }

    static Spec spec(Case c, JsonNode metadata) {
        ObjectNode j = InteropCases.JSON.createObjectNode();
        j.put("driver", "zarr");
        j.put("kvstore", "memory://");
        j.put("path", c.path());
        if (metadata != null) j.set("metadata", metadata);
        return Spec.fromJson(j);
    }

    static String hex(NDArray a) {
        NDArray c = a.copy();
        return HexFormat.of().formatHex(c.segment().asSlice(c.offset(), c.size() * c.dtype().byteSize()).toArray(ValueLayout.JAVA_BYTE));
    }

    /** Every file under {@code dir}, by its key relative to {@code dir}. */
    static Map<String, byte[]> files(Path dir) {
        Map<String, byte[]> out = new TreeMap<>();
        if (!Files.isDirectory(dir)) return out;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** A fresh context whose memory store holds the files {@code dir} (tessera, tensorstore, zarr) has for each case. */
    private Context load(String dir, List<Case> which) {
        Context ctx = new Context();
        KvStore store = ctx.memoryKvStore();
        for (Case c : which) {
            files(base.resolve(dir).resolve(c.path())).forEach((k, v) ->
                    store.write(c.path() + "/" + k, MemorySegment.ofArray(v), Generation.UNKNOWN).join());
        }
        return ctx;
    }

    /** Loads the oracle's files for every case into a fresh context's memory store and reads each array with Tessera. */
    private Map<Integer, String> readWithTessera(String oracle, List<Case> which, Map<Integer, String> errors) {
        Context ctx = load(oracle, which);
        Map<Integer, String> values = new HashMap<>();
        for (Case c : which) {
            try {
                TensorStore ds = TensorStore.open(spec(c, null), new OpenOptions().context(ctx)).join();
                values.put(c.id(), hex(ds.read().join()));
            } catch (RuntimeException e) {
                errors.put(c.id(), e.toString());
            }
        }
        return values;
    }

    // ---- comparisons -------------------------------------------------------------------------

    private List<Case> cases(boolean tensorstoreOracle) {
        return cases.stream().filter(c -> tensorstoreOracle ? c.tensorstore() : c.zarrPython()).toList();
    }

    private static void check(List<String> failures, String what) {
        if (failures.isEmpty()) return;
        StringBuilder sb = new StringBuilder(failures.size() + " " + what + ":\n");
        failures.stream().limit(40).forEach(f -> sb.append("  ").append(f).append('\n'));
        if (failures.size() > 40) sb.append("  ... and ").append(failures.size() - 40).append(" more\n");
        fail(sb.toString());
    }

    /** Compares one oracle's result member with Tessera's values for every case it ran. */
    private List<String> compareValues(JsonNode results, List<Case> which, String member, String errorMember) {
        List<String> failures = new ArrayList<>();
        for (Case c : which) {
            if (tesseraErrors.containsKey(c.id())) continue;
            JsonNode r = results.get(Integer.toString(c.id()));
            if (r.has(errorMember)) {
                failures.add(c + ": oracle failed: " + r.get(errorMember).asText());
                continue;
            }
            String want = tesseraValues.get(c.id()), got = r.get(member).asText();
            if (!want.equals(got)) failures.add(c + ":\n    Tessera " + want + "\n    oracle  " + got);
        }
        return failures;
    }

    @Test
    void tesseraWritesEveryCase() {
        // Failures of the fill-text cases are reported by fillValueTextMatchesTensorStore.
        List<String> failures = tesseraErrors.entrySet().stream().filter(e -> !cases.get(e.getKey()).group().equals("fill-text"))
                .map(Map.Entry::getValue).toList();
        check(failures, "cases that failed in Tessera");
    }

    @Test
    void tensorStoreReadsWhatTesseraWrote() {
        check(compareValues(tensorstore, cases(true), "read_tessera", "read_tessera_error"), "arrays TensorStore reads differently");
    }

    @Test
    void zarrPythonReadsWhatTesseraWrote() {
        check(compareValues(zarrPython, cases(false), "read_tessera", "read_tessera_error"), "arrays zarr-python reads differently");
    }

    @Test
    void sameWritesGiveSameValuesInTensorStore() {
        check(compareValues(tensorstore, cases(true), "read_self", "self_error"), "arrays where TensorStore's own writes give other values");
    }

    @Test
    void sameWritesGiveSameValuesInZarrPython() {
        check(compareValues(zarrPython, cases(false), "read_self", "self_error"), "arrays where zarr-python's own writes give other values");
    }

    @Test
    void tesseraReadsWhatTensorStoreWrote() {
        readBack("tensorstore", cases(true));
    }

    @Test
    void tesseraReadsWhatZarrPythonWrote() {
        readBack("zarr", cases(false));
    }

    private void readBack(String oracle, List<Case> which) {
        JsonNode results = oracle.equals("zarr") ? zarrPython : tensorstore;
        List<Case> written = which.stream().filter(c -> !results.get(Integer.toString(c.id())).has("self_error") && !c.metadataOnly()).toList();
        Map<Integer, String> errors = new TreeMap<>();
        Map<Integer, String> values = readWithTessera(oracle, written, errors);
        List<String> failures = new ArrayList<>();
        for (Case c : written) {
            String want = results.get(Integer.toString(c.id())).get("read_self").asText();
            if (errors.containsKey(c.id())) failures.add(c + ": Tessera failed: " + errors.get(c.id()));
            else if (!want.equals(values.get(c.id()))) failures.add(c + ":\n    oracle  " + want + "\n    Tessera " + values.get(c.id()));
        }
        check(failures, "arrays written by " + oracle + " that Tessera reads differently");
    }

    /** A partial write (read-modify-write, across chunk boundaries) into chunks TensorStore stored. */
    @Test
    void partialWritesIntoTensorStoreChunks() {
        partialWrites("tensorstore", cases(true));
    }

    /** A partial write (read-modify-write, across chunk boundaries) into chunks zarr-python stored. */
    @Test
    void partialWritesIntoZarrPythonChunks() {
        partialWrites("zarr", cases(false));
    }

    /** The same partial write into the oracle's array and into Tessera's own must leave the same values. */
    private void partialWrites(String oracle, List<Case> which) {
        JsonNode results = oracle.equals("zarr") ? zarrPython : tensorstore;
        List<Case> eligible = which.stream().filter(c -> !results.get(Integer.toString(c.id())).has("self_error") && !tesseraErrors.containsKey(c.id())
                && c.shape().length > 0 && InteropCases.count(c.shape()) > 0 && !c.group().equals("fill-text") && !c.metadataOnly()).toList();
        Context theirs = load(oracle, eligible), ours = load("tessera", eligible);
        List<String> failures = new ArrayList<>();
        for (Case c : eligible) {
            java.util.Random r = new java.util.Random(SEED ^ c.id());
            long[][] box = new long[c.shape().length][];
            for (int d = 0; d < box.length; d++) {
                long a = r.nextInt((int) c.shape()[d]);
                box[d] = new long[]{a, a + 1 + r.nextInt((int) (c.shape()[d] - a))};
            }
            Op op = new Op(box, InteropCases.randomValues(c.type(), InteropCases.count(InteropCases.boxShape(box)), r), false);
            String[] got = new String[2];
            Context[] ctxs = {theirs, ours};
            try {
                for (int k = 0; k < 2; k++) {
                    TensorStore ds = TensorStore.open(spec(c, null), new OpenOptions().context(ctxs[k])).join();
                    ds.get(op.index()).write(NDArray.wrap(MemorySegment.ofArray(op.values()), c.type(), op.shape())).join();
                    got[k] = hex(ds.read().join());
                }
            } catch (RuntimeException e) {
                failures.add(c + ": writing " + op.index() + " failed: " + e);
                continue;
            }
            if (!got[0].equals(got[1])) failures.add(c + ": after writing " + op.index() + ":\n    into " + oracle + "'s " + got[0] + "\n    into Tessera's " + got[1]);
        }
        check(failures, "partial writes into " + oracle + "'s chunks that give other values");
    }

    /**
     * The same writes staged in one transaction (atomic for every other case) and committed store
     * exactly the chunks, byte for byte, that the writes one by one store (which TensorStore's keys
     * and, uncompressed, bytes match).
     */
    @Test
    void transactionalWritesStoreTheSameChunks() {
        Context ctx = new Context();
        List<String> failures = new ArrayList<>();
        for (Case c : cases) {
            if (tesseraErrors.containsKey(c.id()) || c.ops().isEmpty() || c.metadataOnly()) continue;
            try {
                TensorStore ds = TensorStore.open(spec(c, c.specMetadata()), OpenOptions.create().context(ctx)).join();
                Transaction txn = new Transaction(c.id() % 2 == 1);
                for (Op op : c.ops()) {
                    NDArray src = NDArray.wrap(MemorySegment.ofArray(op.values()), c.type(), op.shape());
                    TensorStore v = ds.withTransaction(txn);
                    (op.box().length == 0 ? v : v.get(op.index())).write(src).join();
                }
                txn.commitAsync().join();
            } catch (RuntimeException e) {
                failures.add(c + ": " + e);
                continue;
            }
            Map<String, String> ours = new TreeMap<>();
            for (String k : ctx.memoryKvStore().list(c.path() + "/").join()) {
                ours.put(k.substring(c.path().length() + 1), HexFormat.of().formatHex(ctx.memoryKvStore().read(k).join().value().toArray(ValueLayout.JAVA_BYTE)));
            }
            Map<String, String> want = new TreeMap<>();
            files(base.resolve("tessera").resolve(c.path())).forEach((k, v) -> want.put(k, HexFormat.of().formatHex(v)));
            if (!want.keySet().equals(ours.keySet())) failures.add(c + ": in a transaction Tessera stores " + ours.keySet() + ", one by one " + want.keySet());
            else if (!want.equals(ours)) failures.add(c + ": in a transaction Tessera stores other bytes: " + ours + " vs " + want);
        }
        check(failures, "transactional writes that store other chunks");
    }

    /** The chunks Tessera stores (and deletes, when all fill value) are exactly those TensorStore stores. */
    @Test
    void sameKeysAsTensorStore() {
        List<String> failures = new ArrayList<>();
        for (Case c : cases(true)) {
            if (tesseraErrors.containsKey(c.id()) || tensorstore.get(Integer.toString(c.id())).has("self_error")) continue;
            TreeSet<String> ours = new TreeSet<>(files(base.resolve("tessera").resolve(c.path())).keySet());
            TreeSet<String> theirs = new TreeSet<>(files(base.resolve("tensorstore").resolve(c.path())).keySet());
            if (!ours.equals(theirs)) failures.add(c + ": Tessera stores " + ours + ", TensorStore " + theirs);
        }
        check(failures, "arrays whose stored keys differ from TensorStore's");
    }

    /** With no compressor, each stored chunk has exactly the bytes TensorStore and zarr-python store. */
    @Test
    void uncompressedChunksAreByteIdentical() {
        List<String> failures = new ArrayList<>();
        for (Case c : cases) {
            if (!c.compressor().isNull() || tesseraErrors.containsKey(c.id())) continue;
            Map<String, byte[]> ours = files(base.resolve("tessera").resolve(c.path()));
            for (String oracle : new String[]{"tensorstore", "zarr"}) {
                Map<String, byte[]> theirs = files(base.resolve(oracle).resolve(c.path()));
                for (Map.Entry<String, byte[]> e : ours.entrySet()) {
                    if (e.getKey().endsWith(".zarray") || !theirs.containsKey(e.getKey())) continue;
                    if (!java.util.Arrays.equals(e.getValue(), theirs.get(e.getKey()))) {
                        failures.add(c + ": chunk " + e.getKey() + " differs from " + oracle + "'s:\n    Tessera " + HexFormat.of().formatHex(e.getValue())
                                + "\n    " + oracle + " " + HexFormat.of().formatHex(theirs.get(e.getKey())));
                    }
                }
            }
        }
        check(failures, "uncompressed chunks that differ");
    }

    /**
     * Compressed chunks are TensorStore's byte for byte where both use the same deterministic
     * codec: blosc (both bundle c-blosc; not its zlib) and zstd; for gzip, the 10-byte header. zlib and bzip2
     * streams are not compared: Tessera's deflate and bzip2 encoders legitimately choose other
     * (equally valid) encodings.
     */
    @Test
    void compressedChunksMatchTensorStoreByteForByte() {
        List<String> failures = new ArrayList<>();
        for (Case c : cases(true)) {
            if (c.compressor().isNull() || tesseraErrors.containsKey(c.id()) || tensorstore.get(Integer.toString(c.id())).has("self_error")) continue;
            String id = c.compressor().get("id").asText();
            if (!id.equals("blosc") && !id.equals("zstd") && !id.equals("gzip")) continue;
            // blosc's zlib codec is deflate too: its stream depends on the zlib each side links.
            if (id.equals("blosc") && c.compressor().path("cname").asText().equals("zlib")) continue;
            Map<String, byte[]> ours = files(base.resolve("tessera").resolve(c.path()));
            Map<String, byte[]> theirs = files(base.resolve("tensorstore").resolve(c.path()));
            for (Map.Entry<String, byte[]> e : ours.entrySet()) {
                byte[] t = theirs.get(e.getKey());
                if (e.getKey().endsWith(".zarray") || t == null) continue;
                byte[] o = e.getValue();
                boolean same = id.equals("gzip") ? o.length >= 10 && t.length >= 10 && java.util.Arrays.equals(o, 0, 10, t, 0, 10) : java.util.Arrays.equals(o, t);
                if (!same) {
                    int n = id.equals("gzip") ? 10 : 16;
                    failures.add(c + ": chunk " + e.getKey() + " (" + o.length + " vs " + t.length + " bytes) starts\n    Tessera     "
                            + HexFormat.of().formatHex(o, 0, Math.min(n, o.length)) + "\n    TensorStore " + HexFormat.of().formatHex(t, 0, Math.min(n, t.length)));
                }
            }
        }
        check(failures, "compressed chunks that differ from TensorStore's");
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    private List<String> compareZarray(List<Case> which) {
        List<String> failures = new ArrayList<>();
        for (Case c : which) {
            if (tesseraErrors.containsKey(c.id()) || tensorstore.get(Integer.toString(c.id())).has("self_error")) {
                String theirs = tensorstore.get(Integer.toString(c.id())).path("self_error").asText(null);
                String ours = tesseraErrors.get(c.id());
                if ((theirs == null) != (ours == null)) {
                    failures.add(c + ": " + (ours != null ? "Tessera fails (" + ours + ") where TensorStore creates the array"
                            : "TensorStore fails (" + theirs + ") where Tessera creates the array"));
                }
                continue;
            }
            String ours = text(files(base.resolve("tessera").resolve(c.path())).get(".zarray"));
            // See runEverything: at rank 0 and 1 TensorStore is told (and stores) "C" where Tessera stores "F".
            if (c.shape().length <= 1) ours = ours.replace("\"order\":\"F\"", "\"order\":\"C\"");
            String theirs = text(files(base.resolve("tensorstore").resolve(c.path())).get(".zarray"));
            if (!ours.equals(theirs)) failures.add(c + ":\n    Tessera     " + ours + "\n    TensorStore " + theirs);
        }
        return failures;
    }

    /** Created with the same metadata, Tessera's {@code .zarray} is TensorStore's, byte for byte. */
    @Test
    void zarrayMatchesTensorStore() {
        check(compareZarray(cases(true).stream().filter(c -> !c.group().equals("fill-text")).toList()), ".zarray documents that differ from TensorStore's");
    }

    /**
     * Fill values given in a form TensorStore normalizes (an integer for a float type, a decimal
     * that the dtype cannot represent exactly, an exponent): the stored text must still be TensorStore's.
     */
    @Test
    void fillValueTextMatchesTensorStore() {
        check(compareZarray(cases(true).stream().filter(c -> c.group().equals("fill-text")).toList()), "fill values stored differently from TensorStore");
    }

    /** zarr-python's {@code .zarray} parses to the same document (it omits dimension_separator at rank 0 and indents). */
    @Test
    void zarrayMatchesZarrPythonAsJson() throws IOException {
        List<String> failures = new ArrayList<>();
        for (Case c : cases(false)) {
            if (tesseraErrors.containsKey(c.id()) || zarrPython.get(Integer.toString(c.id())).has("self_error")) continue;
            ObjectNode ours = (ObjectNode) InteropCases.JSON.readTree(files(base.resolve("tessera").resolve(c.path())).get(".zarray"));
            ObjectNode theirs = (ObjectNode) InteropCases.JSON.readTree(files(base.resolve("zarr").resolve(c.path())).get(".zarray"));
            if (!theirs.has("dimension_separator")) theirs.put("dimension_separator", ".");
            // zarr-python 2.13 stores a fill value of -0.0 as 0.0 (its own quirk; Tessera and TensorStore keep the sign).
            if (ours.get("fill_value").isDouble() && Double.doubleToRawLongBits(ours.get("fill_value").asDouble()) == Long.MIN_VALUE) {
                theirs.set("fill_value", ours.get("fill_value"));
            }
            // zarr-python 2.13 stores no compressor for a rank-0 array whatever it is given (and Tessera reads that).
            if (c.shape().length == 0) theirs.set("compressor", ours.get("compressor"));
            if (!ours.equals(theirs)) failures.add(c + ":\n    Tessera     " + ours + "\n    zarr-python " + theirs);
        }
        check(failures, ".zarray documents that differ from zarr-python's");
    }

    static boolean snappySupported() {
        try {
            io.tessera.codecs.Codecs.fromJson("{\"id\":\"blosc\",\"cname\":\"snappy\"}");
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Tessera opens the {@code .zarray} documents TensorStore opens (and no others), with the same values. */
    @Test
    void zarrayVariantsOpenAsInTensorStore() {
        Context ctx = new Context();
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < VARIANTS.length; i++) {
            String name = "v" + i;
            files(base.resolve("variants").resolve(name)).forEach((k, v) ->
                    ctx.memoryKvStore().write(name + "/" + k, MemorySegment.ofArray(v), Generation.UNKNOWN).join());
            String ours, error = null;
            try {
                ours = hex(TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"path\":\"" + name + "\"}", new OpenOptions().context(ctx))
                        .join().read().join());
            } catch (RuntimeException e) {
                ours = null;
                error = TensorStore.translate(e).getMessage();
            }
            JsonNode theirs = tensorstore.get(name);
            String what = VARIANTS[i] + " over " + VARIANT_BASE;
            if (VARIANTS[i].contains("snappy") && !snappySupported()) {
                // The c-blosc in use (bundled JNI build) lacks snappy: a clear error is the expected outcome.
                if (ours != null || !error.contains("snappy")) failures.add(what + ": expected a snappy error, got " + (ours != null ? "success" : error));
                continue;
            }
            if (theirs.has("error") && ours != null) failures.add(what + ": Tessera opens it; TensorStore: " + theirs.get("error").asText());
            else if (!theirs.has("error") && ours == null) failures.add(what + ": TensorStore opens it; Tessera: " + error);
            else if (ours != null && !ours.equals(theirs.get("read").asText()))
                failures.add(what + ": Tessera reads " + ours + ", TensorStore " + theirs.get("read").asText());
        }
        check(failures, ".zarray variants opened differently from TensorStore");
    }

    /** Writes over chunks another writer stored (edge chunks with out-of-bounds data) leave the chunks TensorStore leaves. */
    @Test
    void writesOverForeignEdgeChunksAsTensorStore() {
        Context ctx = new Context();
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < FOREIGN_EDGE.length; i++) {
            ForeignWrite f = FOREIGN_EDGE[i];
            String name = "f" + i;
            files(base.resolve("foreign-src").resolve(name)).forEach((k, v) ->
                    ctx.memoryKvStore().write(name + "/" + k, MemorySegment.ofArray(v), Generation.UNKNOWN).join());
            Map<String, String> ours = new TreeMap<>();
            try {
                TensorStore ds = TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"path\":\"" + name + "\"}", new OpenOptions().context(ctx)).join();
                DataType t = DataType.parseZarrDtype(f.dtype()).dataType();
                ds.get(new Op(f.box(), HexFormat.of().parseHex(f.valuesHex()), false).index())
                        .write(NDArray.wrap(MemorySegment.ofArray(HexFormat.of().parseHex(f.valuesHex())), t, InteropCases.boxShape(f.box()))).join();
                for (String k : ctx.memoryKvStore().list(name + "/").join()) {
                    if (!k.endsWith(".zarray")) ours.put(k.substring(name.length() + 1), HexFormat.of().formatHex(ctx.memoryKvStore().read(k).join().value().toArray(ValueLayout.JAVA_BYTE)));
                }
            } catch (RuntimeException e) {
                failures.add(f + ": Tessera failed: " + e);
                continue;
            }
            JsonNode theirs = tensorstore.get(name);
            if (theirs.has("error")) {
                failures.add(f + ": TensorStore failed: " + theirs.get("error").asText());
                continue;
            }
            Map<String, String> want = new TreeMap<>();
            theirs.get("files").properties().forEach(e -> want.put(e.getKey(), e.getValue().asText()));
            if (!want.equals(ours)) failures.add("chunk " + f.chunkKey() + " = " + f.chunkHex() + " of " + f.zarray() + ", write " + f.valuesHex() + " to "
                    + new Op(f.box(), new byte[0], false).index() + ": Tessera leaves " + ours + ", TensorStore " + want);
        }
        check(failures, "writes over foreign chunks that leave other chunks than TensorStore's");
    }

    /** The matrix covers every value of every axis, every dtype x compressor pair, and the special cases. */
    @Test
    void matrixCoversEveryAxis() {
        Map<String, Integer> seen = new LinkedHashMap<>();
        for (Case c : cases) {
            if (c.group().equals("fill-text") || c.metadataOnly()) continue;
            seen.merge("pair " + c.type() + " x " + c.compressorName(), 1, Integer::sum);
            seen.merge("order " + c.order(), 1, Integer::sum);
            seen.merge("separator " + c.separator(), 1, Integer::sum);
            seen.merge("fill " + c.fillKind(), 1, Integer::sum);
            seen.merge("rank " + c.shape().length, 1, Integer::sum);
            seen.merge("dtype " + c.zarrDtype(), 1, Integer::sum);
            if (c.hasEdgeChunk()) seen.merge("edge chunk", 1, Integer::sum);
            if (c.fillKind() != FillKind.NULL && c.ops().stream().anyMatch(Op::fillValue)) seen.merge("all-fill chunk", 1, Integer::sum);
            if (c.fillKind() == FillKind.NAN && c.ops().size() > 1) seen.merge("NaN fill with writes", 1, Integer::sum);
            if (c.ops().stream().anyMatch(o -> !o.fillValue() && o.box().length > 0 && InteropCases.count(o.shape()) < InteropCases.count(c.chunks())))
                seen.merge("partial write", 1, Integer::sum);
            if (c.specMetadata().size() < 7) seen.merge("defaults", 1, Integer::sum);
        }
        List<String> missing = new ArrayList<>();
        for (DataType t : InteropCases.TYPES) {
            for (String comp : InteropCases.COMPRESSORS) {
                if (!(t == DataType.BFLOAT16 && comp.equals("lz4")) && !seen.containsKey("pair " + t + " x " + comp)) missing.add("pair " + t + " x " + comp);
            }
        }
        for (String k : new String[]{"order C", "order F", "separator .", "separator /", "fill NULL", "fill ZERO", "fill NONZERO", "fill NAN",
                "rank 0", "rank 1", "rank 2", "rank 3", "dtype >i4", "dtype >f8", "dtype >c16", "dtype bfloat16", "edge chunk", "all-fill chunk",
                "NaN fill with writes", "partial write", "defaults"}) {
            if (!seen.containsKey(k)) missing.add(k);
        }
        assertTrue(missing.isEmpty(), "the matrix misses " + missing);
    }
}
