package io.tessera.cli;

import io.tessera.TensorStore;
import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each command in this JVM, on the memory store (one context per test, shared by its runs). */
class CommandsTest {
    static final String MEM = """
            {"driver": "zarr", "kvstore": {"driver": "memory"}, "path": "a"}""";

    final Cli cli = new Cli();

    private TensorStore created() {
        cli.run("create", MEM, "--dtype", "uint32", "--shape", "70,80").ok();
        return cli.open(MEM);
    }

    @Test
    void createWithFlags() {
        TensorStore ds = created();
        assertEquals(DataType.UINT32, ds.dtype());
        assertEquals("[70,80]", ds.metadata().get("shape").toString());
        cli.run("create", MEM.replace("\"a\"", "\"b\""), "--dtype", "int16", "--shape", "10,20", "--chunks", "5,4").ok();
        TensorStore b = cli.open(MEM.replace("\"a\"", "\"b\""));
        assertEquals(DataType.INT16, b.dtype());
        assertEquals("[5,4]", b.metadata().get("chunks").toString());
    }

    @Test
    void createFromSpecFileWithMetadataAndOpenOption(@TempDir Path dir) throws Exception {
        Path spec = dir.resolve("spec.json");
        Files.writeString(spec, """
                {"driver": "zarr", "kvstore": {"driver": "memory"}, "path": "f",
                 "metadata": {"dtype": "<f8", "shape": [3, 4], "chunks": [2, 2], "compressor": null}}""");
        cli.run("create", "@" + spec).ok();
        assertEquals("Error opening \"zarr\" driver: Error writing \"f/.zarray\"", cli.run("create", "@" + spec).error());
        // "open": true in the spec makes a second create open the existing array.
        Files.writeString(spec, Files.readString(spec).replace("\"path\": \"f\",", "\"path\": \"f\", \"open\": true,"));
        cli.run("create", "@" + spec).ok();
        assertEquals(DataType.FLOAT64, cli.open(MEM.replace("\"a\"", "\"f\"")).dtype());
    }

    @Test
    void createNeedsDtypeAndShape() {
        assertEquals("Error opening \"zarr\" driver: Error writing \"a/.zarray\": Cannot create using specified \"metadata\" and schema: \"dtype\" must be specified",
                cli.run("create", MEM, "--shape", "3").error());
        assertEquals("Invalid --shape \"3,x\": \"x\" is not an integer", cli.run("create", MEM, "--dtype", "uint8", "--shape", "3,x").usageError());
        assertEquals("Invalid --dtype \"uint7\": Unsupported data type: \"uint7\"", cli.run("create", MEM, "--dtype", "uint7", "--shape", "3").usageError());
    }

    @Test
    void writeScalarAndArrayValues() {
        TensorStore ds = created();
        cli.run("write", MEM, "--index", "5:10, 6:8", "--value", "42").ok();
        NDArray a = ds.get("0:10, 0:10").read().join();
        for (int i = 0; i < 10; i++) {
            for (int j = 0; j < 10; j++) assertEquals(i >= 5 && j >= 6 && j < 8 ? 42 : 0, a.getLong(i, j), i + "," + j);
        }
        cli.run("write", MEM, "--index", "5:10, 6:8", "--value", "[1, 2]").ok();
        cli.run("write", MEM, "--index", "0:2, 0:2", "--value", "[[1, 2], [3, 4]]").ok();
        cli.run("write", MEM, "--index", "69", "--value", "4294967295").ok();
        NDArray b = ds.get("5:10, 6:8").read().join();
        for (int i = 0; i < 5; i++) { assertEquals(1, b.getLong(i, 0)); assertEquals(2, b.getLong(i, 1)); }
        NDArray c = ds.get("0:2, 0:2").read().join();
        assertEquals(4, c.getLong(1, 1));
        assertEquals(4294967295L, ds.get("69, 79").read().join().getLong());
    }

    @Test
    void writeValueOfEveryKind() {
        cli.run("create", MEM, "--dtype", "float32", "--shape", "4").ok();
        cli.run("write", MEM, "--value", "[1.5, NaN, -Infinity, true]").ok();
        NDArray a = cli.open(MEM).read().join();
        assertEquals(1.5, a.getDouble(0));
        assertTrue(Double.isNaN(a.getDouble(1)));
        assertEquals(Double.NEGATIVE_INFINITY, a.getDouble(2));
        assertEquals(1.0, a.getDouble(3));
    }

    @Test
    void readPrintsTheArray() {
        TensorStore ds = created();
        cli.run("write", MEM, "--index", "5:10, 6:8", "--value", "42").ok();
        String out = cli.run("read", MEM, "--index", "0:10, 0:10").ok();
        assertEquals(ds.get("0:10, 0:10").read().join() + "\n", out.replace(System.lineSeparator(), "\n"));
    }

    @Test
    @Tag("needs-repr")
    void readPrintsNumpyRepr() throws Exception {
        created();
        cli.run("write", MEM, "--index", "5:10, 6:8", "--value", "[1, 2]").ok();
        assertEquals(Cli.numpyRepr("np.array([[1, 2]] * 5, dtype=np.uint32)") + "\n", cli.run("read", MEM, "--index", "5:10, 6:8").ok());
        cli.run("create", MEM.replace("\"a\"", "\"g\""), "--dtype", "float64", "--shape", "3").ok();
        cli.run("write", MEM.replace("\"a\"", "\"g\""), "--value", "[0.5, -2, 1e300]").ok();
        assertEquals(Cli.numpyRepr("np.array([0.5, -2, 1e300])") + "\n", cli.run("read", MEM.replace("\"a\"", "\"g\"")).ok());
    }

    @Test
    void infoPrintsResolvedSpecWithMetadata() throws Exception {
        cli.run("create", MEM, "--dtype", "uint16", "--shape", "70,80", "--chunks", "10,20").ok();
        String out = cli.run("info", MEM).ok();
        com.fasterxml.jackson.databind.JsonNode j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out);
        assertEquals(cli.open(MEM).spec().toJson().toString(), j.toString());
        assertEquals("{\"driver\":\"memory\",\"path\":\"a/\"}", j.get("kvstore").toString());
        assertEquals("<u2", j.get("metadata").get("dtype").asText());
        assertEquals("[10,20]", j.get("metadata").get("chunks").toString());
        assertTrue(out.contains("\n  \"metadata\": {\n"), out);
        assertTrue(out.contains("\"shape\": [70, 80]"), out);
    }

    // ---- errors ----------------------------------------------------------------------------

    @Test
    void malformedJson() {
        String m = cli.run("read", "{\"driver\": \"zarr\"").error();
        assertTrue(m.startsWith("Invalid spec JSON: Unexpected end-of-input"), m);
        assertTrue(cli.run("info", "{\"driver\": zarr}").error().startsWith("Invalid spec JSON: Unrecognized token 'zarr'"));
    }

    @Test
    void specFileThatCannotBeRead(@TempDir Path dir) {
        assertEquals("Cannot read spec file \"" + dir.resolve("none.json") + "\": No such file: " + dir.resolve("none.json"),
                cli.run("read", "@" + dir.resolve("none.json")).error());
    }

    @Test
    void unknownDriver() {
        assertEquals("Error parsing object member \"driver\": \"n5\" is not a registered TensorStore driver",
                cli.run("read", "{\"driver\": \"n5\", \"kvstore\": {\"driver\": \"memory\"}}").error());
        assertEquals("Error parsing object member \"kvstore\": Error parsing object member \"driver\": \"s4\" is not a registered KvStore driver",
                cli.run("read", "{\"driver\": \"zarr\", \"kvstore\": {\"driver\": \"s4\"}}").error());
    }

    @Test
    void missingArray() {
        assertEquals("Error opening \"zarr\" driver: Metadata at \"a/.zarray\" does not exist", cli.run("read", MEM).error());
        assertEquals("Error opening \"zarr\" driver: Metadata at \"a/.zarray\" does not exist", cli.run("write", MEM, "--value", "1").error());
        assertEquals("Error opening \"zarr\" driver: Metadata at \"a/.zarray\" does not exist", cli.run("info", MEM).error());
    }

    @Test
    void dtypeAndShapeMismatch() {
        created();
        assertEquals("Error opening \"zarr\" driver: dtype from metadata (uint32) does not match dtype in schema (int8)",
                cli.run("read", "{\"driver\": \"zarr\", \"kvstore\": {\"driver\": \"memory\"}, \"path\": \"a\", \"dtype\": \"int8\"}").error());
        assertEquals("Error aligning dimensions: source dimension 0 [0, 3) mismatch with target dimension 1 [0, 2)",
                cli.run("write", MEM, "--index", "5:10, 6:8", "--value", "[1, 2, 3]").error());
        assertEquals("Error aligning dimensions: source rank (3) exceeds target rank (2)",
                cli.run("write", MEM, "--index", "5:10, 6:8", "--value", "[[[1]]]").error());
    }

    @Test
    void indexOutOfRange() {
        created();
        assertEquals("Index 70 is outside valid range [0, 70)", cli.run("read", MEM, "--index", "70").error());
        assertEquals("Computing interval slice for dimension 1: Slice interval [0, 81) is not contained within domain [0, 80)",
                cli.run("write", MEM, "--index", "0, 0:81", "--value", "1").error());
    }

    /**
     * A write whose spec creates the array (or deletes and recreates it) and whose value or index is
     * then refused changes nothing stored: it fails as the same write to the existing array fails,
     * before any metadata is written or any array deleted.
     */
    @Test
    void refusedWriteWithACreatingSpecChangesNothing(@TempDir Path dir) throws Exception {
        Path floats = dir.resolve("floats.npy");
        NDArray.allocate(DataType.FLOAT64, 4).writeNpy(floats);
        String[][] refused = {
                {"--value", "256"},                          // does not fit the dtype
                {"--index", "4", "--value", "1"},            // outside the domain
                {"--index", "1:3", "--value", "[1, 2, 3]"},  // does not align
                {"--index", "0, 0", "--value", "1"},         // more indices than dimensions
                {"--from", floats.toString()},               // float64 does not convert to uint8 implicitly
        };
        cli.run("create", MEM, "--dtype", "uint8", "--shape", "4").ok();
        cli.run("write", MEM, "--value", "7").ok();
        String fresh = """
                {"driver": "zarr", "kvstore": {"driver": "memory"}, "path": "fresh", "create": true,
                 "metadata": {"dtype": "|u1", "shape": [4], "chunks": [2]}}""";
        String recreate = """
                {"driver": "zarr", "kvstore": {"driver": "memory"}, "path": "a", "create": true, "delete_existing": true,
                 "metadata": {"dtype": "|u1", "shape": [4], "chunks": [2]}}""";
        for (String[] args : refused) {
            String expected = cli.run(write(MEM, args)).error();
            assertEquals(expected, cli.run(write(fresh, args)).error(), String.join(" ", args));
            assertEquals(List.of(), cli.context.memoryKvStore().list("fresh").join(), "nothing created by " + String.join(" ", args));
            assertEquals(expected, cli.run(write(recreate, args)).error(), String.join(" ", args));
            NDArray kept = cli.open(MEM).read().join();
            for (int i = 0; i < 4; i++) assertEquals(7, kept.getLong(i), "the array there before is intact after " + String.join(" ", args));
        }
        // Accepted, the same specs create and write.
        cli.run("write", fresh, "--index", "1:3", "--value", "[1, 2]").ok();
        assertEquals(2, cli.open(MEM.replace("\"a\"", "\"fresh\"")).read().join().getLong(2));
        cli.run("write", recreate, "--index", "3", "--value", "5").ok();
        assertEquals(0, cli.open(MEM).read().join().getLong(0));
        assertEquals(5, cli.open(MEM).read().join().getLong(3));
    }

    /** The scratch check binds the resources the spec names, so such a spec is checked too, not skipped. */
    @Test
    void refusedWriteWithACreatingSpecThatNamesResourcesChangesNothing(@TempDir Path dir) {
        String spec = """
                {"driver": "zarr", "kvstore": {"driver": "file", "path": "%s/a/"}, "create": true,
                 "context": {"cache_pool#a": {"total_bytes_limit": 1000000}, "data_copy_concurrency#c": {"limit": 1}},
                 "cache_pool": "cache_pool#a", "data_copy_concurrency": "data_copy_concurrency#c",
                 "metadata": {"dtype": "|u1", "shape": [4], "chunks": [2]}}""".formatted(dir.toString().replace("\\", "/"));
        assertTrue(cli.run(write(spec, "--index", "4", "--value", "1")).error().contains("outside valid range"));
        assertTrue(!Files.exists(dir.resolve("a")), "nothing created");
        cli.run(write(spec, "--index", "3", "--value", "1")).ok();
        assertTrue(Files.exists(dir.resolve("a").resolve(".zarray")));
    }

    private static String[] write(String spec, String... args) {
        return Stream.concat(Stream.of("write", spec), Stream.of(args)).toArray(String[]::new);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "256", "1.5", "1e400", "abc", "[1, [2]]", "[[1], []]", "\"7\"", "{}", "null", ""})
    void valueThatDoesNotFitIsRefusedAndNothingChanges(String value) {
        cli.run("create", MEM, "--dtype", "uint8", "--shape", "2,2").ok();
        cli.run("write", MEM, "--value", "[[1, 2], [3, 4]]").ok();
        Cli.Result r = cli.run("write", MEM, "--value", value);
        // A value that is not one at all is a usage error; one that does not fit the array's dtype is not.
        String message = value.matches("-1|256|1\\.5|1e400") ? r.error() : r.usageError();
        assertTrue(message.startsWith("Cannot write --value " + value + " to an array of uint8: ") || message.startsWith("Invalid --value \"" + value + "\""), message);
        NDArray a = cli.open(MEM).read().join();
        assertEquals(4, a.getLong(1, 1));
        assertEquals(1, a.getLong(0, 0));
    }

    @Test
    void valueMessagesNameTheNumbers() {
        cli.run("create", MEM, "--dtype", "uint8", "--shape", "2").ok();
        assertEquals("Cannot write --value -1 to an array of uint8: Value -1 is outside the range of uint8 [0, 255]",
                cli.run("write", MEM, "--value", "-1").error());
        String m = cli.run("write", MEM, "--value", "[1.5, 2]").error();
        assertTrue(m.matches("Cannot write --value \\[1\\.5, 2\\] to an array of uint8: Value 1\\.5 (at index \\[0\\] )?cannot be converted to uint8 without loss"), m);
        assertEquals("Invalid --value \"abc\": expected a number, true, false, or a (nested) JSON array of them",
                cli.run("write", MEM, "--value", "abc").usageError());
        assertEquals("Invalid --value \"[[1, 2], [3]]\": ragged nested array: element [1] has length 1, expected 2",
                cli.run("write", MEM, "--value", "[[1, 2], [3]]").usageError());
    }

    @Test
    void unreadableNpy(@TempDir Path dir) throws Exception {
        created();
        Path garbage = dir.resolve("garbage.npy");
        Files.writeString(garbage, "this is not a .npy file");
        String m = cli.run("write", MEM, "--from", garbage.toString()).error();
        assertTrue(m.startsWith("Cannot read \"" + garbage + "\" as a .npy file: "), m);
        assertEquals("Cannot read \"" + dir.resolve("none.npy") + "\" as a .npy file: No such file: " + dir.resolve("none.npy"),
                cli.run("write", MEM, "--from", dir.resolve("none.npy").toString()).error());
    }

    @Test
    void verbosePrintsTheStackTrace() {
        Cli.Result r = cli.run("--verbose", "read", MEM);
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("error: Error opening \"zarr\" driver: Metadata at \"a/.zarray\" does not exist\n"), r.err());
        assertTrue(r.err().contains("\tat "), r.err());
        Cli.Result s = cli.run("read", MEM, "--verbose");
        assertTrue(s.err().contains("\tat "), s.err());
    }

    // ---- usage -----------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"create", "write", "read", "copy", "info", "demo"})
    void everyCommandHasHelp(String command) {
        String out = cli.run(command, "--help").ok();
        assertTrue(out.startsWith("Usage: tessera " + command), out);
    }

    @Test
    void usageErrorsExitTwo() {
        Cli.Result none = cli.run();
        assertEquals(2, none.status());
        assertTrue(none.err().contains("Usage: tessera"), none.err());
        Cli.Result both = cli.run("write", MEM, "--value", "1", "--from", "x.npy");
        assertEquals(2, both.status());
        assertTrue(both.err().contains("Usage: tessera write"), both.err());
        assertEquals(2, cli.run("write", MEM).status());
        assertEquals(2, cli.run("read").status());
        assertEquals(2, cli.run("frobnicate").status());
        assertEquals(2, cli.run("read", MEM, "--bogus").status());
        assertEquals(0, cli.run("--help").status());
    }

    /** A spec that would create an array: a usage error must not get as far as creating it. */
    static final String CREATING = """
            {"driver": "zarr", "kvstore": {"driver": "memory"}, "path": "a", "create": true, "dtype": "uint8", "metadata": {"shape": [4]}}""";

    static Stream<Arguments> badOptionValues() {
        String dst = MEM.replace("\"a\"", "\"dst\"");
        return Stream.of(
                Arguments.of("Invalid --dtype \"uint7\": Unsupported data type: \"uint7\"", List.of("create", MEM, "--dtype", "uint7", "--shape", "3")),
                Arguments.of("Invalid --dtype \"\": Unsupported data type: \"\"", List.of("create", MEM, "--dtype", "", "--shape", "3")),
                Arguments.of("Invalid --shape \"3,x\": \"x\" is not an integer", List.of("create", MEM, "--dtype", "uint8", "--shape", "3,x")),
                Arguments.of("Invalid --shape \"-3\": -3 is negative", List.of("create", MEM, "--dtype", "uint8", "--shape", "-3")),
                Arguments.of("Invalid --shape \"99999999999999999999\": \"99999999999999999999\" is not an integer",
                        List.of("create", MEM, "--dtype", "uint8", "--shape", "99999999999999999999")),
                Arguments.of("Invalid --chunks \"x\": \"x\" is not an integer", List.of("create", MEM, "--dtype", "uint8", "--shape", "3", "--chunks", "x")),
                Arguments.of("Invalid --chunks \"0\": 0 is not positive", List.of("create", MEM, "--dtype", "uint8", "--shape", "3", "--chunks", "0")),
                Arguments.of("Invalid --chunks \"2\": 1 dimension, where --shape \"3,4\" has 2",
                        List.of("create", MEM, "--dtype", "uint8", "--shape", "3,4", "--chunks", "2")),
                Arguments.of("Invalid --value \"abc\": expected a number, true, false, or a (nested) JSON array of them", List.of("write", CREATING, "--value", "abc")),
                Arguments.of("Invalid --value \"[1, [2]]\": ragged nested array: element [1] is an array, expected a scalar",
                        List.of("write", CREATING, "--value", "[1, [2]]")),
                Arguments.of("Invalid index expression \"x\": \"x\" is not an integer, slice, ... or None", List.of("write", CREATING, "--index", "x", "--value", "1")),
                Arguments.of("Invalid index expression \"1,,2\": empty term at position 1", List.of("write", CREATING, "--index", "1,,2", "--value", "1")),
                Arguments.of("Invalid index expression \"1:3:0\": slice step cannot be zero", List.of("write", CREATING, "--index", "1:3:0", "--value", "1")),
                Arguments.of("Invalid index expression \"..., 1, ...\": an index can only have a single ellipsis (`...`)",
                        List.of("write", CREATING, "--index", "..., 1, ...", "--value", "1")),
                Arguments.of("Invalid --from \"\": the path is empty", List.of("write", CREATING, "--from", "")),
                Arguments.of("Invalid index expression \"a:b\": \"a\" is not an integer, slice, ... or None", List.of("read", MEM, "--index", "a:b")),
                Arguments.of("Invalid --out \"\": the path is empty", List.of("read", MEM, "--out", "")),
                Arguments.of("Invalid --block-bytes 0: must be positive", List.of("copy", MEM, dst, "--block-bytes", "0")),
                Arguments.of("Invalid --block-bytes -1: must be positive", List.of("copy", MEM, dst, "--block-bytes", "-1")),
                Arguments.of("Invalid index expression \"q\": \"q\" is not an integer, slice, ... or None", List.of("copy", MEM, dst, "--index", "q")),
                Arguments.of("Invalid --dir \"\": the path is empty", List.of("demo", "--store", "memory", "--dir", "")));
    }

    /**
     * A bad option value is a usage error, as picocli's own (an unknown option, a number that does
     * not parse) are: exit 2 and one {@code error:} line, found before the array is opened (it does
     * not exist here) or created.
     */
    @ParameterizedTest
    @MethodSource("badOptionValues")
    void badOptionValuesAreUsageErrors(String message, List<String> args) {
        assertEquals(message, cli.run(args.toArray(String[]::new)).usageError());
        assertEquals(List.of(), cli.context.memoryKvStore().list("").join(), "nothing was created");
    }

    /** Failures of the data, the store or the array, rather than of the command line, stay exit 1. */
    @Test
    void runtimeErrorsStayExitOne(@TempDir Path dir) {
        created();
        cli.run("write", MEM, "--value", "-1").error();
        cli.run("write", MEM, "--index", "70", "--value", "1").error();
        cli.run("write", MEM, "--index", "1, 2, 3", "--value", "1").error();
        cli.run("write", MEM, "--from", dir.resolve("none.npy").toString()).error();
        cli.run("read", MEM, "--out", dir.resolve("no/such/dir/a.npy").toString()).error();
        cli.run("read", MEM.replace("\"a\"", "\"none\""), "--index", "1").error();
        cli.run("create", MEM.replace("\"a\"", "\"b\""), "--shape", "3").error();
    }
}
