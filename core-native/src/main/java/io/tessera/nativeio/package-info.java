/**
 * Native file I/O through the FFM API: {@link io.tessera.nativeio.LibC} (blocking libc calls,
 * errno captured per call), {@link io.tessera.nativeio.NativeIOException} and
 * {@link io.tessera.nativeio.Errno} for failures, and {@link io.tessera.nativeio.FileIoDriver},
 * asynchronous file system calls on io_uring (raw system calls, no liburing) or, where io_uring
 * is missing, disabled or switched off with {@code -Dtessera.io_uring=false}, on a bounded
 * thread pool of blocking calls.
 */
package io.tessera.nativeio;
