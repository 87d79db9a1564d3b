package org.roifeatures.bench;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.roifeatures.spark.io.NpyArrays;

/**
 * The benchmarks' view of {@code .npy} files (what {@code tv_bench.py --save} writes): the job's one
 * parser, {@link NpyArrays}, with int shapes and errors that name the file.
 */
public final class Npy {

  /** An array's shape and its values in C order. */
  public record Array(int[] shape, float[] data) {}

  private Npy() {}

  public static Array read(Path file) throws IOException {
    return parse(Files.readAllBytes(file), file.toString());
  }

  /** Parses the bytes of a .npy file; {@code name} is only used in error messages. */
  public static Array parse(byte[] bytes, String name) {
    NpyArrays.FloatArray a;
    try {
      a = NpyArrays.read(new ByteArrayInputStream(bytes));
    } catch (IOException e) {
      throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
    }
    int[] shape = new int[a.shape().length];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = Math.toIntExact(a.shape()[i]);
    }
    return new Array(shape, a.data());
  }
}
