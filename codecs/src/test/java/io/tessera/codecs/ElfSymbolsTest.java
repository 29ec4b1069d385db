package io.tessera.codecs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.scalableminds.bloscjava.Blosc;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The symbol table reader, against the dynamic loader and on damaged files. */
class ElfSymbolsTest {
    private static final Set<String> WANTED = Set.of("blosc_compress_ctx", "blosc_decompress_ctx",
            "Java_com_scalableminds_bloscjava_Blosc__1compress", "LZ4_compressBound", "no_such_function");

    private static byte[] bundled() throws Exception {
        try (InputStream in = Blosc.class.getClassLoader().getResourceAsStream("libbloscjni.so")) {
            return in.readAllBytes();
        }
    }

    /**
     * The oracle is the dynamic loader: for each exported function, the value read from the
     * symbol table plus one load base is where {@code dlsym} finds it. (Local functions have no
     * such oracle; {@link BloscLibTest} checks them by behaviour.)
     */
    @Test
    void exportedFunctionsLieWhereTheLoaderPutsThem() throws Exception {
        byte[] elf = bundled();
        Set<String> exported = Set.of("Java_com_scalableminds_bloscjava_Blosc__1compress",
                "Java_com_scalableminds_bloscjava_Blosc__1decompress", "LZ4_compressBound", "LZ4_versionNumber", "ZSTD_versionNumber");
        Map<String, Long> values = ElfSymbols.functions(elf, ElfSymbols.EM_X86_64, exported);
        assertEquals(exported, values.keySet());
        Path copy = Files.createTempFile("elf", ".so");
        try {
            Files.write(copy, elf);
            SymbolLookup lookup = SymbolLookup.libraryLookup(copy, Arena.global());
            Set<Long> bases = new java.util.HashSet<>();
            for (String name : exported) {
                bases.add(lookup.find(name).orElseThrow().address() - values.get(name));
            }
            assertEquals(1, bases.size(), bases.toString());
            assertEquals(0, bases.iterator().next() % 4096);
        } finally {
            Files.delete(copy);
        }
    }

    @Test
    void findsLocalFunctionsAndNotMissingOnes() throws Exception {
        Map<String, Long> ours = ElfSymbols.functions(bundled(), ElfSymbols.EM_X86_64, WANTED);
        assertEquals(Set.of("blosc_compress_ctx", "blosc_decompress_ctx", "Java_com_scalableminds_bloscjava_Blosc__1compress",
                "LZ4_compressBound"), ours.keySet());
    }

    @Test
    void rejectsOtherMachinesAndDamagedFiles() throws Exception {
        byte[] elf = bundled();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ElfSymbols.functions(elf, ElfSymbols.EM_AARCH64, WANTED));
        assertTrue(e.getMessage().contains("built for machine 62"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ElfSymbols.functions(new byte[10], ElfSymbols.EM_X86_64, WANTED));
        byte[] notElf = elf.clone();
        notElf[1] = 'X';
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ElfSymbols.functions(notElf, ElfSymbols.EM_X86_64, WANTED))
                .getMessage().contains("not an ELF file"));
        // Cut anywhere, the section headers (at the end) or the tables they name fall outside the file.
        for (int cut : new int[] {64, 4096, elf.length / 2, elf.length - 1}) {
            byte[] part = Arrays.copyOf(elf, cut);
            assertThrows(IllegalArgumentException.class, () -> ElfSymbols.functions(part, ElfSymbols.EM_X86_64, WANTED), "cut at " + cut);
        }
        // Random damage to the ELF header, the section headers and the symbol table: an answer or
        // IllegalArgumentException, never another exception.
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(elf).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int shoff = (int) b.getLong(0x28);
        int sections = Short.toUnsignedInt(b.getShort(0x3C)) * 64;
        int symtab = -1;
        for (int sh = shoff; sh < shoff + sections; sh += 64) {
            if (b.getInt(sh + 4) == 2) symtab = (int) b.getLong(sh + 0x18);
        }
        assertTrue(symtab > 0);
        int[][] regions = {{0, 64}, {shoff, sections}, {symtab, 24 * 64}};
        Random rnd = new Random(7);
        for (int i = 0; i < 6000; i++) {
            byte[] bad = elf.clone();
            int[] r = regions[i % regions.length];
            for (int k = 0; k < 4; k++) bad[r[0] + rnd.nextInt(r[1])] = (byte) rnd.nextInt();
            try {
                ElfSymbols.functions(bad, ElfSymbols.EM_X86_64, WANTED);
            } catch (IllegalArgumentException expected) {
                // fine
            }
        }
    }
}
