/**
 * Parquet on the Spark side, and the <b>fence around Spark's internal classes</b>: every use of
 * {@code org.apache.spark.sql.catalyst}, {@code .execution}, {@code .internal} and {@code .classic}
 * in the job is in this package, so a Spark upgrade that changes them breaks here first (and
 * {@code SparkInternalsTest} pins each class and member relied on). Outside it the job uses only
 * Spark's public API.
 *
 * <ul>
 *   <li>{@link org.roifeatures.spark.parquet.FeatureParquetFormat} — the features writer
 *       ({@code output.writer=roi-features}): a {@code ParquetFileFormat} whose
 *       {@link org.roifeatures.spark.parquet.ParquetRowWriter} encodes pages in place from Spark's
 *       {@code InternalRow}s ({@link org.roifeatures.spark.parquet.ColumnChunkBuffer},
 *       {@link org.roifeatures.spark.parquet.PlainValues},
 *       {@link org.roifeatures.spark.parquet.StringDictionary}, ...). {@code output.writer=spark}
 *       is the documented fallback that needs none of it.</li>
 *   <li>{@link org.roifeatures.spark.parquet.EmptyParquetOutput} — an empty output with Spark's
 *       schema footer written from the driver.</li>
 *   <li>{@link org.roifeatures.spark.parquet.ParquetInputs} — a Parquet input's schema read from one
 *       footer on the driver with Spark's own conversion; falls back to Spark's inference.</li>
 * </ul>
 */
package org.roifeatures.spark.parquet;
