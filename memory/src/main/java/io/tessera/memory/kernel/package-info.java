/**
 * The bulk kernels behind {@link io.tessera.memory.ArrayOps}: N-d strided copy with fused dtype
 * conversion and broadcast, byte swap and bytewise comparison, as {@link
 * io.tessera.memory.kernel.VectorKernels} (Vector API) and its scalar twin {@link
 * io.tessera.memory.kernel.ScalarKernels}. {@link io.tessera.memory.kernel.Kernels} picks one at
 * start ({@code -Dtessera.kernels=vector|scalar}). This is the only package that uses
 * {@code jdk.incubator.vector}.
 */
package io.tessera.memory.kernel;
