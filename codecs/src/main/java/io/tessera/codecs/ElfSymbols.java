package io.tessera.codecs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The function symbols of a little-endian ELF64 shared object's full symbol table
 * ({@code .symtab}), local ones included: what {@code dlsym} cannot find, because the library
 * exports only a few names, but a linked library still contains.
 *
 * <p>Every offset and size read from the file is checked against the file's length before use,
 * so a truncated or foreign file gives an {@link IllegalArgumentException}, never a wrong answer
 * from out-of-range bytes.
 */
final class ElfSymbols {
    private static final int SHT_SYMTAB = 2;
    private static final int STT_FUNC = 2;
    private static final int SYM_SIZE = 24;

    /** x86-64's {@code e_machine}. */
    static final int EM_X86_64 = 62;
    /** AArch64's {@code e_machine}. */
    static final int EM_AARCH64 = 183;

    private ElfSymbols() {}

    /**
     * The value (offset from the load base) of each defined function of {@code wanted} found in
     * {@code elf}'s {@code .symtab}; names not found are absent from the map.
     *
     * @param machine the {@code e_machine} the file must be built for
     * @throws IllegalArgumentException if {@code elf} is not a little-endian ELF64 file for
     *     {@code machine} with a symbol table, is truncated, or names two functions alike
     */
    static Map<String, Long> functions(byte[] elf, int machine, Set<String> wanted) {
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        require(elf.length >= 64 && b.getInt(0) == 0x464C457F, "not an ELF file");
        require(elf[4] == 2 && elf[5] == 1, "not a little-endian ELF64 file");
        require(Short.toUnsignedInt(b.getShort(18)) == machine, "built for machine " + Short.toUnsignedInt(b.getShort(18)) + ", not " + machine);
        long shoff = b.getLong(0x28);
        int shentsize = Short.toUnsignedInt(b.getShort(0x3A));
        int shnum = Short.toUnsignedInt(b.getShort(0x3C));
        require(shentsize >= 64 && inFile(elf, shoff, (long) shentsize * shnum), "section headers out of range");
        for (int i = 0; i < shnum; i++) {
            int sh = (int) (shoff + (long) i * shentsize);
            if (b.getInt(sh + 4) != SHT_SYMTAB) {
                continue;
            }
            long symOff = b.getLong(sh + 0x18);
            long symSize = b.getLong(sh + 0x20);
            int link = b.getInt(sh + 0x28);
            require(inFile(elf, symOff, symSize) && link >= 0 && link < shnum, "symbol table out of range");
            int strSh = (int) (shoff + (long) link * shentsize);
            long strOff = b.getLong(strSh + 0x18);
            long strSize = b.getLong(strSh + 0x20);
            require(inFile(elf, strOff, strSize), "string table out of range");
            Map<String, Long> found = new HashMap<>();
            for (long s = symOff; s + SYM_SIZE <= symOff + symSize; s += SYM_SIZE) {
                int at = (int) s;
                int type = elf[at + 4] & 0xF;
                int section = Short.toUnsignedInt(b.getShort(at + 6));
                long value = b.getLong(at + 8);
                long size = b.getLong(at + 16);
                if (type != STT_FUNC || section == 0 || size <= 0) {
                    continue;
                }
                String name = cString(elf, strOff, strSize, Integer.toUnsignedLong(b.getInt(at)));
                if (name != null && wanted.contains(name)) {
                    // Static functions of different files may share a name: then no answer is right.
                    Long other = found.put(name, value);
                    require(other == null || other == value, "more than one function is named " + name);
                }
            }
            return found;
        }
        throw new IllegalArgumentException("no symbol table (stripped)");
    }

    private static boolean inFile(byte[] elf, long offset, long length) {
        return offset >= 0 && length >= 0 && offset <= elf.length && length <= elf.length - offset;
    }

    private static String cString(byte[] elf, long tableOff, long tableSize, long index) {
        if (index >= tableSize) {
            return null;
        }
        int start = (int) (tableOff + index);
        int end = start;
        int limit = (int) (tableOff + tableSize);
        while (end < limit && elf[end] != 0) {
            end++;
        }
        return end < limit ? new String(elf, start, end - start, java.nio.charset.StandardCharsets.ISO_8859_1) : null;
    }

    private static void require(boolean ok, String problem) {
        if (!ok) {
            throw new IllegalArgumentException("ELF: " + problem);
        }
    }
}
