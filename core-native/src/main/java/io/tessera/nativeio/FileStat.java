package io.tessera.nativeio;

/**
 * The parts of {@code statx(2)} the stores need.
 *
 * @param dev the device number, as {@code st_dev} encodes it
 * @param ino the inode number
 * @param mtimeNanos the modification time in nanoseconds since the epoch
 * @param size the size in bytes
 * @param mode the file type and permission bits ({@code st_mode})
 */
public record FileStat(long dev, long ino, long mtimeNanos, long size, int mode) {
    private static final int S_IFMT = 0xF000;

    public boolean isRegularFile() { return (mode & S_IFMT) == 0x8000; }

    public boolean isDirectory() { return (mode & S_IFMT) == 0x4000; }

    /** Whether both describe the same file (device and inode). */
    public boolean sameFile(FileStat other) { return dev == other.dev && ino == other.ino; }
}
