/**
 * The zarr v2 compressors over {@link java.lang.foreign.MemorySegment}s: blosc, zlib, gzip, zstd,
 * bz2 and numcodecs' lz4.
 *
 * <p>{@link io.tessera.codecs.Codecs#fromJson} parses {@code .zarray}'s {@code "compressor"} with
 * TensorStore's defaults and checks; every {@link io.tessera.codecs.Codec} is immutable and
 * thread-safe. Decoding is for untrusted bytes: headers and sizes are checked against the chunk's
 * known decoded size before any native code runs, and every failure is a
 * {@link io.tessera.codecs.CodecException} naming the chunk key.
 *
 * <p>{@link io.tessera.codecs.JsonText} reads and writes JSON, here and in the modules above,
 * without the start-up cost of an {@code ObjectMapper}.
 */
package io.tessera.codecs;
