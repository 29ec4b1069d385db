/**
 * TensorStore's {@code file} key-value store, on-disk compatible with it: see
 * {@link io.tessera.kvstore.file.FileKvStore}.
 */
package io.tessera.kvstore.file;
