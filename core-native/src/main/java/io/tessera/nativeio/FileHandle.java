package io.tessera.nativeio;

/**
 * An open file descriptor together with the path it was opened with, so that a failure on the
 * descriptor can name the file.
 *
 * @param fd the descriptor
 * @param path the path given to {@code open}
 */
public record FileHandle(int fd, String path) {}
