package org.roifeatures.spark;

/** How the {@code features} column stores a vector. */
public enum VectorFormat {
  /** Raw little-endian bytes of the vector (fastest to write; numpy.frombuffer reads it). */
  BINARY,
  /** {@code array<float>}: self-describing for SQL and pyarrow readers. */
  ARRAY,
  /** Spark ML {@code VectorUDT} (dense, double): for Spark ML classifiers. */
  VECTOR
}
